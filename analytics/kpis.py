"""KPI selectors: plain functions the API and the pages call. They read rollups (never raw
sales) and take the stores already scoped by the caller (see :func:`scoped_stores`).

Definitions (also in docs/WAREHOUSE.md):

- net sales = revenue - returns value; margin = revenue - cost.
- prior period: the same number of days immediately before ``date_from``;
  same period last year: the same dates shifted back 364 days (52 weeks, so weekdays align).
- sell-through = units sold / (units sold + closing on hand at ``date_to``).
- stock turn = cost of goods sold / average inventory at cost (average of the daily closing
  on hand x product cost over the days of the period), also annualised.
- days of cover = closing on hand at ``date_to`` / average daily units sold.
- GMROI = margin / average inventory at cost.
- stock-out rate = rollup rows flagged ``stockout`` / all rollup rows of the period
  (one row per stocked or active store-product-day).
- ABC by revenue: products sorted by revenue; A up to 80 % of the cumulative revenue,
  B up to 95 %, C the rest.
- dead stock: on hand > 0 now and no unit sold in the last N days.
- movers: products ranked by units sold in the period, with the prior period's units.
- shrinkage by reason: ledger movements of kind shrinkage in the period, by reason.
- forecast accuracy: the replenishment engine's nightly forecast (``Suggestion.demand_per_day``)
  over the next N days against the units then sold (see :func:`forecast_accuracy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from inventory.models import Alert, MovementKind, StockLevel, StockMovement
from stores.access import stores_visible_to
from stores.models import Region, Store

from .models import CategoryDayRollup, DailyRollup, StoreDayRollup, StoreStockHealth

ZERO = Decimal("0")
GROUPS = ("store", "region", "category", "day")
MAX_PERIOD_DAYS = 731  # the longest period a query or a report covers: two years, a leap day included
LAST_YEAR = timedelta(days=364)


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def prior(self) -> Period:
        return Period(self.date_from - timedelta(days=self.days), self.date_from - timedelta(days=1))

    def last_year(self) -> Period:
        return Period(self.date_from - LAST_YEAR, self.date_to - LAST_YEAR)


@dataclass(frozen=True)
class Scope:
    """Which stores a KPI covers. ``everything`` lets a query skip the store filter."""

    store_ids: tuple[int, ...]
    everything: bool = False

    def filter(self, queryset: QuerySet, field: str = "store_id") -> QuerySet:
        return queryset if self.everything else queryset.filter(**{f"{field}__in": self.store_ids})


def scoped_stores(user, *, store_code: str | None = None, region_code: str | None = None) -> Scope:
    """The stores ``user`` may see, narrowed by a store or region code. A store or region
    outside what the user sees is a 404 (never a hint that it exists)."""
    visible = stores_visible_to(user)
    narrowed = visible
    if store_code:
        narrowed = narrowed.filter(code=store_code)
        if not narrowed.exists():
            raise Http404(_("No such store."))
    if region_code:
        if not Region.objects.filter(code=region_code, stores__in=visible).exists():
            raise Http404(_("No such region."))
        narrowed = narrowed.filter(region__code=region_code)
    ids = tuple(narrowed.order_by("pk").values_list("pk", flat=True))
    everything = not store_code and not region_code and len(ids) == Store.objects.count()
    return Scope(store_ids=ids, everything=everything)


def _pct(now: Decimal, before: Decimal) -> float | None:
    return None if not before else round(float((now - before) / before * 100), 2)


def _ratio(a, b, digits: int = 4) -> float | None:
    return None if not b else round(float(Decimal(a) / Decimal(b)), digits)


def _group_field(group_by: str) -> tuple[str, str | None]:
    return {
        "store": ("store_id", "store__code"),
        "region": ("store__region_id", "store__region__code"),
        "category": ("category_id", "category__name"),
        "day": ("day", None),
    }[group_by]


def sales(*, scope: Scope, period: Period, group_by: str = "store") -> list[dict]:
    """Net sales, units and margin per group, with the prior period and the same period
    last year, in one query over the (store, day) summary (the (store, category, day)
    one for ``group_by="category"``)."""
    key, label = _group_field(group_by)
    prior, last_year = period.prior(), period.last_year()
    windows = {"cur": period, "prior": prior, "ly": last_year}
    if group_by == "day":
        windows = {"cur": period}

    def within(p: Period) -> Q:
        return Q(day__gte=p.date_from, day__lte=p.date_to)

    def total(field: str, p: Period):
        return Coalesce(Sum(Case(When(within(p), then=F(field)), default=Value(ZERO))), Value(ZERO))

    aggregates = {}
    for name, p in windows.items():
        aggregates[f"{name}_revenue"] = total("revenue", p)
        aggregates[f"{name}_returns"] = total("returns_value", p)
    aggregates["cur_units"] = total("units", period)
    aggregates["cur_cost"] = total("cost", period)
    span = Q()
    for p in windows.values():
        span |= within(p)
    values = [key, label] if label else [key]
    summary = CategoryDayRollup if group_by == "category" else StoreDayRollup
    rows = scope.filter(summary.objects.filter(span)).values(*values).annotate(**aggregates).order_by(key)
    result = []
    for row in rows:
        net = row["cur_revenue"] - row["cur_returns"]
        item = {
            "key": row[key].isoformat() if group_by == "day" else row[key],
            "label": row[label] if label else row[key].isoformat(),
            "units": row["cur_units"],
            "revenue": row["cur_revenue"],
            "returns_value": row["cur_returns"],
            "net_sales": net,
            "margin": row["cur_revenue"] - row["cur_cost"],
        }
        if group_by != "day":
            prior_net = row["prior_revenue"] - row["prior_returns"]
            ly_net = row["ly_revenue"] - row["ly_returns"]
            item.update(
                prior_net_sales=prior_net,
                change_vs_prior_pct=_pct(net, prior_net),
                last_year_net_sales=ly_net,
                change_vs_last_year_pct=_pct(net, ly_net),
            )
        if group_by == "day" and net == 0 and row["cur_units"] == 0:
            continue
        result.append(item)
    return result


def _inventory_value() -> ExpressionWrapper:
    return ExpressionWrapper(
        Coalesce(F("closing_on_hand"), Value(ZERO)) * F("product__cost"),
        output_field=DecimalField(max_digits=20, decimal_places=5),
    )


def inventory(*, scope: Scope, period: Period, group_by: str = "store") -> list[dict]:
    """Sell-through, stock turn, days of cover, GMROI and stock-out rate per group."""
    key, label = {
        "store": ("store_id", "store__code"),
        "region": ("store__region_id", "store__region__code"),
        "category": ("product__category_id", "product__category__name"),
        "day": ("day", None),
    }[group_by]
    values = [key, label] if label else [key]
    at_end = Q(day=period.date_to)
    rows = (
        scope.filter(DailyRollup.objects.filter(day__gte=period.date_from, day__lte=period.date_to))
        .values(*values)
        .annotate(
            units=Sum("units"),
            revenue=Sum("revenue"),
            cost=Sum("cost"),
            inventory_cost=Sum(_inventory_value()),
            closing=Coalesce(Sum(Case(When(at_end, then=F("closing_on_hand")), default=Value(ZERO))), Value(ZERO)),
            rows=Count("id"),
            stockouts=Count("id", filter=Q(stockout=True)),
        )
        .order_by(key)
    )
    days = period.days
    result = []
    for row in rows:
        avg_inventory = Decimal(row["inventory_cost"] or 0) / days
        avg_daily_units = Decimal(row["units"] or 0) / days
        margin = (row["revenue"] or ZERO) - (row["cost"] or ZERO)
        turn = _ratio(row["cost"] or 0, avg_inventory)
        result.append(
            {
                "key": row[key].isoformat() if group_by == "day" else row[key],
                "label": row[label] if label else row[key].isoformat(),
                "units": row["units"],
                "closing_on_hand": row["closing"],
                "sell_through": _ratio(row["units"] or 0, (row["units"] or 0) + row["closing"]),
                "stock_turn": turn,
                "stock_turn_annualised": None if turn is None else round(turn * 365 / days, 4),
                "days_of_cover": _ratio(row["closing"], avg_daily_units, 1),
                "gmroi": _ratio(margin, avg_inventory),
                "stockout_rate": _ratio(row["stockouts"], row["rows"]),
            }
        )
    return result


def abc_classes(*, scope: Scope, period: Period, per_store: bool = False, limit: int | None = None) -> list[dict]:
    """ABC classes by revenue, company-wide (over the scope) or per store."""
    keys = ["store_id", "store__code", "product_id", "product__sku"] if per_store else ["product_id", "product__sku"]
    rows = list(
        scope.filter(DailyRollup.objects.filter(day__gte=period.date_from, day__lte=period.date_to))
        .values(*keys)
        .annotate(revenue=Sum("revenue"))
        .filter(revenue__gt=0)
        .order_by(*(["store_id"] if per_store else []), "-revenue", "product_id")
    )
    totals: dict[int | None, Decimal] = {}
    for row in rows:
        group = row["store_id"] if per_store else None
        totals[group] = totals.get(group, ZERO) + row["revenue"]
    running: dict[int | None, Decimal] = {}
    result = []
    for row in rows:
        group = row["store_id"] if per_store else None
        share_before = running.get(group, ZERO) / totals[group]
        running[group] = running.get(group, ZERO) + row["revenue"]
        abc = "A" if share_before < Decimal("0.80") else "B" if share_before < Decimal("0.95") else "C"
        item = {
            "product_id": row["product_id"],
            "sku": row["product__sku"],
            "revenue": row["revenue"],
            "cumulative_share": round(float(running[group] / totals[group]), 4),
            "class": abc,
        }
        if per_store:
            item = {"store_id": row["store_id"], "store": row["store__code"], **item}
        result.append(item)
    return result[:limit] if limit else result


def dead_stock(*, scope: Scope, today: date, days: int = 90, limit: int | None = 500) -> list[dict]:
    """Store-products with stock on hand now and no unit sold in the last ``days`` days."""
    since = today - timedelta(days=days - 1)
    sold = DailyRollup.objects.filter(
        store_id=OuterRef("store_id"), product_id=OuterRef("product_id"), day__gte=since, day__lte=today, units__gt=0
    )
    levels = (
        scope.filter(StockLevel.objects.filter(on_hand__gt=0)).exclude(Exists(sold)).select_related("store", "product")
    )
    result = []
    for level in levels.order_by("store__code", "product__sku"):
        result.append(
            {
                "store": level.store.code,
                "product_id": level.product_id,
                "sku": level.product.sku,
                "on_hand": level.on_hand,
                "value_at_cost": (level.on_hand * level.product.cost).quantize(Decimal("0.01")),
                "last_sale_at": level.last_sale_at,
            }
        )
        if limit and len(result) >= limit:
            break
    return result


def movers(*, scope: Scope, period: Period, limit: int = 20) -> dict[str, list[dict]]:
    """Top and bottom products by units sold in the period (bottom: among products with a
    rollup row, i.e. stocked or active), with the prior period's units beside them."""
    prior = period.prior()
    rows = list(
        scope.filter(DailyRollup.objects.filter(day__gte=prior.date_from, day__lte=period.date_to))
        .values("product_id", "product__sku", "product__name")
        .annotate(
            cur_units=Coalesce(Sum("units", filter=Q(day__gte=period.date_from)), Value(ZERO)),
            prev_units=Coalesce(Sum("units", filter=Q(day__lt=period.date_from)), Value(ZERO)),
        )
    )

    def shape(row: dict) -> dict:
        return {
            "product_id": row["product_id"],
            "sku": row["product__sku"],
            "name": row["product__name"],
            "units": row["cur_units"],
            "prior_units": row["prev_units"],
            "change_pct": _pct(row["cur_units"], row["prev_units"]),
        }

    ranked = sorted(rows, key=lambda r: (-r["cur_units"], r["product_id"]))
    bottom = sorted(rows, key=lambda r: (r["cur_units"], r["product_id"]))
    return {"top": [shape(r) for r in ranked[:limit]], "bottom": [shape(r) for r in bottom[:limit]]}


