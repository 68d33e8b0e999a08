"""Stock counts: scans, expected at the first scan, posting variances, uncounted products,
closed counts, and the 5,000-line posting on PostgreSQL."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection

from inventory import counts
from inventory.ledger import find_mismatches
from inventory.models import Category, StockCount, StockCountLine, StockLevel, StockMovement
from retail.api.errors import Conflict, DomainError, InvalidInput

from .document_helpers import give_stock, level, on_hand, sell

pytestmark = pytest.mark.django_db


def test_a_scan_adds_one_and_a_quantity_sets_the_count(store, product, users):
    give_stock(store, product, 7)
    count = counts.open_count(store=store, scope="store", user=users["store_manager"])

    counts.record_scan(count=count, code="PASTA-500", user=users["clerk"])
    counts.record_scan(count=count, code=product.barcodes.get().code, user=users["clerk"])
    after_two = StockCountLine.objects.get(count=count).counted
    line = counts.record_scan(count=count, code="PASTA-500", quantity="5.5", user=users["clerk"])

    assert after_two == Decimal("2")
    assert (line.expected, line.counted, line.counted_by) == (Decimal("7"), Decimal("5.5"), users["clerk"])


def test_sale_between_scan_and_post_stays_counted(store, product, users):
    give_stock(store, product, 10)
    count = counts.open_count(store=store, scope="list", skus=["PASTA-500"], user=users["store_manager"])
    counts.record_scan(count=count, code="PASTA-500", quantity="8", user=users["clerk"])
    sell(store, product, 3)

    counts.post_count(count=count, user=users["store_manager"])

    movement = StockMovement.objects.get(kind="count")
    assert movement.quantity == Decimal("-2")
    assert on_hand(store, product) == Decimal("5")
    assert StockCount.objects.get(pk=count.pk).status == "posted"
    assert find_mismatches() == []


def test_posting_clears_the_needs_count_flag(store, product, users):
    sell(store, product, 2)
    assert level(store, product).needs_count is True
    count = counts.open_count(store=store, scope="store", user=users["store_manager"])
    counts.record_scan(count=count, code="PASTA-500", quantity="4", user=users["clerk"])

    counts.post_count(count=count, user=users["store_manager"])

    assert (on_hand(store, product), level(store, product).needs_count) == (Decimal("4"), False)


def test_category_count_refuses_products_outside_the_subtree(store, make_product, category, users):
    other = Category.objects.create(name="Drinks")
    make_product("IN-CAT")
    make_product("OUTSIDE", category=other)
    count = counts.open_count(store=store, scope="category", category_id=category.parent_id, user=users["admin"])

    counts.record_scan(count=count, code="IN-CAT", user=users["clerk"])
    with pytest.raises(DomainError) as refused:
        counts.record_scan(count=count, code="OUTSIDE", user=users["clerk"])

    assert (refused.value.field, refused.value.code) == ("code", "not_in_count")
    assert list(StockCountLine.objects.values_list("product__sku", flat=True)) == ["IN-CAT"]


def test_list_count_refuses_products_not_on_the_list(store, make_product, users):
    make_product("LISTED")
    make_product("NOT-LISTED")
    count = counts.open_count(store=store, scope="list", skus=["LISTED"], user=users["admin"])

    with pytest.raises(DomainError) as refused:
        counts.record_scan(count=count, code="NOT-LISTED", user=users["clerk"])

    assert refused.value.code == "not_in_count"


def test_unscanned_products_are_left_alone_unless_zero_uncounted(store, make_product, users):
    scanned, forgotten = make_product("SCANNED"), make_product("FORGOTTEN")
    give_stock(store, scanned, 5)
    give_stock(store, forgotten, 6)
    first = counts.open_count(store=store, scope="store", user=users["admin"])
    counts.record_scan(count=first, code="SCANNED", quantity="5", user=users["clerk"])
    counts.post_count(count=first, user=users["admin"])
    assert on_hand(store, forgotten) == Decimal("6")

    second = counts.open_count(store=store, scope="store", user=users["admin"])
    counts.record_scan(count=second, code="SCANNED", quantity="4", user=users["clerk"])
    counts.post_count(count=second, user=users["admin"], zero_uncounted=True)

    assert (on_hand(store, scanned), on_hand(store, forgotten)) == (Decimal("4"), Decimal("0"))
    zeroed = StockCountLine.objects.get(count=second, product=forgotten)
    assert (zeroed.expected, zeroed.counted) == (Decimal("6"), Decimal("0"))
    assert StockCount.objects.get(pk=second.pk).zero_uncounted is True
    assert find_mismatches() == []


def test_a_closed_count_refuses_scans_posts_and_cancels(store, product, users):
    count = counts.open_count(store=store, scope="list", skus=["PASTA-500"], user=users["admin"])
    counts.record_scan(count=count, code="PASTA-500", quantity="3", user=users["clerk"])
    counts.post_count(count=count, user=users["admin"])
    movements = StockMovement.objects.count()

    for attempt in (
        lambda: counts.record_scan(count=count, code="PASTA-500", user=users["clerk"]),
        lambda: counts.post_count(count=count, user=users["admin"]),
        lambda: counts.cancel_count(count=count, user=users["admin"]),
    ):
        with pytest.raises(Conflict):
            attempt()

    assert StockMovement.objects.count() == movements
    assert StockCountLine.objects.get(count=count).counted == Decimal("3")
    assert on_hand(store, product) == Decimal("3")


def test_cancelled_count_moves_nothing(store, product, users):
    give_stock(store, product, 2)
    count = counts.open_count(store=store, scope="store", user=users["admin"])
    counts.record_scan(count=count, code="PASTA-500", quantity="9", user=users["clerk"])

    counts.cancel_count(count=count, user=users["store_manager"])

    count.refresh_from_db()
    assert (count.status, count.cancelled_by) == ("cancelled", users["store_manager"])
    assert on_hand(store, product) == Decimal("2")
    with pytest.raises(Conflict):
        counts.post_count(count=count, user=users["admin"])


def test_opening_a_list_count_with_bad_products_writes_nothing(store, product, users):
    with pytest.raises(InvalidInput) as refused:
        counts.open_count(store=store, scope="list", skus=["PASTA-500", "NOPE", "PASTA-500"], user=users["admin"])

    assert [(d["field"], d["code"]) for d in refused.value.as_detail()] == [
        ("skus[1]", "not_found"), ("skus[2]", "duplicate"),
    ]  # fmt: skip
    assert StockCount.objects.count() == 0


def test_a_category_count_needs_a_known_category(store, users):
    with pytest.raises(DomainError) as missing:
        counts.open_count(store=store, scope="category", user=users["admin"])
    with pytest.raises(DomainError) as unknown:
        counts.open_count(store=store, scope="category", category_id=999999, user=users["admin"])

    assert (missing.value.field, missing.value.code) == ("category", "required")
    assert (unknown.value.field, unknown.value.code) == ("category", "not_found")
    assert StockCount.objects.count() == 0


@pytest.mark.postgres
def test_posting_5000_lines_takes_under_five_seconds_on_postgresql(store, category, users, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("timing is promised on PostgreSQL; SQLite updates one level per statement")
    from inventory.models import Product

    products = Product.objects.bulk_create(
        [Product(sku=f"BULK{i:05d}", name=f"Bulk {i}", category=category, cost=1, price=2) for i in range(5000)]
    )
    StockLevel.objects.bulk_create([StockLevel(store=store, product=p, on_hand=0) for p in products])
    count = counts.open_count(store=store, scope="store", user=users["admin"])
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(store=store, count=count, product=p, expected=0, counted=Decimal(i % 7))
            for i, p in enumerate(products)
        ]
    )

    started = time.perf_counter()
    counts.post_count(count=count, user=users["admin"])
    seconds = time.perf_counter() - started

    with capsys.disabled():
        print(f"\n5,000-line count posted in {seconds:.3f} s")
    assert seconds < 5
    assert StockMovement.objects.filter(kind="count").count() == sum(1 for i in range(5000) if i % 7)
    assert find_mismatches() == []
