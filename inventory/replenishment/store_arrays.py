"""One store's stock levels, products and primary suppliers as numpy arrays, and one
business day's sales aligned to them: what the nightly run reads before any arithmetic.

One query for the levels (joined to product and supplier; binary ``COPY`` on PostgreSQL),
one for the draft orders that count as on order, one for the day's sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection

from .pg_copy import copy_out, fetch


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
    elif rows := fetch(LEVELS_SQL.format(extra=extra), params):
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
    drafts = fetch(
        "SELECT l.product_id, CAST(SUM(l.quantity) AS DOUBLE PRECISION) FROM inventory_purchaseorderline l "
        "JOIN inventory_purchaseorder o ON o.id = l.order_id WHERE o.store_id = %s AND o.status = 'draft' "
        "GROUP BY l.product_id",
        [store_id],
    )
    if drafts and len(arrays):
        ids = np.array([r[0] for r in drafts], dtype=np.int64)
        qty = np.array([r[1] for r in drafts], dtype=np.float64)
        rows_at, found = align(arrays.product_id, ids)
        np.add.at(arrays.on_order, rows_at[found], qty[found])
    return arrays


def align(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in ``sorted_ids`` and whether each was found."""
    at = np.searchsorted(sorted_ids, ids)
    at_clipped = np.minimum(at, max(len(sorted_ids) - 1, 0))
    found = (at < len(sorted_ids)) & (sorted_ids[at_clipped] == ids) if len(sorted_ids) else np.zeros(len(ids), bool)
    return at_clipped, found


def load_day_sales(*, store_id: int, day: date) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(product ids, units, out-of-stock-at-close flags, from_rollups) for one business day:
    the analytics rollups when that (store, day) has any, else the raw sale lines."""
    rows = fetch(
        "SELECT product_id, CAST(units AS DOUBLE PRECISION), stockout FROM analytics_dailyrollup "
        "WHERE store_id = %s AND day = %s",
        [store_id, day],
    )
    from_rollups = bool(rows)
    if not rows:
        rows = fetch(
            "SELECT l.product_id, CAST(SUM(l.quantity) AS DOUBLE PRECISION), 0 FROM inventory_saleline l "
            "JOIN inventory_sale s ON s.id = l.sale_id WHERE l.store_id = %s AND l.business_day = %s "
            "AND s.kind = 'sale' GROUP BY l.product_id",
            [store_id, day],
        )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    units = np.array([r[1] or 0.0 for r in rows], dtype=np.float64)
    stockout = np.array([bool(r[2]) for r in rows], dtype=bool)
    return ids, units, stockout, from_rollups
