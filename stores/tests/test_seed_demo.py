"""``seed_demo``: the demo company at a small scale (4 stores, 60 products, 21 days)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.utils import timezone

from analytics.models import CategoryDayRollup, DailyRollup, RollupWatermark, StoreDayRollup
from inventory.barcodes import is_valid_gtin
from inventory.ledger import find_mismatches
from inventory.models import (
    Barcode,
    Category,
    MovementKind,
    Product,
    ProductSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Sale,
    StockLevel,
    StockMovement,
    Supplier,
)
from stores.demo import DEMO_USERS, Spec, build_demo_company, reset_demo_data
from stores.demo.company import FORMATS
from stores.models import Membership, Region, Role, Scope, Store, StoreFormat

SMALL = {"stores": 5, "products": 60, "days": 21}
pytestmark = pytest.mark.django_db(transaction=False)


def seed(**extra) -> str:
    out = StringIO()
    call_command("seed_demo", **SMALL, quiet=True, stdout=out, **extra)
    return out.getvalue()


def snapshot() -> dict:
    """The company's content by natural keys (ids may differ between builds)."""
    return {
        "stores": sorted(Store.objects.values_list("code", "name", "region__code", "timezone", "format", "size_sqm")),
        "categories": sorted(Category.objects.values_list("name", "parent__name", "parent__parent__name")),
        "suppliers": sorted(
            Supplier.objects.values_list("code", "name", "lead_time_days", "lead_time_sd_days", "min_order_value")
        ),
        "products": sorted(Product.objects.values_list("sku", "name", "category__name", "cost", "price", "case_pack")),
        "barcodes": sorted(Barcode.objects.values_list("product__sku", "code")),
        "terms": sorted(ProductSupplier.objects.values_list("product__sku", "supplier__code", "cost", "is_primary")),
        "rollups": sorted(
            DailyRollup.objects.values_list(
                "store__code", "product__sku", "day", "units", "revenue", "cost", "closing_on_hand", "stockout"
            )
        ),
        "levels": sorted(
            StockLevel.objects.values_list("store__code", "product__sku", "on_hand", "on_order", "needs_count")
        ),
        "sales": sorted(Sale.objects.values_list("store__code", "pos_sale_id", "sold_at", "total")),
        "orders": sorted(
            PurchaseOrderLine.objects.values_list("store__code", "order__supplier__code", "product__sku", "quantity")
        ),
    }


def test_seed_builds_the_company_stores_formats_and_time_zones():
    output = seed()

    stores = list(Store.objects.order_by("code"))
    assert [s.code for s in stores] == ["S001", "S002", "S003", "S004", "S005"]
    assert [s.format for s in stores] == ["express", "standard", "express", "standard", "superstore"]
    assert Region.objects.count() == 8
    assert len({s.timezone for s in stores}) >= 3  # business days differ between stores
    assert "Demo company built" in output
    assert "http://127.0.0.1:8000" in output


def test_category_tree_has_three_levels_and_products_sit_on_leaves():
    seed()

    for product in Product.objects.select_related("category__parent__parent"):
        leaf = product.category
        assert leaf.parent is not None and leaf.parent.parent is not None
        assert leaf.parent.parent.parent_id is None
        assert not leaf.children.exists()
    leaves = Category.objects.filter(children__isnull=True).count()
    assert 40 <= leaves <= 80


def test_every_barcode_is_a_valid_ean13_and_every_product_has_one_primary_supplier():
    seed()

    codes = list(Barcode.objects.values_list("code", flat=True))
    assert len(codes) >= Product.objects.count()
    assert all(len(code) == 13 and is_valid_gtin(code) for code in codes)
    primaries = Counter(ProductSupplier.objects.filter(is_primary=True).values_list("product_id", flat=True))
    assert set(primaries.values()) == {1}
    assert len(primaries) == Product.objects.count()
    assert Supplier.objects.count() == 40
    for supplier in Supplier.objects.all():
        assert 2 <= supplier.lead_time_days <= 14
        assert supplier.lead_time_sd_days > 0
    assert all(1 <= pack <= 24 for pack in ProductSupplier.objects.values_list("case_pack", flat=True))


