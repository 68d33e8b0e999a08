"""The outbox: events written with the change, relayed after commit, safe with the broker down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from inventory import outbox
from inventory.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from inventory.tasks import deliver_webhook, relay_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_believed_up(monkeypatch):
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    monkeypatch.setattr(outbox, "_catch_up_at", float("-inf"))


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Deliveries handed to the broker (``deliver_webhook.delay`` recorded, not run)."""
    calls: list[int] = []
    monkeypatch.setattr(deliver_webhook, "delay", lambda delivery_id: calls.append(delivery_id))
    return calls


@pytest.fixture
def endpoint(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", secret="s" * 32, events=[])


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_webhook, "delay", refuse)
    monkeypatch.setattr(relay_outbox, "apply_async", refuse)


def record(store, n: int = 1) -> None:
    for i in range(n):
        outbox.record_event(topic="stock.level_changed", store_id=store.pk, payload={"product_ids": [i]})


def test_event_is_a_row_and_a_relay_is_asked_for_only_after_commit(
    store, django_capture_on_commit_callbacks, monkeypatch
):
    asked = []
    monkeypatch.setattr(relay_outbox, "apply_async", lambda **kw: asked.append(kw))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(store)
        assert asked == []

    assert OutboxEvent.objects.filter(topic="stock.level_changed", dispatched_at__isnull=True).count() == 1
    assert len(callbacks) == 1
    assert asked == [{"retry": False}]


def test_commit_survives_a_broker_that_is_down(store, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(store)

    assert OutboxEvent.objects.get().dispatched_at is None


def test_after_a_refusal_commits_do_not_wait_on_the_broker_again(
    store, django_capture_on_commit_callbacks, monkeypatch
):
    tries = []

    def refuse(**kwargs):
        tries.append(kwargs)
        raise OperationalError("Connection refused")

    monkeypatch.setattr(relay_outbox, "apply_async", refuse)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            record(store)

    assert len(tries) == 1
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 3


def test_relay_hands_pending_events_to_their_endpoints(store, endpoint, sent):
    record(store, 3)

    assert outbox.relay_pending(limit=10) == 3

    assert sorted(sent) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(sent) == 3
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0


def test_relay_with_broker_down_leaves_events_pending_and_a_later_relay_sends_them(
    store, endpoint, broker_down, monkeypatch
):
    record(store, 3)

    assert outbox.relay_pending(limit=10) == 0
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 3
    assert list(OutboxEvent.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 0, 0]

    calls: list[int] = []
    monkeypatch.setattr(deliver_webhook, "delay", lambda delivery_id: calls.append(delivery_id))
    assert relay_outbox.apply().get() == 3  # what beat runs (delay is refused in this test)

    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0
    assert WebhookDelivery.objects.count() == 3
    assert sorted(calls) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))


def test_relay_stops_at_the_first_refused_event_and_keeps_order(store, endpoint, monkeypatch):
    record(store, 3)
    calls: list[int] = []

    def second_refused(delivery_id):
        if len(calls) == 1:
            raise OperationalError("broker went away")
        calls.append(delivery_id)

    monkeypatch.setattr(deliver_webhook, "delay", second_refused)

    assert outbox.relay_pending(limit=10) == 1
    dispatched = [at is not None for at in OutboxEvent.objects.order_by("pk").values_list("dispatched_at", flat=True)]
    assert dispatched == [True, False, False]


def test_relay_without_endpoints_marks_events_dispatched(store, sent):
    record(store, 2)

    assert outbox.relay_pending(limit=10) == 2

    assert sent == []
    assert OutboxEvent.objects.filter(dispatched_at__isnull=False).count() == 2


def test_relay_respects_the_limit_oldest_first(store, endpoint, sent):
    record(store, 5)

    assert outbox.relay_pending(limit=2) == 2

    pending = list(OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    assert pending == list(OutboxEvent.objects.order_by("pk").values_list("pk", flat=True))[2:]


def test_sale_posted_goes_to_the_analytics_consumer(store, monkeypatch, sent):
    from analytics import tasks as analytics_tasks

    payloads = []
    monkeypatch.setattr(analytics_tasks.handle_sale_posted, "delay", lambda payload: payloads.append(payload))
    outbox.record_event(topic="sale.posted", store_id=store.pk, payload={"store_id": store.pk, "business_days": []})

    assert outbox.relay_pending() == 1

    assert payloads == [{"store_id": store.pk, "business_days": []}]


def test_already_dispatched_events_are_not_sent_again(store, endpoint, sent):
    record(store)
    outbox.relay_pending()

    assert outbox.relay_pending() == 0
    assert len(sent) == 1


def test_ingest_writes_only_the_outbox_row_and_webhooks_wait_for_the_relay(
    api_client_for, store, product, endpoint, sent
):
    from django.utils import timezone

    sale = {
        "pos_sale_id": "T1-9",
        "sold_at": timezone.now().isoformat(),
        "lines": [{"sku": product.sku, "quantity": "1", "unit_price": "2.50"}],
    }

    response = api_client_for("pos").post(f"/api/v1/stores/{store.code}/sales/", sale, format="json")

    assert response.status_code == 201
    assert OutboxEvent.objects.filter(topic="sale.posted", dispatched_at__isnull=True).count() == 1
    assert WebhookDelivery.objects.count() == 0
    assert sent == []


def test_relay_is_on_the_beat_schedule():
    from retail.schedule import beat_schedule

    assert beat_schedule()["inventory-relay-outbox"]["task"] == relay_outbox.name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_second_relay_waits_while_one_runs(store, endpoint, sent, monkeypatch):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("the relay's advisory lock is PostgreSQL only; SQLite has one writer anyway")
    monkeypatch.setattr(relay_outbox, "apply_async", lambda **kw: None)  # no after-commit relay here
    record(store, 2)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [outbox.RELAY_LOCK])
        assert outbox.relay_pending() == 0
        assert sent == []
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [outbox.RELAY_LOCK])
        assert outbox.relay_pending() == 2
    finally:
        other.close()
    assert len(sent) == 2


@pytest.fixture
def catch_ups(monkeypatch) -> list[str]:
    from analytics import tasks as analytics_tasks

    calls: list[str] = []
    monkeypatch.setattr(analytics_tasks.refresh_rollups_periodic, "delay", lambda: calls.append("rollups"))
    return calls


def test_events_relayed_on_time_schedule_no_catch_up(store, endpoint, sent, catch_ups):
    record(store, 3)

    assert outbox.relay_pending() == 3
    assert catch_ups == []


def test_events_that_waited_out_an_outage_schedule_one_catch_up_pass(store, endpoint, sent, catch_ups):
    """A broker restarted without persistence drops the consumer tasks it held; the
    relay that finds events older than the stall bound asks for the watermark pass
    that recomputes them, once per batch."""
    record(store, 3)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=outbox.STALLED_AFTER_SECONDS + 5))

    assert outbox.relay_pending() == 3
    assert catch_ups == ["rollups"]
    assert outbox.relay_pending() == 0
    assert catch_ups == ["rollups"]


def test_a_refused_catch_up_leaves_the_events_dispatched(store, endpoint, sent, monkeypatch):
    from analytics import tasks as analytics_tasks

    def refuse():
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(analytics_tasks.refresh_rollups_periodic, "delay", refuse)
    record(store, 2)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert outbox.relay_pending() == 2
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_backlog_relayed_in_several_batches_schedules_one_catch_up(store, endpoint, sent, catch_ups):
    record(store, 5)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert [outbox.relay_pending(limit=2) for _ in range(3)] == [2, 2, 1]
    assert catch_ups == ["rollups"]
