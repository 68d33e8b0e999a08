"""Signing in through the form (with its lockout), where each role lands, the store switcher,
and the store-scoped page rule: another store's page is a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from stores.models import LoginFailure

pytestmark = pytest.mark.django_db


def test_sign_in_form_lands_a_store_manager_on_their_store(users, store):
    client = Client()
    response = client.post("/login/", {"username": "store_manager", "password": "store_manager-password-1"})
    assert response.status_code == 302
    assert client.get(response["Location"]).headers["Location"] == f"/s/{store.code}/"


def test_wrong_password_is_shown_beside_the_form_and_counted(users):
    response = Client().post("/login/", {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert LoginFailure.objects.filter(username="clerk").count() == 1


def test_five_failures_lock_the_account_even_with_the_right_password(users, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "clerk", "password": "nope"})
    response = client.post("/login/", {"username": "clerk", "password": "clerk-password-1"})
    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_a_success_clears_the_users_failures(users):
    client = Client()
    client.post("/login/", {"username": "clerk", "password": "nope"})
    client.post("/login/", {"username": "clerk", "password": "clerk-password-1"})
    assert not LoginFailure.objects.filter(username="clerk").exists()


def test_sign_out_needs_a_post(page_client_for):
    client = page_client_for("clerk")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_anonymous_pages_redirect_to_sign_in(db, store):
    response = Client().get(f"/s/{store.code}/stock/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("role", ["clerk", "store_manager", "regional_manager", "analyst", "admin"])
def test_another_regions_store_page_is_404_for_everyone_scoped_elsewhere(page_client_for, other_store, role):
    client = page_client_for(role)
    status = client.get(f"/s/{other_store.code}/").status_code
    assert status == (200 if role in ("analyst", "admin") else 404)


def test_switcher_lists_only_visible_stores(page_client_for, store, sibling_store, other_store):
    body = page_client_for("regional_manager").get("/stores/").content.decode()
    assert store.code in body and sibling_store.code in body
    assert other_store.code not in body


def test_every_page_shows_the_store_being_acted_on(page_client_for, store):
    body = page_client_for("clerk").get(f"/s/{store.code}/stock/").content.decode()
    assert 'data-testid="current-store"' in body and store.code in body


def test_a_manager_creates_a_device_sees_its_key_once_and_revokes_it(page_client_for, store):
    from stores.credentials import verify
    from stores.models import PosDevice

    client = page_client_for("store_manager")
    response = client.post(f"/s/{store.code}/devices/", {"name": "till-9"})
    key = response.content.decode().split('data-testid="device-key">')[1].split("<")[0]
    assert response["Cache-Control"] == "no-store" and verify(key).name == "till-9"
    assert key not in client.get(f"/s/{store.code}/devices/").content.decode()  # shown once
    device = PosDevice.objects.get(name="till-9")
    client.post(f"/s/{store.code}/devices/{device.pk}/revoke/")
    assert verify(key) is None


def test_device_name_is_required_and_clerks_cannot_manage_devices(page_client_for, store):
    response = page_client_for("store_manager").post(f"/s/{store.code}/devices/", {"name": " "})
    assert response.status_code == 400 and "give the till a name" in response.content.decode()
    assert page_client_for("clerk").get(f"/s/{store.code}/devices/").status_code == 403


def test_admin_is_in_the_apps_colours_and_links_back(page_client_for, users):
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    body = page_client_for("admin").get("/admin/").content.decode()
    assert "css/admin.css" in body and "Back to the app" in body
