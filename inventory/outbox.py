"""The transactional outbox: events are rows written with the change they report.

Ingest and documents call :func:`record_event` inside their transaction. After commit a
relay attempt is scheduled (one publish to the broker, errors swallowed); the relay
(:func:`relay_pending`, run by the ``relay_outbox`` task and by beat every minute) fans
each event out to the webhook endpoints that want it and to the internal consumers, and
only then marks it dispatched. So nothing a store sends depends on Redis or the broker
being up: with the broker down the events simply wait, and the next relay sends them.

Delivery is at least once: an event whose hand-over failed half-way is handed over
again, and receivers deduplicate on the event id (webhooks also carry the delivery id).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

from .models import OutboxEvent

logger = logging.getLogger(__name__)

TOPICS = (
    "stock.level_changed",
    "sale.posted",
    "transfer.state_changed",
    "purchase_order.state_changed",
    "suggestion.ready",
)
# Tasks inside the platform that consume a topic; each is called with ``.delay(payload)``.
INTERNAL_CONSUMERS: dict[str, tuple[str, ...]] = {
    "sale.posted": ("analytics.tasks.handle_sale_posted",),
}
# Run once after a relay finds events that waited longer than STALLED_AFTER_SECONDS: the
# broker or the workers were down, and a broker that restarts without persistence loses
# the consumer tasks it held (their events already marked dispatched). These passes
# recompute from source whatever was written meanwhile, instead of waiting for beat.
CATCH_UP_TASKS: tuple[str, ...] = ("analytics.tasks.refresh_rollups_periodic",)
STALLED_AFTER_SECONDS = 30.0
BROKER_ERRORS = (BrokerError, ConnectionError, OSError)
RELAY_LOCK = 0x5E1A_0B0C  # pg advisory lock key: one relay at a time
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0  # per process: monotonic time before which no relay is published
_catch_up_at = float("-inf")  # per process: when the last catch-up was published


def record_event(*, topic: str, store_id: int | None, payload: dict) -> None:
    """Write an event in the caller's transaction and, once that commits, ask for a relay.

    The after-commit hook is ``robust``: a broker that is down cannot turn a committed
    sale into an error; the event stays pending and beat relays it later.
    """
    OutboxEvent.objects.create(topic=topic, store_id=store_id, payload=payload)
    transaction.on_commit(partial(request_relay), robust=True)


def request_relay() -> bool:
    """Publish one ``relay_outbox`` task without publish retries (so a dead broker costs
    one connection timeout, not several). False when the broker refused it, or when it
    refused within the last :data:`BROKER_BACKOFF_SECONDS`: while the broker is down the
    requests that follow do not wait on it at all, and beat relays what they wrote."""
    from .tasks import relay_outbox

    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        relay_outbox.apply_async(retry=False)
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("outbox relay not scheduled: broker unavailable", extra={"error": str(exc)})
        return False
    return True


def relay_pending(limit: int = 500) -> int:
    """Hand up to ``limit`` pending events (oldest first) to Celery. Returns how many
    were dispatched.

    Two phases: the webhook deliveries of the batch are written and committed first (so a
    worker never receives the id of a row it cannot see), then each event's tasks are
    published and the event marked dispatched. When the broker refuses a publish the
    relay stops there: that event counts an attempt and, like the rest, stays pending.
    On PostgreSQL an advisory lock keeps concurrent relays from sending an event twice.
    When the oldest event had waited over :data:`STALLED_AFTER_SECONDS`, the
    :data:`CATCH_UP_TASKS` are published once after the batch.
    """
    from . import webhooks

    with _relay_lock() as acquired:
        if not acquired:
            return 0
        events = list(OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("pk")[:limit])
        if not events:
            return 0
        with transaction.atomic():
            deliveries = webhooks.fan_out(events)
        dispatched = 0
        for event in events:
            try:
                for send in _senders(event, deliveries.get(event.pk, [])):
                    send()
            except BROKER_ERRORS as exc:
                OutboxEvent.objects.filter(pk=event.pk).update(attempts=F("attempts") + 1)
                logger.warning(
                    "outbox relay stopped: broker unavailable",
                    extra={"event_id": event.pk, "pending": len(events) - dispatched, "error": str(exc)},
                )
                break
            OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
                dispatched_at=timezone.now(), attempts=F("attempts") + 1
            )
            dispatched += 1
        if dispatched and _stalled(events[0]):
            _request_catch_up()
    return dispatched


def _stalled(oldest: OutboxEvent) -> bool:
    return (timezone.now() - oldest.created_at).total_seconds() > STALLED_AFTER_SECONDS


def _request_catch_up() -> None:
    """Publish the catch-up passes, at most once per stall bound per process: a backlog
    of thousands is relayed in batches, and one pass after it covers them all."""
    global _catch_up_at
    if time.monotonic() - _catch_up_at < STALLED_AFTER_SECONDS:
        return
    _catch_up_at = time.monotonic()
    for dotted in CATCH_UP_TASKS:
        try:
            import_string(dotted).delay()
        except BROKER_ERRORS as exc:  # beat runs the same pass within minutes
            logger.warning("outbox catch-up not scheduled: broker unavailable", extra={"error": str(exc)})
            return
    logger.info("outbox relay was stalled: catch-up passes scheduled", extra={"tasks": list(CATCH_UP_TASKS)})


def _senders(event: OutboxEvent, delivery_ids: list[int]) -> list[Callable[[], object]]:
    from .tasks import deliver_webhook

    sends: list[Callable[[], object]] = [partial(deliver_webhook.delay, delivery_id) for delivery_id in delivery_ids]
    for dotted in INTERNAL_CONSUMERS.get(event.topic, ()):
        sends.append(partial(import_string(dotted).delay, event.payload))
    return sends


@contextmanager
def _relay_lock():
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RELAY_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RELAY_LOCK])
