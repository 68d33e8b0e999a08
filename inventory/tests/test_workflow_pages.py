"""Store workflow pages on the server: suggestions, purchase orders and receiving, counts,
transfers and adjustments. Each page: its happy path, a bad input shown beside its field
with nothing written, the role that may not, another store's document (404), a query budget."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from inventory import counts, purchasing, transfers
from inventory.document_lines import LineInput
from inventory.models import (
    Adjustment,
    PurchaseOrder,
    PurchaseOrderStatus,
    Receipt,
    StockCount,
    StockMovement,
    Suggestion,
    SuggestionStatus,
    Supplier,
    Transfer,
)  # fmt: skip
from stores.models import Membership, Role, Scope
from stores.testing import login_verified

from .document_helpers import give_stock, level, on_hand

pytestmark = pytest.mark.django_db

BUDGET = 15  # queries per page, whatever the number of rows
ROWS = 30


def error_beside(body: str, field_id: str) -> str:
    """The error text rendered beside the field ``field_id`` (``_field.html``'s markup), or ""."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>', body)
    return found.group(1).strip() if found else ""


def make_suggestion(store, product, supplier, quantity="12", **fields) -> Suggestion:
    values = {
        "store": store, "business_day": store.business_day(), "product": product, "supplier": supplier,
        "quantity": Decimal(quantity), "suggested_quantity": Decimal(quantity), "unit_cost": Decimal("1.20"),
        "demand_per_day": 2, "demand_sd": 1, "lead_time_days": 5, "lead_time_sd_days": 1, "review_days": 1,
        "service_level": 0.95, "safety_stock": 3, "reorder_point": 13, "order_up_to": 15, "on_hand": 3,
        "on_order": 0, "in_transit": 0, "case_pack": 6,
        "reason": "sells 2/day, lead 5 days ±1, 95% service → reorder at 13; 3 on hand → order 12 = 2 cases",
    }  # fmt: skip
    values.update(fields)
    return Suggestion.objects.create(**values)


@pytest.fixture
def suggestion(store, product, supplier):
    return make_suggestion(store, product, supplier)


# --- suggestions -------------------------------------------------------------------------


def test_suggestions_page_groups_by_supplier_with_reasons(page_client_for, store, suggestion):
    body = page_client_for("store_manager").get(f"/s/{store.code}/suggestions/").content.decode()
    assert "Acme Foods" in body and "sells 2/day" in body and 'value="12"' in body
    assert 'name="csrfmiddlewaretoken"' in body and '<label for="id_reason">' in body


def test_suggestions_filter_by_supplier_and_show_history(page_client_for, store, make_product, supplier, suggestion):
    other = Supplier.objects.create(code="BETA", name="Beta Drinks", lead_time_days=2)
    make_suggestion(store, make_product(name="Cola 1 l"), other)
    make_suggestion(store, make_product(name="Old rice"), supplier, status=SuggestionStatus.REJECTED,
                    rejection_reason="delisted")  # fmt: skip
    client = page_client_for("store_manager")
    only_beta = client.get(f"/s/{store.code}/suggestions/?supplier=BETA").content.decode()
    assert "Cola 1 l" in only_beta and "Penne 500 g" not in only_beta
    history = client.get(f"/s/{store.code}/suggestions/?status=rejected").content.decode()
    assert "Old rice" in history and "delisted" in history and "Penne 500 g" not in history


def test_suggestions_page_stays_within_its_query_budget(
    page_client_for, store, make_product, supplier, django_assert_max_num_queries
):
    beta = Supplier.objects.create(code="BETA", name="Beta Drinks", lead_time_days=2)
    for n in range(ROWS):
        make_suggestion(store, make_product(), supplier if n % 2 else beta)
    client = page_client_for("store_manager")
    with django_assert_max_num_queries(BUDGET):
        response = client.get(f"/s/{store.code}/suggestions/")
    assert response.content.decode().count('name="ids"') == ROWS


