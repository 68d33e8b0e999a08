"""CSV imports: every row error reported by a dry run, all-or-nothing real runs, products,
suppliers and opening stock, and a 5,000-row file in the background with progress."""

from __future__ import annotations

import os
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory import imports
from inventory.barcodes import make_ean13
from inventory.ledger import find_mismatches
from inventory.models import (
    Barcode,
    Category,
    ImportJob,
    OutboxEvent,
    PriceChange,
    Product,
    ProductSupplier,
    StockLevel,
    StockMovement,
    Supplier,
)
from stores.testing import real_worker

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/catalogue/imports/"
PRODUCT_HEADER = (
    "sku,name,category,unit,case_pack,cost,price,tax_class,barcodes,supplier_code,supplier_sku,supplier_cost"
)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def upload(text: str, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def run(kind: str, text: str, *, dry_run: bool, user=None) -> ImportJob:
    return imports.create_job(kind=kind, upload=upload(text), dry_run=dry_run, user=user)


def products_csv(rows: list[str]) -> str:
    return "\n".join([PRODUCT_HEADER, *rows]) + "\n"


def test_dry_run_reports_every_row_error_and_writes_nothing(supplier, product):
    taken = product.barcodes.get().code
    bad_check = make_ean13(11)[:-1] + str((int(make_ean13(11)[-1]) + 1) % 10)
    text = products_csv(
        [
            f"NEW-1,Good row,Grocery/Rice,each,6,1.00,2.00,standard,{make_ean13(10)},ACME,A-1,0.95",
            f"NEW-2,,Grocery/Rice,crate,0,abc,2.001,luxury,{bad_check},NOPE,,",
            f"NEW-1,Twice,Grocery//Rice,each,1,-1,2,standard,{taken},,,",
        ]
    )

    job = run("products", text, dry_run=True)

    assert job.status == "done"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (3, "name", "required"),
        (3, "unit", "invalid_choice"),
        (3, "case_pack", "invalid"),
        (3, "cost", "invalid"),
        (3, "price", "max_decimal_places"),
        (3, "tax_class", "invalid_choice"),
        (3, "barcodes[0]", "invalid_check_digit"),
        (3, "supplier_code", "not_found"),
        (4, "sku", "duplicate"),
        (4, "category", "invalid"),
        (4, "cost", "min_value"),
        (4, "barcodes[0]", "taken"),
    ]
    assert job.summary == {"rows": 3, "errors": 12, "dry_run": True, "written": False}
    assert Product.objects.count() == 1
    assert Category.objects.count() == 2
    assert Barcode.objects.count() == 1


def test_real_run_with_one_bad_row_writes_nothing(supplier):
    text = products_csv(
        [
            f"NEW-1,Good,Grocery/Rice,each,6,1.00,2.00,standard,{make_ean13(10)},ACME,A-1,0.95",
            "NEW-2,Bad price,Grocery/Rice,each,6,1.00,x,standard,,,,",
        ]
    )

    job = run("products", text, dry_run=False)

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "price")]
    assert Product.objects.count() == 0
    assert Category.objects.count() == 0
    assert PriceChange.objects.count() == 0