def test_assortment_follows_the_format_and_levels_exist_only_for_carried_products():
    seed()

    products = Product.objects.count()
    for store in Store.objects.all():
        levels = StockLevel.objects.filter(store=store)
        assert levels.count() == round(FORMATS[store.format].assortment * products)
        assert not levels.filter(in_assortment=False).exists()
    superstore = Store.objects.get(format=StoreFormat.SUPERSTORE)
    assert StockLevel.objects.filter(store=superstore).count() == products
    carried = set(StockLevel.objects.values_list("store_id", "product_id"))
    assert set(DailyRollup.objects.values_list("store_id", "product_id")) <= carried


def test_ledger_invariant_holds_and_each_level_has_one_opening_movement():
    seed()

    assert find_mismatches() == []
    openings = StockMovement.objects.filter(kind=MovementKind.OPENING)
    assert openings.count() == StockLevel.objects.count()
    assert set(openings.values_list("document_type", "document_id").distinct()) == {("seed", 0)}
    assert not StockMovement.objects.exclude(kind__in=[MovementKind.OPENING, MovementKind.SALE]).exists()
    assert not StockMovement.objects.filter(kind=MovementKind.SALE, quantity__gte=0).exists()


def test_history_rows_are_sparse_and_stockouts_close_at_zero():
    seed()

    for store in Store.objects.all():
        today = store.business_day()
        history = DailyRollup.objects.filter(store=store, day__lt=today)
        assert not history.filter(units=0, stockout=False).exists()
        assert not history.filter(closing_on_hand__lt=0).exists()
        assert not history.filter(stockout=True).exclude(closing_on_hand=0).exists()
        assert not history.filter(stockout=False, closing_on_hand__lte=0).exists()
        days = set(DailyRollup.objects.filter(store=store).values_list("day", flat=True))
        assert min(days) >= today - timedelta(days=SMALL["days"])
        assert max(days) == today
    assert DailyRollup.objects.filter(stockout=True, units=0).exists()
    assert DailyRollup.objects.filter(units__gt=0).count() > DailyRollup.objects.filter(units=0).count()


def test_summaries_match_the_rollups():
    seed()

    by_store_day = {
        (row["store_id"], row["day"]): (row["u"], row["r"])
        for row in DailyRollup.objects.values("store_id", "day").annotate(u=Sum("units"), r=Sum("revenue"))
        if row["u"]
    }
    summary = {(s.store_id, s.day): (s.units, s.revenue) for s in StoreDayRollup.objects.all()}
    assert summary == by_store_day
    categories = CategoryDayRollup.objects.aggregate(u=Sum("units"), r=Sum("revenue"))
    cent = Decimal("0.01")
    assert categories["u"] == sum(u for u, _ in by_store_day.values())
    assert categories["r"].quantize(cent) == sum(r for _, r in by_store_day.values()).quantize(cent)


def test_open_purchase_orders_are_what_on_order_counts():
    seed()

    for store in Store.objects.all():
        orders = PurchaseOrder.objects.filter(store=store)
        assert 3 <= orders.count() <= 5
        assert set(orders.values_list("status", flat=True)) == {PurchaseOrderStatus.ORDERED}
    outstanding = defaultdict(Decimal)
    for line in PurchaseOrderLine.objects.annotate(left=F("quantity") - F("received")):
        outstanding[(line.store_id, line.product_id)] += line.left
    on_order = {(lv.store_id, lv.product_id): lv.on_order for lv in StockLevel.objects.filter(on_order__gt=0)}
    assert on_order == dict(outstanding)


