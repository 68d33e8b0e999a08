"""Report files (CSV, XLSX): requested through the API, built by Celery, stored through the
storage named "reports" (local disk by default, S3 when configured), downloaded through
short-lived links, expired by a beat task; and scheduled reports mailed as a link.

Contract:

- :func:`request_report` freezes the scope (the store ids the requester may see, narrowed
  by store/region) in the row, so the worker never widens it; the build is enqueued after
  commit (the row exists before any worker looks for it).
- :func:`build_report` is idempotent per row: it rewrites the file and updates ``percent``
  as it goes (outside any transaction, so a poller sees progress).
- Links: on S3 a presigned URL valid for :data:`LINK_SECONDS`; on local disk a URL of
  :func:`analytics.views.download` carrying a ``TimestampSigner`` token checked with the
  same max age. A link outlives neither the token nor the file.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel
from retail.api.errors import DomainError
from stores.access import stores_visible_to
from stores.models import Store

from . import kpis
from .models import ReportFormat, ReportKind, ReportRequest, ReportSchedule, ReportStatus, ScheduleFrequency

logger = logging.getLogger(__name__)

LINK_SECONDS = 300
SIGNING_SALT = "analytics.report-download"
PROGRESS_EVERY = 0.05  # write the percentage at most once per 5 %


def reports_storage() -> Storage:
    return storages["reports"]


def _is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name")


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Callable[[], Iterable[list]]
    total: int


def request_report(
    *,
    user,
    kind: str,
    fmt: str,
    date_from: date,
    date_to: date,
    store_code: str | None = None,
    region_code: str | None = None,
    days: int = 90,
    schedule: ReportSchedule | None = None,
) -> ReportRequest:
    """Record the request with its frozen scope and enqueue the build after commit.
    Raises Http404 for a store/region outside the user's visibility."""
    if kind not in ReportKind.values:
        raise DomainError(f"unknown report kind {kind!r}", field="kind", code="invalid_choice")
    scope = kpis.scoped_stores(user, store_code=store_code, region_code=region_code)
    with transaction.atomic():
        report = ReportRequest.objects.create(
            kind=kind,
            format=fmt,
            requested_by=user,
            schedule=schedule,
            scope={
                "store_ids": list(scope.store_ids),
                "everything": scope.everything,
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "store": store_code,
                "region": region_code,
                "days": days,
            },
        )
        from .tasks import build_report as build_task

        transaction.on_commit(partial(build_task.delay, report.pk))
    return report


def _scope_of(report: ReportRequest) -> tuple[kpis.Scope, kpis.Period]:
    scope = kpis.Scope(store_ids=tuple(report.scope["store_ids"]), everything=report.scope.get("everything", False))
    period = kpis.Period(date.fromisoformat(report.scope["date_from"]), date.fromisoformat(report.scope["date_to"]))
    return scope, period


def _from_dicts(items: list[dict], columns: list[str]) -> Table:
    return Table(header=columns, rows=lambda: ([item.get(c) for c in columns] for item in items), total=len(items))


