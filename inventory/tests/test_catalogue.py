"""Catalogue rules: price history, barcodes, categories, supplier terms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import catalogue
from inventory.barcodes import make_ean13
from inventory.models import Barcode, Category, PriceChange, Product, ProductSupplier, Supplier
from retail.api.errors import DomainError, InvalidInput

pytestmark = pytest.mark.django_db


def test_new_product_starts_its_price_history(category, users):
    product = catalogue.create_product(
        data={
            "sku": "RICE-1",
            "name": "Rice 1 kg",
            "category": category,
            "cost": Decimal("0.90"),
            "price": Decimal("1.80"),
        },
        barcodes=[make_ean13(501)],
        user=users["admin"],
    )

    [change] = PriceChange.objects.filter(product=product)
    assert (change.cost, change.price, change.changed_by) == (Decimal("0.90"), Decimal("1.80"), users["admin"])
    assert list(product.barcodes.values_list("code", flat=True)) == [make_ean13(501)]


def test_price_change_appends_history_with_who(product, users):
    catalogue.set_price(product_id=product.pk, price=Decimal("2.75"), user=users["admin"])
    catalogue.set_price(product_id=product.pk, cost=Decimal("1.30"), user=users["admin"])

    rows = list(PriceChange.objects.filter(product=product).order_by("pk").values_list("cost", "price", "changed_by"))
    assert rows == [
        (Decimal("1.20"), Decimal("2.75"), users["admin"].pk),
        (Decimal("1.30"), Decimal("2.75"), users["admin"].pk),
    ]


def test_change_without_new_price_adds_no_history(product, users):
    catalogue.update_product(
        product_id=product.pk, changes={"name": "Penne 1 kg", "price": Decimal("2.50")}, user=users["admin"]
    )

    assert Product.objects.get(pk=product.pk).name == "Penne 1 kg"
    assert PriceChange.objects.filter(product=product).count() == 0


def test_every_bad_barcode_is_named_and_nothing_written(category, product):
    taken = product.barcodes.get().code
    good = make_ean13(777)
    bad_check = good[:-1] + str((int(good[-1]) + 1) % 10)

    with pytest.raises(InvalidInput) as raised:
        catalogue.create_product(
            data={"sku": "NEW-1", "name": "New", "category": category, "cost": Decimal("1"), "price": Decimal("2")},
            barcodes=[bad_check, "12345", good, good, taken],
        )

    assert [(d["field"], d["code"]) for d in raised.value.details] == [
        ("barcodes[0]", "invalid_check_digit"),
        ("barcodes[1]", "invalid_barcode"),
        ("barcodes[3]", "duplicate"),
        ("barcodes[4]", "taken"),
    ]
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_upc_a_and_ean13_check_digits_accepted():
    assert catalogue.barcode_problem("036000291452") is None  # UPC-A
    assert catalogue.barcode_problem("4006381333931") is None  # EAN-13
    assert catalogue.barcode_problem("4006381333932") == ("invalid_check_digit", "check digit should be 1")


def test_replacing_barcodes_keeps_listed_and_drops_others(product):
    old = product.barcodes.get().code
    catalogue.update_product(product_id=product.pk, changes={}, barcodes=[old, make_ean13(900), make_ean13(901)])

    assert sorted(Barcode.objects.filter(product=product).values_list("code", flat=True)) == sorted(
        [old, make_ean13(900), make_ean13(901)]
    )
    catalogue.update_product(product_id=product.pk, changes={}, barcodes=[make_ean13(901)])
    assert list(Barcode.objects.filter(product=product).values_list("code", flat=True)) == [make_ean13(901)]


def test_duplicate_sku_is_refused(category, product):
    with pytest.raises(InvalidInput) as raised:
        catalogue.create_product(
            data={"sku": product.sku, "name": "x", "category": category, "cost": Decimal("1"), "price": Decimal("1")}
        )

    assert raised.value.details[0]["field"] == "sku"
    assert Product.objects.filter(sku=product.sku).count() == 1


def test_category_path_is_created_once_per_level():
    known: dict = {}
    pasta = catalogue.ensure_category_path("Grocery/Pasta", known=known)
    rice = catalogue.ensure_category_path("Grocery/Rice", known=known)

    assert Category.objects.count() == 3
    assert pasta.parent_id == rice.parent_id
    assert catalogue.category_labels()[rice.pk] == "Grocery/Rice"


def test_sibling_categories_need_distinct_names(category):
    with pytest.raises(DomainError) as raised:
        catalogue.create_category(name="Pasta", parent=category.parent)

    assert raised.value.field == "name"
    assert Category.objects.filter(name="Pasta").count() == 1


def test_primary_terms_demote_the_previous_primary(product, supplier):
    other = Supplier.objects.create(code="BETA", name="Beta Wholesale")

    catalogue.set_supplier_terms(product=product, terms=catalogue.Terms(supplier=other, cost=Decimal("1.10")))

    primary = dict(ProductSupplier.objects.filter(product=product).values_list("supplier__code", "is_primary"))
    assert primary == {"ACME": False, "BETA": True}


def test_only_supplier_is_primary_even_if_not_asked(make_product, category):
    product = Product.objects.create(sku="LONE", name="Lone", category=category, cost=1, price=2)
    lone = Supplier.objects.create(code="LONE", name="Lone Supplier")

    row = catalogue.set_supplier_terms(
        product=product, terms=catalogue.Terms(supplier=lone, cost=Decimal("1"), is_primary=False)
    )

    assert row.is_primary is True


@pytest.fixture
def admin_client_(client, users):
    from stores.testing import login_verified

    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    login_verified(client, users["admin"])
    return client


@pytest.mark.parametrize(
    "model", ["product", "category", "supplier", "importjob", "webhookendpoint", "webhookdelivery", "outboxevent"]
)
def test_admin_lists_catalogue_and_integration_models(admin_client_, product, model):
    assert admin_client_.get(f"/admin/inventory/{model}/").status_code == 200


def test_admin_product_page_shows_price_history_inline(admin_client_, product, users):
    catalogue.set_price(product_id=product.pk, price=Decimal("3.33"), user=users["admin"])

    page = admin_client_.get(f"/admin/inventory/product/{product.pk}/change/")

    assert page.status_code == 200
    assert b"3.33" in page.content


def test_admin_price_change_goes_into_the_history(admin_client_, product, users):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    model_admin = site._registry[Product]
    request = RequestFactory().post("/admin/")
    request.user = users["admin"]
    form_class = model_admin.get_form(request, product, change=True)
    data = {
        "sku": product.sku,
        "name": product.name,
        "category": product.category_id,
        "unit": "each",
        "case_pack": 1,
        "cost": "1.20",
        "price": "2.95",
        "tax_class": "standard",
        "is_active": "on",
    }
    form = form_class(data, instance=product)
    assert form.is_valid(), form.errors

    model_admin.save_model(request, form.instance, form, change=True)

    assert Product.objects.get(pk=product.pk).price == Decimal("2.95")
    assert list(PriceChange.objects.filter(product=product).values_list("price", "changed_by")) == [
        (Decimal("2.95"), users["admin"].pk)
    ]
