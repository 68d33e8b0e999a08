"""The nightly run of one store: load its arrays in bulk, fold the day into the demand
model, compute the order policy, write the suggestions in bulk.

Cost is O(store-products) with a handful of queries per store, whatever the history:
one query for the stock levels joined to product and primary supplier, one for the demand
states, one for the day's sales, one for open draft orders and one for remembered
rejections; then a few numpy passes (``forecast`` and ``policy``, the maths core); then
one ``UPDATE ... FROM unnest`` for the demand states and one ``COPY`` for the suggestions
on PostgreSQL (bulk ORM calls elsewhere).

Idempotent: a row of the demand state folds a day only if its ``last_day`` is earlier, and
the proposed suggestions of (store, business_day) are replaced, so re-running a night
changes nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from inventory.models import DemandState, ProjectedSurplus, Suggestion, SuggestionRejection, SuggestionStatus, Supplier
from stores.models import Store

from . import forecast, policy
from . import settings as repl_settings

CATCH_UP_DAYS = 14  # a state further behind than this skips the gap (rebuild_demand fills it)
FREE_FREIGHT_MAX_GAP = 0.25  # top up to free freight only when the gap is at most this share of it
DOW = tuple(f"dow{i}" for i in range(7))


@dataclass
class StoreArrays:
    """One row per store-product with a stock level (and an active product), ordered by product id."""

    product_id: np.ndarray
    on_hand: np.ndarray
    on_order: np.ndarray
    in_transit: np.ndarray
    min_qty: np.ndarray
    max_qty: np.ndarray
    service_level: np.ndarray
    in_assortment: np.ndarray
    case_pack: np.ndarray
    cost: np.ndarray
    supplier_id: np.ndarray
    lead: np.ndarray
    lead_sd: np.ndarray
    like_product_id: np.ndarray
    category_id: np.ndarray

    def __len__(self) -> int:
        return int(self.product_id.shape[0])


@dataclass
class Plan:
    """What the run decided for one store: the arrays, the policy result and the rows to write."""

    arrays: StoreArrays
    state: forecast.DemandState
    demand: np.ndarray
    demand_sd: np.ndarray
    service: np.ndarray
    review: float
    result: policy.PolicyResult
    quantity: np.ndarray
    case: np.ndarray
    top_up_note: dict[int, str] = field(default_factory=dict)
    suppressed: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    service_source: np.ndarray | None = None
    min_source: np.ndarray | None = None
    max_source: np.ndarray | None = None


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _column(rows: list[tuple], index: int, dtype, fill=np.nan) -> np.ndarray:
    return np.array([fill if row[index] is None else row[index] for row in rows], dtype=dtype)


def copy_out(sql: str, fields: list[tuple[str, str]]) -> np.ndarray:
    """Run ``sql`` as a binary ``COPY (...) TO STDOUT`` on PostgreSQL and return its rows as
    one numpy structured array (big-endian ``fields``: name, dtype), with no Python object
    per value: fetching and converting 20,000 rows of a store was most of its load time.
    Every column must be fixed-width and non-null (COALESCE in the query); a NULL shifts
    the layout and raises ``ValueError``. ``sql`` takes no parameters: inline integers."""
    layout = [("count", ">i2")]
    for name, dtype in fields:
        layout += [(f"{name}__len", ">i4"), (name, dtype)]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    body = memoryview(data)[19:-2]  # signature, flags and header extension; the trailer
    dtype = np.dtype(layout)
    if len(body) % dtype.itemsize:
        raise ValueError("COPY rows are not fixed-width (a NULL column?)")
    rows = np.frombuffer(body, dtype=dtype)
    for name, kind in fields:
        if len(rows) and not (rows[f"{name}__len"] == np.dtype(kind).itemsize).all():
            raise ValueError(f"column {name} is not fixed-width (a NULL?)")
    return rows


LEVELS_PG_SQL = """
SELECT sl.product_id::int8, sl.on_hand::float8, sl.on_order::float8, sl.in_transit::float8,
       COALESCE(sl.min_qty::float8, 'NaN'), COALESCE(sl.max_qty::float8, 'NaN'),
       COALESCE(sl.service_level::float8, 'NaN'), sl.in_assortment,
       COALESCE(COALESCE(ps.case_pack, p.case_pack)::float8, 'NaN'), COALESCE(COALESCE(ps.cost, p.cost)::float8, 'NaN'),
       COALESCE(ps.supplier_id, -1)::int8, COALESCE(COALESCE(ps.lead_time_days, s.lead_time_days)::float8, 'NaN'),
       COALESCE(s.lead_time_sd_days::float8, 'NaN'), COALESCE(p.like_product_id, -1)::int8,
       COALESCE(p.category_id, -1)::int8
