"""What a store manager sees first: today against the same weekday last week, and what
needs attention (stock alerts, orders on their way, suggestions waiting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from analytics.models import DailyRollup, StoreDayRollup
from stores.models import Store

from . import purchasing
from .models import (
    Alert,
    PurchaseOrder,
    Sale,
    SaleKind,
    SaleLine,
    StockLevel,
    Suggestion,
    SuggestionStatus,
)  # fmt: skip


@dataclass
class DaySales:
    day: date
    revenue: Decimal = Decimal("0")
    sales: int = 0
    units: Decimal = Decimal("0")
    whole_day: bool = False  # from the day's rollup: receipts older than the kept sales


@dataclass
class StoreSummary:
    today: DaySales
    last_week: DaySales
    change_pct: float | None
    negative: int
    alerts: list = field(default_factory=list)
    open_orders: list = field(default_factory=list)
    suggestions_waiting: int = 0
    suggestions_value: Decimal = Decimal("0")


def day_sales(store: Store, day: date, *, until=None) -> DaySales:
    """Sales of one business day (net of returns), up to ``until`` local time if given, so
    that "today so far" compares with last week *at the same hour*."""
    sales = Sale.objects.for_store(store).filter(business_day=day)
    if until is not None:
        sales = sales.filter(sold_at__lte=until)
    totals = sales.values("kind").annotate(revenue=Sum("total"), n=Count("id"))
    result = DaySales(day=day)
    for row in totals:
        sign = -1 if row["kind"] == SaleKind.RETURN else 1
        result.revenue += sign * (row["revenue"] or 0)
        if row["kind"] != SaleKind.RETURN:
            result.sales += row["n"]
    lines = SaleLine.objects.for_store(store).filter(business_day=day, sale__kind=SaleKind.SALE)
    if until is not None:
        lines = lines.filter(sale__sold_at__lte=until)
    result.units = lines.aggregate(u=Sum("quantity"))["u"] or Decimal("0")
    return result


def _rolled_up_day(store: Store, day: date) -> DaySales | None:
    """A past day's whole-day totals from its rollup, where its receipts are not kept."""
    row = StoreDayRollup.objects.for_store(store).filter(day=day).first()
    if row is None:
        return None
    return DaySales(day=day, revenue=row.revenue - row.returns_value, units=row.units, whole_day=True)


def summary(store: Store, *, now: datetime | None = None) -> StoreSummary:
    now = now or timezone.now()
    today = store.business_day(now)
    today_sales = day_sales(store, today)
    last_week = day_sales(store, today - timedelta(days=7), until=now - timedelta(days=7))
    if not last_week.sales:
        last_week = _rolled_up_day(store, today - timedelta(days=7)) or last_week
    change = None
    if last_week.revenue:
        change = round(float((today_sales.revenue - last_week.revenue) / last_week.revenue * 100), 1)
    alerts = list(
        Alert.objects.for_store(store)
        .filter(cleared_on__isnull=True)
        .select_related("product")
        .order_by("kind", "on_hand", "product__sku")[:12]
    )
    orders = list(
        PurchaseOrder.objects.for_store(store)
        .filter(status__in=purchasing.NOT_CLOSED)
        .select_related("supplier")
        .order_by("expected_on", "pk")[:8]
    )
    waiting = Suggestion.objects.for_store(store).filter(status=SuggestionStatus.PROPOSED)
    agg = waiting.aggregate(
        n=Count("id"), value=Sum(ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField()))
    )
    return StoreSummary(
        today=today_sales,
        last_week=last_week,
        change_pct=change,
        negative=StockLevel.objects.for_store(store).filter(on_hand__lt=0).count(),
        alerts=alerts,
        open_orders=orders,
        suggestions_waiting=agg["n"] or 0,
        suggestions_value=Decimal(agg["value"] or 0).quantize(Decimal("0.01")),
    )


@dataclass
class ProductHistory:
    days: list[str]
    on_hand: list[float | None]
    units: list[float]


def product_history(store: Store, product_id: int, *, end: date, days: int = 90) -> ProductHistory:
    """Daily sales and closing on hand for the chart, from the rollups (one indexed read)."""
    start = end - timedelta(days=days - 1)
    rows = {
        r["day"]: r
        for r in DailyRollup.objects.for_store(store)
        .filter(product_id=product_id, day__range=(start, end))
        .values("day", "units", "closing_on_hand")
    }
    history = ProductHistory(days=[], on_hand=[], units=[])
    last_on_hand: float | None = None
    for i in range(days):
        day = start + timedelta(days=i)
        row = rows.get(day)
        if row is not None and row["closing_on_hand"] is not None:
            last_on_hand = float(row["closing_on_hand"])
        history.days.append(day.isoformat())
        history.on_hand.append(last_on_hand)
        history.units.append(float(row["units"]) if row else 0.0)
    return history
