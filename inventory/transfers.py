"""Transfers between stores: requested -> shipped -> received (or cancelled while requested).

- **request**: a manager of either end (``TRANSFER`` in the acting store) names the other
  store: ``to_store_code`` when the acting store sends, ``from_store_code`` when it asks a
  sibling for stock. Nothing moves yet.
- **ship** (sender only): ``transfer_out`` movements at the sender for the shipped quantities
  and ``in_transit`` up at the receiver, so the goods on the road show at both ends.
- **receive** (receiver only): ``transfer_in`` movements for the received quantities and
  ``in_transit`` down by the *shipped* quantity. A difference stays on the line as its
  discrepancy (``received - shipped``); a shortfall is not returned to the sender.
- **cancel** (either end, only while requested).

Every transition locks the transfer row first. When two stores' levels change in one
transaction (shipping), the lower store id is locked first, so transfers in opposite
directions over the same products cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from retail.api.errors import Conflict, DomainError
from stores.models import Store

from . import ledger
from .document_lines import LineInput, person, qty_text, record_level_changed, resolve_lines
from .models import MovementKind, Transfer, TransferLine, TransferStatus
from .outbox import record_event

DOCUMENT_TYPE = "transfer"


class WrongEnd(DomainError):
    """The acting store is the wrong end of the transfer for this step (403)."""

    status = 403
    code = "wrong_store"


@transaction.atomic
def request_transfer(
    *,
    store: Store,
    lines: Sequence[LineInput],
    user,
    to_store_code: str | None = None,
    from_store_code: str | None = None,
    note: str = "",
) -> Transfer:
    """Request a transfer between ``store`` and another active store (exactly one of the two
    codes). Raises ``DomainError``/``InvalidInput`` (400) writing nothing."""
    if bool(to_store_code) == bool(from_store_code):
        raise DomainError("name the other store: to_store or from_store", field="to_store", code="required")
    field = "to_store" if to_store_code else "from_store"
    other = Store.objects.filter(code=str(to_store_code or from_store_code), is_active=True).first()
    if other is None:
        raise DomainError("no such active store", field=field, code="not_found")
    if other.pk == store.pk:
        raise DomainError("a transfer goes to another store", field=field, code="same_store")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("at most 200 characters", field="note", code="max_length")
    resolved = resolve_lines(lines)
    sender, receiver = (store, other) if to_store_code else (other, store)
    transfer = Transfer.objects.create(store=sender, to_store=receiver, note=note, requested_by=person(user))
    TransferLine.objects.bulk_create(
        [TransferLine(store=sender, transfer=transfer, product=line.product, requested=line.quantity)
         for line in resolved]
    )  # fmt: skip
    _state_changed(transfer, None, user)
    return transfer


def _lock(transfer: Transfer, *, allowed: Sequence[str]) -> Transfer:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status not in allowed:
        raise Conflict(f"the transfer is {locked.status}", field="status", code="invalid_transition")
    return locked


def _quantities(
    transfer: Transfer, lines: Sequence[LineInput] | None, default: str
) -> tuple[dict[int, Decimal], list[TransferLine]]:
    """Per line, the quantity given for its product, else the line's ``default`` field."""
    rows = list(TransferLine.objects.filter(transfer=transfer).order_by("product_id"))
    given = {}
    if lines is not None:
        resolved = resolve_lines(lines, sign="non_negative", allowed_product_ids={row.product_id for row in rows})
        given = {line.product.pk: line.quantity for line in resolved}
    return {row.pk: given.get(row.product_id, getattr(row, default)) for row in rows}, rows


@transaction.atomic
def ship_transfer(*, store: Store, transfer: Transfer, user, lines: Sequence[LineInput] | None = None) -> Transfer:
    """Ship a requested transfer from ``store`` (the sender). ``lines`` override the shipped
    quantity of the products they name (0 = not shipped); the rest ship as requested."""
    transfer = _lock(transfer, allowed=[TransferStatus.REQUESTED])
    if transfer.store_id != store.pk:
        raise WrongEnd("only the sending store ships a transfer")
    quantities, rows = _quantities(transfer, lines, "requested")
    for row in rows:
        row.shipped = quantities[row.pk]
    TransferLine.objects.bulk_update(rows, ["shipped"])
    now = timezone.now()
    shipped = [row for row in rows if row.shipped]
    steps = [
        (transfer.store_id, partial(_post_out, transfer, shipped, user, now)),
        (transfer.to_store_id, partial(_add_in_transit, transfer, shipped)),
    ]
    for _store_id, step in sorted(steps, key=lambda item: item[0]):
        step()
    transfer.status, transfer.shipped_at, transfer.shipped_by = TransferStatus.SHIPPED, now, person(user)
    transfer.save(update_fields=["status", "shipped_at", "shipped_by"])
    if shipped:
        record_level_changed(
            store_id=transfer.store_id,
            product_ids=[row.product_id for row in shipped],
            document_type=DOCUMENT_TYPE,
            document_id=transfer.pk,
        )
    _state_changed(transfer, TransferStatus.REQUESTED, user)
    return transfer


