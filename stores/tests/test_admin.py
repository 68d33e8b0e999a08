"""The admin is browsable by an admin and never shows or edits a credential's secret."""

from __future__ import annotations

import pytest

from stores.credentials import verify
from stores.testing import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, users):
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    login_verified(client, users["admin"])
    return client


@pytest.mark.parametrize("model", ["region", "store", "membership", "posdevice", "apitoken", "loginfailure"])
def test_admin_lists_tenancy_models(admin_client_, model, device):
    assert admin_client_.get(f"/admin/stores/{model}/").status_code == 200


def test_admin_revokes_devices_and_never_shows_the_key(admin_client_, device):
    page = admin_client_.get(f"/admin/stores/posdevice/{device.credential.pk}/change/")
    response = admin_client_.post(
        "/admin/stores/posdevice/", {"action": "revoke_selected", "_selected_action": [device.credential.pk]}
    )

    assert device.key.encode() not in page.content
    assert response.status_code == 302
    assert verify(device.key) is None


def test_non_staff_cannot_open_the_admin(client, users):
    client.force_login(users["store_manager"])

    assert client.get("/admin/stores/store/").status_code == 302


def test_revoking_a_device_is_audited_with_who_and_when(admin_client_, device, users):
    from stores.models import AuditEvent

    admin_client_.post(
        "/admin/stores/posdevice/", {"action": "revoke_selected", "_selected_action": [device.credential.pk]}
    )

    event = AuditEvent.objects.get(action="credential.revoke")
    assert event.actor == users["admin"]
    assert event.object_id == str(device.credential.pk)
    assert event.after["revoked_at"] is not None
    assert admin_client_.get("/admin/stores/auditevent/").status_code == 200


def test_granting_a_role_in_the_admin_is_audited(admin_client_, users, store):
    from stores.models import AuditEvent, Membership

    response = admin_client_.post(
        "/admin/stores/membership/add/",
        {"user": users["clerk"].pk, "role": "store_manager", "scope": "store", "store": store.pk},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="membership.grant")
    assert event.after == {
        "user": users["clerk"].pk,
        "role": "store_manager",
        "scope": "store",
        "store": store.pk,
        "region": None,
    }
    assert Membership.objects.filter(user=users["clerk"], role="store_manager").exists()
