"""Where stock changes. Every document posts through :func:`post_movements`.

Contract:

- runs inside the caller's transaction (it opens a savepoint if none is open);
- makes sure a ``StockLevel`` row exists for each product, then locks those rows in
  product order (``SELECT ... FOR UPDATE ORDER BY product_id``) so two documents that
  touch the same products cannot deadlock;
- appends the movements and changes the counters with SQL arithmetic
  (``on_hand = on_hand + delta``), never read-modify-write in Python;
- never refuses a sale for lack of stock: on-hand may go negative, and the level is then
  flagged ``needs_count``.

Invariant (``manage.py check_ledger``): for every (store, product), ``on_hand`` equals
the sum of its movements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from stores.models import PosDevice, Store

from .bulk import insert_rows
from .models import MovementKind, StockLevel, StockMovement

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class MovementLine:
    """One signed change of on-hand for a product."""

    product_id: int
    quantity: Decimal
    kind: str
    unit_cost: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CounterDelta:
    """A change of the other counters (no movement): on order, in transit."""

    product_id: int
    on_order: Decimal = ZERO
    in_transit: Decimal = ZERO


def lock_levels(store_id: int, product_ids: Iterable[int]) -> None:
    """Make sure a level row exists for each product and row-lock them in product order.

    One ``SELECT ... FOR UPDATE ORDER BY product_id`` in the common case; rows that do
    not exist yet are inserted (``ON CONFLICT DO NOTHING``, safe against a concurrent
    insert) and locked in a second round. SQLite locks the whole file instead.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    found = _select_for_update(store_id, ids)
    missing = [pid for pid in ids if pid not in found]
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(store_id=store_id, product_id=pid) for pid in missing], ignore_conflicts=True
        )
        _select_for_update(store_id, missing)


def _select_for_update(store_id: int, ids: list[int]) -> set[int]:
    levels = StockLevel.objects.filter(store_id=store_id, product_id__in=ids)
    if connection.features.has_select_for_update:
        levels = levels.select_for_update().order_by("product_id")
    return set(levels.values_list("product_id", flat=True))


@dataclass(frozen=True, slots=True)
class MovementRow:
    """A prepared movement of one store, as plain values (no model instance per row:
    POS ingest writes thousands a batch)."""

    product_id: int
    quantity: Decimal
    kind: str
    document_type: str
    document_id: int
    unit_cost: Decimal | None
    occurred_at: datetime
    business_day: date
    device_id: int | None = None
    user_id: int | None = None
    reason: str = ""


MOVEMENT_COLUMNS = (
    "store_id", "product_id", "quantity", "kind", "reason", "document_type", "document_id", "unit_cost",
    "occurred_at", "business_day", "created_at", "device_id", "user_id",
)  # fmt: skip


def post_movements(
    *,
    store: Store | int,
    lines: Sequence[MovementLine],
    document_type: str,
    document_id: int,
    occurred_at: datetime | None = None,
    business_day=None,
    user=None,
    device: PosDevice | None = None,
    counters: Sequence[CounterDelta] = (),
) -> int:
    """Append ``lines`` of one document to the ledger and apply them (and ``counters``)
    to the levels. Returns the number of movements written (zero quantities are skipped)."""
    store_id = store if isinstance(store, int) else store.pk
    occurred_at = occurred_at or timezone.now()
    if business_day is None:
        store_obj = store if isinstance(store, Store) else Store.objects.get(pk=store_id)
        business_day = store_obj.business_day(occurred_at)
    rows = [
        MovementRow(
            product_id=line.product_id,
            quantity=line.quantity,
            kind=line.kind,
            reason=line.reason,
            unit_cost=line.unit_cost,
            document_type=document_type,
            document_id=document_id,
            occurred_at=occurred_at,
            business_day=business_day,
            device_id=device.pk if device is not None else None,
            user_id=user.pk if getattr(user, "pk", None) else None,
        )
        for line in lines
        if line.quantity != 0
    ]
    return record_movements(store_id=store_id, rows=rows, counters=counters)


def record_movements(*, store_id: int, rows: Sequence[MovementRow], counters: Sequence[CounterDelta] = ()) -> int:
    """Append prepared movements (of one or many documents of one store) and apply them:
    one lock round in product order, one insert (``COPY`` on PostgreSQL for many rows,
    ``bulk_create`` elsewhere), one counter update. The batch form of
    :func:`post_movements`, used by POS ingest for hundreds of sales. Returns the row count."""
    if not rows and not counters:
        return 0
    now = timezone.now()
    ordered = sorted(rows, key=lambda row: row.product_id)
    with transaction.atomic(savepoint=False):
        lock_levels(store_id, {row.product_id for row in ordered} | {c.product_id for c in counters})
        insert_rows(
            StockMovement,
            MOVEMENT_COLUMNS,
            [
                (
                    store_id, r.product_id, r.quantity, r.kind, r.reason, r.document_type, r.document_id, r.unit_cost,
                    r.occurred_at, r.business_day, now, r.device_id, r.user_id,
                )
                for r in ordered
            ],
        )  # fmt: skip
        last = max((r.occurred_at for r in ordered if r.kind == MovementKind.SALE), default=None)
        apply_deltas(
            store_id, [MovementLine(r.product_id, r.quantity, r.kind) for r in ordered], counters, sold_at=last
        )
    return len(ordered)


