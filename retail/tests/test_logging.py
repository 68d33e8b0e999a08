"""Structured request logs: one JSON line with request id, user, store, status,
duration; never a password, token or secret."""

from __future__ import annotations

import json
import logging

import pytest

from retail.logging import JsonFormatter

pytestmark = pytest.mark.django_db


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    handler = Capture()
    logger = logging.getLogger("retail.request")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_request_line_carries_context_and_no_secret(request_log, api_client_for, store, device):
    response = api_client_for("pos").get(f"/api/v1/stores/{store.code}/stock/", HTTP_X_REQUEST_ID="req-42")

    entry = json.loads(request_log[-1])
    assert response["X-Request-ID"] == "req-42"
    assert entry["request_id"] == "req-42"
    assert entry["store"] == "S001"
    assert entry["device"] == device.credential.prefix
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert device.key not in request_log[-1]
    secret = device.key.removeprefix(f"rtl_pos_{device.credential.prefix}_")  # base64url: may hold "_" itself
    assert len(secret) >= 32 and secret not in request_log[-1]


def test_login_password_never_reaches_the_log(request_log, client, users):
    client.post("/login/", {"username": "clerk", "password": "clerk-password-1"})

    assert all("clerk-password-1" not in line for line in request_log)


def test_formatter_drops_sensitive_extra_keys():
    record = logging.makeLogRecord({"msg": "x", "password": "hunter2", "token": "abc", "store": "S001"})

    entry = json.loads(JsonFormatter().format(record))
    assert "password" not in entry
    assert "token" not in entry
    assert entry["store"] == "S001"
