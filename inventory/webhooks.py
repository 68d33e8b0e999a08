"""Outbound webhooks: fan-out of outbox events to the endpoints that asked for them,
signing, sending, and the log of each delivery.

A delivery is one (endpoint, event) row. Each attempt posts the event as JSON with

- ``X-Retail-Event``: the topic,
- ``X-Retail-Delivery``: the delivery id (receivers deduplicate on it: delivery is at
  least once),
- ``X-Retail-Signature``: ``t=<unix ts>,v1=<hex HMAC-SHA256 of "<ts>.<raw body>">`` with
  the endpoint's secret, so a receiver can check origin and reject replays of old bodies;

with a short timeout (``WEBHOOK_TIMEOUT_SECONDS``, 5 s): a slow or dead endpoint costs a
worker a few seconds and never touches ingest, which only wrote the outbox row. The
outcome of the latest attempt (response code or error) is kept on the row; the task
retries with exponential backoff (``2 ** attempt`` seconds) up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from retail.api.errors import DomainError

from .models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint
from .outbox import TOPICS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PENDING, RETRYING, DELIVERED, FAILED = (
    DeliveryStatus.PENDING,
    DeliveryStatus.RETRYING,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
)
USER_AGENT = "retail-webhooks/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would turn the POST into a GET
    without the body and report the GET's 200."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5))


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Retail-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(*, secret: str, header: str, body: bytes, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does (and what our tests use): recompute, compare in constant
    time, refuse a timestamp older than ``tolerance`` seconds."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or int(time.time())) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def wants(endpoint: WebhookEndpoint, topic: str) -> bool:
    return endpoint.is_active and (not endpoint.events or topic in endpoint.events)


def fan_out(events: Sequence[OutboxEvent]) -> dict[int, list[int]]:
    """Create the delivery rows of ``events`` (idempotent: existing pairs are kept) and
    return, per event id, the deliveries never attempted yet, which the relay must send."""
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints or not events:
        return {}
    rows = [
        WebhookDelivery(endpoint=endpoint, event=event)
        for event in events
        for endpoint in endpoints
        if wants(endpoint, event.topic)
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    waiting: dict[int, list[int]] = {}
    for delivery_id, event_id in (
        WebhookDelivery.objects.filter(event__in=[e.pk for e in events], status=PENDING, attempts=0)
        .order_by("pk")
        .values_list("pk", "event_id")
    ):
        waiting.setdefault(event_id, []).append(delivery_id)
    return waiting


def body_for(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    document = {
        "id": event.pk,
        "topic": event.topic,
        "store_id": event.store_id,
        "created_at": event.created_at,
        "delivery_id": delivery.pk,
        "data": event.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    ok: bool
    status: str
    response_status: int | None = None
    error: str = ""
    skipped: bool = False


def deliver(*, delivery_id: int, final: bool = False) -> Attempt:
    """Make one attempt and log it on the delivery. ``final`` says no retry follows, so a
    failure is recorded as ``failed`` rather than ``retrying``. A delivery already
    delivered is not sent again (a redelivered task is harmless)."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    if delivery.status == DELIVERED:
        return Attempt(delivery_id, True, DELIVERED, delivery.response_status, skipped=True)
    body = body_for(delivery)
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - endpoints are http(s) URLs validated on entry
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Retail-Event": delivery.event.topic,
            "X-Retail-Delivery": str(delivery.pk),
            "X-Retail-Signature": signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    response_status: int | None = None
    error = ""
    try:
        with _OPENER.open(request, timeout=timeout_seconds()) as response:
            response_status = response.status
    except urllib.error.HTTPError as exc:
        response_status = exc.code
        error = f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"{type(reason).__name__}: {reason}"[:300]
    ok = response_status is not None and 200 <= response_status < 300
    status = DELIVERED if ok else (FAILED if final else RETRYING)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=F("attempts") + 1,
        response_status=response_status,
        error=error,
        last_attempt_at=now,
        delivered_at=now if ok else None,
    )
    logger.info(
        "webhook attempt",
        extra={"delivery_id": delivery.pk, "status": status, "response_status": response_status, "error": error},
    )
    return Attempt(delivery.pk, ok, status, response_status, error)


def retry_countdown(attempt: int) -> int:
    """Seconds before attempt ``attempt + 1``: 2, 4, 8, ... (capped at an hour)."""
    return min(2 ** max(attempt, 1), 3600)


class BrokerUnavailable(DomainError):
    status = 503
    code = "broker_unavailable"


def replay(*, delivery_ids: Sequence[int]) -> list[int]:
    """Send deliveries again (from the admin or the API): each becomes pending and gets a
    new attempt with a fresh retry budget. The rows are reset and committed before the
    tasks are published, so a worker always sees them; a broker that is down is reported
    (:class:`BrokerUnavailable`) rather than swallowed, since a person is waiting."""
    from .tasks import deliver_webhook

    ids = sorted(set(delivery_ids))
    with transaction.atomic():
        found = list(WebhookDelivery.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=found).update(status=PENDING, error="")
    try:
        for delivery_id in found:
            deliver_webhook.delay(delivery_id)
    except (BrokerError, ConnectionError, OSError) as exc:
        raise BrokerUnavailable("the task queue is unavailable; try again shortly") from exc
    return found


def register_endpoint(
    *, url: str, events: Sequence[str], secret: str | None = None, description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """A new endpoint. Without a ``secret`` one is generated; the caller shows it once."""
    import secrets

    unknown = sorted(set(events) - set(TOPICS))
    if unknown:
        raise DomainError(f"unknown topic(s): {', '.join(unknown)}", field="events", code="invalid_choice")
    return WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        secret=secret or secrets.token_hex(32),
        description=description,
        is_active=is_active,
    )


def update_endpoint(*, endpoint_id: int, changes: dict) -> WebhookEndpoint:
    """Change url, topics, description, active flag or secret of an endpoint."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if "events" in changes:
            unknown = sorted(set(changes["events"]) - set(TOPICS))
            if unknown:
                raise DomainError(f"unknown topic(s): {', '.join(unknown)}", field="events", code="invalid_choice")
            changes = {**changes, "events": sorted(set(changes["events"]))}
        for name in ("url", "events", "secret", "description", "is_active"):
            if name in changes:
                setattr(endpoint, name, changes[name])
        endpoint.save()
    return endpoint