def test_approve_makes_a_draft_order_and_redirects_to_orders_naming_it(page_client_for, store, suggestion):
    client = page_client_for("store_manager")
    response = client.post(f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "approve"})
    assert response.status_code == 302 and response["Location"] == f"/s/{store.code}/purchase-orders/"
    order = PurchaseOrder.objects.get()
    assert order.status == PurchaseOrderStatus.DRAFT and order.lines.get().quantity == 12
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.APPROVED
    listing = client.get(response["Location"]).content.decode()
    assert f"draft PO-{order.pk} (Acme Foods)" in listing


def test_reject_without_a_reason_is_refused_beside_the_field_and_writes_nothing(page_client_for, store, suggestion):
    client = page_client_for("store_manager")
    refused = client.post(f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "reject"})
    assert refused.status_code == 400
    assert error_beside(refused.content.decode(), "id_reason").startswith("Say why")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PROPOSED
    client.post(
        f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "reject", "reason": "promo over"}
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.rejection_reason) == (SuggestionStatus.REJECTED, "promo over")


def test_approving_nothing_says_so_and_orders_nothing(page_client_for, store, suggestion):
    response = page_client_for("store_manager").post(f"/s/{store.code}/suggestions/decide/", {"decision": "approve"})
    assert response.status_code == 400 and "name at least one suggestion" in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_quantity_edit_answers_its_cell_and_refuses_a_bad_number_beside_the_field(page_client_for, store, suggestion):
    client = page_client_for("store_manager")
    url = f"/s/{store.code}/suggestions/{suggestion.pk}/quantity/"
    ok = client.post(url, {f"quantity-{suggestion.pk}": "18"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "<html" not in ok.content.decode() and 'value="18"' in ok.content.decode()
    bad = client.post(url, {f"quantity-{suggestion.pk}": "-4"}, HTTP_HX_REQUEST="true")
    body = bad.content.decode()
    assert bad.status_code == 400 and f'<p class="field-error" id="qe-{suggestion.pk}" role="alert">' in body
    assert 'value="-4"' in body and 'aria-invalid="true"' in body
    suggestion.refresh_from_db()
    assert suggestion.quantity == 18


def test_a_clerk_may_not_approve_and_another_store_is_404(page_client_for, store, other_store, suggestion):
    clerk = page_client_for("clerk")
    assert clerk.get(f"/s/{store.code}/suggestions/").status_code == 403
    denied = clerk.post(f"/s/{store.code}/suggestions/decide/", {"ids": [suggestion.pk], "decision": "approve"})
    assert denied.status_code == 403
    assert not PurchaseOrder.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PROPOSED
    assert page_client_for("store_manager").get(f"/s/{other_store.code}/suggestions/").status_code == 404


# --- purchase orders and receiving ---------------------------------------------------------


@pytest.fixture
def order(store, product, users):
    draft = purchasing.create_purchase_order(
        store=store,
        supplier_code="ACME",
        lines=[LineInput(sku=product.sku, quantity="10")],
        user=users["store_manager"],
    )
    return purchasing.place_order(order=draft, user=users["store_manager"])


def test_orders_are_listed_by_status(page_client_for, store, product, users, order):
    draft = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput(sku=product.sku, quantity="3")], user=users["store_manager"]
    )
    client = page_client_for("clerk")
    drafts = client.get(f"/s/{store.code}/purchase-orders/?status=draft").content.decode()
    assert f"PO-{draft.pk}<" in drafts and f"PO-{order.pk}<" not in drafts
    open_orders = client.get(f"/s/{store.code}/purchase-orders/").content.decode()
    assert f"PO-{draft.pk}<" in open_orders and f"PO-{order.pk}<" in open_orders


