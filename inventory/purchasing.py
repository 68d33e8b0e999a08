"""Purchase orders: draft -> ordered -> partially received -> received, or cancelled.

- **order**: ``on_order`` goes up by each line's quantity; ``expected_on`` is the store's
  today plus the longest lead time among the lines (the product's terms with this supplier,
  else the supplier's), rounded up to whole days.
- **receive** (one :class:`Receipt` per delivery): ``receipt`` movements at the received
  cost (the line's cost unless given), ``on_order`` down by the received quantity but never
  by more than the line's outstanding quantity. Receiving more than ordered is allowed and
  flagged (``PurchaseOrderLine.over_received``, ``Receipt.over_received`` in the API).
  Products not on the order are refused: receive them on an order of their own.
- **cancel** (draft, ordered or partially received): the outstanding ``on_order`` is released.

Every transition locks the order row first (``SELECT ... FOR UPDATE``), so two clerks who
receive the same delivery at once are served one after the other; illegal transitions raise
``Conflict`` (409). Each writes a ``purchase_order.state_changed`` outbox event.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from retail.api.errors import Conflict, DomainError, InvalidInput
from stores.models import Store

from . import ledger
from .document_lines import LineInput, parse_decimal, person, qty_text, record_level_changed, resolve_lines
from .models import (
    MovementKind,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    Supplier,
)
from .outbox import record_event

DOCUMENT_TYPE = "purchase_order"
RECEIPT_DOCUMENT_TYPE = "receipt"
ZERO = Decimal("0")
OPEN = (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED)
NOT_CLOSED = (PurchaseOrderStatus.DRAFT, *OPEN)  # still to be placed or received


@transaction.atomic
def create_purchase_order(
    *, store: Store, supplier_code: str, lines: Sequence[LineInput], user, note: str = ""
) -> PurchaseOrder:
    """A draft order from ``supplier_code`` (an active supplier). A line without ``unit_cost``
    takes the product's cost with this supplier, else its catalogue cost. Raises
    ``DomainError``/``InvalidInput`` (400) writing nothing."""
    supplier = Supplier.objects.filter(code=str(supplier_code or ""), is_active=True).first()
    if supplier is None:
        raise DomainError("no active supplier with this code", field="supplier", code="not_found")
    resolved = resolve_lines(lines, with_cost=True)
    terms = dict(
        ProductSupplier.objects.filter(supplier=supplier, product_id__in=[r.product.pk for r in resolved]).values_list(
            "product_id", "cost"
        )
    )
    rows = [
        (r.product.pk, r.quantity, r.unit_cost if r.unit_cost is not None else terms.get(r.product.pk, r.product.cost))
        for r in resolved
    ]
    return create_draft_order(store=store, supplier_id=supplier.pk, lines=rows, user=user, note=note)


@transaction.atomic
def create_draft_order(
    *, store: Store, supplier_id: int, lines: Sequence[tuple[int, Decimal, Decimal]], user, note: str = ""
) -> PurchaseOrder:
    """A draft order with ``(product_id, quantity, unit_cost)`` lines, each product once
    (the replenishment approval calls this). Quantities > 0 with at most 3 decimals."""
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("at most 200 characters", field="note", code="max_length")
    if not lines:
        raise DomainError("give at least one line", field="lines", code="required")
    errors: list = []
    seen = set()
    for index, (product_id, quantity, unit_cost) in enumerate(lines):
        if product_id in seen:
            errors.append({"field": f"lines[{index}].sku", "code": "duplicate", "message": "product listed twice"})
        seen.add(product_id)
        parse_decimal(quantity, f"lines[{index}].quantity", errors)
        parse_decimal(unit_cost, f"lines[{index}].unit_cost", errors, places=4, maximum=Decimal("99999999"),
                      sign="non_negative")  # fmt: skip
    if errors:
        raise InvalidInput(errors)
    order = PurchaseOrder.objects.create(store=store, supplier_id=supplier_id, note=note, created_by=person(user))
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(store=store, order=order, product_id=pid, quantity=quantity, unit_cost=unit_cost)
            for pid, quantity, unit_cost in sorted(lines)
        ]
    )
    _state_changed(order, None, user)
    return order


def _lock(order: PurchaseOrder, *, allowed: Sequence[str]) -> PurchaseOrder:
    locked = PurchaseOrder.objects.select_for_update(of=("self",)).select_related("store", "supplier").get(pk=order.pk)
    if locked.status not in allowed:
        raise Conflict(f"the purchase order is {locked.status}", field="status", code="invalid_transition")
    return locked


@transaction.atomic
def place_order(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Draft -> ordered: ``on_order`` up by every line, ``expected_on`` from the lead time."""
    order = _lock(order, allowed=[PurchaseOrderStatus.DRAFT])
    rows = list(PurchaseOrderLine.objects.filter(order=order).order_by("product_id"))
    if not rows:
        raise Conflict("an order without lines cannot be placed", field="lines", code="empty")
    lead = _lead_time_days(order, [row.product_id for row in rows])
    ledger.adjust_counters(
        store=order.store_id, counters=[ledger.CounterDelta(row.product_id, on_order=row.quantity) for row in rows]
    )
    now = timezone.now()
    order.status, order.ordered_at, order.ordered_by = PurchaseOrderStatus.ORDERED, now, person(user)
    order.expected_on = order.store.business_day(now) + timedelta(days=lead)
    order.save(update_fields=["status", "ordered_at", "ordered_by", "expected_on"])
    record_level_changed(
        store_id=order.store_id,
        product_ids=[row.product_id for row in rows],
        document_type=DOCUMENT_TYPE,
        document_id=order.pk,
    )
    _state_changed(order, PurchaseOrderStatus.DRAFT, user)
    return order


