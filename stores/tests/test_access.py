"""The one access rule: which stores a principal sees, what it may do there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from stores.access import PERMISSIONS, POS, Action, can, stores_visible_to

pytestmark = pytest.mark.django_db


def codes(user) -> list[str]:
    return sorted(stores_visible_to(user).values_list("code", flat=True))


def test_store_scoped_roles_see_one_store(users, store, sibling_store, other_store):
    assert codes(users["clerk"]) == ["S001"]
    assert codes(users["store_manager"]) == ["S001"]


def test_regional_manager_sees_the_region(users, store, sibling_store, other_store):
    assert codes(users["regional_manager"]) == ["S001", "S003"]


def test_analyst_and_admin_see_every_store(users, store, sibling_store, other_store):
    assert codes(users["analyst"]) == ["S001", "S002", "S003"]
    assert codes(users["admin"]) == ["S001", "S002", "S003"]


def test_user_without_membership_sees_nothing(store):
    nobody = get_user_model().objects.create_user("nobody", password="x-password-1")

    assert codes(nobody) == []
    assert not can(nobody, Action.VIEW_STOCK, store)


def test_analyst_is_read_only(users, store):
    assert can(users["analyst"], Action.VIEW_STOCK, store)
    assert can(users["analyst"], Action.VIEW_REPORTS, store)
    writes = [a for a in PERMISSIONS if a not in (Action.VIEW_STOCK, Action.VIEW_REPORTS)]
    assert [a for a in writes if can(users["analyst"], a, store)] == []


def test_access_doc_matches_the_table():
    """docs/ACCESS.md's table is the contract; this keeps it equal to PERMISSIONS."""
    text = (Path(settings.BASE_DIR) / "docs" / "ACCESS.md").read_text()
    columns = ["clerk", "store_manager", "regional_manager", "analyst", "admin", POS]
    documented = {}
    for line in text.splitlines():
        match = re.match(r"^\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if match and match.group(1) in PERMISSIONS:
            cells = [c.strip() for c in match.group(2).split("|")][: len(columns)]
            documented[match.group(1)] = frozenset(r for r, c in zip(columns, cells, strict=True) if c == "yes")

    assert documented == {action: frozenset(str(r) for r in roles) for action, roles in PERMISSIONS.items()}
