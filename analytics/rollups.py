"""Daily rollups per (store, product, business day), kept current from sales and the ledger.

What a row says (all from source, never accumulated in place, so a recompute is exact):

- ``units``, ``revenue``, ``cost``: sale lines of kind *sale* that day
  (revenue = quantity x unit_price - discount; cost = quantity x unit_cost);
  ``returns_units``/``returns_value``: lines of kind *return* (positive numbers);
  net sales = revenue - returns_value; margin = revenue - cost.
- ``receipts_units``: movements of kind *receipt*; ``shrinkage_units``: movements of kind
  *shrinkage*, as a positive number.
- ``closing_on_hand``: ``StockLevel.on_hand`` now minus the movements of later business
  days (for today: on hand now). ``stockout``: closing on hand <= 0.

Which rows exist for a (store, day): every product with a sale line or a movement that day,
every product whose closing on hand is not zero, and every in-assortment product at zero
or below that had stock history on or before that day (so a product out of stock all day
still has its stock-out row). Sources are append-only, so a recompute only adds rows.

Each refresh of a (store, day) also rebuilds that day's :class:`CategoryDayRollup` rows
and its :class:`StoreDayRollup` row (delete-then-insert in the same transaction), which
the head-office KPIs read.

Paths: on PostgreSQL one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` per (store, day);
elsewhere (SQLite, the embedded default) ORM aggregation and
``bulk_create(update_conflicts=True)``. Both compute the same numbers (tested).

Freshness: the POS ingest records ``sale.posted`` outbox events; :func:`handle_sale_posted`
refreshes what one names. Independently, :func:`refresh_since_watermark` (beat, every two
minutes) finds the (store, day, products) touched since its watermark from the sales and
the ledger themselves, so rollups stay fresh even if no event handler is wired.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import MovementKind, SaleKind, SaleLine, StockLevel, StockMovement
from stores.models import Store

from .models import CategoryDayRollup, DailyRollup, RollupWatermark, StoreDayRollup

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
WATERMARK = "rollups"
# Rows are stamped when inserted but become visible at commit; re-reading this much of the
# past each run means a slow transaction is never skipped (a refresh is idempotent).
WATERMARK_OVERLAP = timedelta(minutes=2)
FIRST_RUN_LOOKBACK = timedelta(days=1)
ROLLUP_FIELDS = [
    "units", "revenue", "cost", "returns_units", "returns_value", "receipts_units", "shrinkage_units",
    "closing_on_hand", "stockout",
]  # fmt: skip

_PRODUCT_FILTER = "AND {alias}product_id = ANY(%(product_ids)s)"

_REFRESH_SQL = """
WITH sales AS (
    SELECT sl.product_id,
        SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity ELSE 0 END) AS units,
        SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity * sl.unit_price - sl.discount ELSE 0 END) AS revenue,
        SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity * COALESCE(sl.unit_cost, 0) ELSE 0 END) AS cost,
        SUM(CASE WHEN s.kind = 'return' THEN sl.quantity ELSE 0 END) AS returns_units,
        SUM(CASE WHEN s.kind = 'return' THEN sl.quantity * sl.unit_price - sl.discount ELSE 0 END) AS returns_value
    FROM inventory_saleline sl JOIN inventory_sale s
        ON s.id = sl.sale_id AND s.store_id = %(store_id)s AND s.business_day = %(day)s
    WHERE sl.store_id = %(store_id)s AND sl.business_day = %(day)s {sl_filter}
    GROUP BY sl.product_id
), moves AS (
    SELECT m.product_id,
        SUM(CASE WHEN m.kind = 'receipt' THEN m.quantity ELSE 0 END) AS receipts_units,
        SUM(CASE WHEN m.kind = 'shrinkage' THEN -m.quantity ELSE 0 END) AS shrinkage_units
    FROM inventory_stockmovement m
    WHERE m.store_id = %(store_id)s AND m.business_day = %(day)s {m_filter}
    GROUP BY m.product_id
), later AS (
    SELECT m.product_id, SUM(m.quantity) AS quantity
    FROM inventory_stockmovement m
    WHERE m.store_id = %(store_id)s AND m.business_day > %(day)s {m_filter}
    GROUP BY m.product_id
), levels AS (
    SELECT lv.product_id, lv.in_assortment, lv.on_hand - COALESCE(later.quantity, 0) AS closing
    FROM inventory_stocklevel lv LEFT JOIN later ON later.product_id = lv.product_id
    WHERE lv.store_id = %(store_id)s {lv_filter}
), keyset AS (
    SELECT product_id FROM sales
    UNION SELECT product_id FROM moves
    UNION SELECT product_id FROM levels WHERE closing <> 0
    UNION SELECT l.product_id FROM levels l
        WHERE l.in_assortment AND l.closing <= 0 AND EXISTS (
            SELECT 1 FROM inventory_stockmovement h
            WHERE h.store_id = %(store_id)s AND h.product_id = l.product_id AND h.business_day <= %(day)s)
)
INSERT INTO analytics_dailyrollup (
    store_id, product_id, day, units, revenue, cost, returns_units, returns_value,
    receipts_units, shrinkage_units, closing_on_hand, stockout)
