"""POS device and API token credentials: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib

import pytest

from stores.credentials import issue_api_token, issue_device, revoke, verify
from stores.models import PosDevice

pytestmark = pytest.mark.django_db


def test_device_key_is_stored_only_as_a_hash(store):
    issued = issue_device(store=store, name="till-9")

    row = PosDevice.objects.get(pk=issued.credential.pk)
    assert issued.key.startswith(f"rtl_pos_{row.prefix}_")
    assert issued.key not in str(PosDevice.objects.filter(pk=row.pk).values().get())
    assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()


def test_verify_accepts_the_key_and_records_last_use(store):
    issued = issue_device(store=store, name="till-9")

    assert verify(issued.key) == issued.credential
    assert PosDevice.objects.get(pk=issued.credential.pk).last_used_at is not None


@pytest.mark.parametrize("key", ["", "rtl_pos_x", "rtl_pos_abc_def", "nope_pos_a_b", "rtl_zzz_a_b"])
def test_verify_refuses_malformed_keys(store, key):
    assert verify(key) is None


def test_verify_refuses_a_key_with_the_right_prefix_but_wrong_secret(store):
    issued = issue_device(store=store, name="till-9")

    assert verify(issued.key[:-4] + "AAAA") is None


def test_revoked_device_is_refused_by_the_api_at_once(store, api_client_for, device):
    client = api_client_for("pos")
    assert client.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200

    revoke(device.credential)

    response = client.get(f"/api/v1/stores/{store.code}/stock/")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_api_token_acts_with_its_users_grants(store, other_store, users):
    from rest_framework.test import APIClient

    issued = issue_api_token(user=users["store_manager"], name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.key}")

    assert client.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200
    assert client.get(f"/api/v1/stores/{other_store.code}/stock/").status_code == 404


def test_manager_creates_device_and_sees_key_once(store, api_client_for):
    client = api_client_for("store_manager")

    created = client.post(f"/api/v1/stores/{store.code}/devices/", {"name": "till-2"}, format="json")
    listed = client.get(f"/api/v1/stores/{store.code}/devices/").json()

    assert created.status_code == 201
    key = created.json()["key"]
    assert verify(key).name == "till-2"
    assert all("key" not in d for d in listed)
    assert key not in str(listed)


def test_manager_revokes_device(store, api_client_for, device):
    response = api_client_for("store_manager").post(
        f"/api/v1/stores/{store.code}/devices/{device.credential.pk}/revoke/", format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert verify(device.key) is None


def test_clerk_cannot_create_devices(store, api_client_for):
    response = api_client_for("clerk").post(f"/api/v1/stores/{store.code}/devices/", {"name": "x"}, format="json")

    assert response.status_code == 403
    assert PosDevice.objects.filter(name="x").count() == 0


def test_device_name_is_required(store, api_client_for):
    response = api_client_for("store_manager").post(f"/api/v1/stores/{store.code}/devices/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "name"
