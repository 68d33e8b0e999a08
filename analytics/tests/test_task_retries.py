"""Storage that cannot be reached is retried by the tasks, and a retry changes nothing twice."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from botocore.exceptions import EndpointConnectionError

from analytics import reports, tasks
from analytics.models import ReportRequest, ReportStatus

pytestmark = pytest.mark.django_db


def test_a_report_whose_storage_is_unreachable_is_retried_and_done_once(users, store, monkeypatch):
    report = reports.request_report(
        user=users["analyst"], kind="sales_by_store", fmt="csv", date_from=date(2026, 11, 1), date_to=date(2026, 11, 2)
    )
    real = reports.reports_storage()
    calls = []

    class FlakyStorage:
        def __getattr__(self, name):
            return getattr(real, name)

        def save(self, name, content):
            calls.append(name)
            if len(calls) == 1:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
            return real.save(name, content)

    monkeypatch.setattr(reports, "reports_storage", FlakyStorage)

    # Run eagerly, a retry runs again at once (a worker would wait its backoff first).
    tasks.build_report.apply(args=[report.pk], throw=False)

    report.refresh_from_db()
    assert issubclass(EndpointConnectionError, tasks.build_report.autoretry_for)
    assert len(calls) == 2
    assert report.status == ReportStatus.DONE
    assert real.exists(report.file.name)
    assert ReportRequest.objects.count() == 1


def test_a_warehouse_day_that_cannot_reach_s3_is_retried(monkeypatch):
    attempts = []

    def run_day(*, day):
        attempts.append(day)
        if len(attempts) == 1:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
        return SimpleNamespace(status="loaded")

    monkeypatch.setattr(tasks.warehouse, "run_day", run_day)

    tasks.warehouse_export.apply(args=["2026-11-24"], throw=False)

    assert issubclass(EndpointConnectionError, tasks.warehouse_export.autoretry_for)
    assert attempts == [date(2026, 11, 24)] * 2