SELECT %(store_id)s, k.product_id, %(day)s,
    COALESCE(s.units, 0), COALESCE(s.revenue, 0), ROUND(COALESCE(s.cost, 0), 2),
    COALESCE(s.returns_units, 0), COALESCE(s.returns_value, 0),
    COALESCE(m.receipts_units, 0), COALESCE(m.shrinkage_units, 0),
    lv.closing, COALESCE(lv.closing, 0) <= 0
FROM keyset k
LEFT JOIN sales s ON s.product_id = k.product_id
LEFT JOIN moves m ON m.product_id = k.product_id
LEFT JOIN levels lv ON lv.product_id = k.product_id
ON CONFLICT (store_id, product_id, day) DO UPDATE SET
    units = EXCLUDED.units, revenue = EXCLUDED.revenue, cost = EXCLUDED.cost,
    returns_units = EXCLUDED.returns_units, returns_value = EXCLUDED.returns_value,
    receipts_units = EXCLUDED.receipts_units, shrinkage_units = EXCLUDED.shrinkage_units,
    closing_on_hand = EXCLUDED.closing_on_hand, stockout = EXCLUDED.stockout
"""

_CATEGORY_SQL = """
INSERT INTO analytics_categorydayrollup (
    store_id, category_id, day, units, revenue, cost, returns_units, returns_value, products_sold)
SELECT r.store_id, p.category_id, r.day, SUM(r.units), SUM(r.revenue), SUM(r.cost),
    SUM(r.returns_units), SUM(r.returns_value), COUNT(*) FILTER (WHERE r.units <> 0)
FROM analytics_dailyrollup r JOIN inventory_product p ON p.id = r.product_id
WHERE r.store_id = %(store_id)s AND r.day = %(day)s
GROUP BY r.store_id, p.category_id, r.day
HAVING SUM(r.units) <> 0 OR SUM(r.returns_units) <> 0
"""

_STORE_DAY_SQL = """
INSERT INTO analytics_storedayrollup (
    store_id, day, units, revenue, cost, returns_units, returns_value, products_sold)
SELECT store_id, day, SUM(units), SUM(revenue), SUM(cost), SUM(returns_units), SUM(returns_value),
    SUM(products_sold)