FROM inventory_stocklevel sl
JOIN inventory_product p ON p.id = sl.product_id
LEFT JOIN inventory_productsupplier ps ON ps.product_id = p.id AND ps.is_primary
LEFT JOIN inventory_supplier s ON s.id = ps.supplier_id
WHERE sl.store_id = {store_id} AND p.is_active {extra}
ORDER BY sl.product_id
"""
LEVEL_FIELDS = [
    ("product_id", ">i8"), ("on_hand", ">f8"), ("on_order", ">f8"), ("in_transit", ">f8"), ("min_qty", ">f8"),
    ("max_qty", ">f8"), ("service_level", ">f8"), ("in_assortment", "?"), ("case_pack", ">f8"), ("cost", ">f8"),
    ("supplier_id", ">i8"), ("lead", ">f8"), ("lead_sd", ">f8"), ("like_product_id", ">i8"), ("category_id", ">i8"),
]  # fmt: skip


LEVELS_SQL = """
SELECT sl.product_id,
       CAST(sl.on_hand AS DOUBLE PRECISION), CAST(sl.on_order AS DOUBLE PRECISION),
       CAST(sl.in_transit AS DOUBLE PRECISION), CAST(sl.min_qty AS DOUBLE PRECISION),
       CAST(sl.max_qty AS DOUBLE PRECISION), CAST(sl.service_level AS DOUBLE PRECISION), sl.in_assortment,
       COALESCE(ps.case_pack, p.case_pack), CAST(COALESCE(ps.cost, p.cost) AS DOUBLE PRECISION), ps.supplier_id,
       CAST(COALESCE(ps.lead_time_days, s.lead_time_days) AS DOUBLE PRECISION),
       CAST(s.lead_time_sd_days AS DOUBLE PRECISION), p.like_product_id, p.category_id
