"""Head-office pages on the server: scoping by role, the comparison's CSV, a report from
request to download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import ReportRequest, StoreDayRollup

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(store, sibling_store, other_store):
    yesterday = timezone.localdate() - timedelta(days=1)
    for s, revenue in ((store, "100"), (sibling_store, "250"), (other_store, "400")):
        StoreDayRollup.objects.create(store=s, day=yesterday, units=10, revenue=Decimal(revenue), cost=Decimal("60"))


def test_analyst_lands_on_the_dashboard_and_sees_every_region(page_client_for, sales):
    client = page_client_for("analyst")
    assert client.get("/")["Location"] == "/office/"
    body = client.get("/office/").content.decode()
    assert "NORTH" in body and "SOUTH" in body and "750.00" in body


def test_regional_manager_compares_only_their_regions_stores(page_client_for, sales):
    rows = page_client_for("regional_manager").get("/office/stores/").context["rows"]
    assert [r["store"] for r in rows] == ["S003", "S001"]  # default sort: net sales, highest first


def test_comparison_sorts_by_any_column_and_downloads_the_same_rows(page_client_for, sales):
    client = page_client_for("analyst")
    rows = client.get("/office/stores/?sort=store").context["rows"]
    assert [r["store"] for r in rows] == ["S001", "S002", "S003"]
    response = client.get("/office/stores/?sort=store&format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][:3] == ["store", "name", "region"]
    assert [line[0] for line in lines[1:]] == ["S001", "S002", "S003"]
    assert float(lines[1][3]) == 100


def test_a_clerk_has_no_office_pages_and_a_store_manager_sees_only_their_store(page_client_for, sales):
    assert page_client_for("clerk").get("/office/stores/").status_code == 403
    rows = page_client_for("store_manager").get("/office/stores/").context["rows"]
    assert [r["store"] for r in rows] == ["S001"]


def test_a_report_is_requested_built_and_downloaded(page_client_for, sales, django_capture_on_commit_callbacks):
    client = page_client_for("analyst")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/office/reports/",
            {"kind": "sales_by_store", "format": "csv", "date_from": yesterday, "date_to": yesterday},
        )
    assert response.status_code == 302
    report = ReportRequest.objects.get()
    assert report.status == "done"  # eager Celery in tests; a real worker is tested in test_reports
    row = client.get(f"/office/reports/{report.pk}/status/").content.decode()
    assert "hx-trigger" not in row  # finished: polling stops
    url = row.split('href="')[1].split('"')[0].replace("&amp;", "&")
    body = b"".join(client.get(url).streaming_content).decode()
    assert body.splitlines()[0].startswith("store")


def test_report_form_errors_are_beside_the_field(page_client_for):
    response = page_client_for("analyst").post(
        "/office/reports/", {"kind": "sales_by_store", "format": "pdf", "date_from": "2026-01-01", "date_to": "x"}
    )
    assert response.status_code == 400
    assert "a date, YYYY-MM-DD" in response.content.decode()
    assert not ReportRequest.objects.exists()


def test_someone_elses_report_status_is_404(page_client_for, users):
    report = ReportRequest.objects.create(kind="sales_by_store", requested_by=users["admin"], scope={})
    assert page_client_for("analyst").get(f"/office/reports/{report.pk}/status/").status_code == 404


def test_import_dry_run_lists_row_errors_and_writes_nothing_then_a_clean_file_applies(page_client_for, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.models import Product

    client = page_client_for("admin")
    bad = SimpleUploadedFile("p.csv", b"sku,name,category,cost,price\nA1,Apple,Nowhere,1.00,abc\n", "text/csv")
    response = client.post("/office/imports/", {"kind": "products", "file": bad})
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-errors"' in detail and "apply this file" not in detail
    assert not Product.objects.filter(sku="A1").exists()

    good = SimpleUploadedFile("p.csv", f"sku,name,category,cost,price\nA1,Apple,{category.name},1.00,2.00\n".encode())
    dry = client.post("/office/imports/", {"kind": "products", "file": good})
    assert not Product.objects.filter(sku="A1").exists()
    applied = client.post(dry["Location"])
    assert applied.status_code == 302 and Product.objects.filter(sku="A1").exists()


def test_imports_are_for_admins_only(page_client_for):
    assert page_client_for("analyst").get("/office/imports/").status_code == 403


def test_stock_health_counts_what_is_out_now(store, sibling_store, make_product):
    from analytics import kpis
    from inventory.models import StockLevel

    a, b = make_product(), make_product()
    StockLevel.objects.create(store=store, product=a, on_hand=4)
    StockLevel.objects.create(store=store, product=b, on_hand=0)
    StockLevel.objects.create(store=sibling_store, product=a, on_hand=-1)
    health = kpis.stock_health(scope=kpis.Scope(store_ids=(store.pk, sibling_store.pk)), group_by="store")
    assert (health[store.pk]["out"], health[store.pk]["carried"], health[store.pk]["out_of_stock_rate"]) == (1, 2, 0.5)
    assert health[sibling_store.pk]["out_of_stock_rate"] == 1.0


def test_the_dashboard_charts_regions_against_the_prior_period_and_last_year(page_client_for, sales):
    context = page_client_for("analyst").get("/office/").context
    assert [s["label"] for s in context["region_chart"]["series"]] == ["This period", "Prior period", "Last year"]
    assert context["trend_chart"]["labels"] == [(timezone.localdate() - timedelta(days=1)).isoformat()]


def test_the_dashboard_lists_open_alerts_by_store_worst_first(
    page_client_for, store, sibling_store, other_store, make_product
):
    from inventory.models import Alert

    today = timezone.localdate()
    products = [make_product() for _ in range(3)]
    for s, n in ((store, 1), (sibling_store, 3), (other_store, 2)):
        for p in products[:n]:
            Alert.objects.create(store=s, product=p, kind="low", fingerprint=f"low:{p.pk}", on_hand=0,
                                 message="out", first_seen_on=today, last_seen_on=today)  # fmt: skip
    Alert.objects.filter(store=other_store).update(cleared_on=today)
    context = page_client_for("analyst").get("/office/").context
    assert [(a["store__code"], a["n"]) for a in context["alerts"]] == [("S003", 3), ("S001", 1)]
    assert context["stores_with_alerts"] == 2
    regional = page_client_for("regional_manager").get("/office/").context
    assert {a["store__code"] for a in regional["alerts"]} == {"S001", "S003"}


def test_report_scope_offers_only_what_the_person_sees_and_refuses_the_rest(page_client_for, sales):
    client = page_client_for("regional_manager")
    body = client.get("/office/reports/").content.decode()
    assert 'value="s:S001"' in body and 'value="s:S003"' in body and "S002" not in body
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        "/office/reports/",
        {"kind": "sales_by_store", "format": "csv", "date_from": yesterday, "date_to": yesterday, "scope": "s:S002"},
    )
    assert response.status_code == 400 and response.context["form"].errors["scope"]
    assert not ReportRequest.objects.exists()


def test_a_report_scoped_to_one_store_covers_only_that_store(
    page_client_for, sales, django_capture_on_commit_callbacks
):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    form = {"kind": "sales_by_store", "format": "csv", "date_from": yesterday, "date_to": yesterday, "scope": "s:S003"}
    with django_capture_on_commit_callbacks(execute=True):
        page_client_for("analyst").post("/office/reports/", form)
    report = ReportRequest.objects.get()
    assert report.scope["store"] == "S003" and len(report.scope["store_ids"]) == 1 and report.rows == 1


# --- catalogue -------------------------------------------------------------------------


def test_admin_finds_products_by_sku_name_or_barcode(page_client_for, make_product):
    a = make_product("PASTA-500", name="Penne 500 g")
    make_product("RICE-1K", name="Basmati rice 1 kg")
    client = page_client_for("admin")
    for q in ("pasta", "penne", a.barcodes.get().code):
        page = client.get("/office/catalogue/", {"q": q}).context["page"]
        assert [p.sku for p in page] == ["PASTA-500"], q
    assert len(client.get("/office/catalogue/").context["page"]) == 2


def test_a_price_edit_goes_through_the_catalogue_and_keeps_the_history(page_client_for, product, category):
    from inventory.models import PriceChange
    from stores.models import AuditEvent

    client = page_client_for("admin")
    form = client.get(f"/office/catalogue/products/{product.pk}/").context["form"]
    data = {**form.initial, "price": "2.99", "is_active": "on"}
    response = client.post(f"/office/catalogue/products/{product.pk}/", data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("2.99")
    change = PriceChange.objects.get(product=product)
    assert (change.price, change.changed_by.username) == (Decimal("2.99"), "admin")
    assert AuditEvent.objects.filter(action="product.price_change").count() == 1
    assert "2.99" in client.get(response["Location"]).content.decode()


def test_a_bad_barcode_is_shown_beside_its_field_and_nothing_changes(page_client_for, product):
    from inventory.models import PriceChange

    client = page_client_for("admin")
    data = {**client.get(f"/office/catalogue/products/{product.pk}/").context["form"].initial}
    data.update(price="9.99", barcodes="1234567890123", is_active="on")
    response = client.post(f"/office/catalogue/products/{product.pk}/", data)
    assert response.status_code == 400
    assert "check digit should be" in " ".join(response.context["form"].errors["barcodes"])
    assert 'class="field has-error"' in response.content.decode()
    product.refresh_from_db()
    assert product.price == Decimal("2.50") and not PriceChange.objects.exists()


def test_admin_creates_a_product_and_a_taken_sku_is_refused(page_client_for, product, category):
    from inventory.models import Product

    client = page_client_for("admin")
    data = {"sku": "NEW-1", "name": "Fusilli", "category": category.pk, "unit": "each", "case_pack": 6,
            "cost": "0.80", "price": "1.60", "tax_class": "standard", "is_active": "on"}  # fmt: skip
    assert client.post("/office/catalogue/products/new/", data).status_code == 302
    assert Product.objects.get(sku="NEW-1").price_changes.count() == 1
    taken = client.post("/office/catalogue/products/new/", {**data, "sku": product.sku})
    assert taken.status_code == 400 and taken.context["form"].errors["sku"]


def test_admin_edits_a_supplier_and_a_taken_code_stays_beside_the_field(page_client_for, supplier):
    from inventory.models import Supplier

    other = Supplier.objects.create(code="BETA", name="Beta Ltd")
    client = page_client_for("admin")
    data = {"code": "ACME", "name": "Acme Foods plc", "lead_time_days": "4", "lead_time_sd_days": "1",
            "min_order_value": "100", "free_freight_value": "0", "is_active": "on"}  # fmt: skip
    assert client.post(f"/office/catalogue/suppliers/{supplier.pk}/", data).status_code == 302
    supplier.refresh_from_db()
    assert (supplier.name, supplier.lead_time_days) == ("Acme Foods plc", Decimal("4"))
    taken = client.post(f"/office/catalogue/suppliers/{other.pk}/", {**data, "name": "Beta"})
    assert taken.status_code == 400 and taken.context["form"].errors["code"]
    other.refresh_from_db()
    assert other.code == "BETA"
    assert [s.code for s in client.get("/office/catalogue/suppliers/", {"q": "bet"}).context["page"]] == ["BETA"]


@pytest.mark.parametrize("url", ["/office/catalogue/", "/office/catalogue/suppliers/", "/office/imports/"])
def test_the_catalogue_is_for_company_admins_only(page_client_for, users, store, url):
    from stores.models import Membership, Role, Scope

    assert page_client_for("analyst").get(url).status_code == 403
    assert page_client_for("store_manager").get(url).status_code == 403
    Membership.objects.filter(user=users["admin"]).update(scope=Scope.STORE, store=store)  # admin of one store only
    assert page_client_for("admin").get(url).status_code == 403
    assert Membership.objects.filter(user=users["admin"], role=Role.ADMIN).exists()


def test_the_office_menu_offers_the_catalogue_to_admins_only(page_client_for):
    assert 'href="/office/catalogue/"' in page_client_for("admin").get("/office/").content.decode()
    assert 'href="/office/catalogue/"' not in page_client_for("analyst").get("/office/").content.decode()


# --- imports in the background -----------------------------------------------------------


def test_a_running_import_is_polled_until_it_has_finished(page_client_for, users):
    from django.core.files.base import ContentFile

    from inventory.models import ImportJob

    job = ImportJob(kind="suppliers", dry_run=True, total_rows=4000, processed_rows=1000, status="running")
    job.file.save("s.csv", ContentFile(b"code,name\n"), save=False)
    job.save()
    client = page_client_for("admin")
    panel = client.get(f"/office/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in panel and 'hx-trigger="load delay:1s"' in panel and 'value="25"' in panel
    ImportJob.objects.filter(pk=job.pk).update(status="done", processed_rows=4000)
    panel = client.get(f"/office/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in panel and "import this file" in panel


def test_a_large_file_runs_in_the_background_and_its_dry_run_writes_nothing(
    page_client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory import imports
    from inventory.models import ImportJob, Supplier

    monkeypatch.setattr(imports, "INLINE_LIMIT", 2)
    rows = "".join(f"SUP{n},Supplier {n}\n" for n in range(5)) + "SUP9,\n"
    upload = SimpleUploadedFile("s.csv", f"code,name\n{rows}".encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = page_client_for("admin").post("/office/imports/", {"kind": "suppliers", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/office/imports/{job.pk}/"
    assert (job.status, job.processed_rows, [e["row"] for e in job.errors]) == ("done", 6, [7])
    assert not Supplier.objects.exists()


def test_an_import_without_a_file_says_so_beside_the_field(page_client_for):
    from inventory.models import ImportJob

    response = page_client_for("admin").post("/office/imports/", {"kind": "products"})
    assert response.status_code == 400 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


# --- a store manager's POS devices -------------------------------------------------------


def test_a_revoked_device_key_is_refused_by_the_pos_api(page_client_for, store):
    from rest_framework.test import APIClient

    from stores.models import PosDevice

    client = page_client_for("store_manager")
    assert f'href="/s/{store.code}/devices/"' in client.get(f"/s/{store.code}/").content.decode()
    assert f'href="/s/{store.code}/devices/"' not in page_client_for("clerk").get(f"/s/{store.code}/").content.decode()
    created = client.post(f"/s/{store.code}/devices/", {"name": "till-4"})
    key = created.content.decode().split('data-testid="device-key">')[1].split("<")[0]
    pos = APIClient()
    pos.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert pos.get(f"/api/v1/stores/{store.code}/").status_code == 200
    assert 'data-testid="device-key"' not in client.get(f"/s/{store.code}/devices/").content.decode()
    device = PosDevice.objects.get(name="till-4")
    client.post(f"/s/{store.code}/devices/{device.pk}/revoke/")
    assert pos.get(f"/api/v1/stores/{store.code}/").status_code == 401


def test_another_stores_device_cannot_be_revoked(page_client_for, other_store):
    from stores.credentials import issue_device

    issued = issue_device(store=other_store, name="till-1")
    response = page_client_for("store_manager").post(f"/s/{other_store.code}/devices/{issued.credential.pk}/revoke/")
    assert response.status_code == 404
    issued.credential.refresh_from_db()
    assert issued.credential.revoked_at is None


def test_stock_health_is_a_snapshot_refreshed_once_it_is_stale(store, make_product):
    from analytics import kpis, stock_health
    from analytics.models import StoreStockHealth
    from inventory.models import StockLevel

    scope = kpis.Scope(store_ids=(store.pk,))
    level = StockLevel.objects.create(store=store, product=make_product(), on_hand=4)
    assert kpis.stock_health(scope=scope)[store.pk]["out"] == 0
    StockLevel.objects.filter(pk=level.pk).update(on_hand=0)
    assert kpis.stock_health(scope=scope)[store.pk]["out"] == 0  # the snapshot, still fresh
    StoreStockHealth.objects.update(refreshed_at=timezone.now() - stock_health.MAX_AGE - timedelta(seconds=1))
    assert kpis.stock_health(scope=scope)[store.pk]["out"] == 1


def test_the_periodic_rollup_task_refreshes_every_stores_stock_health(store, other_store, make_product):
    from analytics.models import StoreStockHealth
    from analytics.tasks import refresh_rollups_periodic
    from inventory.models import StockLevel

    StockLevel.objects.create(store=store, product=make_product(), on_hand=-2)
    refresh_rollups_periodic.delay()
    rows = {r.store_id: (r.on_hand, r.carried, r.out) for r in StoreStockHealth.objects.all()}
    assert rows == {store.pk: (Decimal("-2"), 1, 1), other_store.pk: (Decimal("0"), 0, 0)}
