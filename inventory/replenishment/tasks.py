"""Replenishment tasks: thin wrappers that parse ids and dates, call ``pipeline`` and own
the retry policy. Every task is idempotent per (store, business day)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import DatabaseError, OperationalError

from . import pipeline


@shared_task(
    bind=True,
    name="inventory.replenishment.tasks.run_store_night",
    acks_late=True,
    autoretry_for=(OperationalError, DatabaseError),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=4,
    time_limit=1800,
    soft_time_limit=1700,
)
def run_store_night(self, store_id: int, business_day: str) -> dict:
    """One store's night: demand fold, suggestions, alerts and digest; the region's
    transfers when it is the last store of its region to finish."""
    run = pipeline.run_night(store_id=store_id, day=date.fromisoformat(business_day))
    return run.counts


@shared_task(
    bind=True,
    name="inventory.replenishment.tasks.start_due_nights",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=300,
    soft_time_limit=280,
)
def start_due_nights(self) -> int:
    """Beat, every 15 minutes: fan out the stores whose local close has passed."""
    return pipeline.start_due()