FROM inventory_stocklevel sl
JOIN inventory_product p ON p.id = sl.product_id
LEFT JOIN inventory_productsupplier ps ON ps.product_id = p.id AND ps.is_primary
LEFT JOIN inventory_supplier s ON s.id = ps.supplier_id
WHERE sl.store_id = %s AND p.is_active {extra}
ORDER BY sl.product_id
"""


def _load_levels_pg(*, store_id: int, extra: str) -> StoreArrays:
    got = copy_out(LEVELS_PG_SQL.format(store_id=int(store_id), extra=extra), LEVEL_FIELDS)
    ints = ("product_id", "supplier_id", "like_product_id", "category_id")
    floats = ("on_hand", "on_order", "in_transit", "min_qty", "max_qty", "service_level")
    return StoreArrays(
        **{name: got[name].astype(np.int64) for name in ints},
        **{name: got[name].astype(np.float64) for name in floats},
        in_assortment=got["in_assortment"].astype(bool),
        case_pack=np.nan_to_num(got["case_pack"].astype(np.float64), nan=1.0),
        cost=np.nan_to_num(got["cost"].astype(np.float64)),
        lead=np.nan_to_num(got["lead"].astype(np.float64), nan=7.0),
        lead_sd=np.nan_to_num(got["lead_sd"].astype(np.float64)),
    )


def load_arrays(*, store_id: int, product_ids: list[int] | None = None) -> StoreArrays:
    """The store's levels, products and primary suppliers as arrays (one query).

    Draft purchase orders count as on order: an approved suggestion is not proposed again
    the next night while its order is still a draft.
    """
    extra, params = "", [store_id]
    if product_ids is not None:
        extra = f"AND sl.product_id IN ({','.join(str(int(p)) for p in product_ids) or 'NULL'})"
    if connection.vendor == "postgresql":
        arrays = _load_levels_pg(store_id=store_id, extra=extra)
    elif rows := _fetch(LEVELS_SQL.format(extra=extra), params):
        cols = list(zip(*rows, strict=True))
        as_float = [np.array([np.nan if v is None else v for v in col], dtype=np.float64) for col in cols]
        arrays = StoreArrays(
            product_id=np.array(cols[0], dtype=np.int64),
            on_hand=as_float[1], on_order=as_float[2], in_transit=as_float[3],
            min_qty=as_float[4], max_qty=as_float[5], service_level=as_float[6],
            in_assortment=np.array(cols[7], dtype=bool),
            case_pack=np.nan_to_num(as_float[8], nan=1.0), cost=np.nan_to_num(as_float[9]),
            supplier_id=np.nan_to_num(as_float[10], nan=-1).astype(np.int64),
            lead=np.nan_to_num(as_float[11], nan=7.0), lead_sd=np.nan_to_num(as_float[12]),
            like_product_id=np.nan_to_num(as_float[13], nan=-1).astype(np.int64),
            category_id=np.array(cols[14], dtype=np.int64),
        )  # fmt: skip
    else:
        empty_f, empty_i = np.zeros(0), np.zeros(0, dtype=np.int64)
        arrays = StoreArrays(
            empty_i, empty_f, empty_f, empty_f, empty_f, empty_f, empty_f, np.zeros(0, bool), empty_f, empty_f,
            empty_i, empty_f, empty_f, empty_i, empty_i,
        )  # fmt: skip
    drafts = _fetch(
        "SELECT l.product_id, CAST(SUM(l.quantity) AS DOUBLE PRECISION) FROM inventory_purchaseorderline l "
        "JOIN inventory_purchaseorder o ON o.id = l.order_id WHERE o.store_id = %s AND o.status = 'draft' "
        "GROUP BY l.product_id",
        [store_id],
    )
    if drafts and len(arrays):
        ids = np.array([r[0] for r in drafts], dtype=np.int64)
        qty = np.array([r[1] for r in drafts], dtype=np.float64)
        rows_at, found = _align(arrays.product_id, ids)
        np.add.at(arrays.on_order, rows_at[found], qty[found])
    return arrays


def _align(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in ``sorted_ids`` and whether each was found."""
    at = np.searchsorted(sorted_ids, ids)
    at_clipped = np.minimum(at, max(len(sorted_ids) - 1, 0))
    found = (at < len(sorted_ids)) & (sorted_ids[at_clipped] == ids) if len(sorted_ids) else np.zeros(len(ids), bool)
    return at_clipped, found