def shrinkage_by_reason(*, scope: Scope, period: Period) -> list[dict]:
    """Shrinkage movements by reason: units (positive) and value at the movement's cost."""
    value = ExpressionWrapper(
        -F("quantity") * Coalesce(F("unit_cost"), F("product__cost")),
        output_field=DecimalField(max_digits=20, decimal_places=5),
    )
    rows = (
        scope.filter(
            StockMovement.objects.filter(
                kind=MovementKind.SHRINKAGE, business_day__gte=period.date_from, business_day__lte=period.date_to
            )
        )
        .values("reason")
        .annotate(units=Sum(-F("quantity")), value=Sum(value), movements=Count("id"))
        .order_by("-value", "reason")
    )
    return [
        {
            "reason": row["reason"] or "unspecified",
            "units": row["units"],
            "value": Decimal(row["value"] or 0).quantize(Decimal("0.01")),
            "movements": row["movements"],
        }
        for row in rows
    ]


def forecast_accuracy(*, scope: Scope, period: Period, horizon_days: int = 7, group_by: str = "store") -> list[dict]:
    """How well the replenishment engine's demand forecast matched what then sold.

    Source: each nightly suggestion (``inventory.Suggestion``) stores the forecast it was
    computed from, ``demand_per_day``, for its (store, product, business day). The forecast
    for the next ``horizon_days`` days (``demand_per_day x horizon_days``) is compared with
    the units sold in those days (rollups). Only suggestions whose horizon ended by
    ``period.date_to`` count. WAPE = sum |forecast - actual| / sum actual; bias = sum
    (forecast - actual) / sum actual (positive: over-forecast); accuracy = 1 - WAPE.
    Products the engine made no suggestion for that night are not covered."""
    from inventory.models import Suggestion

    last_night = period.date_to - timedelta(days=horizon_days)
    forecasts = list(
        scope.filter(Suggestion.objects.filter(business_day__gte=period.date_from, business_day__lte=last_night))
        .values_list("store_id", "store__code", "product_id", "business_day", "demand_per_day")
        .order_by("store_id", "product_id", "business_day")
    )
    if not forecasts:
        return []
    products = {f[2] for f in forecasts}
    stores = {f[0] for f in forecasts}
    sold: dict[tuple[int, int, date], Decimal] = {
        (s, p, d): u
        for s, p, d, u in DailyRollup.objects.filter(
            store_id__in=stores,
            product_id__in=products,
            day__gt=min(f[3] for f in forecasts),
            day__lte=last_night + timedelta(days=horizon_days),
        ).values_list("store_id", "product_id", "day", "units")
    }
    groups: dict[object, dict] = {}
    for store_id, code, product_id, night, per_day in forecasts:
        forecast = float(per_day) * horizon_days
        actual = float(
            sum(
                (sold.get((store_id, product_id, night + timedelta(days=n)), ZERO) for n in range(1, horizon_days + 1)),
                ZERO,
            )
        )
        key, label = (store_id, code) if group_by == "store" else (None, "all")
        entry = groups.setdefault(key, {"key": key, "label": label, "forecasts": 0, "forecast": 0.0, "actual": 0.0,
                                         "abs_error": 0.0})  # fmt: skip
        entry["forecasts"] += 1
        entry["forecast"] += forecast
        entry["actual"] += actual
        entry["abs_error"] += abs(forecast - actual)
    result = []
    for entry in groups.values():
        actual = entry["actual"]
        wape = entry["abs_error"] / actual if actual else None
        result.append(
            {
                "key": entry["key"],
                "label": entry["label"],
                "forecasts": entry["forecasts"],
                "forecast_units": round(entry["forecast"], 3),
                "actual_units": round(actual, 3),
                "wape": None if wape is None else round(wape, 4),
                "bias": None if not actual else round((entry["forecast"] - actual) / actual, 4),
                "accuracy": None if wape is None else round(1 - wape, 4),
                "horizon_days": horizon_days,
            }
        )
    return result