def test_valid_dry_run_says_what_it_would_do_and_writes_nothing(product):
    text = products_csv(
        ["PASTA-500,Penne,Grocery/Pasta,each,6,1.20,2.60,standard,,,,", "NEW-1,Rice,Grocery/Rice,each,1,1,2,,,,,"]
    )

    job = run("products", text, dry_run=True)

    assert (job.status, job.errors) == ("done", [])
    assert job.summary == {
        "rows": 2,
        "errors": 0,
        "dry_run": True,
        "written": False,
        "would_create": 1,
        "would_update": 1,
    }
    assert Product.objects.get(sku="PASTA-500").price == Decimal("2.50")
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_products_import_creates_updates_and_keeps_price_history(users, supplier, product):
    text = products_csv(
        [
            f"NEW-1,Basmati 1 kg,Grocery/Rice,kg,10,1.10,2.20,reduced,{make_ean13(10)}|{make_ean13(11)},ACME,AC-9,1.05",
            "PASTA-500,Penne 500 g,Grocery/Pasta,each,6,1.20,2.65,standard,,,,",
        ]
    )

    job = run("products", text, dry_run=False, user=users["admin"])

    assert (job.status, job.errors) == ("done", [])
    assert job.summary["created"] == 1 and job.summary["updated"] == 1
    rice = Product.objects.select_related("category").get(sku="NEW-1")
    assert (rice.unit, rice.case_pack, rice.cost, rice.price, rice.tax_class, rice.category.name) == (
        "kg",
        10,
        Decimal("1.10"),
        Decimal("2.20"),
        "reduced",
        "Rice",
    )
    assert sorted(rice.barcodes.values_list("code", flat=True)) == [make_ean13(10), make_ean13(11)]
    terms = ProductSupplier.objects.get(product=rice)
    assert (terms.supplier_id, terms.supplier_sku, terms.cost, terms.is_primary) == (
        supplier.pk,
        "AC-9",
        Decimal("1.05"),
        True,
    )
    assert list(PriceChange.objects.filter(product=product).values_list("cost", "price", "changed_by")) == [
        (Decimal("1.20"), Decimal("2.65"), users["admin"].pk)
    ]
    assert PriceChange.objects.filter(product=rice).count() == 1


def test_suppliers_import_upserts_by_code(supplier):
    text = (
        "code,name,lead_time_days,lead_time_sd_days,min_order_value,free_freight_value,contact_email\n"
        "ACME,Acme Foods Ltd,6,1.5,150,400,orders@acme.example\n"
        "BETA,Beta Wholesale,3,,,,\n"
    )

    job = run("suppliers", text, dry_run=False)

    assert (job.status, job.summary["created"], job.summary["updated"]) == ("done", 1, 1)
    acme = Supplier.objects.get(code="ACME")
    assert (acme.name, acme.lead_time_days, acme.min_order_value, acme.contact_email) == (
        "Acme Foods Ltd",
        Decimal("6"),
        Decimal("150"),
        "orders@acme.example",
    )
    assert Supplier.objects.get(code="BETA").lead_time_sd_days == Decimal("1")  # blank keeps the default


def test_suppliers_import_reports_bad_email_and_numbers():
    text = (
        "code,name,lead_time_days,lead_time_sd_days,min_order_value,free_freight_value,contact_email\n"
        "BETA,Beta,x,1,-5,0,not-an-email\n"
    )

    job = run("suppliers", text, dry_run=True)

    assert [(e["row"], e["column"]) for e in job.errors] == [
        (2, "lead_time_days"),
        (2, "min_order_value"),
        (2, "contact_email"),
    ]
    assert not Supplier.objects.filter(code="BETA").exists()


def test_opening_stock_posts_opening_movements_through_the_ledger(users, store, sibling_store, make_product):
    penne, rice = make_product("PENNE"), make_product("RICE")
    text = "store,sku,quantity,unit_cost\nS001,PENNE,12,1.15\nS001,RICE,4.5,\nS003,PENNE,3,\n"

    job = run("opening_stock", text, dry_run=False, user=users["admin"])

    assert (job.status, job.errors, job.summary["posted"]) == ("done", [], 3)
    movements = StockMovement.objects.order_by("store_id", "product_id")
    assert [
        (m.store_id, m.product_id, m.quantity, m.kind, m.document_type, m.document_id, m.unit_cost) for m in movements
    ] == [
        (store.pk, penne.pk, Decimal("12"), "opening", "import", job.pk, Decimal("1.15")),
        (store.pk, rice.pk, Decimal("4.5"), "opening", "import", job.pk, rice.cost),
        (sibling_store.pk, penne.pk, Decimal("3"), "opening", "import", job.pk, penne.cost),
    ]
    assert StockLevel.objects.get(store=store, product=penne).on_hand == Decimal("12")
    assert find_mismatches() == []
    assert sorted(OutboxEvent.objects.filter(topic="stock.level_changed").values_list("store_id", flat=True)) == [
        store.pk,
        sibling_store.pk,
    ]


