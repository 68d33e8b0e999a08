"""Writing the simulated history: daily rollups (sparse), their category and store
summaries, the current stock levels and one opening movement per (store, product).

The ledger invariant holds by construction: each level's ``on_hand`` is written with one
``opening`` movement of the same quantity; everything after that (today's sales, orders)
goes through ``inventory.ledger``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from inventory.models import MovementKind
from stores.models import Store

from .catalogue import Catalogue
from .history import History
from .writer import CHUNK, bulk_load, insert_chunks, insert_rows

OPENING_DOCUMENT = "seed"


def write_rollups(*, history: History, stores: list[Store], catalogue: Catalogue, tick: Callable[[int], None]) -> int:
    """The ``DailyRollup`` rows, in (store, product, day) order, so the unique index is
    built by appending; then the category-day and store-day summaries."""
    a = history.assortment
    rows = np.concatenate([chunk.rows for chunk in history.chunks])
    day = np.concatenate([np.full(len(chunk.rows), chunk.day, dtype=np.int16) for chunk in history.chunks])
    units = np.concatenate([chunk.units for chunk in history.chunks])
    receipts = np.concatenate([chunk.receipts for chunk in history.chunks])
    closing = np.concatenate([chunk.closing for chunk in history.chunks])
    price = np.concatenate([chunk.unit_price for chunk in history.chunks])
    order = np.argsort(rows, kind="stable")  # chunks are in day order: stable keeps days ascending
    rows, day, units, receipts, closing, price = (x[order] for x in (rows, day, units, receipts, closing, price))
    store_idx, product_idx = a.store[rows], a.product[rows]
    revenue = np.round(units * price, 2)
    cost = np.round(units * catalogue.cost[product_idx], 2)

    store_ids = np.array([s.pk for s in stores], dtype=np.int64)
    labels = np.array(
        [[(first + timedelta(days=d)).isoformat() for d in range(history.days)] for first in history.first_day],
        dtype=object,
    )

    def chunks() -> Iterator[list[tuple]]:
        for start in range(0, len(rows), CHUNK):
            part = slice(start, start + CHUNK)
            s, p = store_idx[part], product_idx[part]
            yield list(zip(
                store_ids[s].tolist(), catalogue.ids[p].tolist(), labels[s, day[part]].tolist(),
                units[part].tolist(), revenue[part].tolist(), cost[part].tolist(), receipts[part].tolist(),
                closing[part].tolist(), (closing[part] <= 0).tolist(), strict=True,
            ))  # fmt: skip

    with bulk_load("analytics_dailyrollup"):
        written = insert_chunks(
            "analytics_dailyrollup",
            ["store_id", "product_id", "day", "units", "revenue", "cost", "receipts_units", "closing_on_hand",
             "stockout"],
            chunks(),
            constants={"returns_units": "0", "returns_value": "0", "shrinkage_units": "0"},
            tick=tick,
        )  # fmt: skip
    _write_summaries(
        store_idx=store_idx, product_idx=product_idx, day=day, units=units, revenue=revenue, cost=cost,
        store_ids=store_ids, labels=labels, catalogue=catalogue,
    )  # fmt: skip
    return written


def _write_summaries(*, store_idx, product_idx, day, units, revenue, cost, store_ids, labels, catalogue) -> None:
    """``CategoryDayRollup`` and ``StoreDayRollup`` computed from the same arrays (what
    ``analytics.rollups`` would compute from the rows: only groups with units)."""
    categories, category_idx = np.unique(catalogue.category_ids, return_inverse=True)
    n_stores, n_days, n_categories = len(store_ids), labels.shape[1], len(categories)
    key = (store_idx.astype(np.int64) * n_days + day) * n_categories + category_idx[product_idx]
    size = n_stores * n_days * n_categories
    sums = {
        "units": np.bincount(key, weights=units, minlength=size),
        "revenue": np.bincount(key, weights=revenue, minlength=size),
        "cost": np.bincount(key, weights=cost, minlength=size),
        "sold": np.bincount(key, weights=units > 0, minlength=size),
    }
    with bulk_load("analytics_categorydayrollup"), bulk_load("analytics_storedayrollup"):
        _insert_summaries(sums=sums, store_ids=store_ids, labels=labels, categories=categories)


def _insert_summaries(*, sums, store_ids, labels, categories) -> None:
    n_stores, n_days, n_categories = len(store_ids), labels.shape[1], len(categories)
    groups = np.flatnonzero(sums["units"] != 0)
    store_of, rest = np.divmod(groups, n_days * n_categories)
    day_of, category_of = np.divmod(rest, n_categories)
    insert_rows(
        "analytics_categorydayrollup",
        ["store_id", "category_id", "day", "units", "revenue", "cost", "products_sold"],
        zip(
            store_ids[store_of].tolist(), categories[category_of].tolist(), labels[store_of, day_of].tolist(),
            sums["units"][groups].astype(np.int64).tolist(), np.round(sums["revenue"][groups], 2).tolist(),
            np.round(sums["cost"][groups], 2).tolist(), sums["sold"][groups].astype(np.int64).tolist(), strict=True,
        ),
        constants={"returns_units": "0", "returns_value": "0"},
    )  # fmt: skip
    store_day = groups // n_categories
    totals = {name: np.bincount(store_day, weights=values[groups], minlength=n_stores * n_days)
              for name, values in sums.items()}  # fmt: skip
    days_with_sales = np.flatnonzero(totals["units"] != 0)
    store_of, day_of = np.divmod(days_with_sales, n_days)
    insert_rows(
        "analytics_storedayrollup",
        ["store_id", "day", "units", "revenue", "cost", "products_sold"],
        zip(
            store_ids[store_of].tolist(), labels[store_of, day_of].tolist(),
            totals["units"][days_with_sales].astype(np.int64).tolist(),
            np.round(totals["revenue"][days_with_sales], 2).tolist(),
            np.round(totals["cost"][days_with_sales], 2).tolist(),
            totals["sold"][days_with_sales].astype(np.int64).tolist(), strict=True,
        ),
        constants={"returns_units": "0", "returns_value": "0"},
    )  # fmt: skip


def write_levels(
    *, history: History, stores: list[Store], catalogue: Catalogue, now: datetime, tick: Callable[[int], None]
) -> int:
    """One ``StockLevel`` per carried (store, product) with the closing stock of the last
    history day, and one ``opening`` movement of the same quantity dated the end of that
    day (so the rollups of that day and before are where the history lives)."""
    a = history.assortment
    store_ids = np.array([s.pk for s in stores], dtype=np.int64)
    sid = store_ids[a.store].tolist()
    pid = catalogue.ids[a.product].tolist()
    stock = history.stock.tolist()
    adapt = _adapter()
    now_value = adapt(now)
    day_start = [
        timezone.make_aware(datetime.combine(first, time(0)), store.tzinfo)
        for first, store in zip(history.first_day, stores, strict=True)
    ]
    # last sale: that day, mid-afternoon local time
    last_sale_values = [
        [adapt(start + timedelta(days=d, hours=15)) for d in range(history.days)] for start in day_start
    ]
    last = history.last_sale.tolist()
    store_idx = a.store.tolist()
    last_sale_at = [last_sale_values[s][d] if d >= 0 else None for s, d in zip(store_idx, last, strict=True)]
    with bulk_load("inventory_stocklevel"):
        insert_rows(
            "inventory_stocklevel",
            ["store_id", "product_id", "on_hand", "last_sale_at"],
            zip(sid, pid, stock, last_sale_at, strict=True),
            constants={
                "on_order": "0",
                "in_transit": "0",
                "in_assortment": "TRUE",
                "needs_count": "FALSE",
                "updated_at": f"'{now_value}'",
            },
            tick=tick,
        )
    closing_moment = [adapt(start + timedelta(days=history.days) - timedelta(seconds=1)) for start in day_start]
    closing_day = [(first + timedelta(days=history.days - 1)).isoformat() for first in history.first_day]
    unit_cost = catalogue.cost[a.product].tolist()
    with bulk_load("inventory_stockmovement"):
        insert_rows(
            "inventory_stockmovement",
            ["store_id", "product_id", "quantity", "unit_cost", "occurred_at", "business_day"],
            zip(sid, pid, stock, unit_cost, (closing_moment[s] for s in store_idx), (closing_day[s] for s in store_idx),
                strict=True),
            constants={"kind": f"'{MovementKind.OPENING.value}'", "reason": "''",
                       "document_type": f"'{OPENING_DOCUMENT}'", "document_id": "0", "created_at": f"'{now_value}'"},
            tick=tick,
        )  # fmt: skip
    return len(sid)


def _adapter() -> Callable[[datetime], object]:
    """Aware datetimes as the database takes them: as they are for psycopg, as Django's
    UTC text for SQLite."""
    if connection.vendor == "postgresql":
        return lambda moment: moment
    return connection.ops.adapt_datetimefield_value
