"""Helpers for tests of every app (imported by the root conftest)."""

from __future__ import annotations


def login_verified(client, user) -> None:
    """Sign in as a person who also passed the second factor (admins must have one)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