def test_opening_stock_refuses_unknowns_repeats_and_products_with_history(store, make_product):
    penne = make_product("PENNE")
    rice = make_product("RICE")
    from inventory.ledger import MovementLine, post_movements

    post_movements(
        store=store, lines=[MovementLine(rice.pk, Decimal("1"), "adjustment")], document_type="test", document_id=1
    )
    text = (
        "store,sku,quantity,unit_cost\nS999,PENNE,1,\nS001,NOPE,1,\nS001,PENNE,1.0001,\n"
        "S001,PENNE,2,\nS001,PENNE,3,\nS001,RICE,5,\n"
    )

    job = run("opening_stock", text, dry_run=False)

    assert job.status == "failed"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (2, "store", "not_found"),
        (3, "sku", "not_found"),
        (4, "quantity", "max_decimal_places"),
        (5, "sku", "duplicate"),
        (6, "sku", "duplicate"),
        (7, "sku", "has_history"),
    ]
    assert StockMovement.objects.filter(document_type="import").count() == 0
    assert not StockLevel.objects.filter(product=penne).exists()


def test_wrong_header_is_400_and_stores_no_job(api_client_for):
    response = api_client_for("admin").post(
        IMPORTS, {"kind": "products", "file": upload("sku,title\nA,B\n"), "dry_run": "true"}, format="multipart"
    )

    assert response.status_code == 400
    [detail] = response.json()["detail"]
    assert (detail["field"], detail["code"]) == ("file", "bad_header")
    assert "missing column(s): name, category, cost, price" in detail["message"]
    assert ImportJob.objects.count() == 0


def test_bad_kind_missing_file_and_non_utf8_are_400(api_client_for):
    client = api_client_for("admin")

    bad_kind = client.post(IMPORTS, {"kind": "prices", "file": upload("a\n")}, format="multipart")
    no_file = client.post(IMPORTS, {"kind": "products"}, format="multipart")
    latin = client.post(
        IMPORTS,
        {"kind": "products", "file": SimpleUploadedFile("x.csv", "sku,n\u00e9\n".encode("latin-1"))},
        format="multipart",
    )

    assert [(r.status_code, r.json()["detail"][0]["field"]) for r in (bad_kind, no_file, latin)] == [
        (400, "kind"),
        (400, "file"),
        (400, "file"),
    ]
    assert ImportJob.objects.count() == 0


def test_import_through_the_api_runs_small_files_inline(api_client_for, users):
    text = products_csv(["NEW-1,Rice,Grocery/Rice,each,1,1.00,2.00,standard,,,,"])
    client = api_client_for("admin")

    response = client.post(IMPORTS, {"kind": "products", "file": upload(text), "dry_run": "false"}, format="multipart")
    polled = client.get(f"{IMPORTS}{response.json()['id']}/").json()

    assert response.status_code == 201
    assert (polled["status"], polled["percent"], polled["processed_rows"], polled["errors"]) == ("done", 100, 1, [])
    assert polled["created_by"] == "admin"
    assert Product.objects.filter(sku="NEW-1").exists()


def test_only_admin_may_import(api_client_for):
    text = products_csv(["NEW-1,Rice,Grocery/Rice,each,1,1.00,2.00,standard,,,,"])

    response = api_client_for("analyst").post(
        IMPORTS, {"kind": "products", "file": upload(text), "dry_run": "false"}, format="multipart"
    )

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    assert not Product.objects.filter(sku="NEW-1").exists()


def big_products_csv(n: int) -> str:
    return products_csv(
        [
            f"BIG-{i:05d},Product {i},Dept {i % 7}/Aisle {i % 13},each,{1 + i % 12},1.{i % 100:02d},"
            f"2.{i % 100:02d},standard,{make_ean13(100000 + i)},ACME,AC-{i},1.00"
            for i in range(n)
        ]
    )


