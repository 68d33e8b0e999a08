"""The stored demand state of a store's products: loading it into arrays, starting new
rows (like item, category prior, default), folding the business days not seen yet, and
writing back what changed (binary ``COPY`` + one HOT ``UPDATE`` on PostgreSQL).

Idempotent: a row folds a day only if its ``last_day`` is earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection

from inventory.models import DemandState
from stores.models import Store

from . import forecast
from .pg_copy import binary_copy_payload, copy_out, fetch
from .store_arrays import StoreArrays, align, load_day_sales

CATCH_UP_DAYS = 14  # a state further behind than this skips the gap (rebuild_demand fills it)
DOW = tuple(f"dow{i}" for i in range(7))


@dataclass
class LoadedState:
    state: forecast.DemandState
    last_day: np.ndarray  # int ordinal, -1 for none
    exists: np.ndarray  # bool: a row exists in the table


STATE_PG_SQL = (
    "SELECT product_id::int8, level, variance, dow0, dow1, dow2, dow3, dow4, dow5, dow6, days_observed::int4, "
    "COALESCE(last_day - DATE '0001-01-01' + 1, -1)::int8 "  # the Python ordinal, -1 for none
    "FROM inventory_demandstate WHERE store_id = {store_id} ORDER BY product_id"
)
STATE_FIELDS = [
    ("product_id", ">i8"), ("level", ">f8"), ("variance", ">f8"), *((name, ">f8") for name in DOW),
    ("days_observed", ">i4"), ("last_day", ">i8"),
]  # fmt: skip


def load_state(*, store_id: int, product_ids: np.ndarray) -> LoadedState:
    """The stored demand state of each product (one query), cold rows where none is stored."""
    n = len(product_ids)
    rows = []
    if connection.vendor != "postgresql":
        rows = fetch(
            "SELECT product_id, level, variance, dow0, dow1, dow2, dow3, dow4, dow5, dow6, days_observed, last_day "
            "FROM inventory_demandstate WHERE store_id = %s ORDER BY product_id",
            [store_id],
        )
    level, variance = np.zeros(n), np.zeros(n)
    shape, days = np.ones((n, 7)), np.zeros(n, dtype=np.int32)
    last_day, exists = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
    if connection.vendor == "postgresql":
        got = copy_out(STATE_PG_SQL.format(store_id=int(store_id)), STATE_FIELDS)
        at, found = align(product_ids, got["product_id"].astype(np.int64))
        at, got = at[found], got[found]
        level[at], variance[at] = got["level"], got["variance"]
        shape[at] = np.column_stack([got[name] for name in DOW]) if len(got) else np.ones((0, 7))
        days[at], last_day[at], exists[at] = got["days_observed"], got["last_day"], True
    elif rows:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at, found = align(product_ids, ids)
        at, keep = at[found], np.flatnonzero(found)
        data = np.array([r[1:11] for r in rows], dtype=np.float64)[keep]
        level[at], variance[at], shape[at] = data[:, 0], data[:, 1], data[:, 2:9]
        days[at] = data[:, 9].astype(np.int32)
        last_day[at] = [_ordinal(rows[i][11]) for i in keep]
        exists[at] = True
    return LoadedState(forecast.DemandState(level, variance, shape, days), last_day, exists)


def _ordinal(value) -> int:
    if value is None:
        return -1
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.toordinal()


def cold_start(*, store: Store, day: date, arrays: StoreArrays, loaded: LoadedState) -> np.ndarray:
    """Give each store-product without a state its starting point, in place: the like item's
    state at this store (head office picks it on the product), else the average of the
    category at stores of the same format, else a flat prior of 0.1 a day. Returns the
    label of where each row started ("" for rows that already had a state). A new row
    learns from ``day`` on: the days before it was stocked are not demand."""
    new = ~loaded.exists
    started = np.full(len(arrays), "", dtype=object)
    if not new.any():
        return started
    st = loaded.state
    like = arrays.like_product_id
    has_like = new & (like >= 0)
    if has_like.any():
        at, found = align(arrays.product_id, like[has_like])
        rows = np.flatnonzero(has_like)
        source_rows = at[found]
        ok = found & loaded.exists[at]
        rows, source_rows = rows[ok], at[ok]
        st.level[rows], st.variance[rows], st.shape[rows] = (
            st.level[source_rows],
            st.variance[source_rows],
            st.shape[source_rows],
        )
        started[rows] = "like_item"
    rest = new & (started == "")
    if rest.any():
        categories = sorted({int(c) for c in arrays.category_id[rest]})
        priors = fetch(
            "SELECT p.category_id, AVG(d.level), AVG(d.variance) FROM inventory_demandstate d "
            "JOIN inventory_product p ON p.id = d.product_id JOIN stores_store s ON s.id = d.store_id "
            f"WHERE s.format = %s AND d.days_observed > 0 AND p.category_id IN ({','.join(map(str, categories))}) "
            "GROUP BY p.category_id",
            [store.format],
        )
        by_category = {row[0]: (float(row[1]), float(row[2])) for row in priors}
        rows = np.flatnonzero(rest)
        for row in rows:
            level, variance = by_category.get(int(arrays.category_id[row]), (0.1, None))
            st.level[row] = level
            st.variance[row] = variance if variance is not None else forecast.cold_start_variance(level)
            st.shape[row] = 1.0
            started[row] = "prior" if int(arrays.category_id[row]) in by_category else "default"
    st.days_observed[new] = 0
    loaded.last_day[new] = day.toordinal() - 1
    return started


def fold_days(*, store_id: int, day: date, arrays: StoreArrays, loaded: LoadedState) -> np.ndarray:
    """Fold every business day each row has not seen yet, up to ``day``, into the state in
    place. Returns the mask of rows that changed. A day out of stock all day (rollup
    stock-out with no sale, or nothing sold and nothing on hand) teaches nothing; a day that
    sold out with sales is a lower bound; spikes are winsorised by ``forecast.update``."""
    target = day.toordinal()
    behind = loaded.last_day < target
    if not behind.any():
        return behind
    first = max(int(loaded.last_day[behind].min()) + 1, target - CATCH_UP_DAYS + 1)
    st = loaded.state
    changed = np.zeros(len(arrays), dtype=bool)
    for ordinal in range(first, target + 1):
        current = date.fromordinal(ordinal)
        ids, units_sold, stockout, _ = load_day_sales(store_id=store_id, day=current)
        units = np.zeros(len(arrays))
        out_flag = np.zeros(len(arrays), dtype=bool)
        seen = np.zeros(len(arrays), dtype=bool)
        if len(ids):
            at, found = align(arrays.product_id, ids)
            units[at[found]] = units_sold[found]
            out_flag[at[found]] = stockout[found]
            seen[at[found]] = True
        todo = loaded.last_day < ordinal
        stocked_out = (out_flag & (units <= 0)) | (~seen & (arrays.on_hand <= 0))
        censored = out_flag & (units > 0)
        carried = todo & arrays.in_assortment
        st = forecast.update(
            state=st, units=units, weekday=current.weekday(), carried=carried,
            stocked_out=stocked_out, censored=censored,
        )  # fmt: skip
        loaded.last_day[todo] = ordinal
        changed |= todo
    loaded.state = st
    return changed


def save_state(
    *, store_id: int, arrays: StoreArrays, loaded: LoadedState, rows: np.ndarray, started: np.ndarray
) -> int:
    """Write the changed rows. On PostgreSQL: one binary ``COPY`` of them into a temporary
    table, then one ``UPDATE ... FROM`` for existing rows and one ``INSERT ... SELECT`` for new
    ones (the table's fillfactor leaves room for the night's row versions on the same page,
    so the update is HOT and touches no index). Bulk ORM calls elsewhere."""
    st = loaded.state
    update = np.flatnonzero(rows & loaded.exists)
    insert = np.flatnonzero(rows & ~loaded.exists)
    if connection.vendor == "postgresql":
        _save_state_pg(store_id=store_id, arrays=arrays, loaded=loaded, update=update, insert=insert, started=started)
        loaded.exists[insert] = True
        return len(update) + len(insert)
    last = [date.fromordinal(int(o)) if o > 0 else None for o in loaded.last_day]
    if len(update):
        existing = {
            s.product_id: s
            for s in DemandState.objects.filter(store_id=store_id, product_id__in=arrays.product_id[update].tolist())
        }
        for i in update:
            s = existing[int(arrays.product_id[i])]
            s.level, s.variance, s.days_observed, s.last_day = (
                float(st.level[i]),
                float(st.variance[i]),
                int(st.days_observed[i]),
                last[i],
            )
            for k in range(7):
                setattr(s, DOW[k], float(st.shape[i, k]))
        DemandState.objects.bulk_update(
            existing.values(), ["level", "variance", *DOW, "days_observed", "last_day"], batch_size=500
        )
    if len(insert):
        DemandState.objects.bulk_create(
            [
                DemandState(
                    store_id=store_id,
                    product_id=int(arrays.product_id[i]),
                    level=float(st.level[i]),
                    variance=float(st.variance[i]),
                    days_observed=int(st.days_observed[i]),
                    last_day=last[i],
                    started_from=started[i] or "history",
                    **{DOW[k]: float(st.shape[i, k]) for k in range(7)},
                )
                for i in insert
            ],
            batch_size=1000,
        )
    loaded.exists[insert] = True
    return len(update) + len(insert)


STARTED_CODES = {"": 0, "like_item": 1, "prior": 2, "default": 3}
DEMAND_IN_SQL = """
CREATE TEMP TABLE IF NOT EXISTS replenish_demand_in (
    product_id bigint, level float8, variance float8, dow0 float8, dow1 float8, dow2 float8, dow3 float8,
    dow4 float8, dow5 float8, dow6 float8, days_observed int, last_ordinal int, started smallint, is_new boolean
) ON COMMIT DROP
"""
_DEMAND_SET = ", ".join(f"{c} = u.{c}" for c in ("level", "variance", *DOW, "days_observed"))
_LAST_DAY = "CASE WHEN u.last_ordinal > 0 THEN DATE '0001-01-01' + (u.last_ordinal - 1) END"


def _save_state_pg(
    *, store_id: int, arrays: StoreArrays, loaded: LoadedState, update: np.ndarray, insert: np.ndarray,
    started: np.ndarray,
) -> None:  # fmt: skip
    rows = np.concatenate([update, insert])
    if not len(rows):
        return
    st = loaded.state
    codes = np.array([STARTED_CODES.get(started[i], 0) for i in insert.tolist()], dtype=np.int16)
    payload = binary_copy_payload(
        [
            (arrays.product_id[rows], ">i8"), (st.level[rows], ">f8"), (st.variance[rows], ">f8"),
            *((st.shape[rows, k], ">f8") for k in range(7)),
            (st.days_observed[rows], ">i4"), (loaded.last_day[rows], ">i4"),
            (np.concatenate([np.zeros(len(update), np.int16), codes]), ">i2"),
            (np.arange(len(rows)) >= len(update), "?"),
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(DEMAND_IN_SQL)
        cursor.execute("TRUNCATE replenish_demand_in")
        with cursor.cursor.copy("COPY replenish_demand_in FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(payload)
        if len(update):
            cursor.execute(
                f"UPDATE inventory_demandstate d SET {_DEMAND_SET}, last_day = {_LAST_DAY} "
                "FROM replenish_demand_in u WHERE d.store_id = %s AND d.product_id = u.product_id AND NOT u.is_new",
                [store_id],
            )
        if len(insert):
            cursor.execute(
                f"INSERT INTO inventory_demandstate (store_id, product_id, level, variance, {', '.join(DOW)}, "
                "days_observed, last_day, started_from) "
                f"SELECT %s, u.product_id, u.level, u.variance, {', '.join('u.' + c for c in DOW)}, u.days_observed, "
                f"{_LAST_DAY}, CASE u.started WHEN 1 THEN 'like_item' WHEN 2 THEN 'prior' WHEN 3 THEN 'default' "
                "ELSE 'history' END FROM replenish_demand_in u WHERE u.is_new",
                [store_id],
            )
