"""Store workflow pages on the server: suggestions, purchase orders and receiving, counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from inventory import purchasing
from inventory.document_lines import LineInput
from inventory.models import (
    PurchaseOrder,
    PurchaseOrderStatus,
    StockCount,
    StockMovement,
    Suggestion,
    SuggestionStatus,
    Transfer,
)  # fmt: skip
from stores.models import Membership, Role, Scope
from stores.testing import login_verified

from .document_helpers import give_stock, on_hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(store, product, supplier):
    return Suggestion.objects.create(
        store=store, business_day=store.business_day(), product=product, supplier=supplier,
        quantity=Decimal("12"), suggested_quantity=Decimal("12"), unit_cost=Decimal("1.20"), demand_per_day=2,
        demand_sd=1, lead_time_days=5, lead_time_sd_days=1, review_days=1, service_level=0.95, safety_stock=3,
        reorder_point=13, order_up_to=15, on_hand=3, on_order=0, in_transit=0, case_pack=6,
        reason="sells 2/day, lead 5 days ±1, 95% service → reorder at 13; 3 on hand → order 12 = 2 cases",
    )  # fmt: skip


def test_suggestions_page_groups_by_supplier_with_reasons(page_client_for, store, suggestion):
    body = page_client_for("store_manager").get(f"/s/{store.code}/suggestions/").content.decode()
    assert "Acme Foods" in body and "sells 2/day" in body and 'value="12"' in body


def test_approve_makes_a_draft_order_and_redirects_to_orders(page_client_for, store, suggestion):
    response = page_client_for("store_manager").post(
        f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "approve"}
    )
    assert response.status_code == 302 and response["Location"] == f"/s/{store.code}/purchase-orders/"
    order = PurchaseOrder.objects.get()
    assert order.status == PurchaseOrderStatus.DRAFT and order.lines.get().quantity == 12
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.APPROVED


def test_reject_needs_a_reason(page_client_for, store, suggestion):
    client = page_client_for("store_manager")
    client.post(f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "reject"})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PROPOSED
    client.post(
        f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "reject", "reason": "promo over"}
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.rejection_reason) == (SuggestionStatus.REJECTED, "promo over")


def test_quantity_edit_answers_the_row_and_refuses_a_bad_number_beside_the_field(page_client_for, store, suggestion):
    client = page_client_for("store_manager")
    url = f"/s/{store.code}/suggestions/{suggestion.pk}/quantity/"
    ok = client.post(url, {f"quantity-{suggestion.pk}": "18"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "<html" not in ok.content.decode()
    bad = client.post(url, {f"quantity-{suggestion.pk}": "-4"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and 'class="field-error"' in bad.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.quantity == 18


def test_a_clerk_cannot_approve_and_another_store_is_404(page_client_for, store, other_store, suggestion):
    assert page_client_for("clerk").get(f"/s/{store.code}/suggestions/").status_code == 403
    assert page_client_for("store_manager").get(f"/s/{other_store.code}/suggestions/").status_code == 404


@pytest.fixture
def order(store, product, users):
    draft = purchasing.create_purchase_order(
        store=store,
        supplier_code="ACME",
        lines=[LineInput(sku=product.sku, quantity="10")],
        user=users["store_manager"],
    )
    return purchasing.place_order(order=draft, user=users["store_manager"])


def test_partial_receipt_from_the_page_moves_stock(page_client_for, store, product, order):
    line = order.lines.get()
    response = page_client_for("clerk").post(
        f"/s/{store.code}/purchase-orders/{order.pk}/receive/", {f"qty-{line.pk}": "4"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert on_hand(store, product) == 4


def test_a_bad_receipt_quantity_is_shown_beside_its_line_and_nothing_moves(page_client_for, store, product, order):
    line = order.lines.get()
    response = page_client_for("clerk").post(
        f"/s/{store.code}/purchase-orders/{order.pk}/receive/", {f"qty-{line.pk}": "1.23456"}
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not StockMovement.objects.filter(document_type="receipt").exists()


def test_another_stores_order_is_404(page_client_for, other_store, order):
    assert page_client_for("admin").get(f"/s/{other_store.code}/purchase-orders/{order.pk}/").status_code == 404


def test_count_by_scanning_then_posting_moves_the_variance(page_client_for, store, product):
    give_stock(store, product, 5)
    client = page_client_for("store_manager")
    opened = client.post(f"/s/{store.code}/counts/", {"scope": "list", "skus": product.sku})
    count = StockCount.objects.get()
    assert opened["Location"] == f"/s/{store.code}/counts/{count.pk}/scan/"
    for _ in range(3):
        assert (
            client.post(opened["Location"], {"code": product.barcodes.get().code}, HTTP_HX_REQUEST="true").status_code
            == 200
        )
    bad = client.post(opened["Location"], {"code": "NOPE"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "scan-error" in bad.content.decode()
    client.post(f"/s/{store.code}/counts/{count.pk}/action/", {"action": "post"})
    count.refresh_from_db()
    assert count.status == "posted" and on_hand(store, product) == 3


def test_blind_count_hides_expected_from_the_clerk(page_client_for, store, product, users):
    from inventory import counts

    give_stock(store, product, 5)
    count = counts.open_count(store=store, scope="list", skus=[product.sku], blind=True, user=users["store_manager"])
    counts.record_scan(count=count, code=product.sku, user=users["clerk"])
    review = page_client_for("clerk").get(f"/s/{store.code}/counts/{count.pk}/review/").content.decode()
    assert "Expected" not in review and "Variance" not in review


def test_a_clerk_may_scan_but_not_open_or_post(page_client_for, store):
    client = page_client_for("clerk")
    assert client.get(f"/s/{store.code}/counts/").status_code == 200
    assert client.post(f"/s/{store.code}/counts/", {"scope": "store"}).status_code == 403
    assert not StockCount.objects.exists()


def test_open_count_errors_are_beside_the_field(page_client_for, store):
    response = page_client_for("store_manager").post(f"/s/{store.code}/counts/", {"scope": "category"})
    assert response.status_code == 400
    assert "a category count needs a category" in response.content.decode()
    assert not StockCount.objects.exists()


def test_transfer_requested_shipped_and_received_short_shows_the_difference(
    page_client_for, store, sibling_store, product, users
):
    give_stock(store, product, 10)
    manager = page_client_for("store_manager")
    response = manager.post(
        f"/s/{store.code}/transfers/",
        {"direction": "to", "other_store": sibling_store.code, "lines": f"{product.sku} 4"},
    )
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/s/{store.code}/transfers/{transfer.pk}/"
    manager.post(response["Location"], {"action": "ship"})
    transfer.refresh_from_db()
    assert transfer.status == "shipped" and on_hand(store, product) == 6

    Membership.objects.create(user=users["clerk"], role=Role.CLERK, scope=Scope.STORE, store=sibling_store)
    receiver = Client()
    login_verified(receiver, users["clerk"])
    line = transfer.lines.get()
    page = f"/s/{sibling_store.code}/transfers/{transfer.pk}/"
    assert receiver.post(page, {"action": "receive", f"qty-{line.pk}": "3"}).status_code == 302
    body = receiver.get(page).content.decode()
    assert 'data-testid="difference">-1' in body.replace("\n", "")
    assert on_hand(sibling_store, product) == 3


def test_transfer_request_errors_name_the_line(page_client_for, store, sibling_store):
    response = page_client_for("store_manager").post(
        f"/s/{store.code}/transfers/", {"direction": "to", "other_store": sibling_store.code, "lines": "NOPE 2"}
    )
    assert response.status_code == 400 and "line 1:" in response.content.decode()
    assert not Transfer.objects.exists()


def test_adjustment_page_posts_a_loss_and_refuses_a_wrong_sign_beside_the_field(page_client_for, store, product):
    give_stock(store, product, 5)
    client = page_client_for("store_manager")
    bad = client.post(f"/s/{store.code}/adjustments/new/", {"code": product.sku, "quantity": "2", "reason": "theft"})
    assert bad.status_code == 400 and "removes stock: negative" in bad.content.decode()
    assert on_hand(store, product) == 5
    ok = client.post(f"/s/{store.code}/adjustments/new/", {"code": product.sku, "quantity": "-2", "reason": "theft"})
    assert ok.status_code == 302 and on_hand(store, product) == 3
    assert page_client_for("clerk").get(f"/s/{store.code}/adjustments/new/").status_code == 403