@pytest.mark.slow
def test_5000_products_import_in_the_background_with_progress(
    api_client_for, supplier, django_capture_on_commit_callbacks, monkeypatch
):
    seen: list[int] = []
    real_check = imports.VALIDATORS["products"]

    def watching(rows, progress):
        def spy(done: int) -> None:
            progress(done)
            seen.append(ImportJob.objects.get().processed_rows)

        return real_check(rows, spy)

    monkeypatch.setitem(imports.VALIDATORS, "products", watching)
    client = api_client_for("admin")
    text = big_products_csv(5000)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            IMPORTS, {"kind": "products", "file": upload(text), "dry_run": "false"}, format="multipart"
        )
    pending = client.get(f"{IMPORTS}{response.json()['id']}/").json()
    started = time.monotonic()
    for callback in queued:  # the commit hands the job to Celery (eager here: runs now)
        callback()
    elapsed = time.monotonic() - started
    done = client.get(f"{IMPORTS}{response.json()['id']}/").json()

    assert response.status_code == 202
    assert (pending["status"], pending["total_rows"], pending["percent"]) == ("pending", 5000, 0)
    assert seen == list(range(imports.PROGRESS_EVERY, 5001, imports.PROGRESS_EVERY))
    assert (done["status"], done["percent"], done["errors"]) == ("done", 100, [])
    assert done["summary"]["created"] == 5000
    assert Product.objects.filter(sku__startswith="BIG-").count() == 5000
    assert Barcode.objects.filter(product__sku__startswith="BIG-").count() == 5000
    assert ProductSupplier.objects.filter(product__sku__startswith="BIG-", is_primary=True).count() == 5000
    print(f"\n5,000-product import (validate + write, {ImportJob.objects.get().kind}): {elapsed:.2f} s")


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_5000_products_import_on_a_real_worker_shows_progress(api_client_for, supplier, tmp_path):
    redis_db = int(os.environ.get("IMPORTS_TEST_REDIS_DB", "5"))
    with real_worker(tmp_path, redis_db=redis_db, env={"MEDIA_ROOT": str(tmp_path)}) as log:
        client = api_client_for("admin")
        started = time.monotonic()
        response = client.post(
            IMPORTS,
            {"kind": "products", "file": upload(big_products_csv(5000)), "dry_run": "false"},
            format="multipart",
        )
        assert response.status_code == 202
        job_url = f"{IMPORTS}{response.json()['id']}/"
        percents = []
        job = response.json()
        deadline = time.monotonic() + 120
        while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.02)
            job = client.get(job_url).json()
            percents.append(job["percent"])
        elapsed = time.monotonic() - started
        assert job["status"] == "done", log.read_text()[-3000:]

    assert (job["percent"], job["errors"], job["summary"]["created"]) == (100, [], 5000)
    assert percents == sorted(percents)
    assert any(0 < p < 100 for p in percents), percents
    assert Product.objects.filter(sku__startswith="BIG-").count() == 5000
    finished = ImportJob.objects.get(pk=job["id"])
    print(
        f"\n5,000-product import on a real worker: upload to done {elapsed:.2f} s (incl. worker start), job created "
        f"to finished {(finished.finished_at - finished.created_at).total_seconds():.2f} s; "
        f"percents seen: {sorted(set(percents))}"
    )


def test_stock_moved_between_validation_and_write_fails_the_job_and_writes_nothing(store, make_product, monkeypatch):
    penne = make_product("PENNE")
    real_check = imports.VALIDATORS["opening_stock"]

    def check_then_sell(rows, progress):
        checked = real_check(rows, progress)
        from inventory.ledger import MovementLine, post_movements

        post_movements(
            store=store, lines=[MovementLine(penne.pk, Decimal("-1"), "sale")], document_type="sale", document_id=1
        )
        return checked

    monkeypatch.setitem(imports.VALIDATORS, "opening_stock", check_then_sell)

    job = run("opening_stock", "store,sku,quantity,unit_cost\nS001,PENNE,12,\n", dry_run=False)

    assert job.status == "failed"
    assert job.errors[0]["code"] == "conflict" and "PENNE" in job.errors[0]["message"]
    assert list(StockMovement.objects.values_list("kind", flat=True)) == ["sale"]
    assert StockLevel.objects.get(store=store, product=penne).on_hand == Decimal("-1")
