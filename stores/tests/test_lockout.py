"""Sign-in lockout after repeated failures, counted in the database."""

from __future__ import annotations

import pytest

from stores import lockout
from stores.models import LoginFailure

pytestmark = pytest.mark.django_db


def test_locks_after_the_limit_for_that_username(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        lockout.record_failure(username="alice", ip="10.0.0.1")
    assert lockout.is_locked(username="alice", ip="10.0.0.9") is False

    lockout.record_failure(username="ALICE", ip="10.0.0.1")

    assert lockout.is_locked(username="alice", ip="10.0.0.9") is True
    assert lockout.is_locked(username="bob", ip="10.0.0.9") is False


def test_one_address_guessing_many_usernames_is_locked(settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for n in range(8):
        lockout.record_failure(username=f"user{n}", ip="10.0.0.5")

    assert lockout.is_locked(username="someone-new", ip="10.0.0.5") is True
    assert lockout.is_locked(username="someone-new", ip="10.0.0.6") is False


def test_failures_expire_after_the_window(settings):
    settings.LOGIN_FAILURE_LIMIT = 1
    lockout.record_failure(username="carol", ip=None)
    LoginFailure.objects.update(at="2000-01-01T00:00:00Z")

    assert lockout.is_locked(username="carol", ip=None) is False


def test_success_clears_the_users_failures(settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    lockout.record_failure(username="dave", ip=None)
    lockout.record_failure(username="dave", ip=None)

    lockout.clear(username="dave")

    assert lockout.is_locked(username="dave", ip=None) is False