def stock_health(*, scope: Scope, group_by: str = "store") -> dict[int, dict]:
    """Stock now, per store or region: units on hand, products carried, how many are out
    (on hand <= 0), the out-of-stock rate and ``refreshed_at``. Read from the per-store
    snapshot (:mod:`analytics.stock_health`, at most ``MAX_AGE`` old, refreshed here when
    older) so the head-office pages do not aggregate 384,000 stock levels per request."""
    from . import stock_health as snapshot

    store_ids = scope.store_ids if not scope.everything else Store.objects.values_list("pk", flat=True)
    snapshot.ensure_fresh(store_ids)
    key = {"store": "store_id", "region": "store__region_id"}[group_by]
    rows = (
        scope.filter(StoreStockHealth.objects.all())
        .values(key)
        .annotate(stock=Sum("on_hand"), n=Sum("carried"), n_out=Sum("out"), at=Min("refreshed_at"))
    )
    return {
        row[key]: {
            "on_hand": row["stock"] or ZERO,
            "carried": row["n"] or 0,
            "out": row["n_out"] or 0,
            "out_of_stock_rate": _ratio(row["n_out"] or 0, row["n"]),
            "refreshed_at": row["at"],
        }
        for row in rows
    }


def top_categories(*, scope: Scope, period: Period, limit: int = 8) -> list[dict]:
    """Net sales by category over ``period`` (one window, no comparison), best first."""
    rows = (
        scope.filter(CategoryDayRollup.objects.filter(day__gte=period.date_from, day__lte=period.date_to))
        .values("category_id", "category__name")
        .annotate(net=Sum(F("revenue") - F("returns_value")), units=Sum("units"))
        .order_by("-net")[:limit]
    )
    return [{"key": r["category_id"], "label": r["category__name"], "net_sales": r["net"], "units": r["units"]}
            for r in rows]  # fmt: skip


