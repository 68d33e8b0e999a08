"""Transport and browser security: headers on every kind of response, production-only
settings (HSTS, secure cookies), CSRF on every form, and the admin sign-in lockout.

Covered elsewhere: ``check --deploy`` (retail/tests/test_settings.py), 2FA for admins
(stores/tests/test_twofactor.py), device revocation and rate limits
(stores/tests/test_credentials.py, stores/tests/test_throttling.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from stores.models import LoginFailure

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "s" * 20 + "-production-secret-for-the-settings-test-0123456789",
    "DJANGO_ALLOWED_HOSTS": "retail.example.com",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me/", "/api/v1/schema/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_browser_security_headers(client, path):
    response = client.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me/", "/no-such-page/"])
def test_pages_and_api_have_a_self_only_content_security_policy(client, path):
    csp = client.get(path)["Content-Security-Policy"]

    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_development_does_not_send_hsts():
    assert not getattr(settings, "SECURE_HSTS_SECONDS", 0)


def _production_settings(*names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))"
    )
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "retail.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_turns_on_hsts_secure_cookies_and_https():
    values = _production_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "DEBUG",
    )

    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEBUG"] is False


@pytest.mark.django_db
def test_production_sends_hsts_over_https(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = Client().get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- CSRF -------------------------------------------------------------------------------
def _templates() -> list[Path]:
    dirs = [ROOT / "templates", *(ROOT / app / "templates" for app in ("stores", "inventory", "analytics"))]
    return sorted(p for d in dirs if d.exists() for p in d.rglob("*.html"))


POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for template in _templates():
        for body in POST_FORM.findall(template.read_text()):
            if "{% csrf_token %}" not in body:
                missing.append(str(template.relative_to(ROOT)))

    assert missing == []


@pytest.mark.django_db
def test_sign_in_without_the_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_api_write_without_the_csrf_token_is_refused(users, store):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["store_manager"])

    response = client.post(f"/api/v1/stores/{store.code}/devices/", {"name": "till-9"}, content_type="application/json")

    assert response.status_code == 403
    assert store.devices.count() == 0


# --- brute force ------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_sign_in_locks_out_after_repeated_failures(users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    users["admin"].is_staff = True
    users["admin"].save()
    client = Client()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong-guess"})
        assert response.status_code == 200

    response = client.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})

    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username="admin").count() == 3


@pytest.mark.django_db
def test_admin_sign_in_succeeds_under_the_limit_and_clears_failures(users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    users["admin"].is_staff = True
    users["admin"].save()
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": "wrong-guess"})

    response = client.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})

    assert response.status_code == 302
    assert LoginFailure.objects.filter(username="admin").count() == 0