FROM analytics_categorydayrollup
WHERE store_id = %(store_id)s AND day = %(day)s
GROUP BY store_id, day
"""


def _money(expr) -> ExpressionWrapper:
    return ExpressionWrapper(expr, output_field=DecimalField(max_digits=18, decimal_places=4))


ROLLUP_LOCK_CLASS = 0x2F000000  # two-key advisory locks (store, day); the outbox uses the one-key form


@transaction.atomic
def refresh_day(*, store_id: int, day: date, product_ids: list[int] | None = None) -> int:
    """Recompute the rollup rows of (``store_id``, ``day``) from source and upsert them;
    ``product_ids`` narrows the recompute to those products (None: the whole store).
    Idempotent: running it twice leaves the same rows. Returns the rows written."""
    if product_ids is not None:
        product_ids = sorted({int(pid) for pid in product_ids})
        if not product_ids:
            return 0
    if connection.vendor == "postgresql":
        # One refresh of a (store, day) at a time. Without it two workers refreshing the
        # same day race: the one whose statement started first (an older snapshot) can
        # upsert last and put back totals without the other's sales, until the periodic
        # pass. Taken before the statement, so its snapshot sees the previous refresh's data.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK_CLASS + store_id, day.toordinal()])
        written = _refresh_day_sql(store_id=store_id, day=day, product_ids=product_ids)
    else:
        written = _refresh_day_orm(store_id=store_id, day=day, product_ids=product_ids)
    _rebuild_summaries(store_id=store_id, day=day)
    return written


def _refresh_day_sql(*, store_id: int, day: date, product_ids: list[int] | None) -> int:
    narrow = product_ids is not None
    sql = _REFRESH_SQL.format(
        sl_filter=_PRODUCT_FILTER.format(alias="sl.") if narrow else "",
        m_filter=_PRODUCT_FILTER.format(alias="m.") if narrow else "",
        lv_filter=_PRODUCT_FILTER.format(alias="lv.") if narrow else "",
    )
    with connection.cursor() as cursor:
        # The CTE joins' row estimates are wild enough to trigger JIT compilation, which
        # costs a second per call for a query that runs in a few hundred milliseconds.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, {"store_id": store_id, "day": day, "product_ids": product_ids})
        return cursor.rowcount


@dataclass
class _Row:
    units: Decimal = ZERO
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    returns_units: Decimal = ZERO
    returns_value: Decimal = ZERO
    receipts_units: Decimal = ZERO
    shrinkage_units: Decimal = ZERO


def _refresh_day_orm(*, store_id: int, day: date, product_ids: list[int] | None) -> int:
    narrow = Q(product_id__in=product_ids) if product_ids is not None else Q()
    rows: dict[int, _Row] = defaultdict(_Row)
    is_sale, is_return = Q(sale__kind=SaleKind.SALE), Q(sale__kind=SaleKind.RETURN)
    value = _money(F("quantity") * F("unit_price") - F("discount"))
    line_cost = _money(F("quantity") * Coalesce(F("unit_cost"), Value(ZERO)))
    for line in (
        SaleLine.objects.filter(narrow, store_id=store_id, business_day=day)
        .values("product_id")
        .annotate(
            units=Sum(Case(When(is_sale, then=F("quantity")), default=Value(ZERO))),
            revenue=Sum(Case(When(is_sale, then=value), default=Value(ZERO))),
            cost=Sum(Case(When(is_sale, then=line_cost), default=Value(ZERO))),
            returns_units=Sum(Case(When(is_return, then=F("quantity")), default=Value(ZERO))),
            returns_value=Sum(Case(When(is_return, then=value), default=Value(ZERO))),
        )
    ):
        row = rows[line["product_id"]]
        for name in ("units", "revenue", "cost", "returns_units", "returns_value"):
            setattr(row, name, Decimal(line[name] or 0))
    for move in (
        StockMovement.objects.filter(narrow, store_id=store_id, business_day=day)
        .values("product_id")
        .annotate(
            receipts=Sum(Case(When(kind=MovementKind.RECEIPT, then=F("quantity")), default=Value(ZERO))),
            shrinkage=Sum(Case(When(kind=MovementKind.SHRINKAGE, then=-F("quantity")), default=Value(ZERO))),
        )
    ):
        row = rows[move["product_id"]]
        row.receipts_units, row.shrinkage_units = Decimal(move["receipts"] or 0), Decimal(move["shrinkage"] or 0)
    later = dict(
        StockMovement.objects.filter(narrow, store_id=store_id, business_day__gt=day)
        .values("product_id")
        .annotate(quantity=Sum("quantity"))
        .values_list("product_id", "quantity")
    )
    closing: dict[int, Decimal] = {}
    empty_in_assortment: list[int] = []
    for product_id, on_hand, in_assortment in StockLevel.objects.filter(narrow, store_id=store_id).values_list(
        "product_id", "on_hand", "in_assortment"
    ):
        closing[product_id] = on_hand - Decimal(later.get(product_id) or 0)
        if closing[product_id] != 0:
            rows.setdefault(product_id, _Row())
        elif in_assortment and product_id not in rows:
            empty_in_assortment.append(product_id)
    if empty_in_assortment:
        for product_id in (
            StockMovement.objects.filter(store_id=store_id, product_id__in=empty_in_assortment, business_day__lte=day)
            .values_list("product_id", flat=True)
            .distinct()
        ):
            rows.setdefault(product_id, _Row())
    objs = [
        DailyRollup(
            store_id=store_id,
            product_id=product_id,
            day=day,
            units=row.units,
            revenue=row.revenue.quantize(Decimal("0.01")),
            cost=row.cost.quantize(Decimal("0.01")),
            returns_units=row.returns_units,
            returns_value=row.returns_value.quantize(Decimal("0.01")),
            receipts_units=row.receipts_units,
            shrinkage_units=row.shrinkage_units,
            closing_on_hand=closing.get(product_id),
            stockout=closing.get(product_id, ZERO) <= 0,
        )
        for product_id, row in sorted(rows.items())
    ]
    DailyRollup.objects.bulk_create(
        objs,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["store", "product", "day"],
        update_fields=ROLLUP_FIELDS,
    )
    return len(objs)


def _rebuild_summaries(*, store_id: int, day: date) -> None:
    """The (store, category, day) rows from the rollups, then the (store, day) row from
    those: delete-then-insert, in the caller's transaction."""
    CategoryDayRollup.objects.filter(store_id=store_id, day=day).delete()
    StoreDayRollup.objects.filter(store_id=store_id, day=day).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CATEGORY_SQL, {"store_id": store_id, "day": day})
            cursor.execute(_STORE_DAY_SQL, {"store_id": store_id, "day": day})
        return
    summary = (
        DailyRollup.objects.filter(store_id=store_id, day=day)
        .values("product__category_id")
        .annotate(
            s_units=Sum("units"),
            s_revenue=Sum("revenue"),
            s_cost=Sum("cost"),
            s_returns_units=Sum("returns_units"),
            s_returns_value=Sum("returns_value"),
            s_sold=Sum(Case(When(~Q(units=0), then=Value(1)), default=Value(0))),
        )
    )
    CategoryDayRollup.objects.bulk_create(
        [
            CategoryDayRollup(
                store_id=store_id,
                category_id=row["product__category_id"],
                day=day,
                units=row["s_units"],
                revenue=row["s_revenue"],
                cost=row["s_cost"],
                returns_units=row["s_returns_units"],
                returns_value=row["s_returns_value"],
                products_sold=row["s_sold"],
            )
            for row in summary
            if row["s_units"] or row["s_returns_units"]
        ]
    )
    total = CategoryDayRollup.objects.filter(store_id=store_id, day=day).aggregate(
        units=Sum("units"), revenue=Sum("revenue"), cost=Sum("cost"), returns_units=Sum("returns_units"),
        returns_value=Sum("returns_value"), products_sold=Sum("products_sold"),
    )  # fmt: skip
    if total["units"] is not None:
        StoreDayRollup.objects.create(store_id=store_id, day=day, **total)