def open_alerts(*, scope: Scope) -> list[dict]:
    """Stores with open (uncleared) stock alerts: ``store_id``, ``store__code``,
    ``store__name`` and ``n``, worst first."""
    return list(
        scope.filter(Alert.objects.filter(cleared_on__isnull=True))
        .values("store_id", "store__code", "store__name")
        .annotate(n=Count("id"))
        .order_by("-n", "store__code")
    )


def store_comparison(user, *, period: Period, region_code: str | None = None) -> list[dict]:
    """One row per visible store: sales against prior period and last year, margin, stock
    now (sell-through over the period, days of cover at its pace, out-of-stock rate), open alerts."""
    scope = scoped_stores(user, region_code=region_code)
    by_store = {r["key"]: r for r in sales(scope=scope, period=period, group_by="store")}
    stock = stock_health(scope=scope, group_by="store")
    alerts = {row["store_id"]: row["n"] for row in open_alerts(scope=scope)}
    stores = stores_visible_to(user).filter(pk__in=scope.store_ids).select_related("region").order_by("code")
    rows = []
    for store in stores:
        s, i = by_store.get(store.pk, {}), stock.get(store.pk, {})
        net, units, on_hand = s.get("net_sales") or 0, s.get("units") or 0, i.get("on_hand") or 0
        per_day = units / period.days
        rows.append({
            "store": store.code, "name": store.name, "region": store.region.name,
            "net_sales": net, "change_vs_prior_pct": s.get("change_vs_prior_pct"),
            "change_vs_last_year_pct": s.get("change_vs_last_year_pct"),
            "margin_pct": round(float(s["margin"] / s["revenue"] * 100), 1) if s.get("revenue") else None,
            "sell_through": round(float(units / (units + on_hand)), 3) if units + on_hand > 0 else None,
            "days_of_cover": round(float(on_hand / per_day), 1) if per_day else None,
            "out_of_stock_rate": i.get("out_of_stock_rate"), "open_alerts": alerts.get(store.pk, 0),
        })  # fmt: skip
    return rows
