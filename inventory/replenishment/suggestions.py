"""What a manager does with the night's suggestions: list, edit a quantity, approve into
draft purchase orders (one per supplier), reject with a reason that is remembered.

Rejection rule (``REJECTION_RULE``): after a rejection the engine does not propose the
same product at that store again at the same or a lower quantity while the stock position
(on hand + on order + in transit) has not dropped below the position the manager saw. If
either grows worse (a larger quantity is needed, or the position fell) it is proposed again
and the memory is dropped; approving the product later drops it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inventory import purchasing
from inventory.models import (
    PurchaseOrder,
    Suggestion,
    SuggestionRejection,
    SuggestionStatus,
)
from retail.api.errors import Conflict, DomainError
from stores.models import Store

REJECTION_RULE = "not re-proposed at the same or a lower quantity unless the stock position dropped further"
MAX_QUANTITY = Decimal("999999999")


def list_suggestions(*, store: Store, status: str | None = None, supplier_code: str | None = None) -> QuerySet:
    """The store's suggestions, newest night first, filtered by status and supplier code."""
    rows = Suggestion.objects.for_store(store).select_related("product", "supplier")
    if status:
        if status not in SuggestionStatus.values:
            raise DomainError(f"must be one of {', '.join(SuggestionStatus.values)}", field="status", code="invalid")
        rows = rows.filter(status=status)
    if supplier_code:
        rows = rows.filter(supplier__code=supplier_code)
    return rows.order_by("-business_day", "supplier__code", "product__sku")


def parse_quantity(raw, *, field: str = "quantity") -> Decimal:
    """A quantity from input: a number >= 0 with at most 3 decimals, else ``DomainError``."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise DomainError("a number is required", field=field, code="required")
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise DomainError("must be a number", field=field, code="invalid") from None
    if not value.is_finite() or value < 0:
        raise DomainError("must be zero or more", field=field, code="min_value")
    if value > MAX_QUANTITY:
        raise DomainError("too large", field=field, code="max_value")
    if value.as_tuple().exponent < -3:
        raise DomainError("at most 3 decimals", field=field, code="max_decimal_places")
    return value


def _proposed(store: Store, ids: Sequence[int], *, lock: bool = True) -> list[Suggestion]:
    if not ids:
        raise DomainError("name at least one suggestion", field="ids", code="required")
    rows = Suggestion.objects.for_store(store).filter(pk__in=list(ids)).order_by("pk")
    rows = list(rows.select_for_update() if lock else rows)
    if len(rows) != len(set(ids)):
        raise DomainError("unknown suggestion for this store", field="ids", code="not_found")
    decided = [row.pk for row in rows if row.status != SuggestionStatus.PROPOSED]
    if decided:
        raise Conflict(f"suggestion {decided[0]} was already decided", field="ids", code="already_decided")
    return rows


@transaction.atomic
def edit_quantity(*, store: Store, suggestion_id: int, quantity, user) -> Suggestion:
    """Change the quantity of a proposed suggestion (the engine's figure stays in
    ``suggested_quantity``). Raises ``DomainError`` for a bad number, ``Conflict`` once decided."""
    value = parse_quantity(quantity)
    [row] = _proposed(store, [suggestion_id])
    row.quantity = value
    row.save(update_fields=["quantity"])
    return row


def create_draft_order(
    *, store: Store, supplier_id: int, lines: Sequence[tuple[int, Decimal, Decimal]], user
) -> PurchaseOrder:
    """A draft purchase order with ``(product_id, quantity, unit_cost)`` lines, written by
    ``inventory.purchasing`` (the one place orders are created)."""
    return purchasing.create_draft_order(
        store=store, supplier_id=supplier_id, lines=lines, user=user, note="from reorder suggestions"
    )


@transaction.atomic
def approve(*, store: Store, suggestion_ids: Sequence[int], user) -> list[PurchaseOrder]:
    """Approve proposed suggestions: one draft purchase order per supplier with a line per
    product (quantity 0 lines are approved but not ordered). All or nothing: an unknown, foreign or
    already decided id raises and writes nothing. A suggestion without a supplier cannot be approved."""
    rows = _proposed(store, suggestion_ids)
    missing = [row.pk for row in rows if row.supplier_id is None]
    if missing:
        raise DomainError(f"suggestion {missing[0]} has no supplier", field="ids", code="no_supplier")
    by_supplier: dict[int, list[Suggestion]] = defaultdict(list)
    for row in rows:
        by_supplier[row.supplier_id].append(row)
    orders, now = [], timezone.now()
    for supplier_id in sorted(by_supplier):
        group = by_supplier[supplier_id]
        lines = [(row.product_id, row.quantity, row.unit_cost) for row in group if row.quantity > 0]
        order = create_draft_order(store=store, supplier_id=supplier_id, lines=lines, user=user) if lines else None
        if order is not None:
            orders.append(order)
        for row in group:
            row.status, row.decided_by, row.decided_at, row.purchase_order = SuggestionStatus.APPROVED, user, now, order
    Suggestion.objects.bulk_update(rows, ["status", "decided_by", "decided_at", "purchase_order"])
    SuggestionRejection.objects.filter(store=store, product_id__in=[row.product_id for row in rows]).delete()
    return orders


@transaction.atomic
def reject(*, store: Store, suggestion_ids: Sequence[int], reason: str, user) -> list[Suggestion]:
    """Reject proposed suggestions with a reason, and remember it (``REJECTION_RULE``)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("say why", field="reason", code="required")
    if len(reason) > 300:
        raise DomainError("at most 300 characters", field="reason", code="max_length")
    rows = _proposed(store, suggestion_ids)
    now = timezone.now()
    for row in rows:
        row.status, row.rejection_reason, row.decided_by, row.decided_at = SuggestionStatus.REJECTED, reason, user, now
        position = Decimal(str(round(row.on_hand + row.on_order + row.in_transit, 3)))
        SuggestionRejection.objects.update_or_create(
            store=store, product_id=row.product_id,
            defaults={"quantity": row.suggested_quantity, "position": position, "reason": reason,
                      "business_day": row.business_day, "rejected_by": user},
        )  # fmt: skip
    Suggestion.objects.bulk_update(rows, ["status", "rejection_reason", "decided_by", "decided_at"])
    return rows
