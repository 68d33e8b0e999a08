"""Adjustments: losses post shrinkage with their reason, found stock posts an adjustment,
and a bad document writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.adjustments import create_adjustment
from inventory.document_lines import LineInput
from inventory.ledger import find_mismatches
from inventory.models import Adjustment, AdjustmentLine, OutboxEvent, StockMovement
from retail.api.errors import DomainError, InvalidInput

from .document_helpers import give_stock, on_hand

pytestmark = pytest.mark.django_db


def test_damage_posts_shrinkage_with_the_reason(store, product, users):
    give_stock(store, product, 10)

    adjustment = create_adjustment(
        store=store, reason="damage", note="dropped pallet", lines=[LineInput("PASTA-500", "-3")],
        user=users["store_manager"],
    )  # fmt: skip

    movement = StockMovement.objects.get(document_type="adjustment", document_id=adjustment.pk)
    assert (movement.kind, movement.reason, movement.quantity) == ("shrinkage", "damage", Decimal("-3"))
    assert movement.user == users["store_manager"]
    assert movement.unit_cost == product.cost
    assert on_hand(store, product) == Decimal("7")
    assert find_mismatches() == []
    event = OutboxEvent.objects.get(topic="stock.level_changed", payload__document_id=adjustment.pk)
    assert event.payload["product_ids"] == [product.pk]


def test_found_stock_posts_a_positive_adjustment_found_by_barcode(store, product, users):
    barcode = product.barcodes.get().code

    create_adjustment(store=store, reason="found", lines=[LineInput(barcode, "2.5")], user=users["store_manager"])

    movement = StockMovement.objects.get(document_type="adjustment")
    assert (movement.kind, movement.reason, movement.quantity) == ("adjustment", "found", Decimal("2.5"))
    assert on_hand(store, product) == Decimal("2.5")


def test_other_reason_allows_either_sign(store, make_product, users):
    a, b = make_product("A"), make_product("B")

    create_adjustment(
        store=store, reason="other", lines=[LineInput("A", "4"), LineInput("B", "-1")], user=users["admin"]
    )

    assert sorted(StockMovement.objects.values_list("quantity", "kind")) == [
        (Decimal("-1"), "adjustment"), (Decimal("4"), "adjustment"),
    ]  # fmt: skip
    assert (on_hand(store, a), on_hand(store, b)) == (Decimal("4"), Decimal("-1"))


@pytest.mark.parametrize(
    ("reason", "quantity", "field", "code"),
    [
        ("theft", "2", "lines[0].quantity", "sign"),
        ("found", "-2", "lines[0].quantity", "sign"),
        ("damage", "-1.0005", "lines[0].quantity", "max_decimal_places"),
        ("damage", "0", "lines[0].quantity", "zero"),
        ("damage", "-99999999", "lines[0].quantity", "max_value"),
        ("damage", "lots", "lines[0].quantity", "invalid"),
    ],
)
def test_bad_quantity_is_refused_and_nothing_is_written(store, product, users, reason, quantity, field, code):
    with pytest.raises(InvalidInput) as refused:
        create_adjustment(store=store, reason=reason, lines=[LineInput("PASTA-500", quantity)], user=users["admin"])

    assert [(d["field"], d["code"]) for d in refused.value.as_detail()] == [(field, code)]
    assert Adjustment.objects.count() == 0
    assert AdjustmentLine.objects.count() == 0
    assert StockMovement.objects.count() == 0


def test_unknown_and_repeated_products_are_named(store, product, users):
    lines = [LineInput("PASTA-500", "-1"), LineInput("NOPE", "-1"), LineInput("PASTA-500", "-2")]

    with pytest.raises(InvalidInput) as refused:
        create_adjustment(store=store, reason="expiry", lines=lines, user=users["admin"])

    assert [(d["field"], d["code"]) for d in refused.value.as_detail()] == [
        ("lines[1].sku", "not_found"), ("lines[2].sku", "duplicate"),
    ]  # fmt: skip
    assert StockMovement.objects.count() == 0


def test_unknown_reason_and_empty_document_are_refused(store, product, users):
    with pytest.raises(DomainError) as bad_reason:
        create_adjustment(store=store, reason="gift", lines=[LineInput("PASTA-500", "1")], user=users["admin"])
    with pytest.raises(DomainError) as empty:
        create_adjustment(store=store, reason="found", lines=[], user=users["admin"])

    assert (bad_reason.value.field, bad_reason.value.code) == ("reason", "invalid_choice")
    assert (empty.value.field, empty.value.code) == ("lines", "required")
    assert Adjustment.objects.count() == 0