def test_placing_a_draft_needs_the_order_right(page_client_for, store, product, users):
    draft = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput(sku=product.sku, quantity="3")], user=users["store_manager"]
    )
    url = f"/s/{store.code}/purchase-orders/{draft.pk}/action/"
    assert page_client_for("clerk").post(url, {"action": "place"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == PurchaseOrderStatus.DRAFT
    assert page_client_for("store_manager").post(url, {"action": "place"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PurchaseOrderStatus.ORDERED and level(store, product).on_order == 3


def test_a_scan_adds_one_to_its_line_and_writes_nothing(page_client_for, store, product, order):
    line = order.lines.get()
    url = f"/s/{store.code}/purchase-orders/{order.pk}/receive/"
    client = page_client_for("clerk")
    scanned = client.post(
        url, {"action": "scan", "code": product.barcodes.get().code, f"qty-{line.pk}": "2"}, HTTP_HX_REQUEST="true"
    )
    body = scanned.content.decode()
    assert scanned.status_code == 200 and "<html" not in body
    assert f'name="qty-{line.pk}" value="3"' in body and 'class="scanned"' in body
    by_sku = client.post(url, {"action": "scan", "code": product.sku.lower()}, HTTP_HX_REQUEST="true")
    assert f'name="qty-{line.pk}" value="1"' in by_sku.content.decode()
    assert not Receipt.objects.exists() and on_hand(store, product) == 0


def test_an_unknown_scan_is_shown_beside_the_scan_field(page_client_for, store, product, order):
    line = order.lines.get()
    response = page_client_for("clerk").post(
        f"/s/{store.code}/purchase-orders/{order.pk}/receive/",
        {"action": "scan", "code": "4006381333931", f"qty-{line.pk}": "2"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="receive-code-error" role="alert">4006381333931 is not on this order' in body
    assert f'name="qty-{line.pk}" value="2"' in body  # what was typed so far is kept
    assert not Receipt.objects.exists()


def test_partial_receipt_from_the_page_moves_stock_and_shows_the_receipt(page_client_for, store, product, order):
    line = order.lines.get()
    client = page_client_for("clerk")
    response = client.post(
        f"/s/{store.code}/purchase-orders/{order.pk}/receive/",
        {"action": "post", f"qty-{line.pk}": "4", f"cost-{line.pk}": "1.10"},
    )
    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/s/{store.code}/purchase-orders/{order.pk}/?receipt={receipt.pk}"
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert on_hand(store, product) == 4 and receipt.lines.get().unit_cost == Decimal("1.10")
    page = client.get(response["Location"]).content.decode()
    assert f"Receipt R-{receipt.pk} posted: PO-{order.pk} is partially received." in page
    assert f'data-testid="receipt-{receipt.pk}"' in page and "just posted" in page and "1.10" in page


def test_a_bad_receipt_quantity_is_shown_beside_its_line_and_nothing_moves(page_client_for, store, product, order):
    line = order.lines.get()
    response = page_client_for("clerk").post(
        f"/s/{store.code}/purchase-orders/{order.pk}/receive/", {"action": "post", f"qty-{line.pk}": "1.23456"}
    )
    assert response.status_code == 400
    assert error_beside(response.content.decode(), f"qty-{line.pk}") == "at most 3 decimals"
    assert not StockMovement.objects.filter(document_type="receipt").exists() and not Receipt.objects.exists()


def test_posting_an_empty_receipt_says_what_to_do(page_client_for, store, order):
    response = page_client_for("clerk").post(f"/s/{store.code}/purchase-orders/{order.pk}/receive/", {"action": "post"})
    assert response.status_code == 400 and "Enter at least one quantity" in response.content.decode()


def test_another_stores_order_is_404(page_client_for, other_store, order):
    assert page_client_for("admin").get(f"/s/{other_store.code}/purchase-orders/{order.pk}/").status_code == 404
    response = page_client_for("admin").post(
        f"/s/{other_store.code}/purchase-orders/{order.pk}/receive/", {"action": "post", "qty-1": "1"}
    )
    assert response.status_code == 404 and not Receipt.objects.exists()


def test_order_pages_stay_within_their_query_budget(
    page_client_for, store, make_product, users, django_assert_max_num_queries
):
    products = [make_product() for _ in range(ROWS)]
    draft = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput(sku=p.sku, quantity="5") for p in products],
        user=users["store_manager"],
    )  # fmt: skip
    order = purchasing.place_order(order=draft, user=users["store_manager"])
    for p in products[:3]:
        purchasing.receive_order(order=order, lines=[LineInput(sku=p.sku, quantity="1")], user=users["clerk"])
    for _ in range(ROWS):
        purchasing.create_purchase_order(
            store=store, supplier_code="ACME", lines=[LineInput(sku=products[0].sku, quantity="1")], user=None
        )
    client = page_client_for("store_manager")
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/purchase-orders/?status=all").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        detail = client.get(f"/s/{store.code}/purchase-orders/{order.pk}/")
    assert detail.content.decode().count('class="qty-input"') == 2 * ROWS
    with django_assert_max_num_queries(BUDGET):
        client.post(
            f"/s/{store.code}/purchase-orders/{order.pk}/receive/",
            {"action": "scan", "code": products[-1].sku},
            HTTP_HX_REQUEST="true",
        )


# --- counts ----------------------------------------------------------------------------------


def test_count_by_scanning_then_posting_moves_the_variance(page_client_for, store, product):
    give_stock(store, product, 5)
    client = page_client_for("store_manager")
    opened = client.post(f"/s/{store.code}/counts/", {"scope": "list", "skus": product.sku})
    count = StockCount.objects.get()
    assert opened["Location"] == f"/s/{store.code}/counts/{count.pk}/scan/"
    for n in (1, 2, 3):
        scanned = client.post(opened["Location"], {"code": product.barcodes.get().code}, HTTP_HX_REQUEST="true")
        assert scanned.status_code == 200 and f"counted {n}." in scanned.content.decode()
    review = client.get(f"/s/{store.code}/counts/{count.pk}/review/").content.decode()
    assert "-2" in review and "Post count" in review
    client.post(f"/s/{store.code}/counts/{count.pk}/action/", {"action": "post"})
    count.refresh_from_db()
    assert count.status == "posted" and on_hand(store, product) == 3


def test_a_typed_quantity_sets_the_count_and_bad_input_is_beside_its_field(page_client_for, store, product, users):
    count = counts.open_count(store=store, scope="list", skus=[product.sku], user=users["store_manager"])
    client = page_client_for("clerk")
    url = f"/s/{store.code}/counts/{count.pk}/scan/"
    assert (
        "counted 7."
        in client.post(url, {"code": product.sku, "quantity": "7"}, HTTP_HX_REQUEST="true").content.decode()
    )
    unknown = client.post(url, {"code": "NOPE"}, HTTP_HX_REQUEST="true")
    assert unknown.status_code == 400 and "<html" not in unknown.content.decode()
    assert error_beside(unknown.content.decode(), "id_code") == "no active product with SKU or barcode NOPE"
    negative = client.post(url, {"code": product.sku, "quantity": "-1"}, HTTP_HX_REQUEST="true")
    assert negative.status_code == 400 and error_beside(negative.content.decode(), "id_quantity")
    assert count.lines.get().counted == 7


def test_blind_count_never_shows_expected_to_the_counter(page_client_for, store, product, users):
    give_stock(store, product, 5)
    count = counts.open_count(store=store, scope="list", skus=[product.sku], blind=True, user=users["store_manager"])
    client = page_client_for("clerk")
    scan = client.post(f"/s/{store.code}/counts/{count.pk}/scan/", {"code": product.sku}).content.decode()
    review = client.get(f"/s/{store.code}/counts/{count.pk}/review/").content.decode()
    for body in (scan, review):
        assert "Expected" not in body and "Variance" not in body


def test_a_clerk_may_scan_but_not_open_or_post(page_client_for, store, product, users):
    client = page_client_for("clerk")
    assert client.get(f"/s/{store.code}/counts/").status_code == 200
    assert client.post(f"/s/{store.code}/counts/", {"scope": "store"}).status_code == 403
    assert not StockCount.objects.exists()
    count = counts.open_count(store=store, scope="list", skus=[product.sku], user=users["store_manager"])
    assert client.post(f"/s/{store.code}/counts/{count.pk}/action/", {"action": "post"}).status_code == 403
    count.refresh_from_db()
    assert count.status == "open"


def test_open_count_errors_are_beside_the_field(page_client_for, store):
    client = page_client_for("store_manager")
    response = client.post(f"/s/{store.code}/counts/", {"scope": "category"})
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "id_category") == "a category count needs a category"
    listed = client.post(f"/s/{store.code}/counts/", {"scope": "list", "skus": "NOPE"})
    assert listed.status_code == 400 and "NOPE" in error_beside(listed.content.decode(), "id_skus")
    assert not StockCount.objects.exists()


def test_another_stores_count_is_404(page_client_for, other_store, product, users):
    admin = get_user_model().objects.get(username="admin")
    count = counts.open_count(store=other_store, scope="list", skus=[product.sku], user=admin)
    client = page_client_for("store_manager")
    assert client.get(f"/s/{other_store.code}/counts/{count.pk}/scan/").status_code == 404
    client_admin = page_client_for("admin")
    assert client_admin.get(f"/s/S001/counts/{count.pk}/review/").status_code == 404


def test_count_pages_stay_within_their_query_budget(
    page_client_for, store, make_product, users, django_assert_max_num_queries
):
    products = [make_product() for _ in range(ROWS)]
    count = counts.open_count(store=store, scope="list", skus=[p.sku for p in products], user=users["store_manager"])
    for p in products:
        counts.record_scan(count=count, code=p.sku, user=users["clerk"])
    for _ in range(ROWS):
        counts.cancel_count(
            count=counts.open_count(store=store, scope="store", user=users["store_manager"]),
            user=users["store_manager"],
        )
    client = page_client_for("store_manager")
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/counts/").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/counts/{count.pk}/scan/").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        review = client.get(f"/s/{store.code}/counts/{count.pk}/review/")
    assert review.content.decode().count("<tr>") == ROWS + 1


# --- transfers -------------------------------------------------------------------------------


def test_transfer_requested_shipped_and_received_short_shows_in_transit_and_the_difference(
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
    sender_list = manager.get(f"/s/{store.code}/transfers/").content.decode()
    receiver_list = receiver.get(f"/s/{sibling_store.code}/transfers/").content.decode()
    for body in (sender_list, receiver_list):
        assert 'data-testid="in-transit">4<' in body
    assert 'data-testid="outgoing"' in sender_list and f"T-{transfer.pk}" in receiver_list

    line = transfer.lines.get()
    page = f"/s/{sibling_store.code}/transfers/{transfer.pk}/"
    assert receiver.post(page, {"action": "receive", f"qty-{line.pk}": "3"}).status_code == 302
    body = receiver.get(page).content.decode()
    assert 'data-testid="difference">-1' in body and "received 3 of 4 shipped" in body
    assert on_hand(sibling_store, product) == 3
    assert 'data-testid="difference">-1' in manager.get(response["Location"]).content.decode()


def test_transfer_request_errors_are_beside_their_field(page_client_for, store, sibling_store):
    client = page_client_for("store_manager")
    response = client.post(
        f"/s/{store.code}/transfers/", {"direction": "to", "other_store": sibling_store.code, "lines": "NOPE 2"}
    )
    assert response.status_code == 400 and error_beside(response.content.decode(), "id_lines").startswith("line 1:")
    no_store = client.post(f"/s/{store.code}/transfers/", {"direction": "to", "lines": "NOPE 2"})
    assert no_store.status_code == 400 and error_beside(no_store.content.decode(), "id_other_store")
    assert not Transfer.objects.exists()


def test_a_bad_shipped_quantity_is_beside_its_line_and_nothing_ships(
    page_client_for, store, sibling_store, product, users
):
    give_stock(store, product, 10)
    transfer = transfers.request_transfer(
        store=store, lines=[LineInput(sku=product.sku, quantity="4")], user=users["store_manager"],
        to_store_code=sibling_store.code,
    )  # fmt: skip
    line = transfer.lines.get()
    response = page_client_for("store_manager").post(
        f"/s/{store.code}/transfers/{transfer.pk}/", {"action": "ship", f"qty-{line.pk}": "-2"}
    )
    assert response.status_code == 400 and error_beside(response.content.decode(), f"qty-{line.pk}")
    transfer.refresh_from_db()
    assert transfer.status == "requested" and on_hand(store, product) == 10


def test_a_clerk_may_not_request_and_another_stores_transfer_is_404(
    page_client_for, store, sibling_store, other_store, product, users
):
    clerk = page_client_for("clerk")
    denied = clerk.post(f"/s/{store.code}/transfers/", {"direction": "to", "other_store": sibling_store.code,
                                                        "lines": f"{product.sku} 1"})  # fmt: skip
    assert denied.status_code == 403 and not Transfer.objects.exists()
    admin = get_user_model().objects.get(username="admin")
    give_stock(other_store, product, 5)
    foreign = transfers.request_transfer(
        store=other_store,
        lines=[LineInput(sku=product.sku, quantity="1")],
        user=admin,
        to_store_code=sibling_store.code,
    )
    assert page_client_for("store_manager").get(f"/s/{store.code}/transfers/{foreign.pk}/").status_code == 404


def test_transfer_pages_stay_within_their_query_budget(
    page_client_for, store, sibling_store, make_product, users, django_assert_max_num_queries
):
    products = [make_product() for _ in range(ROWS)]
    for p in products:
        give_stock(store, p, 5)
    lines = [LineInput(sku=p.sku, quantity="1") for p in products]
    for _ in range(10):
        transfers.request_transfer(
            store=store, lines=lines, user=users["store_manager"], to_store_code=sibling_store.code
        )
    client = page_client_for("store_manager")
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/transfers/").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/transfers/{Transfer.objects.first().pk}/").status_code == 200


# --- adjustments -------------------------------------------------------------------------------


def test_adjustment_page_posts_a_loss_and_refuses_a_wrong_sign_beside_the_field(page_client_for, store, product):
    give_stock(store, product, 5)
    client = page_client_for("store_manager")
    url = f"/s/{store.code}/adjustments/new/"
    bad = client.post(url, {"code": product.sku, "quantity": "2", "reason": "theft"})
    assert bad.status_code == 400 and "removes stock: negative" in error_beside(bad.content.decode(), "id_quantity")
    assert on_hand(store, product) == 5 and not Adjustment.objects.exists()
    ok = client.post(url, {"code": product.barcodes.get().code, "quantity": "-2", "reason": "theft", "note": "shelf"})
    assert ok.status_code == 302 and on_hand(store, product) == 3
    recent = client.get(url).content.decode()
    assert "PASTA-500 -2" in recent and "shelf" in recent


def test_an_unknown_product_or_missing_reason_is_beside_its_field(page_client_for, store):
    response = page_client_for("store_manager").post(
        f"/s/{store.code}/adjustments/new/", {"code": "NOPE", "quantity": "-1", "reason": "damage"}
    )
    assert response.status_code == 400 and "NOPE" in error_beside(response.content.decode(), "id_code")
    missing = page_client_for("store_manager").post(f"/s/{store.code}/adjustments/new/", {"code": "X", "quantity": "1"})
    assert missing.status_code == 400 and error_beside(missing.content.decode(), "id_reason")
    assert not Adjustment.objects.exists()


def test_a_clerk_may_not_adjust_and_the_page_stays_within_budget(
    page_client_for, store, make_product, users, django_assert_max_num_queries
):
    from inventory import adjustments

    for _ in range(ROWS):
        adjustments.create_adjustment(
            store=store, reason="damage", lines=[LineInput(sku=make_product().sku, quantity="-1")],
            user=users["store_manager"],
        )  # fmt: skip
    assert page_client_for("clerk").post(f"/s/{store.code}/adjustments/new/", {}).status_code == 403
    client = page_client_for("store_manager")
    with django_assert_max_num_queries(BUDGET):
        assert client.get(f"/s/{store.code}/adjustments/new/").status_code == 200