def build_range(*, date_from: date, date_to: date, store_ids: Iterable[int] | None = None) -> int:
    """Rebuild every (store, day) of the range from source, one transaction per (store,
    day) so a long rebuild never holds one huge transaction. Returns the rows written."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    stores = list(Store.objects.filter(pk__in=list(store_ids)) if store_ids is not None else Store.objects.all())
    written = 0
    day = date_from
    while day <= date_to:
        for store in stores:
            written += refresh_day(store_id=store.pk, day=day)
        day += timedelta(days=1)
    return written


def refresh_pairs(*, touched: dict[tuple[int, date], set[int]], through: dict[int, date] | None = None) -> int:
    """Refresh every touched (store, day) for its products. A movement on a past day
    changes the closing on hand of every later day too, so for each store the products
    touched on its earliest day are refreshed through the store's latest touched day (or
    ``through[store_id]``, its business day today)."""
    by_store: dict[int, dict[date, set[int]]] = defaultdict(dict)
    for (store_id, day), products in touched.items():
        by_store[store_id][day] = set(products)
    written = 0
    for store_id, days in sorted(by_store.items()):
        last = max(max(days), (through or {}).get(store_id, date.min))
        carried: set[int] = set()
        day = min(days)
        while day <= last:
            carried |= days.get(day, set())
            if carried:
                written += refresh_day(store_id=store_id, day=day, product_ids=sorted(carried))
            day += timedelta(days=1)
    return written


def handle_sale_posted(payload: dict) -> int:
    """Refresh what one ``sale.posted`` outbox event names. Accepts ``business_day`` (one
    ISO date) or ``business_days`` (a list), as the ingest records."""
    store_id = int(payload["store_id"])
    days = payload.get("business_days") or [payload["business_day"]]
    products = {int(pid) for pid in payload.get("product_ids") or []}
    store = Store.objects.get(pk=store_id)
    touched = {(store_id, date.fromisoformat(str(day))): products for day in days}
    return refresh_pairs(touched=touched, through={store_id: store.business_day()})


def touched_since(*, since: datetime, after_id: int = 0) -> tuple[dict[tuple[int, date], set[int]], int]:
    """(store, business day) -> products with a movement written after ``since`` (and with
    an id above ``after_id``, which keeps the read on the primary key instead of scanning
    the ledger), and the highest movement id read. Every sale line posts its movement, so
    the ledger alone names every touched rollup row."""
    touched: dict[tuple[int, date], set[int]] = defaultdict(set)
    highest = after_id
    for movement_id, store_id, day, product_id in StockMovement.objects.filter(
        id__gt=after_id, created_at__gt=since
    ).values_list("id", "store_id", "business_day", "product_id"):
        touched[(store_id, day)].add(product_id)
        highest = max(highest, movement_id)
    return dict(touched), highest


def refresh_since_watermark(*, now: datetime | None = None) -> int:
    """The periodic path: refresh everything touched since the watermark, then move it.
    The watermark only moves after the refresh committed, so a crash re-does the work;
    both its time and its id lag one run, so a row committed late is read on the next run."""
    now = now or timezone.now()
    mark = RollupWatermark.objects.filter(name=WATERMARK).first()
    since = (mark.value if mark else now - FIRST_RUN_LOOKBACK) - WATERMARK_OVERLAP
    touched, highest = touched_since(since=since, after_id=mark.position if mark else 0)
    store_ids = {store_id for store_id, _ in touched}
    through = {store.pk: store.business_day(now) for store in Store.objects.filter(pk__in=store_ids)}
    written = refresh_pairs(touched=touched, through=through)
    RollupWatermark.objects.update_or_create(
        name=WATERMARK, defaults={"value": now, "position": mark.seen if mark else 0, "seen": highest}
    )
    logger.info("rollups refreshed", extra={"pairs": len(touched), "rows": written})
    return written


def close_day(*, day_by_store: dict[int, date] | None = None) -> int:
    """The nightly full refresh: each store's previous business day, whole store (so the
    stock-only rows of products that did not move are written too)."""
    if day_by_store is None:
        day_by_store = {store.pk: store.business_day() - timedelta(days=1) for store in Store.objects.all()}
    return sum(refresh_day(store_id=store_id, day=day) for store_id, day in sorted(day_by_store.items()))
