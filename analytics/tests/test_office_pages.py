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