# ---- demand state ---------------------------------------------------------------------------------------------


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
        rows = _fetch(
            "SELECT product_id, level, variance, dow0, dow1, dow2, dow3, dow4, dow5, dow6, days_observed, last_day "
            "FROM inventory_demandstate WHERE store_id = %s ORDER BY product_id",
            [store_id],
        )
    level, variance = np.zeros(n), np.zeros(n)
    shape, days = np.ones((n, 7)), np.zeros(n, dtype=np.int32)
    last_day, exists = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
    if connection.vendor == "postgresql":
        got = copy_out(STATE_PG_SQL.format(store_id=int(store_id)), STATE_FIELDS)
        at, found = _align(product_ids, got["product_id"].astype(np.int64))
        at, got = at[found], got[found]
        level[at], variance[at] = got["level"], got["variance"]
        shape[at] = np.column_stack([got[name] for name in DOW]) if len(got) else np.ones((0, 7))
        days[at], last_day[at], exists[at] = got["days_observed"], got["last_day"], True
    elif rows:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at, found = _align(product_ids, ids)
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
        at, found = _align(arrays.product_id, like[has_like])
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
        priors = _fetch(
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


def load_day_sales(*, store_id: int, day: date) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(product ids, units, out-of-stock-at-close flags, from_rollups) for one business day:
    the analytics rollups when that (store, day) has any, else the raw sale lines."""
    rows = _fetch(
        "SELECT product_id, CAST(units AS DOUBLE PRECISION), stockout FROM analytics_dailyrollup "
        "WHERE store_id = %s AND day = %s",
        [store_id, day],
    )
    from_rollups = bool(rows)
    if not rows:
        rows = _fetch(
            "SELECT l.product_id, CAST(SUM(l.quantity) AS DOUBLE PRECISION), 0 FROM inventory_saleline l "
            "JOIN inventory_sale s ON s.id = l.sale_id WHERE l.store_id = %s AND l.business_day = %s "
            "AND s.kind = 'sale' GROUP BY l.product_id",
            [store_id, day],
        )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    units = np.array([r[1] or 0.0 for r in rows], dtype=np.float64)
    stockout = np.array([bool(r[2]) for r in rows], dtype=bool)
    return ids, units, stockout, from_rollups


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
            at, found = _align(arrays.product_id, ids)
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


PG_EPOCH = date(2000, 1, 1)  # binary COPY dates count days from here
STARTED_CODES = {"": 0, "like_item": 1, "prior": 2, "default": 3}
DEMAND_IN_SQL = """
CREATE TEMP TABLE IF NOT EXISTS replenish_demand_in (
    product_id bigint, level float8, variance float8, dow0 float8, dow1 float8, dow2 float8, dow3 float8,
    dow4 float8, dow5 float8, dow6 float8, days_observed int, last_ordinal int, started smallint, is_new boolean
) ON COMMIT DROP
"""
_DEMAND_SET = ", ".join(f"{c} = u.{c}" for c in ("level", "variance", *DOW, "days_observed"))
_LAST_DAY = "CASE WHEN u.last_ordinal > 0 THEN DATE '0001-01-01' + (u.last_ordinal - 1) END"


def binary_copy_payload(columns: list[tuple[np.ndarray, str]]) -> bytes:
    """PostgreSQL binary ``COPY`` data for fixed-width, non-null columns, built by numpy in
    one pass (no Python object per value): each column is (values, big-endian dtype such as
    ``">i8"``, ``">f8"``, ``">i4"``, ``">i2"``, ``"?"``)."""
    n = len(columns[0][0]) if columns else 0
    fields = [("count", ">i2")]
    for k, (_, dtype) in enumerate(columns):
        fields += [(f"len{k}", ">i4"), (f"v{k}", dtype)]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for k, (values, dtype) in enumerate(columns):
        rows[f"len{k}"] = np.dtype(dtype).itemsize
        rows[f"v{k}"] = values
    return b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rows.tobytes() + b"\xff\xff"


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


# ---- policy ---------------------------------------------------------------------------------------------------


def plan(*, store: Store, day: date, arrays: StoreArrays, state: forecast.DemandState, resolved=None) -> Plan:
    """The policy for every row of the store, on the morning after ``day``."""
    resolved = resolved or repl_settings.resolve(store=store)
    n = len(arrays)
    review = float(resolved["review_days"])
    protection = arrays.lead + review
    horizon = np.maximum(np.ceil(protection), 1).astype(np.int64)
    demand = np.zeros(n)
    start = (day + timedelta(days=1)).weekday()
    for h in np.unique(horizon):
        rows = horizon == h
        demand[rows] = forecast.forecast_mean(state=state.take(rows), horizon_days=int(h), start_weekday=start) / h
    sd = forecast.demand_sd(state=state)

    valid_product_level = (arrays.service_level > 0) & (arrays.service_level < 1)
    service = np.where(valid_product_level, arrays.service_level, float(resolved["service_level"]))
    store_min = np.nan if resolved["min_qty"] is None else float(resolved["min_qty"])
    store_max = np.nan if resolved["max_qty"] is None else float(resolved["max_qty"])
    low = np.where(np.isnan(arrays.min_qty), store_min, arrays.min_qty)
    high = np.where(np.isnan(arrays.max_qty), store_max, arrays.max_qty)
    high = np.where(~np.isnan(low) & ~np.isnan(high) & (low > high), low, high)
    case = np.maximum(arrays.case_pack if resolved["round_to_case_pack"] else np.ones(n), 1.0)
    result = policy.suggest_orders(
        demand_per_day=demand, demand_sd_per_day=sd, lead_time_days=arrays.lead, lead_time_sd_days=arrays.lead_sd,
        on_hand=arrays.on_hand, on_order=arrays.on_order, in_transit=arrays.in_transit, review_days=review,
        service_level=service, case_pack=case, min_override=low, max_override=high,
        in_assortment=arrays.in_assortment,
    )  # fmt: skip
    sources = resolved.sources

    def _src(product_values: np.ndarray, name: str) -> np.ndarray:
        return np.where(~np.isnan(product_values), "product", sources[name])

    return Plan(
        arrays=arrays, state=state, demand=demand, demand_sd=sd, service=service, review=review, result=result,
        quantity=result.quantity.copy(), case=case, sources=dict(sources),
        service_source=np.where(valid_product_level, "product", sources["service_level"]),
        min_source=_src(arrays.min_qty, "min_qty"), max_source=_src(arrays.max_qty, "max_qty"),
    )  # fmt: skip


def save_surplus(*, store_id: int, day: date, p: Plan, keep_days: float) -> int:
    """Replace the store's projected surplus with tonight's: on hand above the order-up-to
    level plus ``keep_days`` of demand, rows of at least one unit (binary ``COPY`` on
    PostgreSQL). Earlier nights' rows of the store go too; the region step reads them."""
    a = p.arrays
    spare = a.on_hand - (p.result.order_up_to + keep_days * p.demand)
    rows = np.flatnonzero(spare >= 1)
    ProjectedSurplus.objects.filter(store_id=store_id, business_day__lte=day).delete()
    if not len(rows):
        return 0
    if connection.vendor == "postgresql":
        payload = binary_copy_payload(
            [
                (np.full(len(rows), store_id), ">i8"), (a.product_id[rows], ">i8"),
                (np.full(len(rows), (day - PG_EPOCH).days), ">i4"), (spare[rows], ">f8"),
            ]
        )  # fmt: skip
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY inventory_projectedsurplus (store_id, product_id, business_day, quantity) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(payload)
    else:
        ProjectedSurplus.objects.bulk_create(
            [
                ProjectedSurplus(store_id=store_id, product_id=int(a.product_id[i]), business_day=day,
                                 quantity=float(spare[i]))
                for i in rows.tolist()
            ],
            batch_size=1000,
        )  # fmt: skip
    return len(rows)


def apply_rejections(*, store_id: int, day: date, p: Plan) -> None:
    """Drop tonight's suggestions a manager already rejected and whose situation has not
    changed: the same or a lower quantity while the stock position has not dropped below
    what the manager saw. When the situation changed the memory is dropped and the product
    is proposed again."""
    rows = list(
        SuggestionRejection.objects.filter(store_id=store_id).values_list("id", "product_id", "quantity", "position")
    )
    if not rows:
        return
    ids = np.array([r[1] for r in rows], dtype=np.int64)
    at, found = _align(p.arrays.product_id, ids)
    forget = []
    for (rejection_id, _, quantity, position), row, ok in zip(rows, at, found, strict=True):
        if not ok or p.quantity[row] <= 0:
            continue
        same = p.quantity[row] <= float(quantity) + 1e-9 and p.result.position[row] >= float(position) - 1e-9
        if same:
            p.quantity[row] = 0.0
            p.suppressed += 1
        else:
            forget.append(rejection_id)
    if forget:
        SuggestionRejection.objects.filter(id__in=forget).delete()


def apply_top_ups(*, p: Plan, blocked: np.ndarray) -> None:
    """Per supplier, when tonight's order is below its minimum order value (or a little
    below free freight), add the cheapest top-up: the items closest to their reorder point,
    each ordered up to its order-up-to level, until the threshold is met; say so on them."""
    a = p.arrays
    suppliers = np.unique(a.supplier_id[(p.quantity > 0) & (a.supplier_id >= 0)])
    if not len(suppliers):
        return
    terms = {
        s["id"]: s
        for s in Supplier.objects.filter(id__in=suppliers.tolist()).values(
            "id", "name", "min_order_value", "free_freight_value"
        )
    }
    value_of = p.quantity * a.cost
    for supplier_id in suppliers:
        supplier = terms[int(supplier_id)]
        mine = a.supplier_id == supplier_id
        value = float(value_of[mine].sum())
        minimum, free = float(supplier["min_order_value"]), float(supplier["free_freight_value"])
        if value < minimum:
            target, label = minimum, f"{supplier['name']}'s minimum order of {minimum:.2f}"
        elif value < free and (free - value) <= FREE_FREIGHT_MAX_GAP * free:
            target, label = free, f"{supplier['name']}'s free freight at {free:.2f}"
        else:
            continue
        candidates = np.flatnonzero(mine & (p.quantity <= 0) & a.in_assortment & ~blocked & (p.demand > 0))
        if not len(candidates):
            continue
        r = p.result
        case = p.case[candidates]
        add = np.ceil(np.round(np.maximum(r.order_up_to[candidates] - r.position[candidates], 0.0) / case, 9)) * case
        add = np.where(add <= 0, case, add)
        closeness = (r.position[candidates] - r.reorder_point[candidates]) / np.maximum(p.demand[candidates], 1e-6)
        order = np.argsort(closeness, kind="stable")
        cumulative = np.cumsum(add[order] * a.cost[candidates][order])
        take = int(np.searchsorted(cumulative, target - value - 1e-9) + 1)
        chosen = order[:take]
        reached = value + float(cumulative[min(take, len(cumulative)) - 1])
        note = f"added to reach {label} (order was {value:.2f}"
        note += f", now {reached:.2f})" if reached >= target - 1e-9 else f", still {target - reached:.2f} short)"
        for j in chosen:
            row = int(candidates[j])
            p.quantity[row] = add[j]
            p.top_up_note[row] = note


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def reason_for(*, p: Plan, row: int) -> str:
    """The sentence beside a suggestion (the maths core's wording, then any top-up note)."""
    a, r = p.arrays, p.result
    if row in p.top_up_note:
        cases = p.quantity[row] / p.case[row]
        head = (
            f"sells {p.demand[row]:.1f}/day, reorder at {_num(math.ceil(r.reorder_point[row]))}, "
            f"{_num(a.on_hand[row])} on hand + {_num(r.position[row] - a.on_hand[row])} on order → "
            f"order {_num(p.quantity[row])}"
            + (f" = {_num(cases)} case{'s' if cases != 1 else ''}" if p.case[row] > 1 else "")
        )
        return f"{head}; {p.top_up_note[row]}"
    return policy.explain(
        result=r, row=row, demand_per_day=float(p.demand[row]), lead_time_days=float(a.lead[row]),
        on_hand=float(a.on_hand[row]), lead_time_sd_days=float(a.lead_sd[row]),
        service_level=float(p.service[row]), in_assortment=bool(a.in_assortment[row]),
    )  # fmt: skip


SUGGESTION_COLUMNS = (
    "store_id", "business_day", "product_id", "supplier_id", "status", "quantity", "suggested_quantity", "unit_cost",
    "demand_per_day", "demand_sd", "lead_time_days", "lead_time_sd_days", "review_days", "service_level",
    "safety_stock", "reorder_point", "order_up_to", "on_hand", "on_order", "in_transit", "case_pack", "sources",
    "transfer_quantity", "top_up", "reason", "rejection_reason", "created_at",
)  # fmt: skip


def _suggestion_rows(*, store_id: int, day: date, p: Plan, rows: np.ndarray) -> list[tuple]:
    a, r = p.arrays, p.result
    now = timezone.now()
    base_sources = {k: v for k, v in p.sources.items() if k in ("review_days", "round_to_case_pack")}
    out = []
    for i in rows.tolist():
        quantity = Decimal(str(round(float(p.quantity[i]), 3)))
        sources = {
            **base_sources, "service_level": str(p.service_source[i]), "min_qty": str(p.min_source[i]),
            "max_qty": str(p.max_source[i]), "lead_time_days": "supplier",
        }  # fmt: skip
        out.append((
            store_id, day, int(a.product_id[i]), int(a.supplier_id[i]) if a.supplier_id[i] >= 0 else None,
            SuggestionStatus.PROPOSED.value, quantity, quantity, Decimal(str(round(float(a.cost[i]), 4))),
            float(p.demand[i]), float(p.demand_sd[i]), float(a.lead[i]), float(a.lead_sd[i]), p.review,
            float(p.service[i]), float(r.safety_stock[i]), float(r.reorder_point[i]), float(r.order_up_to[i]),
            float(a.on_hand[i]), float(a.on_order[i]), float(a.in_transit[i]), int(p.case[i]),
            sources, Decimal("0"), i in p.top_up_note, reason_for(p=p, row=i), "", now,
        ))  # fmt: skip
    return out


def write_suggestions(*, store_id: int, day: date, p: Plan, decided: np.ndarray) -> int:
    """Replace the proposed suggestions of (store, day): one DELETE, then one COPY on
    PostgreSQL (bulk_create elsewhere). Rows already approved or rejected that day stay."""
    rows = np.flatnonzero((p.quantity > 0) & ~decided)
    data = _suggestion_rows(store_id=store_id, day=day, p=p, rows=rows)
    Suggestion.objects.filter(store_id=store_id, business_day=day, status=SuggestionStatus.PROPOSED).delete()
    if not data:
        return 0
    if connection.vendor == "postgresql":
        sources_at = SUGGESTION_COLUMNS.index("sources")
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY inventory_suggestion ({', '.join(SUGGESTION_COLUMNS)}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row((*row[:sources_at], json.dumps(row[sources_at]), *row[sources_at + 1 :]))
    else:
        Suggestion.objects.bulk_create(
            [Suggestion(**dict(zip(SUGGESTION_COLUMNS, row, strict=True))) for row in data], batch_size=500
        )
    return len(data)


@dataclass
class StoreNight:
    """What one store's night wrote (the counts shown on the pipeline run)."""

    store_products: int
    demand_folded: int
    suggestions: int
    suppressed: int
    top_ups: int
    plan: Plan | None = None

    def counts(self) -> dict[str, int]:
        return {
            "store_products": self.store_products, "demand_folded": self.demand_folded,
            "suggestions": self.suggestions, "suppressed_by_rejection": self.suppressed, "top_ups": self.top_ups,
        }  # fmt: skip


def run_store(*, store: Store, day: date) -> StoreNight:
    """Fold ``day`` into the store's demand model and replace its proposed suggestions, in
    one transaction. Safe to run again: nothing is folded twice, the suggestions come out
    the same."""
    with transaction.atomic():
        arrays = load_arrays(store_id=store.pk)
        loaded = load_state(store_id=store.pk, product_ids=arrays.product_id)
        started = cold_start(store=store, day=day, arrays=arrays, loaded=loaded)
        changed = fold_days(store_id=store.pk, day=day, arrays=arrays, loaded=loaded)
        folded = save_state(
            store_id=store.pk, arrays=arrays, loaded=loaded, rows=changed | ~loaded.exists, started=started
        )
        resolved = repl_settings.resolve(store=store)
        p = plan(store=store, day=day, arrays=arrays, state=loaded.state, resolved=resolved)
        save_surplus(store_id=store.pk, day=day, p=p, keep_days=float(resolved["transfer_surplus_days"]))
        apply_rejections(store_id=store.pk, day=day, p=p)
        decided_ids = np.array(
            Suggestion.objects.filter(store_id=store.pk, business_day=day)
            .exclude(status=SuggestionStatus.PROPOSED)
            .values_list("product_id", flat=True),
            dtype=np.int64,
        )
        decided = np.isin(arrays.product_id, decided_ids)
        blocked = decided | _rejected_mask(store.pk, arrays)
        apply_top_ups(p=p, blocked=blocked)
        written = write_suggestions(store_id=store.pk, day=day, p=p, decided=decided)
    return StoreNight(len(arrays), folded, written, p.suppressed, len(p.top_up_note), p)


def _rejected_mask(store_id: int, arrays: StoreArrays) -> np.ndarray:
    ids = np.array(
        SuggestionRejection.objects.filter(store_id=store_id).values_list("product_id", flat=True), dtype=np.int64
    )
    return np.isin(arrays.product_id, ids)
