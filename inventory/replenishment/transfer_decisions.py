"""A manager's answer to a transfer suggestion: accept it (a transfer request between the
two stores, in the same transaction) or dismiss it. Either end of the suggestion may answer;
the sender ships and the receiver receives as for any transfer."""

from __future__ import annotations

from django.db import transaction

from retail.api.errors import Conflict
from stores.models import Store

from .. import transfers
from ..document_lines import LineInput, parse_quantity
from ..models import Transfer, TransferSuggestion, TransferSuggestionStatus


def visible(store: Store):
    """Suggestions where ``store`` sends or receives."""
    return TransferSuggestion.objects.for_store(store)


def _lock_proposed(store: Store, suggestion_id: int) -> TransferSuggestion:
    row = (
        visible(store)
        .select_for_update(of=("self",))
        .select_related("store", "to_store", "product")
        .get(pk=suggestion_id)
    )
    if row.status != TransferSuggestionStatus.PROPOSED:
        raise Conflict(f"this suggestion is already {row.status}", field="status", code="not_proposed")
    return row


@transaction.atomic
def accept(*, store: Store, suggestion_id: int, user, quantity=None) -> Transfer:
    """Turn the suggestion into a requested transfer (optionally for another quantity).
    Raises ``TransferSuggestion.DoesNotExist`` for a suggestion the store is not part of."""
    row = _lock_proposed(store, suggestion_id)
    amount = row.quantity if quantity in (None, "") else parse_quantity(quantity, field="quantity")
    transfer = transfers.request_transfer(
        store=row.store,
        to_store_code=row.to_store.code,
        lines=[LineInput(sku=row.product.sku, quantity=amount)],
        user=user,
        note=f"suggested on {row.business_day.isoformat()}",
    )
    row.status, row.transfer = TransferSuggestionStatus.ACCEPTED, transfer
    row.save(update_fields=["status", "transfer"])
    return transfer


@transaction.atomic
def dismiss(*, store: Store, suggestion_id: int, user) -> TransferSuggestion:
    row = _lock_proposed(store, suggestion_id)
    row.status = TransferSuggestionStatus.DISMISSED
    row.save(update_fields=["status"])
    return row