def _post_out(transfer: Transfer, shipped: list[TransferLine], user, now) -> None:
    ledger.post_movements(
        store=transfer.store_id,
        lines=[ledger.MovementLine(row.product_id, -row.shipped, MovementKind.TRANSFER_OUT) for row in shipped],
        document_type=DOCUMENT_TYPE,
        document_id=transfer.pk,
        occurred_at=now,
        user=person(user),
    )


def _add_in_transit(transfer: Transfer, shipped: list[TransferLine]) -> None:
    ledger.adjust_counters(
        store=transfer.to_store_id,
        counters=[ledger.CounterDelta(row.product_id, in_transit=row.shipped) for row in shipped],
    )


@transaction.atomic
def receive_transfer(*, store: Store, transfer: Transfer, user, lines: Sequence[LineInput] | None = None) -> Transfer:
    """Receive a shipped transfer at ``store`` (the receiver). ``lines`` give the received
    quantity of the products they name; the rest are received as shipped."""
    transfer = _lock(transfer, allowed=[TransferStatus.SHIPPED])
    if transfer.to_store_id != store.pk:
        raise WrongEnd("only the receiving store receives a transfer")
    quantities, rows = _quantities(transfer, lines, "shipped")
    for row in rows:
        row.received = quantities[row.pk] or Decimal("0")
    TransferLine.objects.bulk_update(rows, ["received"])
    now = timezone.now()
    ledger.post_movements(
        store=store,
        lines=[ledger.MovementLine(row.product_id, row.received, MovementKind.TRANSFER_IN) for row in rows],
        counters=[ledger.CounterDelta(row.product_id, in_transit=-row.shipped) for row in rows if row.shipped],
        document_type=DOCUMENT_TYPE,
        document_id=transfer.pk,
        occurred_at=now,
        user=person(user),
    )
    transfer.status, transfer.received_at, transfer.received_by = TransferStatus.RECEIVED, now, person(user)
    transfer.save(update_fields=["status", "received_at", "received_by"])
    record_level_changed(
        store_id=store.pk,
        product_ids=[row.product_id for row in rows],
        document_type=DOCUMENT_TYPE,
        document_id=transfer.pk,
    )
    _state_changed(transfer, TransferStatus.SHIPPED, user, rows=rows)
    return transfer


@transaction.atomic
def cancel_transfer(*, store: Store, transfer: Transfer, user) -> Transfer:
    """Cancel a requested transfer (either end). Nothing moves."""
    transfer = _lock(transfer, allowed=[TransferStatus.REQUESTED])
    if store.pk not in (transfer.store_id, transfer.to_store_id):
        raise WrongEnd("only the two stores of a transfer cancel it")
    transfer.status, transfer.cancelled_at, transfer.cancelled_by = (
        TransferStatus.CANCELLED,
        timezone.now(),
        person(user),
    )
    transfer.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    _state_changed(transfer, TransferStatus.REQUESTED, user)
    return transfer


def _state_changed(transfer: Transfer, previous: str | None, user, rows: Sequence[TransferLine] = ()) -> None:
    payload = {
        "transfer_id": transfer.pk,
        "from_store_id": transfer.store_id,
        "to_store_id": transfer.to_store_id,
        "previous": previous,
        "status": transfer.status,
        "user_id": getattr(person(user), "pk", None),
    }
    discrepancies = [
        {"product_id": row.product_id, "shipped": qty_text(row.shipped), "received": qty_text(row.received)}
        for row in rows
        if row.discrepancy
    ]
    if discrepancies:
        payload["discrepancies"] = discrepancies
    record_event(topic="transfer.state_changed", store_id=transfer.store_id, payload=payload)
