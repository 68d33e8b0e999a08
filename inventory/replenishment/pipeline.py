"""The nightly orchestration: which stores are due, one store's night, the region's finish.

- ``start_due`` (beat, every 15 minutes) picks each active store whose local closing time
  has passed and whose run for that business day has not happened (or failed, or went
  stale), records it as queued, and fans the stores out over the workers as a Celery
  ``group`` of ``run_store_night`` tasks.
- ``run_night`` does one store: fold the day into the demand model and replace the
  suggestions (``engine.run_store``), refresh alerts and mail the digest, then record the
  counts on its ``PipelineRun``.
- The last store of a region to finish a day computes the region's transfer suggestions
  (``finish_region``: the region's run rows are locked, so exactly one finisher does it).
  This is a chord without needing a result backend, and it survives a worker restart.

Everything is idempotent per (store, business day), so a re-run or a redelivered task
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inventory.models import PipelineRun, PipelineStatus
from stores.models import Store

from . import alerts, engine, transfers

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=2)
MAX_ATTEMPTS = 5


def closed_business_day(store: Store, now: datetime) -> date:
    """The latest business day of ``store`` that has closed by ``now``."""
    local = timezone.localtime(now, store.tzinfo)
    return local.date() if local.time() >= store.closes_at else local.date() - timedelta(days=1)


def due_stores(*, now: datetime | None = None) -> list[tuple[Store, date]]:
    """(store, business day) pairs whose night has not run: no run row, a failed one with
    attempts left, or a queued/running one older than ``STALE_AFTER``."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(is_active=True).order_by("pk"))
    days = {store.pk: closed_business_day(store, now) for store in stores}
    if not stores:
        return []
    condition = Q()
    for store_id, day in days.items():
        condition |= Q(store_id=store_id, business_day=day)
    runs = {
        (r.store_id, r.business_day): r
        for r in PipelineRun.objects.filter(condition).only(
            "store_id", "business_day", "status", "started_at", "attempts"
        )
    }
    due = []
    for store in stores:
        run = runs.get((store.pk, days[store.pk]))
        if (
            run is None
            or (run.status == PipelineStatus.FAILED and run.attempts < MAX_ATTEMPTS)
            or (run.status == PipelineStatus.RUNNING and run.started_at < now - STALE_AFTER)
        ):
            due.append((store, days[store.pk]))
    return due


def start_due(*, now: datetime | None = None, dispatch: Callable[[list[tuple[int, str]]], None] | None = None) -> int:
    """Queue every due store (marking its run as queued first, so the next beat tick does
    not queue it again) and hand them to ``dispatch`` (a Celery group by default)."""
    now = now or timezone.now()
    due = due_stores(now=now)
    for store, day in due:
        PipelineRun.objects.update_or_create(
            store=store, business_day=day,
            defaults={"status": PipelineStatus.RUNNING, "started_at": now, "finished_at": None, "error": ""},
        )  # fmt: skip
    jobs = [(store.pk, day.isoformat()) for store, day in due]
    if jobs:
        (dispatch or _dispatch_group)(jobs)
    return len(jobs)


def _dispatch_group(jobs: list[tuple[int, str]]) -> None:
    transaction.on_commit(partial(_send_group, jobs))


def _send_group(jobs: list[tuple[int, str]]) -> None:
    from celery import group

    from .tasks import run_store_night

    group(run_store_night.si(store_id, day) for store_id, day in jobs).apply_async()


def run_night(*, store_id: int, day: date, send_digest: bool = True) -> PipelineRun:
    """One store's night, recorded on its ``PipelineRun`` (failures too, then re-raised so
    the task retries). ``send_digest=False`` (the demo seed) leaves new alerts unmailed:
    the next real night mails them."""
    store = Store.objects.select_related("region").get(pk=store_id)
    run, _ = PipelineRun.objects.get_or_create(store=store, business_day=day, defaults={"started_at": timezone.now()})
    PipelineRun.objects.filter(pk=run.pk).update(
        status=PipelineStatus.RUNNING, started_at=timezone.now(), finished_at=None, error="",
        attempts=run.attempts + 1, transfers_done_at=None,
    )  # fmt: skip
    try:
        night = engine.run_store(store=store, day=day)
        counts = night.counts()
        counts.update(alerts.refresh_alerts(store=store, day=day, p=night.plan))
        counts["alerts_mailed"] = alerts.send_digest(store=store, day=day) if send_digest else 0
    except Exception as exc:
        PipelineRun.objects.filter(pk=run.pk).update(
            status=PipelineStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.exception("replenishment night failed", extra={"store": store.code, "business_day": str(day)})
        raise
    PipelineRun.objects.filter(pk=run.pk).update(status=PipelineStatus.DONE, finished_at=timezone.now(), counts=counts)
    finish_region(region_id=store.region_id, day=day)
    run.refresh_from_db()
    return run


@transaction.atomic
def finish_region(*, region_id: int, day: date) -> int | None:
    """When every active store of the region has finished ``day``, compute the region's
    transfer suggestions once. Locks the region's run rows (store order), so of two stores
    finishing together exactly one does it. Returns the number of transfers, or None when
    the region is not finished or was already done."""
    store_ids = list(Store.objects.filter(region_id=region_id, is_active=True).values_list("pk", flat=True))
    runs = list(
        PipelineRun.objects.select_for_update().filter(store_id__in=store_ids, business_day=day).order_by("store_id")
    )
    if len(runs) < len(store_ids) or any(r.status != PipelineStatus.DONE for r in runs):
        return None
    if all(r.transfers_done_at is not None for r in runs):
        return None
    made = transfers.suggest_for_region(region_id=region_id, day=day)
    PipelineRun.objects.filter(pk__in=[r.pk for r in runs]).update(transfers_done_at=timezone.now())
    return made
