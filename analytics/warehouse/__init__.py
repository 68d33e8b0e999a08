"""The warehouse pipeline: a day's rollups -> S3 (gzip CSV + manifest) -> Redshift.

:func:`run_day` exports the day's datasets (dimensions and facts), then loads all of them
in one transaction (staging tables, COPY, delete-then-insert). Re-running a day changes
nothing; a failed load leaves the warehouse as it was. ``docs/WAREHOUSE.md`` explains the
layout, the DDL choices and how to point it at a real cluster.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.utils import timezone

from analytics.models import WarehouseLoad, WarehouseLoadStatus

from .export import ExportedDataset, export_day, s3_client
from .loader import LoadFailed, loader_from_settings
from .statements import DATASETS, load_steps

logger = logging.getLogger(__name__)

__all__ = ["LoadFailed", "run_day"]


def run_day(*, day: date, client=None, loader=None, load: bool = True) -> WarehouseLoad:
    """Export ``day`` and (when a loader is configured and ``load``) load it. Records a
    :class:`WarehouseLoad` row either way; re-raises a failed load after recording it."""
    client = client or s3_client()
    bucket = settings.WAREHOUSE_EXPORT_BUCKET
    run = WarehouseLoad.objects.create(day=day, status=WarehouseLoadStatus.EXPORTED)
    try:
        exported: list[ExportedDataset] = export_day(day=day, datasets=DATASETS, client=client, bucket=bucket)
        facts = [e for e in exported if e.dataset.sliced]
        run.rows = sum(e.rows for e in facts)
        run.files = sum(len(e.part_keys) for e in exported)
        run.manifest_key = ",".join(e.manifest_key for e in facts)
        loader = loader if loader is not None else (loader_from_settings(s3_client=client) if load else None)
        if loader is not None:
            manifests = {e.dataset.table: f"s3://{bucket}/{e.manifest_key}" for e in exported}
            steps = load_steps(
                day=day, manifest_url=lambda d: manifests[d.table], iam_role_arn=settings.REDSHIFT_IAM_ROLE_ARN or ""
            )
            loader.load(steps, manifests=manifests)
            run.status = WarehouseLoadStatus.LOADED
    except Exception as exc:
        run.status = WarehouseLoadStatus.FAILED
        run.error = str(exc)[:5000]
        run.finished_at = timezone.now()
        run.save()
        logger.exception("warehouse run failed", extra={"day": day.isoformat()})
        raise
    run.finished_at = timezone.now()
    run.save()
    return run
