"""Analytics tasks: thin wrappers that parse ids and dates and call the domain modules."""

from __future__ import annotations

from datetime import date, timedelta

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reports, rollups, stock_health, warehouse
from .warehouse.loader import LoadFailed

# Storage that cannot be reached (S3 endpoint down, connection reset) is worth another
# try: a report rebuilds its file from scratch and a warehouse day re-runs harmlessly.
STORAGE_ERRORS = (BotoCoreError, S3UploadFailedError, ConnectionError, TimeoutError, OperationalError)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    time_limit=600,
    soft_time_limit=540,
)
def refresh_rollups(self, store_id: int, day_iso: str, product_ids: list[int] | None = None) -> int:
    """Recompute one (store, day) from source; idempotent, so a redelivery is harmless."""
    return rollups.refresh_day(store_id=store_id, day=date.fromisoformat(day_iso), product_ids=product_ids)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    time_limit=600,
    soft_time_limit=540,
)
def handle_sale_posted(self, payload: dict) -> int:
    """For the outbox relay: refresh what a ``sale.posted`` event names."""
    return rollups.handle_sale_posted(payload)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    time_limit=110,
    soft_time_limit=100,
)
def refresh_rollups_periodic(self) -> int:
    """Beat, every 2 minutes: whatever was written since the watermark, then every
    store's stock health (so head-office pages find it fresh)."""
    written = rollups.refresh_since_watermark()
    stock_health.refresh()
    return written


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    time_limit=3000,
    soft_time_limit=2700,
)
def close_rollup_day(self) -> int:
    """Nightly: each store's previous business day in full (the stock-only rows too)."""
    return rollups.close_day()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=STORAGE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=6,
    time_limit=1800,
    soft_time_limit=1700,
)
def build_report(self, report_id: int) -> str:
    return reports.build_report(report_id=report_id).status


@shared_task(bind=True, acks_late=True, time_limit=3000, soft_time_limit=2700)
def send_scheduled_reports(self) -> int:
    return reports.send_scheduled_reports()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    time_limit=600,
    soft_time_limit=540,
)
def expire_reports(self) -> int:
    return reports.expire_reports()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(*STORAGE_ERRORS, LoadFailed),
    retry_backoff=True,
    retry_backoff_max=900,
    max_retries=6,
    time_limit=3300,
    soft_time_limit=2970,
)
def warehouse_export(self, day_iso: str | None = None) -> str:
    """Nightly: yesterday (UTC) into the warehouse. Re-running a day is harmless."""
    day = date.fromisoformat(day_iso) if day_iso else timezone.now().date() - timedelta(days=1)
    return warehouse.run_day(day=day).status
