"""Two-factor sign-in: required for admins, offered to everyone."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


@pytest.fixture
def admin_session(client, users):
    client.force_login(users["admin"])
    return client


def test_admin_without_device_is_sent_to_setup(admin_session):
    response = admin_session.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/setup/?next=/admin/")


def test_admin_session_api_call_is_refused_until_verified(admin_session, store):
    response = admin_session.get(f"/api/v1/stores/{store.code}/stock/")

    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "two_factor_required"


def test_enrolment_with_a_correct_code_lets_the_admin_in(admin_session, users, store):
    page = admin_session.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=users["admin"])

    confirmed = admin_session.post("/account/2fa/setup/", {"token": code_for(device), "next": "/admin/"})

    assert page.status_code == 200
    assert b"<svg" in page.content
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=users["admin"]).confirmed is True
    assert admin_session.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200


def test_wrong_code_is_an_error_beside_the_field_and_confirms_nothing(admin_session, users):
    admin_session.get("/account/2fa/setup/")

    response = admin_session.post("/account/2fa/setup/", {"token": "000000"})
    malformed = admin_session.post("/account/2fa/setup/", {"token": "12ab"})

    assert response.status_code == 200
    assert b"did not match" in response.content
    assert b"Enter the 6 digits" in malformed.content
    assert TOTPDevice.objects.get(user=users["admin"]).confirmed is False


def test_enrolled_admin_must_verify_each_new_session(client, users, store):
    device = TOTPDevice.objects.create(user=users["admin"], name="authenticator", confirmed=True)
    client.force_login(users["admin"])

    held = client.get("/admin/")
    verified = client.post("/account/2fa/verify/", {"token": code_for(device), "next": "/admin/"})

    assert held["Location"].startswith("/account/2fa/verify/")
    assert verified["Location"] == "/admin/"
    assert client.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200


def test_other_roles_are_offered_but_not_forced(client, users, store):
    client.force_login(users["store_manager"])

    assert client.get(f"/api/v1/stores/{store.code}/stock/").status_code == 200
    assert client.get("/account/2fa/setup/").status_code == 200


def test_next_cannot_redirect_off_site(admin_session, users):
    admin_session.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=users["admin"])
    time.sleep(0)

    response = admin_session.post("/account/2fa/setup/", {"token": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"