def report_table(report: ReportRequest) -> Table:
    scope, period = _scope_of(report)
    if report.kind == ReportKind.SALES_BY_STORE:
        items = kpis.sales(scope=scope, period=period, group_by="store")
        columns = ["label", "units", "revenue", "returns_value", "net_sales", "margin", "prior_net_sales",
                   "change_vs_prior_pct", "last_year_net_sales", "change_vs_last_year_pct"]  # fmt: skip
        table = _from_dicts(items, columns)
        return Table(header=["store", *columns[1:]], rows=table.rows, total=table.total)
    if report.kind == ReportKind.ABC:
        items = kpis.abc_classes(scope=scope, period=period, per_store=bool(report.scope.get("store")))
        return _from_dicts(items, ["store", "sku", "revenue", "cumulative_share", "class"])
    if report.kind == ReportKind.DEAD_STOCK:
        items = kpis.dead_stock(scope=scope, today=period.date_to, days=report.scope.get("days", 90), limit=None)
        return _from_dicts(items, ["store", "sku", "on_hand", "value_at_cost", "last_sale_at"])
    if report.kind == ReportKind.STOCK_LEVELS:
        levels = scope.filter(StockLevel.objects.all()).order_by("store__code", "product__sku")
        value = ExpressionWrapper(
            F("on_hand") * F("product__cost"), output_field=DecimalField(max_digits=20, decimal_places=5)
        )
        columns = ["store__code", "product__sku", "product__name", "on_hand", "on_order", "in_transit", "value"]
        return Table(
            header=["store", "sku", "name", "on_hand", "on_order", "in_transit", "value_at_cost"],
            rows=lambda: (list(r) for r in levels.annotate(value=value).values_list(*columns).iterator(2000)),
            total=levels.count(),
        )
    raise DomainError(f"unknown report kind {report.kind!r}", field="kind", code="invalid_choice")


def _progress(report_id: int, rows: Iterable[list], total: int) -> Iterator[list]:
    step = max(1, int(total * PROGRESS_EVERY))
    for index, row in enumerate(rows, start=1):
        if index % step == 0 and total:
            ReportRequest.objects.filter(pk=report_id).update(percent=min(99, int(100 * index / total)))
        yield row


def _write_csv(header: list[str], rows: Iterable[list], target) -> int:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    text.flush()
    text.detach()
    return count


def _write_xlsx(header: list[str], rows: Iterable[list], target) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("report")
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
        count += 1
    workbook.save(target)
    return count


def build_report(*, report_id: int) -> ReportRequest:
    """Build the file of one request (any status but expired) and mark it done."""
    report = ReportRequest.objects.get(pk=report_id)
    if report.status == ReportStatus.EXPIRED:
        return report
    ReportRequest.objects.filter(pk=report_id).update(status=ReportStatus.RUNNING, percent=0, error="")
    try:
        table = report_table(report)
        rows = _progress(report_id, table.rows(), table.total)
        with tempfile.TemporaryFile() as handle:
            writer = _write_xlsx if report.format == ReportFormat.XLSX else _write_csv
            count = writer(table.header, rows, handle)
            handle.seek(0)
            storage = reports_storage()
            stamp = timezone.now()
            name = f"{stamp:%Y/%m}/{report.pk}-{report.kind}-{stamp:%Y%m%d%H%M%S}.{report.format}"
            if report.file.name:
                storage.delete(report.file.name)
            saved = storage.save(name, File(handle, name=name))
    except Exception as exc:
        ReportRequest.objects.filter(pk=report_id).update(status=ReportStatus.FAILED, error=str(exc)[:300])
        logger.exception("report build failed", extra={"report_id": report_id})
        raise
    now = timezone.now()
    ReportRequest.objects.filter(pk=report_id).update(
        status=ReportStatus.DONE, percent=100, rows=count, file=saved, finished_at=now,
        expires_at=now + timedelta(hours=settings.REPORTS_TTL_HOURS),
    )  # fmt: skip
    report.refresh_from_db()
    return report


def make_token(report: ReportRequest) -> str:
    return signing.TimestampSigner(salt=SIGNING_SALT).sign(str(report.pk))


def report_for_token(token: str) -> ReportRequest:
    """The report a download token names; raises ``signing.BadSignature`` (or
    ``SignatureExpired``) for a forged or older-than-:data:`LINK_SECONDS` token, and
    ``ReportRequest.DoesNotExist`` when the file is gone."""
    pk = int(signing.TimestampSigner(salt=SIGNING_SALT).unsign(token, max_age=LINK_SECONDS))
    return ReportRequest.objects.get(pk=pk, status=ReportStatus.DONE)