def apply_deltas(
    store_id: int,
    lines: Sequence[MovementLine],
    counters: Sequence[CounterDelta] = (),
    *,
    sold_at: datetime | None = None,
) -> None:
    """Add the net deltas per product to the (already locked) levels, in one statement on
    PostgreSQL and one per product elsewhere."""
    net: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, False])
    for line in lines:
        entry = net[line.product_id]
        entry[0] += line.quantity
        if line.kind == MovementKind.SALE:
            entry[3] = True
    for counter in counters:
        entry = net[counter.product_id]
        entry[1] += counter.on_order
        entry[2] += counter.in_transit
    if not net:
        return
    rows = sorted(net.items())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE inventory_stocklevel AS s
                   SET on_hand = s.on_hand + d.on_hand,
                       on_order = GREATEST(s.on_order + d.on_order, 0),
                       in_transit = GREATEST(s.in_transit + d.in_transit, 0),
                       needs_count = s.needs_count OR (s.on_hand + d.on_hand < 0),
                       last_sale_at = CASE
                           WHEN d.sold THEN GREATEST(COALESCE(s.last_sale_at, %s::timestamptz), %s::timestamptz)
                           ELSE s.last_sale_at END,
                       updated_at = now()
                  FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::boolean[])
                       AS d(product_id, on_hand, on_order, in_transit, sold)
                 WHERE s.store_id = %s AND s.product_id = d.product_id
                """,
                [
                    sold_at,
                    sold_at,
                    [pid for pid, _ in rows],
                    [v[0] for _, v in rows],
                    [v[1] for _, v in rows],
                    [v[2] for _, v in rows],
                    [v[3] for _, v in rows],
                    store_id,
                ],
            )
        return
    now = timezone.now()
    for product_id, (on_hand, on_order, in_transit, sold) in rows:
        changes = {"on_hand": F("on_hand") + on_hand, "updated_at": now}
        if on_order:
            changes["on_order"] = F("on_order") + on_order
        if in_transit:
            changes["in_transit"] = F("in_transit") + in_transit
        if sold and sold_at is not None:
            changes["last_sale_at"] = sold_at
        StockLevel.objects.filter(store_id=store_id, product_id=product_id).update(**changes)
    # Counters never go below zero; negative on-hand flags a count.
    StockLevel.objects.filter(store_id=store_id, product_id__in=[pid for pid, _ in rows]).filter(
        Q(on_order__lt=0) | Q(in_transit__lt=0)
    ).update(on_order=_clamp("on_order"), in_transit=_clamp("in_transit"))
    StockLevel.objects.filter(
        store_id=store_id, product_id__in=[pid for pid, _ in rows], on_hand__lt=0, needs_count=False
    ).update(needs_count=True)


def _clamp(field: str):
    from django.db.models.functions import Greatest

    return Greatest(F(field), ZERO)


def adjust_counters(*, store: Store | int, counters: Sequence[CounterDelta]) -> None:
    """Change on-order / in-transit without a movement (ordering, shipping)."""
    store_id = store if isinstance(store, int) else store.pk
    product_ids = {c.product_id for c in counters}
    with transaction.atomic(savepoint=False):
        lock_levels(store_id, product_ids)
        apply_deltas(store_id, (), counters)


@dataclass(frozen=True)
class LedgerMismatch:
    store_id: int
    product_id: int
    on_hand: Decimal
    movements: Decimal


def find_mismatches(store_ids: Sequence[int] | None = None) -> list[LedgerMismatch]:
    """Every (store, product) whose on-hand differs from the sum of its movements,
    including movements with no level row and levels with no movement but stock."""
    sums = StockMovement.objects.all()
    levels = StockLevel.objects.all()
    if store_ids is not None:
        sums = sums.filter(store_id__in=store_ids)
        levels = levels.filter(store_id__in=store_ids)
    totals = {
        (row["store_id"], row["product_id"]): row["total"]
        for row in sums.values("store_id", "product_id").annotate(total=Sum("quantity")).order_by()
    }
    mismatches = []
    seen = set()
    for store_id, product_id, on_hand in levels.values_list("store_id", "product_id", "on_hand").iterator(
        chunk_size=20000
    ):
        key = (store_id, product_id)
        seen.add(key)
        total = totals.get(key, ZERO)
        if total != on_hand:
            mismatches.append(LedgerMismatch(store_id, product_id, on_hand, total))
    for key, total in totals.items():
        if key not in seen and total != 0:
            mismatches.append(LedgerMismatch(key[0], key[1], ZERO, total))
    return mismatches
