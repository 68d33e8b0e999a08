"""Transfers: in transit at both ends, discrepancies kept, each step by the right store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import transfers
from inventory.document_lines import LineInput
from inventory.ledger import find_mismatches
from inventory.models import OutboxEvent, StockMovement, Transfer, TransferLine
from retail.api.errors import Conflict, DomainError, InvalidInput

from .document_helpers import give_stock, level, on_hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(store, sibling_store, make_product, users):
    a, b = make_product("A"), make_product("B")
    give_stock(store, a, 10)
    give_stock(store, b, 10)
    transfer = transfers.request_transfer(
        store=store, to_store_code="S003", lines=[LineInput("A", "4"), LineInput("B", "2")],
        user=users["store_manager"],
    )  # fmt: skip
    return transfer, a, b


def test_shipping_moves_stock_out_and_shows_it_in_transit_at_the_receiver(requested, store, sibling_store, users):
    transfer, a, b = requested

    transfers.ship_transfer(store=store, transfer=transfer, lines=[LineInput("B", "1")], user=users["store_manager"])

    assert (on_hand(store, a), on_hand(store, b)) == (Decimal("6"), Decimal("9"))
    assert (level(sibling_store, a).in_transit, level(sibling_store, b).in_transit) == (Decimal("4"), Decimal("1"))
    assert on_hand(sibling_store, a) == Decimal("0")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.shipped_by) == ("shipped", users["store_manager"])
    assert sorted(StockMovement.objects.filter(kind="transfer_out").values_list("quantity", flat=True)) == [
        Decimal("-4"), Decimal("-1"),
    ]  # fmt: skip


def test_receiving_books_what_arrived_and_keeps_the_discrepancy(requested, store, sibling_store, users):
    transfer, a, b = requested
    transfers.ship_transfer(store=store, transfer=transfer, user=users["store_manager"])

    transfers.receive_transfer(
        store=sibling_store, transfer=transfer, lines=[LineInput("A", "3")], user=users["regional_manager"]
    )

    assert (on_hand(sibling_store, a), on_hand(sibling_store, b)) == (Decimal("3"), Decimal("2"))
    assert (level(sibling_store, a).in_transit, level(sibling_store, b).in_transit) == (Decimal("0"), Decimal("0"))
    line = TransferLine.objects.get(transfer=transfer, product=a)
    assert (line.shipped, line.received, line.discrepancy) == (Decimal("4"), Decimal("3"), Decimal("-1"))
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_by) == ("received", users["regional_manager"])
    assert find_mismatches() == []
    events = OutboxEvent.objects.filter(topic="transfer.state_changed").order_by("pk")
    assert [e.payload["status"] for e in events] == ["requested", "shipped", "received"]
    assert events.last().payload["discrepancies"] == [{"product_id": a.pk, "shipped": "4.000", "received": "3.000"}]


def test_only_the_sender_ships_and_only_the_receiver_receives(requested, store, sibling_store, users):
    transfer, a, _ = requested

    with pytest.raises(DomainError) as receiver_ships:
        transfers.ship_transfer(store=sibling_store, transfer=transfer, user=users["regional_manager"])
    transfers.ship_transfer(store=store, transfer=transfer, user=users["store_manager"])
    with pytest.raises(DomainError) as sender_receives:
        transfers.receive_transfer(store=store, transfer=transfer, user=users["store_manager"])

    assert (receiver_ships.value.status, sender_receives.value.status) == (403, 403)
    assert on_hand(sibling_store, a) == Decimal("0")
    assert Transfer.objects.get(pk=transfer.pk).status == "shipped"


def test_a_shipped_transfer_cannot_be_cancelled_or_shipped_again(requested, store, users):
    transfer, a, _ = requested
    transfers.ship_transfer(store=store, transfer=transfer, user=users["store_manager"])
    movements = StockMovement.objects.count()

    with pytest.raises(Conflict):
        transfers.cancel_transfer(store=store, transfer=transfer, user=users["store_manager"])
    with pytest.raises(Conflict):
        transfers.ship_transfer(store=store, transfer=transfer, user=users["store_manager"])

    assert StockMovement.objects.count() == movements
    assert on_hand(store, a) == Decimal("6")
    assert Transfer.objects.get(pk=transfer.pk).status == "shipped"


def test_either_end_cancels_a_requested_transfer(requested, sibling_store, users):
    transfer, _, _ = requested

    transfers.cancel_transfer(store=sibling_store, transfer=transfer, user=users["regional_manager"])

    transfer.refresh_from_db()
    assert (transfer.status, transfer.cancelled_by) == ("cancelled", users["regional_manager"])
    assert StockMovement.objects.filter(document_type="transfer").count() == 0


def test_a_receiver_may_ask_a_sibling_for_stock(store, sibling_store, product, users):
    transfer = transfers.request_transfer(
        store=sibling_store, from_store_code="S001", lines=[LineInput("PASTA-500", "6")],
        user=users["regional_manager"],
    )  # fmt: skip

    assert (transfer.store, transfer.to_store, transfer.status) == (store, sibling_store, "requested")


@pytest.mark.parametrize(
    ("codes", "field", "code"),
    [({"to_store_code": "S001"}, "to_store", "same_store"), ({"to_store_code": "NOPE"}, "to_store", "not_found"),
     ({}, "to_store", "required"), ({"to_store_code": "S003", "from_store_code": "S002"}, "to_store", "required")],
)  # fmt: skip
def test_the_other_store_must_be_another_known_store(
    store, sibling_store, other_store, product, users, codes, field, code
):
    with pytest.raises(DomainError) as refused:
        transfers.request_transfer(store=store, lines=[LineInput("PASTA-500", "1")], user=users["admin"], **codes)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert Transfer.objects.count() == 0


def test_bad_lines_write_no_transfer(store, sibling_store, product, users):
    with pytest.raises(InvalidInput) as refused:
        transfers.request_transfer(
            store=store, to_store_code="S003", user=users["admin"],
            lines=[LineInput("PASTA-500", "1.2345"), LineInput("PASTA-500", "-1")],
        )  # fmt: skip

    assert [(d["field"], d["code"]) for d in refused.value.as_detail()] == [
        ("lines[0].quantity", "max_decimal_places"), ("lines[1].sku", "duplicate"), ("lines[1].quantity", "min_value"),
    ]  # fmt: skip
    assert (Transfer.objects.count(), TransferLine.objects.count()) == (0, 0)


def test_shipping_a_product_not_on_the_transfer_is_refused(requested, store, make_product, users):
    transfer, a, _ = requested
    make_product("C")

    with pytest.raises(InvalidInput) as refused:
        transfers.ship_transfer(store=store, transfer=transfer, lines=[LineInput("C", "1")], user=users["admin"])

    assert refused.value.as_detail()[0]["code"] == "not_in_document"
    assert Transfer.objects.get(pk=transfer.pk).status == "requested"
    assert on_hand(store, a) == Decimal("10")
