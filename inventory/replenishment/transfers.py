"""Transfer suggestions: move a surplus from one store to a shortfall in another store of
the same region, instead of ordering.

The rule (settings ``transfer_surplus_days``, ``transfer_min_qty``, ``transfer_lead_days``):

- the receiver has a proposed (non top-up) order tonight, i.e. its position is at or below
  its reorder point; its shortfall is ``order_up_to - position``;
- the receiver's supplier lead time is longer than the transfer lead time (else the order
  arrives as soon as a transfer would);
- the sender's surplus is what it holds on hand above its own order-up-to level plus
  ``transfer_surplus_days`` of its demand;
- the quantity is ``floor(min(surplus, shortfall))`` and at least ``transfer_min_qty``.

Largest surpluses are used first. The receiver's suggestion keeps its numbers and records
``transfer_quantity``; its quantity becomes the rest of the shortfall, rounded to cases again.
The senders' surplus is the ``ProjectedSurplus`` each store's run wrote for the night (the
same arrays its suggestions came from), so the region's step is a few queries and no policy
maths. Recomputed from those stored rows, so running it twice gives the same rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from inventory.models import (
    ProjectedSurplus,
    Suggestion,
    SuggestionStatus,
    TransferSuggestion,
    TransferSuggestionStatus,
)
from stores.models import Store

from . import settings as repl_settings

RECEIVER_FIELDS = (
    "id", "store_id", "product_id", "transfer_quantity", "order_up_to", "on_hand", "on_order", "in_transit",
    "lead_time_days", "reason", "suggested_quantity", "case_pack",
)  # fmt: skip


@transaction.atomic
def suggest_for_region(*, region_id: int, day: date) -> int:
    """Replace the proposed transfer suggestions among the region's stores for ``day``."""
    stores = {s.pk: s for s in Store.objects.filter(region_id=region_id, is_active=True)}
    TransferSuggestion.objects.filter(
        store_id__in=list(stores), business_day=day, status=TransferSuggestionStatus.PROPOSED
    ).delete()
    short = list(
        Suggestion.objects.filter(
            store_id__in=list(stores), business_day=day, status=SuggestionStatus.PROPOSED, top_up=False
        )
        .order_by("store_id", "product_id")
        .values_list(*RECEIVER_FIELDS, named=True)
    )
    if len(stores) < 2 or not short:
        return 0
    resolved = {pk: repl_settings.resolve(store=s) for pk, s in stores.items()}
    products = {row.product_id for row in short}
    surplus: dict[int, dict[int, float]] = defaultdict(dict)  # product -> sender store -> units
    for store_id, product_id, spare in ProjectedSurplus.objects.filter(
        store_id__in=list(stores), business_day=day
    ).values_list("store_id", "product_id", "quantity"):
        if product_id in products:
            surplus[product_id][store_id] = spare
    made, changes = [], []
    for row in short:
        settings = resolved[row.store_id]
        if row.lead_time_days <= float(settings["transfer_lead_days"]):
            continue
        need = row.order_up_to - (row.on_hand + row.on_order + row.in_transit)
        senders = sorted(surplus.get(row.product_id, {}).items(), key=lambda item: (-item[1], item[0]))
        covered = 0.0
        for sender_id, spare in senders:
            if sender_id == row.store_id or need - covered < 1:
                continue
            quantity = math.floor(min(spare, need - covered))
            if quantity < float(settings["transfer_min_qty"]) or quantity <= 0:
                continue
            surplus[row.product_id][sender_id] = spare - quantity
            covered += quantity
            made.append(
                TransferSuggestion(
                    store_id=sender_id,
                    to_store_id=row.store_id,
                    product_id=row.product_id,
                    business_day=day,
                    quantity=Decimal(quantity),
                    sender_surplus=spare,
                    receiver_shortfall=need,
                    reason=(
                        f"{stores[sender_id].code} holds {spare:.0f} above its order-up-to + "
                        f"{settings['transfer_surplus_days']:g} days; {stores[row.store_id].code} is "
                        f"{need:.0f} short with a {row.lead_time_days:g}-day supplier lead → move {quantity}"
                    ),
                )
            )
        change = _reduce_order(row, covered)
        if change is not None:
            changes.append(change)
    _save_reduced_orders(changes)
    TransferSuggestion.objects.bulk_create(made, batch_size=1000)
    return len(made)


def _reduce_order(row, covered: float) -> tuple[int, Decimal, Decimal, str] | None:
    """The receiver's order becomes the rest of its shortfall after the transfers:
    (suggestion id, transfer quantity, quantity, reason), or None when nothing changes."""
    previous = float(row.transfer_quantity)
    if covered == previous:
        return None
    need = row.order_up_to - (row.on_hand + row.on_order + row.in_transit)
    base = row.reason.split(" | transfer", 1)[0]
    if covered <= 0:
        quantity, reason = row.suggested_quantity, base
    else:
        case = max(row.case_pack, 1)
        quantity = Decimal(math.ceil(round(max(need - covered, 0.0) / case, 9)) * case)
        reason = f"{base} | transfer of {covered:g} suggested instead → order {quantity.normalize():f}"
    return row.id, Decimal(str(covered)), Decimal(quantity), reason


def _save_reduced_orders(changes: list[tuple[int, Decimal, Decimal, str]]) -> None:
    """One ``UPDATE ... FROM unnest`` on PostgreSQL (a region has thousands of receivers),
    one update per row elsewhere."""
    if not changes:
        return
    if connection.vendor == "postgresql":
        ids, transferred, quantities, reasons = (list(column) for column in zip(*changes, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inventory_suggestion s SET transfer_quantity = u.transferred, quantity = u.quantity, "
                "reason = u.reason FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::text[]) "
                "AS u(id, transferred, quantity, reason) WHERE s.id = u.id",
                [ids, transferred, quantities, reasons],
            )
        return
    for pk, transferred, quantity, reason in changes:
        Suggestion.objects.filter(pk=pk).update(transfer_quantity=transferred, quantity=quantity, reason=reason)