def download_url(report: ReportRequest, *, base_url: str = "") -> str | None:
    """A link valid for :data:`LINK_SECONDS`, or None while the file is not ready."""
    if report.status != ReportStatus.DONE or not report.file.name:
        return None
    storage = reports_storage()
    if _is_s3(storage):
        return storage.url(report.file.name, expire=LINK_SECONDS)
    return base_url + reverse("analytics:report-download", kwargs={"token": make_token(report)})


def visible_reports(user):
    """A person sees the reports they requested (a schedule's runs belong to its owner)."""
    return ReportRequest.objects.filter(requested_by=user).order_by("-created_at", "-pk")


def expire_reports(*, now: datetime | None = None) -> int:
    """Delete the files past ``expires_at`` and mark their rows expired."""
    now = now or timezone.now()
    storage = reports_storage()
    expired = 0
    for report in ReportRequest.objects.filter(status=ReportStatus.DONE, expires_at__lte=now).order_by("pk"):
        if report.file.name:
            storage.delete(report.file.name)
        ReportRequest.objects.filter(pk=report.pk).update(status=ReportStatus.EXPIRED, file="")
        expired += 1
    return expired


def _due(schedule: ReportSchedule, now: datetime) -> bool:
    if schedule.last_sent_at is None:
        return schedule.frequency == ScheduleFrequency.DAILY or now.weekday() == 0
    if schedule.frequency == ScheduleFrequency.DAILY:
        return schedule.last_sent_at.date() < now.date()
    return now.weekday() == 0 and schedule.last_sent_at.date() < now.date()


def send_scheduled_reports(*, now: datetime | None = None) -> int:
    """Build each due schedule's report (in this task, so the mail goes out when the file
    exists) and mail its recipients a link to the report's page in the API, where a
    logged-in user gets a fresh short-lived download link."""
    now = now or timezone.now()
    sent = 0
    for schedule in ReportSchedule.objects.filter(is_active=True).select_related("owner", "region", "store"):
        if not _due(schedule, now) or not schedule.recipients:
            continue
        date_to = now.date() - timedelta(days=1)
        visible = stores_visible_to(schedule.owner)
        if schedule.store_id and not visible.filter(pk=schedule.store_id).exists():
            logger.warning("schedule outside its owner's stores", extra={"schedule_id": schedule.pk})
            continue
        report = ReportRequest.objects.create(
            kind=schedule.kind,
            format=schedule.format,
            requested_by=schedule.owner,
            schedule=schedule,
            scope=_schedule_scope(schedule, visible, date_to),
        )
        report = build_report(report_id=report.pk)
        link = settings.SITE_URL.rstrip("/") + reverse("analytics-api:report-detail", kwargs={"pk": report.pk})
        send_mail(
            subject=f"{schedule.name}: {date_to.isoformat()}",
            message=(
                f"Your scheduled report “{schedule.name}” ({report.get_kind_display()}, {report.rows} rows) is ready.\n"
                f"Open {link} while signed in to download it; it is kept until {report.expires_at:%Y-%m-%d %H:%M} UTC."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=list(schedule.recipients),
        )
        ReportSchedule.objects.filter(pk=schedule.pk).update(last_sent_at=now)
        sent += 1
    return sent


def _schedule_scope(schedule: ReportSchedule, visible, date_to: date) -> dict:
    stores = visible
    if schedule.region_id:
        stores = stores.filter(region_id=schedule.region_id)
    if schedule.store_id:
        stores = stores.filter(pk=schedule.store_id)
    ids = list(stores.order_by("pk").values_list("pk", flat=True))
    return {
        "store_ids": ids,
        "everything": not schedule.region_id and not schedule.store_id and len(ids) == Store.objects.count(),
        "date_from": (date_to - timedelta(days=schedule.period_days - 1)).isoformat(),
        "date_to": date_to.isoformat(),
        "store": schedule.store.code if schedule.store_id else None,
        "region": schedule.region.code if schedule.region_id else None,
        "days": 90,
    }
