"""Webhooks: signatures, delivery to a real local HTTP server, retries, timeouts, replay."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from inventory import webhooks
from inventory.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from inventory.tasks import deliver_webhook

pytestmark = pytest.mark.django_db

SECRET = "test-secret-0123456789abcdef"


class Receiver:
    """An HTTP server on 127.0.0.1 answering with the scripted status codes in turn
    (the last one repeats), sleeping ``delay`` seconds first, and keeping what it got."""

    def __init__(self, statuses=(200,), delay: float = 0.0, headers: dict | None = None) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.headers = headers
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                for name, value in (receiver.headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def endpoint_for(url: str, events=("sale.posted",)) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=url, secret=SECRET, events=list(events))


def delivery_for(endpoint: WebhookEndpoint, store=None, topic: str = "sale.posted") -> WebhookDelivery:
    event = OutboxEvent.objects.create(topic=topic, store=store, payload={"sale_ids": [7]})
    return WebhookDelivery.objects.create(endpoint=endpoint, event=event)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"id":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()

    assert webhooks.signature(secret=SECRET, timestamp=1700000000, body=body) == f"t=1700000000,v1={expected}"


def test_verify_rejects_tampered_body_wrong_secret_and_old_timestamp():
    body = b'{"id":1}'
    header = webhooks.signature(secret=SECRET, timestamp=1700000000, body=body)

    assert webhooks.verify(secret=SECRET, header=header, body=body, now=1700000010) is True
    assert webhooks.verify(secret=SECRET, header=header, body=body + b" ", now=1700000010) is False
    assert webhooks.verify(secret="other-secret-000000", header=header, body=body, now=1700000010) is False
    assert webhooks.verify(secret=SECRET, header=header, body=body, now=1700000000 + 3600) is False
    assert webhooks.verify(secret=SECRET, header="garbage", body=body) is False


def test_delivery_reaches_the_endpoint_signed_with_headers(receiver, store):
    delivery = delivery_for(endpoint_for(receiver.url), store)

    assert deliver_webhook.delay(delivery.pk).get() == "delivered"

    [got] = receiver.received
    headers = got["headers"]
    timestamp = headers["X-Retail-Signature"].split(",")[0].removeprefix("t=")
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + got["body"], hashlib.sha256).hexdigest()
    assert headers["X-Retail-Signature"] == f"t={timestamp},v1={mac}"
    assert headers["X-Retail-Event"] == "sale.posted"
    assert headers["X-Retail-Delivery"] == str(delivery.pk)
    assert b'"data":{"sale_ids":[7]}' in got["body"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == ("delivered", 1, 200, "")
    assert delivery.delivered_at is not None


def test_500_then_200_is_retried_and_delivered():
    with Receiver(statuses=(500, 200)) as receiver:
        delivery = delivery_for(endpoint_for(receiver.url))

        status = deliver_webhook.delay(delivery.pk).get()

    delivery.refresh_from_db()
    assert status == "delivered"
    assert len(receiver.received) == 2
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 2, 200)
    assert receiver.received[0]["headers"]["X-Retail-Delivery"] == receiver.received[1]["headers"]["X-Retail-Delivery"]


def test_failed_attempt_is_logged_as_retrying_with_code():
    with Receiver(statuses=(503,)) as receiver:
        delivery = delivery_for(endpoint_for(receiver.url))

        attempt = webhooks.deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (attempt.ok, attempt.status) == (False, "retrying")
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == (
        "retrying",
        1,
        503,
        "HTTP 503",
    )


def test_endpoint_always_failing_gives_up_after_max_attempts(settings):
    with Receiver(statuses=(500,)) as receiver:
        delivery = delivery_for(endpoint_for(receiver.url))

        status = deliver_webhook.delay(delivery.pk).get()

    delivery.refresh_from_db()
    assert status == "failed"
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)


def test_slow_endpoint_is_a_failed_attempt_not_a_hang(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    with Receiver(delay=3) as receiver:
        delivery = delivery_for(endpoint_for(receiver.url))
        started = time.monotonic()

        attempt = webhooks.deliver(delivery_id=delivery.pk, final=True)
        elapsed = time.monotonic() - started

    delivery.refresh_from_db()
    assert elapsed < 2
    assert (attempt.ok, delivery.status, delivery.attempts, delivery.response_status) == (False, "failed", 1, None)
    assert "timed out" in delivery.error


def test_redirect_is_a_failed_attempt_not_followed():
    with Receiver(statuses=(302,), headers={"Location": "/elsewhere"}) as receiver:
        delivery = delivery_for(endpoint_for(receiver.url))

        attempt = webhooks.deliver(delivery_id=delivery.pk, final=True)

    assert (attempt.ok, attempt.response_status, attempt.status) == (False, 302, "failed")
    assert len(receiver.received) == 1


def test_dead_endpoint_is_a_failed_attempt():
    delivery = delivery_for(endpoint_for("http://127.0.0.1:9/hook"))

    attempt = webhooks.deliver(delivery_id=delivery.pk, final=True)

    delivery.refresh_from_db()
    assert (attempt.ok, delivery.status, delivery.attempts) == (False, "failed", 1)
    assert "Connection" in delivery.error or "refused" in delivery.error


def test_delivered_delivery_is_not_sent_twice(receiver):
    delivery = delivery_for(endpoint_for(receiver.url))
    deliver_webhook.delay(delivery.pk)

    again = webhooks.deliver(delivery_id=delivery.pk)

    assert again.skipped is True
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1


def test_fan_out_matches_topics_and_skips_inactive(receiver, store):
    sales = endpoint_for(receiver.url, events=["sale.posted"])
    everything = endpoint_for(receiver.url, events=[])
    endpoint_for(receiver.url, events=["transfer.state_changed"])
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, events=[], is_active=False)
    event = OutboxEvent.objects.create(topic="sale.posted", store=store, payload={})

    waiting = webhooks.fan_out([event])
    again = webhooks.fan_out([event])

    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == sorted([sales.pk, everything.pk])
    assert len(waiting[event.pk]) == 2 and again == waiting


def test_replay_from_the_api_makes_a_new_attempt(api_client_for, receiver):
    delivery = delivery_for(endpoint_for(receiver.url))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8, error="HTTP 500")

    response = api_client_for("admin").post(f"/api/v1/integrations/webhooks/deliveries/{delivery.pk}/replay/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"], response.json()["error"]) == ("delivered", 9, "")
    assert len(receiver.received) == 1


def test_replay_is_refused_to_an_analyst_and_sends_nothing(api_client_for, receiver):
    delivery = delivery_for(endpoint_for(receiver.url))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)

    response = api_client_for("analyst").post(f"/api/v1/integrations/webhooks/deliveries/{delivery.pk}/replay/")

    assert response.status_code == 403
    assert receiver.received == []
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 8


def test_admin_action_replays_selected_deliveries(receiver, users):
    deliveries = [delivery_for(endpoint_for(receiver.url)) for _ in range(2)]
    WebhookDelivery.objects.update(status="failed", attempts=8)
    model_admin = site._registry[WebhookDelivery]
    request = RequestFactory().post("/admin/")
    request.user = users["admin"]
    request._messages = type("M", (), {"add": lambda *a, **k: None})()

    model_admin.replay_selected(request, WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]))

    assert list(WebhookDelivery.objects.order_by("pk").values_list("status", "attempts")) == [("delivered", 9)] * 2
    assert len(receiver.received) == 2


def test_replay_with_broker_down_is_503_and_row_stays_pending(api_client_for, receiver, monkeypatch):
    from kombu.exceptions import OperationalError

    delivery = delivery_for(endpoint_for(receiver.url))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    monkeypatch.setattr(deliver_webhook, "delay", lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))

    response = api_client_for("admin").post(f"/api/v1/integrations/webhooks/deliveries/{delivery.pk}/replay/")

    assert response.status_code == 503
    assert response.json()["detail"][0]["code"] == "broker_unavailable"
    assert receiver.received == []


def test_admin_registers_endpoint_and_gets_the_secret_once(api_client_for):
    client = api_client_for("admin")

    created = client.post(
        "/api/v1/integrations/webhooks/", {"url": "https://example.com/hook", "events": ["sale.posted"]}, format="json"
    )
    listed = client.get("/api/v1/integrations/webhooks/").json()["results"]

    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    assert WebhookEndpoint.objects.get().secret == created.json()["secret"]
    assert "secret" not in listed[0]


def test_endpoint_with_unknown_topic_or_bad_url_is_400(api_client_for):
    client = api_client_for("admin")

    bad_topic = client.post(
        "/api/v1/integrations/webhooks/",
        {"url": "https://example.com/hook", "events": ["sale.exploded"]},
        format="json",
    )
    bad_url = client.post("/api/v1/integrations/webhooks/", {"url": "ftp://example.com/x"}, format="json")

    assert (bad_topic.status_code, bad_topic.json()["detail"][0]["field"]) == (400, "events[0]")
    assert (bad_url.status_code, bad_url.json()["detail"][0]["field"]) == (400, "url")
    assert WebhookEndpoint.objects.count() == 0


def test_deliveries_listed_per_endpoint_with_status_filter(api_client_for, receiver):
    endpoint = endpoint_for(receiver.url)
    done, failed = delivery_for(endpoint), delivery_for(endpoint)
    WebhookDelivery.objects.filter(pk=done.pk).update(status="delivered", attempts=1, response_status=200)
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed", attempts=8, response_status=500)
    client = api_client_for("admin")

    everything = client.get(f"/api/v1/integrations/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    only_failed = client.get(f"/api/v1/integrations/webhooks/{endpoint.pk}/deliveries/", {"status": "failed"})

    assert [d["id"] for d in everything] == [failed.pk, done.pk]
    assert [d["id"] for d in only_failed.json()["results"]] == [failed.pk]
    assert api_client_for("analyst").get(f"/api/v1/integrations/webhooks/{endpoint.pk}/deliveries/").status_code == 403
