"""Inventory tasks: thin wrappers that load ids, call a domain module and own the retry
policy. Each is safe to run twice (the relay marks events once, a delivered webhook is
not sent again, an import job that finished is not run again)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import imports, outbox, webhooks


@shared_task(
    bind=True,
    name="inventory.tasks.relay_outbox",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=120,
    soft_time_limit=100,
)
def relay_outbox(self, limit: int = 500) -> int:
    """After each commit that wrote events, and from beat every minute: hand pending
    outbox events to their consumers."""
    return outbox.relay_pending(limit=limit)


@shared_task(
    bind=True,
    name="inventory.tasks.deliver_webhook",
    acks_late=True,
    max_retries=webhooks.MAX_ATTEMPTS - 1,
    time_limit=60,
    soft_time_limit=45,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt; a failure is retried after ``2 ** attempt`` seconds until
    :data:`~inventory.webhooks.MAX_ATTEMPTS` attempts of this chain were made. Run
    eagerly (no broker configured) there is no worker to come back later, so the
    attempts follow one another at once."""
    retries = self.request.retries
    while True:
        final = retries >= webhooks.MAX_ATTEMPTS - 1
        attempt = webhooks.deliver(delivery_id=delivery_id, final=final)
        if attempt.ok or final:
            return attempt.status
        if not self.request.is_eager:
            raise self.retry(countdown=webhooks.retry_countdown(retries + 1))
        retries += 1


@shared_task(
    bind=True,
    name="inventory.tasks.run_import",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=2,
    time_limit=1800,
    soft_time_limit=1700,
)
def run_import(self, job_id: int) -> str:
    """A large CSV import in the background; the job row shows its progress."""
    return imports.run_job(job_id=job_id).status
