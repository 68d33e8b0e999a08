from __future__ import annotations

import csv
import io
import os
import time
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from analytics import reports
from analytics.models import ReportRequest, ReportSchedule, ReportStatus
from analytics.tests.factories import receive
from stores.testing import real_worker

REPORTS = "/api/v1/analytics/reports/"


def local_reports(path) -> dict:
    return {
        **django_settings.STORAGES,
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(path), "base_url": "/media/reports/"},
        },
    }


@pytest.fixture(autouse=True)
def reports_on_tmp(tmp_path):
    with override_settings(STORAGES=local_reports(tmp_path / "reports")):
        yield tmp_path / "reports"


@pytest.fixture
def stocked(store, other_store, make_product):
    pasta, sauce = make_product(), make_product()
    receive(store, date(2026, 11, 2), pasta, "12")
    receive(store, date(2026, 11, 2), sauce, "3.5")
    receive(other_store, date(2026, 11, 2), pasta, "99")
    return pasta, sauce


def request_and_build(client, body, capture) -> dict:
    with capture(execute=True):
        response = client.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.content
    return client.get(f"{REPORTS}{response.json()['id']}/").json()


def read_csv(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode())))


def test_stock_levels_report_is_built_and_downloaded_through_a_signed_link(
    api_client_for, stocked, django_capture_on_commit_callbacks
):
    pasta, sauce = stocked
    client = api_client_for("store_manager")

    report = request_and_build(client, {"kind": "stock_levels", "format": "csv"}, django_capture_on_commit_callbacks)

    assert (report["status"], report["percent"], report["rows"]) == ("done", 100, 2)
    download = api_client_for("anonymous").get(report["download_url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    rows = read_csv(b"".join(download.streaming_content))
    assert rows[0] == ["store", "sku", "name", "on_hand", "on_order", "in_transit", "value_at_cost"]
    assert [(r[0], r[1], Decimal(r[3])) for r in rows[1:]] == [
        ("S001", pasta.sku, Decimal("12")),
        ("S001", sauce.sku, Decimal("3.5")),
    ]  # fmt: skip  (S002's 99 is outside the manager's scope)


def test_xlsx_report_opens_in_openpyxl(api_client_for, stocked, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    client = api_client_for("analyst")
    report = request_and_build(client, {"kind": "stock_levels", "format": "xlsx"}, django_capture_on_commit_callbacks)

    download = client.get(report["download_url"].removeprefix("http://testserver"))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = list(sheet.values)
    assert values[0][:2] == ("store", "sku")
    assert sorted((v[0], Decimal(str(v[3]))) for v in values[1:]) == [
        ("S001", Decimal("3.5")), ("S001", Decimal("12")), ("S002", Decimal("99")),
    ]  # fmt: skip


def test_expired_or_forged_link_is_404(api_client_for, stocked, django_capture_on_commit_callbacks, monkeypatch):
    client = api_client_for("analyst")
    report = request_and_build(client, {"kind": "stock_levels"}, django_capture_on_commit_callbacks)
    url = report["download_url"].removeprefix("http://testserver")
    later = time.time() + reports.LINK_SECONDS + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)

    assert client.get(url).status_code == 404
    monkeypatch.undo()
    assert client.get(url.replace(":", ":x", 1)).status_code == 404
    assert client.get(url).status_code == 200


def test_progress_is_written_while_the_report_builds(users, stocked, monkeypatch):
    report = ReportRequest.objects.create(
        kind="stock_levels", requested_by=users["analyst"],
        scope={"store_ids": [], "everything": True, "date_from": "2026-11-01", "date_to": "2026-11-28"},
    )  # fmt: skip
    seen = []
    original = reports._write_csv

    def spy(header, rows, target):
        def watching():
            for row in rows:
                yield row
                seen.append(ReportRequest.objects.get(pk=report.pk).percent)

        return original(header, watching(), target)

    monkeypatch.setattr(reports, "PROGRESS_EVERY", 0.3)
    monkeypatch.setattr(reports, "_write_csv", spy)

    reports.build_report(report_id=report.pk)

    assert seen == [33, 66, 99]
    assert ReportRequest.objects.get(pk=report.pk).percent == 100


def test_expired_reports_lose_their_file(api_client_for, stocked, django_capture_on_commit_callbacks, reports_on_tmp):
    client = api_client_for("analyst")
    report = request_and_build(client, {"kind": "stock_levels"}, django_capture_on_commit_callbacks)
    row = ReportRequest.objects.get(pk=report["id"])
    assert (reports_on_tmp / row.file.name).exists()

    assert reports.expire_reports(now=timezone.now() + timedelta(hours=django_settings.REPORTS_TTL_HOURS + 1)) == 1

    row.refresh_from_db()
    assert (row.status, row.file.name) == (ReportStatus.EXPIRED, "")
    assert not any(p.is_file() for p in reports_on_tmp.rglob("*"))
    assert client.get(f"{REPORTS}{row.pk}/").json()["download_url"] is None


def test_fresh_reports_are_kept(api_client_for, stocked, django_capture_on_commit_callbacks):
    request_and_build(api_client_for("analyst"), {"kind": "stock_levels"}, django_capture_on_commit_callbacks)

    assert reports.expire_reports() == 0
    assert ReportRequest.objects.get().status == ReportStatus.DONE


def test_weekly_schedule_mails_a_link_on_monday_once(users, region, stocked, mailoutbox):
    schedule = ReportSchedule.objects.create(
        name="North weekly", kind="stock_levels", format="xlsx", owner=users["regional_manager"], region=region,
        recipients=["north@example.com"],
    )  # fmt: skip
    monday = timezone.make_aware(timezone.datetime(2026, 11, 23, 6, 0))
    tuesday = monday + timedelta(days=1)

    assert reports.send_scheduled_reports(now=tuesday) == 0
    assert reports.send_scheduled_reports(now=monday) == 1
    assert reports.send_scheduled_reports(now=monday + timedelta(hours=1)) == 0

    [mail] = mailoutbox
    run = schedule.runs.get()
    assert mail.to == ["north@example.com"]
    assert f"/api/v1/analytics/reports/{run.pk}/" in mail.body
    assert (run.status, run.rows, run.scope["region"]) == (ReportStatus.DONE, 2, "NORTH")


def test_report_on_s3_is_downloaded_through_a_presigned_url(
    api_client_for, stocked, s3_bucket, django_capture_on_commit_callbacks
):
    _, bucket = s3_bucket
    s3 = {
        **django_settings.STORAGES,
        "reports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket, "endpoint_url": django_settings.AWS_S3_ENDPOINT_URL, "region_name": "us-east-1",
                "location": "reports", "querystring_auth": True, "querystring_expire": 300, "default_acl": None,
            },
        },
    }  # fmt: skip
    with override_settings(STORAGES=s3):
        report = request_and_build(
            api_client_for("analyst"), {"kind": "stock_levels"}, django_capture_on_commit_callbacks
        )

        url = report["download_url"]
        assert url.startswith(f"{django_settings.AWS_S3_ENDPOINT_URL}/{bucket}/reports/")
        query = parse_qs(urlparse(url).query)
        if "X-Amz-Expires" in query:  # signature v4
            assert query["X-Amz-Expires"] == ["300"]
        else:  # signature v2: an absolute expiry time
            assert 290 <= int(query["Expires"][0]) - time.time() <= 301
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local moto server
            rows = read_csv(response.read())
    assert len(rows) == 4 and rows[0][0] == "store"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_builds_a_requested_report(api_client_for, stocked, reports_on_tmp, tmp_path):
    redis_db = int(os.environ.get("ANALYTICS_TEST_REDIS_DB", "6"))
    with real_worker(tmp_path, redis_db=redis_db, env={"MEDIA_ROOT": str(tmp_path)}) as log:
        with override_settings(STORAGES=local_reports(tmp_path / "reports")):
            client = api_client_for("store_manager")
            created = client.post(REPORTS, {"kind": "stock_levels", "format": "csv"}, format="json")
            assert created.status_code == 201
            assert created.json()["status"] == "pending"
            deadline = time.monotonic() + 90
            report = created.json()
            while report["status"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                report = client.get(f"{REPORTS}{created.json()['id']}/").json()
            assert report["status"] == "done", log.read_text()[-3000:]
            download = api_client_for("anonymous").get(report["download_url"].removeprefix("http://testserver"))
            rows = read_csv(b"".join(download.streaming_content))
        assert [(r[0], Decimal(r[3])) for r in rows[1:]] == [("S001", Decimal("12")), ("S001", Decimal("3.5"))]
