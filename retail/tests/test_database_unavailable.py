"""A database restarting is a 503 with Retry-After (JSON for the API, a page for people),
never a 500: tills and browsers retry, and the soak's PostgreSQL restart stays honest."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from stores.testing import login_verified

pytestmark = pytest.mark.django_db


def _fail(*args, **kwargs):
    raise OperationalError("terminating connection due to administrator command")


def test_api_answers_503_with_retry_after(api_client_for, store, monkeypatch):
    monkeypatch.setattr("inventory.selectors.stock_lookup", _fail)
    response = api_client_for("pos").get(f"/api/v1/stores/{store.code}/stock/lookup/?code=X")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["detail"][0]["code"] == "unavailable"


def test_pages_answer_503_with_retry_after(users, store, monkeypatch):
    monkeypatch.setattr("inventory.pages.stock.store_summary.summary", _fail)
    client = Client(raise_request_exception=False)
    login_verified(client, users["clerk"])
    response = client.get(f"/s/{store.code}/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()


def test_other_errors_stay_500(users, store, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("inventory.pages.stock.store_summary.summary", boom)
    client = Client(raise_request_exception=False)
    login_verified(client, users["clerk"])
    assert client.get(f"/s/{store.code}/").status_code == 500
