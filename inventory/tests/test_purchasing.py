"""Purchase orders: on order when placed, receipts at cost, partial and over-receipts,
cancellation releasing what is outstanding, and illegal transitions refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inventory import purchasing
from inventory.document_lines import LineInput
from inventory.ledger import find_mismatches
from inventory.models import OutboxEvent, ProductSupplier, PurchaseOrder, Receipt, StockMovement
from retail.api.errors import Conflict, DomainError, InvalidInput

from .document_helpers import level, on_hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(store, make_product, users):
    a, b = make_product("A"), make_product("B")
    order = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("A", "10"), LineInput("B", "5", "0.8")],
        user=users["store_manager"],
    )  # fmt: skip
    purchasing.place_order(order=order, user=users["store_manager"])
    return order, a, b


def test_a_draft_takes_the_supplier_cost_unless_given(store, make_product, users):
    product = make_product("A", cost=Decimal("2.00"))
    ProductSupplier.objects.filter(product=product).update(cost=Decimal("1.75"))

    order = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("A", "3")], user=users["admin"]
    )

    assert (order.status, order.lines.get().unit_cost) == ("draft", Decimal("1.75"))
    assert level(store, product) is None


def test_placing_adds_on_order_and_expects_it_after_the_lead_time(placed, store, users):
    order, a, b = placed

    order.refresh_from_db()
    assert (order.status, order.ordered_by) == ("ordered", users["store_manager"])
    assert order.expected_on == store.business_day(order.ordered_at) + timedelta(days=5)
    assert (level(store, a).on_order, level(store, b).on_order) == (Decimal("10"), Decimal("5"))


def test_a_product_lead_time_longer_than_the_suppliers_wins(store, make_product, users):
    product = make_product("SLOW")
    ProductSupplier.objects.filter(product=product).update(lead_time_days=Decimal("8.5"))
    order = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("SLOW", "1")], user=users["admin"]
    )

    purchasing.place_order(order=order, user=users["admin"])

    order.refresh_from_db()
    assert order.expected_on == store.business_day(order.ordered_at) + timedelta(days=9)


def test_partial_then_over_receipt(placed, store, users):
    order, a, b = placed

    first = purchasing.receive_order(order=order, lines=[LineInput("A", "4", "1.1")], user=users["clerk"])
    order.refresh_from_db()
    assert order.status == "partially_received"
    assert (on_hand(store, a), level(store, a).on_order) == (Decimal("4"), Decimal("6"))
    assert StockMovement.objects.get(document_type="receipt", document_id=first.pk).unit_cost == Decimal("1.1")

    second = purchasing.receive_order(
        order=order, lines=[LineInput("A", "8"), LineInput("B", "5")], user=users["clerk"]
    )

    order.refresh_from_db()
    assert order.status == "received"
    assert order.closed_at is not None
    assert (on_hand(store, a), level(store, a).on_order) == (Decimal("12"), Decimal("0"))
    assert (on_hand(store, b), level(store, b).on_order) == (Decimal("5"), Decimal("0"))
    assert second.over_received == [{"product_id": a.pk, "over_received": "2.000"}]
    assert order.lines.get(product=a).over_received == Decimal("2")
    assert StockMovement.objects.get(document_id=second.pk, product=b).unit_cost == Decimal("0.8")
    assert find_mismatches() == []
    statuses = [
        e.payload["status"] for e in OutboxEvent.objects.filter(topic="purchase_order.state_changed").order_by("pk")
    ]
    assert statuses == ["draft", "ordered", "partially_received", "received"]


def test_cancelling_an_open_order_releases_only_what_is_outstanding(placed, store, users):
    order, a, b = placed
    purchasing.receive_order(order=order, lines=[LineInput("A", "4")], user=users["clerk"])

    purchasing.cancel_order(order=order, user=users["store_manager"])

    order.refresh_from_db()
    assert (order.status, order.cancelled_by) == ("cancelled", users["store_manager"])
    assert (level(store, a).on_order, level(store, b).on_order) == (Decimal("0"), Decimal("0"))
    assert on_hand(store, a) == Decimal("4")


def test_illegal_transitions_are_conflicts_and_change_nothing(placed, store, make_product, users):
    order, a, _ = placed
    draft = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("A", "1")], user=users["admin"]
    )

    with pytest.raises(Conflict):
        purchasing.place_order(order=order, user=users["admin"])
    with pytest.raises(Conflict):
        purchasing.receive_order(order=draft, lines=[LineInput("A", "1")], user=users["clerk"])
    purchasing.cancel_order(order=order, user=users["admin"])
    with pytest.raises(Conflict):
        purchasing.receive_order(order=order, lines=[LineInput("A", "1")], user=users["clerk"])
    with pytest.raises(Conflict):
        purchasing.cancel_order(order=order, user=users["admin"])

    assert Receipt.objects.count() == 0
    assert on_hand(store, a) == Decimal("0")
    assert level(store, a).on_order == Decimal("0")


def test_receiving_a_product_not_ordered_writes_nothing(placed, store, make_product, users):
    order, a, _ = placed
    make_product("STRAY")

    with pytest.raises(InvalidInput) as refused:
        purchasing.receive_order(order=order, lines=[LineInput("A", "1"), LineInput("STRAY", "1")], user=users["clerk"])

    assert [(d["field"], d["code"]) for d in refused.value.as_detail()] == [("lines[1].sku", "not_in_document")]
    assert (Receipt.objects.count(), on_hand(store, a)) == (0, Decimal("0"))
    assert PurchaseOrder.objects.get(pk=order.pk).status == "ordered"


def test_unknown_supplier_and_bad_cost_are_refused(store, product, users):
    with pytest.raises(DomainError) as supplier:
        purchasing.create_purchase_order(
            store=store, supplier_code="NOPE", lines=[LineInput("PASTA-500", "1")], user=users["admin"]
        )
    with pytest.raises(InvalidInput) as cost:
        purchasing.create_purchase_order(
            store=store, supplier_code="ACME", lines=[LineInput("PASTA-500", "1", "-2")], user=users["admin"]
        )

    assert (supplier.value.field, supplier.value.code) == ("supplier", "not_found")
    assert [(d["field"], d["code"]) for d in cost.value.as_detail()] == [("lines[0].unit_cost", "min_value")]
    assert PurchaseOrder.objects.count() == 0


def test_replenishment_drafts_go_through_purchasing(store, product, supplier, users):
    order = purchasing.create_draft_order(
        store=store, supplier_id=supplier.pk, lines=[(product.pk, Decimal("12"), Decimal("1.2"))], user=users["admin"]
    )

    assert (order.status, order.lines.get().quantity) == ("draft", Decimal("12"))
    with pytest.raises(InvalidInput):
        purchasing.create_draft_order(
            store=store, supplier_id=supplier.pk, lines=[(product.pk, Decimal("0"), Decimal("1"))], user=users["admin"]
        )
    assert PurchaseOrder.objects.count() == 1
