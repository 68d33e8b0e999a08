"""Hostile and broken POS payloads: each is a 4xx (or a per-sale error), never a 500,
and a refused sale writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import QuarantinedLine, Sale, SaleLine, StockMovement

pytestmark = pytest.mark.django_db

SALES = "/api/v1/stores/S001/sales/"
BATCH = "/api/v1/stores/S001/sales/batch/"


def sale(pos_id: str = "T1-1", **overrides) -> dict:
    body = {
        "pos_sale_id": pos_id,
        "sold_at": timezone.now().isoformat(),
        "lines": [{"sku": "PASTA-500", "quantity": "1", "unit_price": "2.50"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def pos(api_client_for, product):
    return api_client_for("pos")


def post_raw(client, path: str, body: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def assert_nothing_written() -> None:
    assert Sale.objects.count() == 0
    assert StockMovement.objects.count() == 0
    assert QuarantinedLine.objects.count() == 0


def test_batch_over_the_limit_is_refused_whole(pos, settings):
    response = pos.post(BATCH, {"sales": [sale(f"T1-{n}") for n in range(settings.POS_BATCH_MAX + 1)]}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "sales"
    assert_nothing_written()


def test_sale_with_too_many_lines_is_refused(pos):
    lines = [{"sku": "PASTA-500", "quantity": "1", "unit_price": "1.00"}] * 501

    response = pos.post(SALES, sale(lines=lines), format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["code"] == "too_many"
    assert_nothing_written()


def test_batch_with_too_many_lines_in_total_is_refused(pos):
    """500 sales x 500 lines would be 250,000 lines in one request: one transaction that
    long holds the store's stock rows locked, so the whole batch is bounded too."""
    lines = [{"sku": "PASTA-500", "quantity": "1", "unit_price": "1.00"}] * 100
    body = {"sales": [sale(f"T1-{n}", lines=lines) for n in range(200)]}

    response = pos.post(BATCH, body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0] == {
        "field": "sales",
        "code": "too_many_lines",
        "message": "at most 10000 lines per batch",
    }
    assert_nothing_written()


def test_body_larger_than_the_upload_limit_is_413(pos, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"sales": [sale(f"T1-{n}") for n in range(100)]})
    assert len(body) > 10_000

    response = post_raw(pos, BATCH, body)

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert_nothing_written()


def test_nested_lists_in_place_of_sales_are_per_sale_errors(pos):
    body = '{"sales": [' + "[" * 100 + "]" * 100 + "]}"

    response = post_raw(pos, BATCH, body)

    assert response.status_code == 200
    assert response.json()["error"] == 1
    assert_nothing_written()


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_json_is_400(pos, depth):
    body = '{"sales": ' + "[" * depth + "]" * depth + "}"

    response = post_raw(pos, BATCH, body)

    assert response.status_code == 400
    assert response.json()["detail"][0]["code"] == "parse_error"
    assert_nothing_written()


