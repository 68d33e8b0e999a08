"""Stock adjustments: a manager corrects on-hand with a reason.

Losses (damage, theft, expiry) post ``shrinkage`` movements carrying the reason, so
shrinkage can be reported by reason; ``found`` posts positive ``adjustment`` movements;
``other`` posts ``adjustment`` movements of either sign. A line whose sign contradicts the
reason is refused (a "damage" that adds stock is a typing mistake, not a correction).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from retail.api.errors import DomainError, InvalidInput
from stores import audit
from stores.models import Store

from . import ledger
from .document_lines import LineInput, error, person, record_level_changed, resolve_lines
from .models import Adjustment, AdjustmentLine, AdjustmentReason, MovementKind

LOSSES = frozenset({AdjustmentReason.DAMAGE, AdjustmentReason.THEFT, AdjustmentReason.EXPIRY})
DOCUMENT_TYPE = "adjustment"


def movement_kind(reason: str) -> str:
    """``shrinkage`` for a loss, ``adjustment`` otherwise."""
    return MovementKind.SHRINKAGE if reason in LOSSES else MovementKind.ADJUSTMENT


@transaction.atomic
def create_adjustment(*, store: Store, reason: str, lines: Sequence[LineInput], user, note: str = "") -> Adjustment:
    """Create and post an adjustment in one transaction.

    Quantities are signed: losses must be negative, ``found`` positive, ``other`` non-zero.
    Raises ``InvalidInput``/``DomainError`` (400) before writing anything.
    """
    if reason not in AdjustmentReason.values:
        raise DomainError(f"must be one of {', '.join(AdjustmentReason.values)}", field="reason", code="invalid_choice")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError("at most 500 characters", field="note", code="max_length")
    resolved = resolve_lines(lines, sign="non_zero")
    wrong = []
    for index, line in enumerate(resolved):
        if reason in LOSSES and line.quantity > 0:
            wrong.append(error(f"lines[{index}].quantity", "sign", f"a {reason} adjustment removes stock: negative"))
        elif reason == AdjustmentReason.FOUND and line.quantity < 0:
            wrong.append(error(f"lines[{index}].quantity", "sign", "found stock is added: positive"))
    if wrong:
        raise InvalidInput(wrong)
    adjustment = Adjustment.objects.create(store=store, reason=reason, note=note, created_by=person(user))
    AdjustmentLine.objects.bulk_create(
        [AdjustmentLine(store=store, adjustment=adjustment, product=line.product, quantity=line.quantity)
         for line in resolved]
    )  # fmt: skip
    kind = movement_kind(reason)
    ledger.post_movements(
        store=store,
        lines=[
            ledger.MovementLine(line.product.pk, line.quantity, kind, line.product.cost, reason) for line in resolved
        ],
        document_type=DOCUMENT_TYPE,
        document_id=adjustment.pk,
        user=person(user),
    )
    record_level_changed(
        store_id=store.pk,
        product_ids=[line.product.pk for line in resolved],
        document_type=DOCUMENT_TYPE,
        document_id=adjustment.pk,
    )
    audit.record(
        actor=user,
        action="stock.adjust",
        obj=adjustment,
        store=store,
        after={
            "reason": reason,
            "note": note,
            "lines": [{"sku": line.product.sku, "quantity": str(line.quantity)} for line in resolved],
        },
    )
    return adjustment