def test_todays_receipts_are_posted_for_every_store_and_a_few_levels_go_negative():
    seed()

    for store in Store.objects.all():
        sales = Sale.objects.filter(store=store, business_day=store.business_day())
        assert sales.count() >= 3  # in line with the store's own history by this hour, at least 3
        assert all(pid.startswith(f"DEMO-{store.code}-") for pid in sales.values_list("pos_sale_id", flat=True))
        sold = StockMovement.objects.filter(store=store, kind=MovementKind.SALE).aggregate(q=Sum("quantity"))["q"]
        assert sold < 0
        assert DailyRollup.objects.filter(store=store, day=store.business_day(), units__gt=0).exists()
    negative = StockLevel.objects.filter(on_hand__lt=0)
    assert negative.filter(store__code="S001").exists()
    assert negative.count() == negative.filter(needs_count=True).count() > 0
    assert RollupWatermark.objects.get(name="rollups").position == StockMovement.objects.order_by("-id")[0].id


def test_one_user_per_role_with_the_right_membership():
    seed()

    first = Store.objects.get(code="S001")
    User = get_user_model()
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        assert user.check_password(demo.password)
        membership = Membership.objects.get(user=user)
        assert (membership.role, membership.scope) == (demo.role, demo.scope)
        expected = {Scope.STORE: (first.pk, None), Scope.REGION: (None, first.region_id), Scope.COMPANY: (None, None)}
        assert (membership.store_id, membership.region_id) == expected[demo.scope]
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    assert {d.role for d in DEMO_USERS} == set(Role)


def test_rerun_without_reset_is_refused_and_changes_nothing():
    seed()
    before = (Store.objects.count(), DailyRollup.objects.count(), Sale.objects.count())

    with pytest.raises(CommandError, match="demo data already present; use --reset"):
        seed()

    assert (Store.objects.count(), DailyRollup.objects.count(), Sale.objects.count()) == before


def test_if_empty_skips_when_data_is_present():
    seed()
    before = (Store.objects.count(), DailyRollup.objects.count(), StockMovement.objects.count())

    output = seed(if_empty=True)

    assert "nothing to do" in output
    assert (Store.objects.count(), DailyRollup.objects.count(), StockMovement.objects.count()) == before


def test_reset_rebuilds_without_duplicates():
    seed()
    counts = [m.objects.count() for m in (Store, Product, DailyRollup, StockLevel, StockMovement, Sale, PurchaseOrder)]
    users = get_user_model().objects.count()

    seed(reset=True)

    assert [m.objects.count() for m in (Store, Product, DailyRollup, StockLevel, StockMovement, Sale,
                                        PurchaseOrder)] == counts  # fmt: skip
    assert get_user_model().objects.count() == users
    assert find_mismatches() == []


def test_reset_keeps_other_users():
    get_user_model().objects.create_user(username="me", password="my-own-password-1")
    seed()

    seed(reset=True)

    assert get_user_model().objects.filter(username="me").exists()


def test_same_seed_same_company_and_another_seed_another():
    now = timezone.now() - timedelta(minutes=1)
    spec = Spec(stores=4, products=60, days=21, seed=7)
    build_demo_company(spec=spec, now=now)
    first = snapshot()

    reset_demo_data()
    assert not Store.objects.exists() and not DailyRollup.objects.exists() and not StockMovement.objects.exists()
    build_demo_company(spec=spec, now=now)
    second = snapshot()

    reset_demo_data()
    build_demo_company(spec=Spec(stores=4, products=60, days=21, seed=8), now=now)
    third = snapshot()

    assert first == second
    assert first["rollups"] and first["sales"]
    assert first["rollups"] != third["rollups"]


@pytest.mark.parametrize("option", [{"stores": 0}, {"products": 5}, {"days": 0}, {"seed": -1}])
def test_bad_sizes_are_refused_before_anything_is_written(option):
    with pytest.raises(CommandError, match=f"--{next(iter(option))}"):
        call_command("seed_demo", **{**SMALL, **option}, quiet=True, stdout=StringIO())

    assert not Store.objects.exists() and not Product.objects.exists()