def _lead_time_days(order: PurchaseOrder, product_ids: list[int]) -> int:
    own = ProductSupplier.objects.filter(
        supplier_id=order.supplier_id, product_id__in=product_ids, lead_time_days__isnull=False
    ).values_list("lead_time_days", flat=True)
    days = max([*own, order.supplier.lead_time_days])
    return math.ceil(days)


@transaction.atomic
def receive_order(*, order: PurchaseOrder, lines: Sequence[LineInput], user, note: str = "") -> Receipt:
    """Book one delivery against an ordered (or partly received) order.

    Raises ``Conflict`` unless the order is open, ``InvalidInput`` for bad lines (products not
    on the order, a product twice, bad quantities or costs) before writing anything.
    """
    order = _lock(order, allowed=OPEN)
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("at most 200 characters", field="note", code="max_length")
    by_product = {row.product_id: row for row in PurchaseOrderLine.objects.filter(order=order)}
    resolved = resolve_lines(lines, with_cost=True, allowed_product_ids=set(by_product))
    receipt = Receipt.objects.create(store_id=order.store_id, order=order, received_by=person(user), note=note)
    movements, counters, receipt_lines = [], [], []
    for line in resolved:
        row = by_product[line.product.pk]
        cost = line.unit_cost if line.unit_cost is not None else row.unit_cost
        released = min(line.quantity, row.outstanding)
        row.received += line.quantity
        receipt_lines.append(
            ReceiptLine(store_id=order.store_id, receipt=receipt, product=line.product, quantity=line.quantity,
                        unit_cost=cost)
        )  # fmt: skip
        movements.append(ledger.MovementLine(row.product_id, line.quantity, MovementKind.RECEIPT, cost))
        if released:
            counters.append(ledger.CounterDelta(row.product_id, on_order=-released))
    ReceiptLine.objects.bulk_create(receipt_lines)
    PurchaseOrderLine.objects.bulk_update([by_product[line.product.pk] for line in resolved], ["received"])
    now = timezone.now()
    ledger.post_movements(
        store=order.store,
        lines=movements,
        counters=counters,
        document_type=RECEIPT_DOCUMENT_TYPE,
        document_id=receipt.pk,
        occurred_at=now,
        user=person(user),
    )
    previous = order.status
    complete = all(row.received >= row.quantity for row in by_product.values())
    order.status = PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
    order.closed_at = now if complete else None
    order.save(update_fields=["status", "closed_at"])
    record_level_changed(
        store_id=order.store_id,
        product_ids=[line.product.pk for line in resolved],
        document_type=RECEIPT_DOCUMENT_TYPE,
        document_id=receipt.pk,
    )
    over = [
        {"product_id": pid, "over_received": qty_text(row.over_received)}
        for pid, row in sorted(by_product.items())
        if row.over_received
    ]
    _state_changed(order, previous, user, receipt_id=receipt.pk, over_received=over)
    receipt.over_received = over
    return receipt


@transaction.atomic
def cancel_order(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Cancel a draft or open order; an open order's outstanding ``on_order`` is released."""
    order = _lock(order, allowed=[PurchaseOrderStatus.DRAFT, *OPEN])
    previous = order.status
    if previous in OPEN:
        rows = PurchaseOrderLine.objects.filter(order=order).order_by("product_id")
        counters = [ledger.CounterDelta(row.product_id, on_order=-row.outstanding) for row in rows if row.outstanding]
        if counters:
            ledger.adjust_counters(store=order.store_id, counters=counters)
            record_level_changed(
                store_id=order.store_id,
                product_ids=[c.product_id for c in counters],
                document_type=DOCUMENT_TYPE,
                document_id=order.pk,
            )
    order.status, order.closed_at, order.cancelled_by = PurchaseOrderStatus.CANCELLED, timezone.now(), person(user)
    order.save(update_fields=["status", "closed_at", "cancelled_by"])
    _state_changed(order, previous, user)
    return order


def _state_changed(order: PurchaseOrder, previous: str | None, user, **extra) -> None:
    record_event(
        topic="purchase_order.state_changed",
        store_id=order.store_id,
        payload={
            "purchase_order_id": order.pk,
            "store_id": order.store_id,
            "supplier_id": order.supplier_id,
            "previous": previous,
            "status": order.status,
            "expected_on": order.expected_on.isoformat() if order.expected_on else None,
            "user_id": getattr(person(user), "pk", None),
            **extra,
        },
    )
