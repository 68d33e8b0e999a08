"""POS sales ingest through the API: idempotency, batches, quarantine, bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.ledger import find_mismatches
from inventory.models import OutboxEvent, QuarantinedLine, Sale, SaleLine, StockLevel, StockMovement

pytestmark = pytest.mark.django_db


def sale(pos_id: str, *lines: dict, **fields) -> dict:
    body = {
        "pos_sale_id": pos_id,
        "sold_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "lines": list(lines) or [{"sku": "PASTA-500", "quantity": "2", "unit_price": "2.50"}],
    }
    body.update(fields)
    return body


def url(store, tail: str = "sales/") -> str:
    return f"/api/v1/stores/{store.code}/{tail}"


def on_hand(store, product) -> Decimal:
    return StockLevel.objects.get(store=store, product=product).on_hand


def test_posted_sale_moves_stock_and_answers_created(api_client_for, store, product):
    response = api_client_for("pos").post(url(store), sale("T1-0001"), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "created"
    assert on_hand(store, product) == Decimal("-2")
    assert StockLevel.objects.get(store=store, product=product).needs_count is True
    assert find_mismatches() == []


def test_replayed_sale_moves_no_stock(api_client_for, store, product):
    client = api_client_for("pos")
    first = client.post(url(store), sale("T1-0001"), format="json").json()

    again = client.post(url(store), sale("T1-0001"), format="json")

    assert again.status_code == 200
    assert again.json() == {**first, "status": "duplicate"}
    assert Sale.objects.count() == 1
    assert StockMovement.objects.count() == 1
    assert on_hand(store, product) == Decimal("-2")


def test_batch_answers_per_sale_and_one_bad_sale_blocks_nothing(api_client_for, store, product):
    batch = {
        "sales": [
            sale("B-1"),
            sale("B-2", {"sku": "PASTA-500", "quantity": "-1", "unit_price": "2.50"}),
            sale("B-1"),
            sale("B-3", {"sku": "PASTA-500", "quantity": "1.5", "unit_price": "2.50"}),
        ]
    }

    response = api_client_for("pos").post(url(store, "sales/batch/"), batch, format="json")

    body = response.json()
    assert response.status_code == 200
    assert [r["status"] for r in body["results"]] == ["created", "error", "duplicate", "created"]
    assert (body["created"], body["duplicate"], body["error"]) == (2, 1, 1)
    assert body["results"][1]["errors"][0]["field"] == "sales[1].lines[0].quantity"
    assert body["results"][2]["sale_id"] == body["results"][0]["sale_id"]
    assert on_hand(store, product) == Decimal("-3.5")


def test_replayed_batch_moves_nothing(api_client_for, store, product):
    client = api_client_for("pos")
    batch = {"sales": [sale(f"R-{n}") for n in range(20)]}
    client.post(url(store, "sales/batch/"), batch, format="json")

    again = client.post(url(store, "sales/batch/"), batch, format="json").json()

    assert again["duplicate"] == 20
    assert StockMovement.objects.count() == 20
    assert on_hand(store, product) == Decimal("-40")


def test_unknown_code_is_quarantined_not_lost_and_posts_when_mapped(api_client_for, store, product):
    body = sale(
        "Q-1",
        {"barcode": "4006381333931", "quantity": "3", "unit_price": "1.00"},
        {"sku": "PASTA-500", "quantity": "1", "unit_price": "2.50"},
    )
    response = api_client_for("pos").post(url(store), body, format="json")
    assert response.json()["quarantined_lines"] == 1
    assert on_hand(store, product) == Decimal("-1")
    line = QuarantinedLine.objects.get()
    assert (line.code, line.quantity) == ("4006381333931", Decimal("3.000"))

    listed = api_client_for("admin").get("/api/v1/quarantine/").json()
    resolved = api_client_for("admin").post(
        "/api/v1/quarantine/resolve/", {"line_ids": [line.pk], "sku": "PASTA-500"}, format="json"
    )
    resolved_again = api_client_for("admin").post(
        "/api/v1/quarantine/resolve/", {"line_ids": [line.pk], "sku": "PASTA-500"}, format="json"
    )

    assert listed["count"] == 1
    assert resolved.json()["posted"] == 1
    assert resolved_again.json()["posted"] == 0
    assert on_hand(store, product) == Decimal("-4")
    assert SaleLine.objects.filter(sale__pos_sale_id="Q-1").count() == 2
    assert find_mismatches() == []


def test_return_adds_stock_back_and_refers_to_original(api_client_for, store, product):
    client = api_client_for("pos")
    client.post(url(store), sale("S-1"), format="json")

    response = client.post(
        url(store),
        sale(
            "S-1-R",
            {"sku": "PASTA-500", "quantity": "1", "unit_price": "2.50"},
            kind="return",
            original_pos_sale_id="S-1",
        ),
        format="json",
    )

    assert response.status_code == 201
    returned = Sale.objects.get(pos_sale_id="S-1-R")
    assert returned.original_sale.pos_sale_id == "S-1"
    assert returned.total == Decimal("-2.50")
    assert on_hand(store, product) == Decimal("-1")


def test_return_of_unknown_original_is_rejected(api_client_for, store, product):
    response = api_client_for("pos").post(
        url(store), sale("X-R", kind="return", original_pos_sale_id="NOPE"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["code"] == "unknown_sale"
    assert Sale.objects.count() == 0


def test_business_day_comes_from_store_timezone(api_client_for, store, product):
    store.timezone = "America/New_York"
    store.save()
    sold_at = timezone.now().replace(hour=2, minute=30, second=0, microsecond=0)
    if sold_at > timezone.now():
        sold_at -= timedelta(days=1)

    body = api_client_for("pos").post(url(store), sale("TZ-1", sold_at=sold_at.isoformat()), format="json").json()

    assert (
        body["business_day"] == (sold_at - timedelta(hours=5)).date().isoformat()
        or body["business_day"] == (sold_at - timedelta(hours=4)).date().isoformat()
    )
    assert body["business_day"] == (sold_at.astimezone(store.tzinfo)).date().isoformat()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"sold_at": "2026-01-01T10:00:00"}, "sold_at", "missing_offset"),
        ({"sold_at": "2099-01-01T10:00:00Z"}, "sold_at", "in_future"),
        ({"sold_at": "1999-01-01T10:00:00Z"}, "sold_at", "too_old"),
        ({"sold_at": 12}, "sold_at", "invalid_type"),
        ({"lines": []}, "lines", "empty"),
        ({"lines": "x"}, "lines", "invalid_type"),
        ({"lines": [{"sku": "PASTA-500", "quantity": "0", "unit_price": "1"}]}, "lines[0].quantity", "min_value"),
        (
            {"lines": [{"sku": "PASTA-500", "quantity": "1.0001", "unit_price": "1"}]},
            "lines[0].quantity",
            "max_decimal_places",
        ),
        ({"lines": [{"sku": "PASTA-500", "quantity": "1e9", "unit_price": "1"}]}, "lines[0].quantity", "max_value"),
        (
            {"lines": [{"sku": "PASTA-500", "quantity": "NaN", "unit_price": "1"}]},
            "lines[0].quantity",
            "invalid_number",
        ),
        ({"lines": [{"sku": "PASTA-500", "quantity": True, "unit_price": "1"}]}, "lines[0].quantity", "invalid_type"),
        ({"lines": [{"sku": "PASTA-500", "quantity": "1"}]}, "lines[0].unit_price", "required"),
        ({"lines": [{"quantity": "1", "unit_price": "1"}]}, "lines[0]", "code_required"),
        ({"lines": [{"sku": "AB\x00C", "quantity": "1", "unit_price": "1"}]}, "lines[0].sku", "invalid_characters"),
        ({"lines": [{"sku": "X" * 65, "quantity": "1", "unit_price": "1"}]}, "lines[0].sku", "max_length"),
        ({"kind": "refund"}, "kind", "invalid_choice"),
        ({"pos_sale_id": ""}, "pos_sale_id", "blank"),
        ({"pos_sale_id": 7}, "pos_sale_id", "invalid_type"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_sale_is_400_naming_field_and_writes_nothing(api_client_for, store, product, body, field, code):
    response = api_client_for("pos").post(url(store), {**sale("BAD-1"), **body}, format="json")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert {"field": field, "code": code} in [{"field": d["field"], "code": d["code"]} for d in detail]
    assert Sale.objects.count() == 0
    assert StockMovement.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_malformed_json_is_400(api_client_for, store):
    response = api_client_for("pos").post(url(store), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_wrong_content_type_is_415(api_client_for, store):
    response = api_client_for("pos").post(url(store), "pos_sale_id=1", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415


def test_oversized_batch_is_400_and_writes_nothing(api_client_for, store, product, settings):
    settings.POS_BATCH_MAX = 3
    response = api_client_for("pos").post(
        url(store, "sales/batch/"), {"sales": [sale(f"O-{n}") for n in range(4)]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "sales"
    assert Sale.objects.count() == 0


def test_device_cannot_post_to_another_store(api_client_for, store, other_store, product):
    response = api_client_for("pos").post(url(other_store), sale("OTHER-1"), format="json")

    assert response.status_code == 404
    assert Sale.objects.count() == 0


def test_unknown_store_is_404(api_client_for, store):
    assert api_client_for("admin").get("/api/v1/stores/NOPE/sales/").status_code == 404


def test_ingest_records_one_outbox_event_per_batch(api_client_for, store, product):
    api_client_for("pos").post(url(store, "sales/batch/"), {"sales": [sale("E-1"), sale("E-2")]}, format="json")

    event = OutboxEvent.objects.get()
    assert event.topic == "sale.posted"
    assert len(event.payload["sale_ids"]) == 2
    assert event.payload["product_ids"] == [product.pk]


def test_stock_lookup_shows_region_but_not_other_regions(api_client_for, store, sibling_store, other_store, product):
    StockLevel.objects.create(store=sibling_store, product=product, on_hand=Decimal("7"))
    StockLevel.objects.create(store=other_store, product=product, on_hand=Decimal("9"))

    body = api_client_for("pos").get(url(store, "stock/lookup/"), {"code": product.barcodes.get().code}).json()

    assert body["sku"] == "PASTA-500"
    assert body["here"] is None
    assert body["elsewhere"] == [{"store": "S003", "name": "York", "on_hand": "7.000", "in_transit": "0.000"}]


def test_sale_list_has_a_query_budget(api_client_for, store, product, django_assert_max_num_queries):
    client = api_client_for("store_manager")
    api_client_for("pos").post(
        url(store, "sales/batch/"), {"sales": [sale(f"L-{n}") for n in range(30)]}, format="json"
    )

    with django_assert_max_num_queries(8):
        response = client.get(url(store))

    assert response.json()["count"] == 30
