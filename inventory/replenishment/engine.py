"""The nightly run of one store: load its arrays in bulk (``store_arrays``), fold the day
into the demand model (``demand_store``), compute the order policy, write the suggestions
in bulk.

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

from inventory.models import ProjectedSurplus, Suggestion, SuggestionRejection, SuggestionStatus, Supplier
from stores.models import Store

from . import forecast, policy
from . import settings as repl_settings
from .demand_store import cold_start, fold_days, load_state, save_state
from .pg_copy import PG_EPOCH, binary_copy_payload
from .store_arrays import StoreArrays, align, load_arrays

FREE_FREIGHT_MAX_GAP = 0.25  # top up to free freight only when the gap is at most this share of it


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
    at, found = align(p.arrays.product_id, ids)
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
