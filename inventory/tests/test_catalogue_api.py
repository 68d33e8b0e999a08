"""Catalogue API: who may read and write, validation, price history, filters, budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.barcodes import make_ean13
from inventory.models import Category, PriceChange, Product, ProductSupplier, Supplier

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/catalogue/products/"
SUPPLIERS = "/api/v1/catalogue/suppliers/"
CATEGORIES = "/api/v1/catalogue/categories/"


def new_product(category, **fields) -> dict:
    body = {
        "sku": "RICE-1",
        "name": "Rice 1 kg",
        "category": category.pk,
        "cost": "0.90",
        "price": "1.80",
        "barcodes": [make_ean13(501)],
    }
    body.update(fields)
    return body


@pytest.mark.parametrize("role", ["clerk", "store_manager", "regional_manager", "analyst", "admin", "pos"])
def test_everyone_with_stock_access_reads_the_catalogue(api_client_for, product, role):
    response = api_client_for(role).get(PRODUCTS)

    assert response.status_code == 200
    assert [p["sku"] for p in response.json()["results"]] == ["PASTA-500"]


def test_anonymous_cannot_read_the_catalogue(api_client_for, product):
    assert api_client_for("anonymous").get(PRODUCTS).status_code in (401, 403)


@pytest.mark.parametrize("role", ["clerk", "store_manager", "regional_manager", "analyst", "pos"])
def test_only_admin_writes_the_catalogue(api_client_for, category, product, role):
    client = api_client_for(role)

    created = client.post(PRODUCTS, new_product(category), format="json")
    changed = client.patch(f"{PRODUCTS}{product.pk}/", {"price": "9.99"}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert created.json()["error"] == "permission_denied"
    assert not Product.objects.filter(sku="RICE-1").exists()
    assert Product.objects.get(pk=product.pk).price == Decimal("2.50")
    assert PriceChange.objects.count() == 0


def test_admin_creates_a_product_with_barcodes(api_client_for, category, users):
    response = api_client_for("admin").post(PRODUCTS, new_product(category), format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["category_path"], body["barcodes"]) == ("RICE-1", "Grocery/Pasta", [make_ean13(501)])
    assert PriceChange.objects.get(product_id=body["id"]).changed_by == users["admin"]


def test_bad_check_digit_is_400_naming_the_barcode(api_client_for, category):
    good = make_ean13(501)
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)

    response = api_client_for("admin").post(PRODUCTS, new_product(category, barcodes=[bad]), format="json")

    assert response.status_code == 400
    [detail] = response.json()["detail"]
    assert (detail["field"], detail["code"]) == ("barcodes[0]", "invalid_check_digit")
    assert not Product.objects.filter(sku="RICE-1").exists()


def test_bad_fields_are_400_each_named(api_client_for, category):
    body = new_product(category, cost="-1", price="abc", case_pack=0, unit="crate")

    response = api_client_for("admin").post(PRODUCTS, body, format="json")

    assert response.status_code == 400
    assert sorted(d["field"] for d in response.json()["detail"]) == ["case_pack", "cost", "price", "unit"]
    assert Product.objects.count() == 0


def test_price_change_through_the_api_is_kept_in_history(api_client_for, product, users):
    client = api_client_for("admin")

    client.patch(f"{PRODUCTS}{product.pk}/", {"price": "2.99"}, format="json")
    response = client.patch(f"{PRODUCTS}{product.pk}/", {"cost": "1.35", "price": "3.10"}, format="json")
    history = client.get(f"{PRODUCTS}{product.pk}/price-history/").json()["results"]

    assert response.status_code == 200
    assert (response.json()["cost"], response.json()["price"]) == ("1.35", "3.10")
    assert [(h["cost"], h["price"], h["changed_by"]) for h in history] == [
        ("1.35", "3.10", "admin"),
        ("1.20", "2.99", "admin"),
    ]


def test_analyst_reads_price_history(api_client_for, product):
    assert api_client_for("analyst").get(f"{PRODUCTS}{product.pk}/price-history/").status_code == 200


def test_unknown_product_is_404(api_client_for, product):
    assert api_client_for("analyst").get(f"{PRODUCTS}{product.pk + 999}/").status_code == 404


def test_search_finds_by_sku_prefix_name_and_barcode(api_client_for, make_product):
    penne = make_product("PASTA-1", name="Penne")
    make_product("RICE-1", name="Basmati")
    client = api_client_for("analyst")

    by_sku = client.get(PRODUCTS, {"search": "pasta"}).json()["results"]
    by_name = client.get(PRODUCTS, {"search": "basm"}).json()["results"]
    by_barcode = client.get(PRODUCTS, {"search": penne.barcodes.get().code}).json()["results"]

    assert [p["sku"] for p in by_sku] == ["PASTA-1"]
    assert [p["sku"] for p in by_name] == ["RICE-1"]
    assert [p["sku"] for p in by_barcode] == ["PASTA-1"]


def test_filters_by_category_subtree_active_and_supplier(api_client_for, make_product, category):
    rice = Category.objects.create(name="Rice", parent=category.parent)
    make_product("PASTA-1")
    make_product("RICE-1", category=rice)
    make_product("OLD-1", is_active=False)
    beta = Supplier.objects.create(code="BETA", name="Beta")
    only_beta = make_product("BETA-1")
    ProductSupplier.objects.filter(product=only_beta).update(supplier=beta)
    client = api_client_for("analyst")

    def skus(**params):
        response = client.get(PRODUCTS, params)
        assert response.status_code == 200
        return [p["sku"] for p in response.json()["results"]]

    assert skus(category=category.parent_id) == ["BETA-1", "OLD-1", "PASTA-1", "RICE-1"]
    assert skus(category=rice.pk) == ["RICE-1"]
    assert skus(active="false") == ["OLD-1"]
    assert skus(supplier="BETA") == ["BETA-1"]
    assert client.get(PRODUCTS, {"category": 99999}).status_code == 400


def test_product_list_query_budget_does_not_grow_with_rows(api_client_for, make_product, django_assert_max_num_queries):
    for n in range(40):
        make_product(f"SKU-{n:03d}")
    client = api_client_for("analyst")

    with django_assert_max_num_queries(9):
        response = client.get(PRODUCTS, {"page_size": 40})

    assert len(response.json()["results"]) == 40
    first = response.json()["results"][0]
    assert first["suppliers"][0]["supplier"] == "ACME" and len(first["barcodes"]) == 1


def test_admin_replaces_barcodes_and_taken_code_is_400(api_client_for, make_product):
    one, two = make_product("A-1"), make_product("B-1")
    client = api_client_for("admin")

    replaced = client.patch(f"{PRODUCTS}{one.pk}/", {"barcodes": [make_ean13(4242)]}, format="json")
    taken = client.patch(f"{PRODUCTS}{one.pk}/", {"barcodes": [two.barcodes.get().code]}, format="json")

    assert replaced.json()["barcodes"] == [make_ean13(4242)]
    assert taken.status_code == 400
    assert taken.json()["detail"][0]["field"] == "barcodes[0]"
    assert list(one.barcodes.values_list("code", flat=True)) == [make_ean13(4242)]


def test_categories_list_as_a_tree_and_admin_adds_one(api_client_for, category):
    client = api_client_for("admin")

    created = client.post(CATEGORIES, {"name": "Rice", "parent": category.parent_id}, format="json")
    listed = api_client_for("clerk").get(CATEGORIES).json()["results"]

    assert created.status_code == 201
    assert [(c["label"], c["depth"]) for c in listed] == [("Grocery", 1), ("Grocery/Pasta", 2), ("Grocery/Rice", 2)]
    assert api_client_for("analyst").post(CATEGORIES, {"name": "X"}, format="json").status_code == 403
    assert not Category.objects.filter(name="X").exists()


def test_suppliers_created_changed_and_codes_unique(api_client_for, supplier):
    client = api_client_for("admin")
    body = {
        "code": "BETA",
        "name": "Beta",
        "lead_time_days": "3.5",
        "lead_time_sd_days": "0.5",
        "min_order_value": "250.00",
        "free_freight_value": "500.00",
        "contact_email": "orders@beta.example",
    }

    created = client.post(SUPPLIERS, body, format="json")
    changed = client.patch(f"{SUPPLIERS}{created.json()['id']}/", {"lead_time_days": "4"}, format="json")
    clash = client.post(SUPPLIERS, {**body, "code": "ACME"}, format="json")

    assert created.status_code == 201
    assert changed.json()["lead_time_days"] == "4.0"
    assert (clash.status_code, clash.json()["detail"][0]["field"]) == (400, "code")
    assert Supplier.objects.filter(code="ACME").get().name == "Acme Foods"
    assert api_client_for("analyst").get(f"{SUPPLIERS}{supplier.pk}/").json()["code"] == "ACME"


def test_supplier_terms_set_through_the_product(api_client_for, product):
    Supplier.objects.create(code="BETA", name="Beta")
    client = api_client_for("admin")

    response = client.post(
        f"{PRODUCTS}{product.pk}/suppliers/",
        {"supplier": "BETA", "cost": "1.05", "case_pack": 12, "supplier_sku": "B-77"},
        format="json",
    )
    listed = client.get(f"{PRODUCTS}{product.pk}/suppliers/").json()

    assert response.status_code == 200
    assert [(t["supplier"], t["is_primary"], t["cost"]) for t in listed] == [
        ("BETA", True, "1.05"),
        ("ACME", False, "1.20"),
    ]
    unknown = client.post(f"{PRODUCTS}{product.pk}/suppliers/", {"supplier": "NOPE", "cost": "1"}, format="json")
    assert (unknown.status_code, unknown.json()["detail"][0]["field"]) == (400, "supplier")
