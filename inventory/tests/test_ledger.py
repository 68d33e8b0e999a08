"""The ledger: append-only everywhere (model, queryset, and a trigger on PostgreSQL), the
invariant, negative stock flagged, counters never below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from inventory import ledger
from inventory.ledger import CounterDelta, MovementLine, find_mismatches
from inventory.models import MovementKind, StockLevel, StockMovement

from .document_helpers import give_stock, level, on_hand

pytestmark = pytest.mark.django_db


def test_movements_of_one_document_net_into_the_level(store, make_product):
    a, b = make_product("A"), make_product("B")

    ledger.post_movements(
        store=store,
        lines=[MovementLine(b.pk, Decimal("5"), MovementKind.RECEIPT), MovementLine(a.pk, Decimal("2"), "receipt"),
               MovementLine(b.pk, Decimal("-1.5"), MovementKind.SALE)],
        document_type="test", document_id=1,
    )  # fmt: skip

    assert (on_hand(store, a), on_hand(store, b)) == (Decimal("2"), Decimal("3.5"))
    assert StockMovement.objects.count() == 3
    assert find_mismatches() == []


def test_negative_stock_is_allowed_and_flagged(store, product):
    ledger.post_movements(
        store=store, lines=[MovementLine(product.pk, Decimal("-1"), MovementKind.SALE)], document_type="sale",
        document_id=1,
    )  # fmt: skip

    assert (on_hand(store, product), level(store, product).needs_count) == (Decimal("-1"), True)


def test_counters_never_go_below_zero(store, product):
    ledger.adjust_counters(store=store, counters=[CounterDelta(product.pk, on_order=Decimal("3"))])
    ledger.adjust_counters(store=store, counters=[CounterDelta(product.pk, on_order=Decimal("-5"))])

    assert level(store, product).on_order == Decimal("0")


def test_the_model_and_queryset_refuse_update_and_delete(store, product):
    give_stock(store, product, 1)
    movement = StockMovement.objects.get()

    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=5)
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=movement.pk).delete()
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()

    assert StockMovement.objects.get().quantity == Decimal("1")


def test_a_level_changed_behind_the_ledgers_back_is_a_mismatch(store, product):
    give_stock(store, product, 4)

    StockLevel.objects.filter(store=store, product=product).update(on_hand=Decimal("5"))

    [mismatch] = find_mismatches()
    assert (mismatch.store_id, mismatch.product_id, mismatch.on_hand, mismatch.movements) == (
        store.pk, product.pk, Decimal("5"), Decimal("4"),
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE inventory_stockmovement SET quantity = 99", "DELETE FROM inventory_stockmovement"]
)
def test_postgresql_trigger_refuses_raw_update_and_delete(store, product, statement):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    give_stock(store, product, 2)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert list(StockMovement.objects.values_list("quantity", flat=True)) == [Decimal("2")]
