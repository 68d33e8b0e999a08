"""API rates per credential, counted in the shared cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from stores.credentials import issue_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"device": "3/min", "user": "2/min"},
    }
    yield
    cache.clear()


def test_device_over_its_rate_gets_429_and_another_device_does_not(tight_rates, store, api_client_for):
    from rest_framework.test import APIClient

    client = api_client_for("pos")
    statuses = [client.get(f"/api/v1/stores/{store.code}/stock/").status_code for _ in range(4)]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_device(store=store, name='till-2').key}")

    assert statuses == [200, 200, 200, 429]
    assert client.get(f"/api/v1/stores/{store.code}/stock/").json()["error"] == "throttled"
    assert other.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200


def test_people_have_their_own_rate(tight_rates, store, api_client_for):
    client = api_client_for("store_manager")

    statuses = [client.get(f"/api/v1/stores/{store.code}/stock/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