def test_deeply_nested_json_in_a_single_sale_is_400(pos):
    body = '{"pos_sale_id": "T1-1", "lines": ' + "[" * 50_000 + "]" * 50_000 + "}"

    response = post_raw(pos, SALES, body)

    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize(
    "quantity",
    ["1e999999", "1E-999999", 1e308, "NaN", "Infinity", "-Infinity", "9" * 40, 10**30, "0.0001", "1,5", "", None],
)
def test_huge_tiny_and_not_numbers_as_quantity_are_400(pos, quantity):
    body = sale(lines=[{"sku": "PASTA-500", "quantity": quantity, "unit_price": "1"}])
    response = pos.post(SALES, body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "lines[0].quantity"
    assert_nothing_written()


def test_a_number_literal_of_thousands_of_digits_is_400(pos):
    body = '{"pos_sale_id": "T1-1", "lines": [{"sku": "PASTA-500", "unit_price": "1", "quantity": ' + "9" * 5000 + "}]}"

    response = post_raw(pos, SALES, body)

    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize("quantity", ["0", "0.000", "-1", "-0.001", 0, -5])
def test_zero_and_negative_quantities_are_400(pos, quantity):
    body = sale(lines=[{"sku": "PASTA-500", "quantity": quantity, "unit_price": "1"}])
    response = pos.post(SALES, body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["code"] == "min_value"
    assert_nothing_written()


def test_a_price_with_a_huge_exponent_is_400(pos):
    response = pos.post(
        SALES, sale(lines=[{"sku": "PASTA-500", "quantity": "1", "unit_price": "1E+999999999"}]), format="json"
    )

    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize(
    "sold_at",
    [
        "0001-01-01T00:00:00+00:00",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59-14:00",
        "10000-01-01T00:00:00Z",
        "2026-02-30T10:00:00Z",
        "2026-11-25T25:00:00Z",
        "2026-11-25T10:00:00+99:00",
        "2026-11-25T10:00:00",
        "",
        1764064980,
    ],
)
def test_timestamps_far_off_or_malformed_are_400(pos, sold_at):
    response = pos.post(SALES, sale(sold_at=sold_at), format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "sold_at"
    assert_nothing_written()


def test_timestamp_just_inside_the_tolerances_is_accepted(pos, settings):
    now = timezone.now()
    early = (now - settings.POS_PAST_LIMIT + timedelta(minutes=5)).isoformat()
    late = (now + settings.POS_FUTURE_TOLERANCE - timedelta(minutes=1)).isoformat()

    assert pos.post(SALES, sale("T1-early", sold_at=early), format="json").status_code == 201
    assert pos.post(SALES, sale("T1-late", sold_at=late), format="json").status_code == 201


def test_duplicate_lines_in_one_sale_are_each_kept_and_moved_once(pos, product):
    line = {"sku": "PASTA-500", "quantity": "2", "unit_price": "2.50"}

    response = pos.post(SALES, sale(lines=[line, line, line]), format="json")

    assert response.status_code == 201
    assert SaleLine.objects.filter(product=product).count() == 3
    assert StockMovement.objects.filter(product=product).count() == 3
    assert sum(m.quantity for m in StockMovement.objects.filter(product=product)) == Decimal("-6")


def test_duplicate_sales_in_one_batch_are_stored_once(pos, product):
    response = pos.post(BATCH, {"sales": [sale("T1-9"), sale("T1-9"), sale("T1-9")]}, format="json")

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "duplicate", "duplicate"]
    assert Sale.objects.count() == 1
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(
    "code",
    ["PASTA\x00500", "PASTA-500\n", "\x1b[31mRED", "\u202eevil", "\ud800", "  ", "\t", "x" * 65, "\u0000"],
)
def test_control_characters_and_overlong_codes_are_400(pos, code):
    # ensure_ascii: a lone surrogate travels as the escape "\ud800", as a till would send it
    body = json.dumps(sale(lines=[{"sku": code, "quantity": "1", "unit_price": "1"}]), ensure_ascii=True)
    response = post_raw(pos, SALES, body)

    # "PASTA-500\n" is stripped to a valid code: the only one accepted
    if code == "PASTA-500\n":
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    assert response.json()["detail"][0]["field"] == "lines[0].sku"
    assert_nothing_written()


@pytest.mark.parametrize("pos_id", ["T1\x00", "\u2028", "a" * 65, "", 123, None, ["T1"]])
def test_bad_pos_sale_ids_are_400(pos, pos_id):
    response = pos.post(SALES, sale(pos_id), format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "pos_sale_id"
    assert_nothing_written()


@pytest.mark.parametrize("code", ["ПАСТА-500", "パスタ", "🍝-500", "Straße-1"])
def test_unicode_codes_that_match_nothing_are_quarantined_not_lost(pos, code):
    response = pos.post(SALES, sale(lines=[{"sku": code, "quantity": "1", "unit_price": "1"}]), format="json")

    assert response.status_code == 201
    assert response.json()["quarantined_lines"] == 1
    assert QuarantinedLine.objects.get().code == code


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"sales": []}'),
        ("application/x-www-form-urlencoded", "sales=1"),
        ("multipart/form-data; boundary=xyz", "--xyz--"),
        ("application/xml", "<sales/>"),
        ("application/json; charset=latin-1", '{"sales": []}'),
    ],
)
def test_wrong_content_types_are_415(pos, content_type, body):
    response = post_raw(pos, BATCH, body, content_type=content_type)

    assert response.status_code in (400, 415)
    assert response.json()["error"] in ("unsupported_media_type", "invalid")
    assert_nothing_written()


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"sales"', b"{", b"\xff\xfe\x00", b'{"sales": null}', b'{"sales": {}}', b"{}" * 10],
)
def test_malformed_bodies_are_400(pos, body):
    assert post_raw(pos, BATCH, body).status_code == 400
    assert post_raw(pos, SALES, body).status_code == 400
    assert_nothing_written()


def test_one_bad_sale_does_not_block_the_batch(pos):
    body = {"sales": [sale("T1-1"), sale("T1-2", lines=[]), "not a sale", sale("T1-3")]}
    response = pos.post(BATCH, body, format="json")

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "error", "error", "created"]
    assert Sale.objects.count() == 2
