"""The store documents through the API: happy paths, 409 for illegal transitions, 400 naming
the field, 404 for another store's document, 403 for a role without the action, and query
budgets on the lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import adjustments, counts, purchasing, transfers
from inventory.document_lines import LineInput
from inventory.models import Adjustment, PurchaseOrder, StockCount, StockMovement, Transfer

from .document_helpers import give_stock, level, on_hand

pytestmark = pytest.mark.django_db


def url(store, tail: str) -> str:
    return f"/api/v1/stores/{store.code}/{tail}"


def fields(response) -> list[tuple[str, str]]:
    return [(d["field"], d["code"]) for d in response.json()["detail"]]


# Adjustments


def test_manager_posts_an_adjustment(api_client_for, store, product):
    give_stock(store, product, 5)
    body = {"reason": "theft", "note": "shelf swept", "lines": [{"sku": "PASTA-500", "quantity": "-2"}]}

    response = api_client_for("store_manager").post(url(store, "adjustments/"), body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["reason"], data["created_by"], data["lines"]) == (
        "theft", "store_manager", [{"sku": "PASTA-500", "name": "Penne 500 g", "quantity": "-2.000"}],
    )  # fmt: skip
    assert on_hand(store, product) == Decimal("3")
    detail = api_client_for("clerk").get(url(store, f"adjustments/{data['id']}/"))
    assert detail.json() == data


def test_clerk_cannot_post_an_adjustment(api_client_for, store, product):
    body = {"reason": "found", "lines": [{"sku": "PASTA-500", "quantity": "2"}]}

    response = api_client_for("clerk").post(url(store, "adjustments/"), body, format="json")

    assert response.status_code == 403
    assert (Adjustment.objects.count(), StockMovement.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"sku": "PASTA-500", "quantity": "1.0001"}, ("lines[0].quantity", "max_decimal_places")),
        ({"sku": "PASTA-500"}, ("lines[0].quantity", "required")),
        ({"sku": "NOPE", "quantity": "1"}, ("lines[0].sku", "not_found")),
        ({"sku": "PASTA-500", "quantity": "-1"}, ("lines[0].quantity", "sign")),
    ],
)
def test_bad_adjustment_is_a_400_naming_the_field(api_client_for, store, product, line, expected):
    body = {"reason": "found", "lines": [line]}

    response = api_client_for("store_manager").post(url(store, "adjustments/"), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert fields(response) == [expected]
    assert (Adjustment.objects.count(), StockMovement.objects.count()) == (0, 0)


def test_another_stores_documents_are_404(api_client_for, store, other_store, sibling_store, product, users):
    adjustment = adjustments.create_adjustment(
        store=other_store, reason="found", lines=[LineInput("PASTA-500", "1")], user=users["admin"]
    )
    count = counts.open_count(store=other_store, scope="store", user=users["admin"])
    order = purchasing.create_purchase_order(
        store=other_store, supplier_code="ACME", lines=[LineInput("PASTA-500", "1")], user=users["admin"]
    )
    transfer = transfers.request_transfer(
        store=other_store, to_store_code="S003", lines=[LineInput("PASTA-500", "1")], user=users["admin"]
    )
    client = api_client_for("store_manager")

    answers = [
        client.get(url(store, f"adjustments/{adjustment.pk}/")).status_code,
        client.post(url(store, f"counts/{count.pk}/scan/"), {"code": "PASTA-500"}, format="json").status_code,
        client.post(url(store, f"purchase-orders/{order.pk}/order/")).status_code,
        client.post(url(store, f"transfers/{transfer.pk}/cancel/")).status_code,
        client.get(url(other_store, f"transfers/{transfer.pk}/")).status_code,
    ]

    assert answers == [404, 404, 404, 404, 404]
    assert StockCount.objects.get().lines.count() == 0
    assert (PurchaseOrder.objects.get().status, Transfer.objects.get().status) == ("draft", "requested")


# Counts


def test_blind_count_hides_expected_from_counters_until_posted(api_client_for, store, product):
    give_stock(store, product, 6)
    manager, clerk = api_client_for("store_manager"), api_client_for("clerk")
    opened = manager.post(url(store, "counts/"), {"scope": "list", "skus": ["PASTA-500"], "blind": True}, format="json")
    count_id = opened.json()["id"]

    scanned = clerk.post(url(store, f"counts/{count_id}/scan/"), {"code": "PASTA-500"}, format="json")
    seen_by_clerk = clerk.get(url(store, f"counts/{count_id}/")).json()["lines"][0]
    seen_by_manager = manager.get(url(store, f"counts/{count_id}/")).json()["lines"][0]
    posted = manager.post(url(store, f"counts/{count_id}/post/"), {}, format="json")
    after = clerk.get(url(store, f"counts/{count_id}/")).json()["lines"][0]

    assert opened.status_code == 201
    assert scanned.status_code == 200
    assert "expected" not in scanned.json()
    assert ("expected" in seen_by_clerk, "variance" in seen_by_clerk, seen_by_clerk["counted"]) == (
        False,
        False,
        "1.000",
    )
    assert (seen_by_manager["expected"], seen_by_manager["variance"]) == ("6.000", "-5.000")
    assert (posted.status_code, posted.json()["status"]) == (200, "posted")
    assert (after["expected"], after["variance"]) == ("6.000", "-5.000")
    assert on_hand(store, product) == Decimal("1")


def test_posted_count_refuses_a_second_post_with_409(api_client_for, store, product, users):
    count = counts.open_count(store=store, scope="store", user=users["admin"])
    counts.record_scan(count=count, code="PASTA-500", quantity="2", user=users["clerk"])
    manager = api_client_for("store_manager")
    manager.post(url(store, f"counts/{count.pk}/post/"), {}, format="json")

    again = manager.post(url(store, f"counts/{count.pk}/post/"), {}, format="json")
    scan = api_client_for("clerk").post(url(store, f"counts/{count.pk}/scan/"), {"code": "PASTA-500"}, format="json")

    assert (again.status_code, scan.status_code) == (409, 409)
    assert again.json()["error"] == "conflict"
    assert StockMovement.objects.filter(kind="count").count() == 1
    assert on_hand(store, product) == Decimal("2")


def test_clerk_scans_but_cannot_post_or_open(api_client_for, store, product, users):
    count = counts.open_count(store=store, scope="store", user=users["admin"])
    clerk = api_client_for("clerk")

    bad_scan = clerk.post(url(store, f"counts/{count.pk}/scan/"), {"code": "NOPE"}, format="json")
    post = clerk.post(url(store, f"counts/{count.pk}/post/"), {}, format="json")
    opened = clerk.post(url(store, "counts/"), {"scope": "store"}, format="json")

    assert (bad_scan.status_code, fields(bad_scan)) == (400, [("code", "not_found")])
    assert (post.status_code, opened.status_code) == (403, 403)
    assert StockCount.objects.get().status == "open"
    assert StockCount.objects.count() == 1


# Transfers


def test_transfer_round_trip_between_sibling_stores(api_client_for, store, sibling_store, product):
    give_stock(store, product, 10)
    manager, regional = api_client_for("store_manager"), api_client_for("regional_manager")
    body = {"to_store": "S003", "lines": [{"sku": "PASTA-500", "quantity": "4"}]}

    requested = manager.post(url(store, "transfers/"), body, format="json")
    tid = requested.json()["id"]
    shipped = manager.post(url(store, f"transfers/{tid}/ship/"), {}, format="json")
    incoming = regional.get(url(sibling_store, "transfers/?direction=incoming")).json()["results"]
    in_transit = level(sibling_store, product).in_transit
    received = regional.post(
        url(sibling_store, f"transfers/{tid}/receive/"), {"lines": [{"sku": "PASTA-500", "quantity": "3"}]},
        format="json",
    )  # fmt: skip

    assert requested.status_code == 201
    assert (requested.json()["from_store"], requested.json()["to_store"], requested.json()["direction"]) == (
        "S001", "S003", "outgoing",
    )  # fmt: skip
    assert shipped.json()["status"] == "shipped"
    assert [(t["id"], t["direction"]) for t in incoming] == [(tid, "incoming")]
    assert in_transit == Decimal("4")
    assert received.status_code == 200
    assert received.json()["lines"][0]["discrepancy"] == "-1.000"
    assert (on_hand(store, product), on_hand(sibling_store, product)) == (Decimal("6"), Decimal("3"))
    assert level(sibling_store, product).in_transit == Decimal("0")


def test_transfer_step_at_the_wrong_end_or_time_changes_nothing(api_client_for, store, sibling_store, product, users):
    transfer = transfers.request_transfer(
        store=store, to_store_code="S003", lines=[LineInput("PASTA-500", "2")], user=users["admin"]
    )
    regional = api_client_for("regional_manager")

    early_receive = regional.post(url(sibling_store, f"transfers/{transfer.pk}/receive/"), {}, format="json")
    receiver_ships = regional.post(url(sibling_store, f"transfers/{transfer.pk}/ship/"), {}, format="json")

    assert (early_receive.status_code, receiver_ships.status_code) == (409, 403)
    assert Transfer.objects.get().status == "requested"
    assert StockMovement.objects.count() == 0


def test_transfer_request_names_the_bad_field(api_client_for, store, product):
    body = {"to_store": "S001", "lines": [{"sku": "PASTA-500", "quantity": "1"}]}

    response = api_client_for("store_manager").post(url(store, "transfers/"), body, format="json")

    assert (response.status_code, fields(response)) == (400, [("to_store", "same_store")])
    assert Transfer.objects.count() == 0


# Purchase orders


def test_purchase_order_through_the_api(api_client_for, store, product):
    manager, clerk = api_client_for("store_manager"), api_client_for("clerk")
    body = {"supplier": "ACME", "lines": [{"sku": "PASTA-500", "quantity": "6"}]}

    created = manager.post(url(store, "purchase-orders/"), body, format="json")
    pid = created.json()["id"]
    ordered = manager.post(url(store, f"purchase-orders/{pid}/order/"))
    again = manager.post(url(store, f"purchase-orders/{pid}/order/"))
    receipt = clerk.post(
        url(store, f"purchase-orders/{pid}/receive/"),
        {"lines": [{"sku": "PASTA-500", "quantity": "8", "unit_cost": "1.1500"}]},
        format="json",
    )

    assert (created.status_code, created.json()["status"]) == (201, "draft")
    assert (ordered.json()["status"], ordered.json()["expected_on"] is not None) == ("ordered", True)
    assert again.status_code == 409
    assert receipt.status_code == 201
    assert receipt.json()["over_received"] == [{"product_id": product.pk, "over_received": "2.000"}]
    assert receipt.json()["purchase_order"]["status"] == "received"
    assert receipt.json()["receipt"]["lines"] == [{"sku": "PASTA-500", "quantity": "8.000", "unit_cost": "1.1500"}]
    assert (on_hand(store, product), level(store, product).on_order) == (Decimal("8"), Decimal("0"))


def test_receipt_with_bad_quantity_is_400_and_writes_nothing(api_client_for, store, product, users):
    order = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("PASTA-500", "6")], user=users["admin"]
    )
    purchasing.place_order(order=order, user=users["admin"])

    response = api_client_for("clerk").post(
        url(store, f"purchase-orders/{order.pk}/receive/"), {"lines": [{"sku": "PASTA-500", "quantity": "0"}]},
        format="json",
    )  # fmt: skip

    assert (response.status_code, fields(response)) == (400, [("lines[0].quantity", "min_value")])
    assert (on_hand(store, product), level(store, product).on_order) == (Decimal("0"), Decimal("6"))
    assert order.receipts.count() == 0


# Movements


def test_movements_filter_by_sku_kind_and_day(api_client_for, store, make_product, users):
    give_stock(store, make_product("A"), 3)
    give_stock(store, make_product("B"), 4)
    adjustments.create_adjustment(store=store, reason="damage", lines=[LineInput("A", "-1")], user=users["admin"])
    today = store.business_day().isoformat()
    client = api_client_for("clerk")

    by_sku = client.get(url(store, "movements/?sku=A")).json()
    shrinkage = client.get(url(store, f"movements/?kind=shrinkage&date_from={today}&date_to={today}")).json()
    bad = client.get(url(store, "movements/?kind=nonsense"))

    assert [(m["sku"], m["kind"], m["quantity"]) for m in by_sku["results"]] == [
        ("A", "shrinkage", "-1.000"), ("A", "opening", "3.000"),
    ]  # fmt: skip
    assert (shrinkage["count"], shrinkage["results"][0]["reason"]) == (1, "damage")
    assert (bad.status_code, fields(bad)) == (400, [("kind", "invalid_choice")])


# Query budgets


@pytest.fixture
def many_documents(store, sibling_store, make_product, users):
    products = [make_product(f"P{i}") for i in range(5)]
    lines = [LineInput(p.sku, "1") for p in products]
    for _ in range(6):
        adjustments.create_adjustment(store=store, reason="found", lines=lines, user=users["admin"])
        counts.open_count(store=store, scope="list", skus=[p.sku for p in products], user=users["admin"])
        purchasing.create_purchase_order(store=store, supplier_code="ACME", lines=lines, user=users["admin"])
        transfers.request_transfer(store=store, to_store_code="S003", lines=lines, user=users["admin"])
        transfers.request_transfer(store=store, from_store_code="S003", lines=lines, user=users["admin"])


@pytest.mark.parametrize(
    ("tail", "rows"),
    [("adjustments/", 6), ("counts/", 6), ("purchase-orders/", 6), ("transfers/", 12), ("movements/", 30)],
)
def test_list_endpoints_stay_within_the_query_budget(
    api_client_for, store, many_documents, django_assert_max_num_queries, tail, rows
):
    client = api_client_for("store_manager")
    client.get(url(store, tail))  # warm the session and grants

    with django_assert_max_num_queries(9):
        response = client.get(url(store, tail))

    assert response.status_code == 200
    assert response.json()["count"] == rows
