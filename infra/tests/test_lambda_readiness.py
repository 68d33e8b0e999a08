"""The readiness Lambda: probe /readyz, publish Ready (1/0) and ReadyLatency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws
from sources import load_source

readiness = load_source("lambda/readiness.py")

NAMESPACE = "retail/test"


class _Handler(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    """A local HTTP server standing in for the site; set ``.status`` to what /readyz answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def cloudwatch(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("METRIC_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("ENVIRONMENT_NAME", "staging")
    with mock_aws():
        yield boto3.client("cloudwatch")


def latest(cloudwatch, name: str) -> float:
    now = datetime.now(UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": "Environment", "Value": "staging"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Minimum"],
    )
    [point] = stats["Datapoints"]
    return point["Minimum"]


def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/readyz"


def test_probe_reports_ready_on_200(site):
    ready, latency_ms = readiness.probe(url(site))

    assert ready is True
    assert latency_ms >= 0


def test_probe_reports_not_ready_on_503_and_on_a_dead_host(site):
    site.status = 503
    assert readiness.probe(url(site))[0] is False
    assert readiness.probe("http://127.0.0.1:9/readyz", timeout=1)[0] is False


def test_handler_publishes_ready_and_latency(site, cloudwatch, monkeypatch):
    monkeypatch.setenv("READYZ_URL", url(site))

    result = readiness.handler({}, None, cloudwatch=cloudwatch)

    assert result["ready"] is True
    assert latest(cloudwatch, "Ready") == 1.0
    assert latest(cloudwatch, "ReadyLatency") == result["latency_ms"]


def test_handler_publishes_zero_when_a_dependency_is_down(site, cloudwatch, monkeypatch):
    site.status = 503
    monkeypatch.setenv("READYZ_URL", url(site))

    assert readiness.handler({}, None, cloudwatch=cloudwatch)["ready"] is False
    assert latest(cloudwatch, "Ready") == 0.0
