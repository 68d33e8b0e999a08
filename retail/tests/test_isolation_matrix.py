"""Every API route x every role x (own store, other store): the access table holds.

Routes are discovered from the URL resolver, so a route added without a declaration
(``store_actions``, ``company_actions`` or ``unscoped``) fails here. Each request runs
in a savepoint that is rolled back, so one role's POST cannot change what the next sees.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from stores.access import PERMISSIONS, POS, Action
from stores.models import Region, Store

from .matrix_world import BUILDERS

ROLES = ["clerk", "store_manager", "regional_manager", "analyst", "admin", "pos"]
DOC_VIEWS = (SpectacularAPIView, SpectacularSwaggerView)
DENIED = {401, 403}


@dataclass(frozen=True)
class Route:
    pattern: str
    view: type
    methods: tuple[str, ...]

    def __str__(self) -> str:
        return self.pattern


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def api_routes() -> list[Route]:
    routes = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        if not pattern.startswith("api/v1/"):
            continue
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None)
        if actions:
            methods = tuple(m.upper() for m in actions)
        else:
            methods = tuple(m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m))
        routes.append(Route(pattern, view, methods))
    return routes


def _kind(view: type) -> str:
    if issubclass(view, DOC_VIEWS):
        return "docs"
    if getattr(view, "store_actions", None):
        return "store"
    if getattr(view, "company_actions", None):
        return "company"
    if getattr(view, "unscoped", False):
        return "unscoped"
    return "undeclared"


ROUTES = api_routes()


def test_every_api_route_declares_its_scope():
    undeclared = [str(r) for r in ROUTES if _kind(r.view) == "undeclared"]

    assert undeclared == []
    assert len(ROUTES) >= 10


@pytest.fixture
def world(store, sibling_store, other_store, other_region, users, device, supplier, product):
    other_sibling = Store.objects.create(code="S004", name="Hove", region=other_region, timezone="Europe/London")
    assert Region.objects.count() == 2
    return {
        "store": store,
        "sibling_store": sibling_store,
        "other_store": other_store,
        "other_sibling": other_sibling,
        "supplier": supplier,
        "product": product,
        "users": users,
    }


def _url(pattern: str, **values) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"{pattern}: the matrix does not know how to fill <{name}>")
        return str(values[name])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, pattern)


def _call(client, method: str, url: str):
    with transaction.atomic():
        response = getattr(client, method.lower())(url, {}, format="json") if method != "GET" else client.get(url)
        transaction.set_rollback(True)
    return response


def _allowed(role: str, action: str, sees_store: bool) -> bool:
    if not sees_store:
        return False
    return (POS if role == "pos" else role) in PERMISSIONS[action]


def _sees(role: str, store_code: str) -> bool:
    return {
        "clerk": {"S001"},
        "store_manager": {"S001"},
        "pos": {"S001"},
        "regional_manager": {"S001", "S003"},
    }.get(role, {"S001", "S002", "S003", "S004"}).__contains__(store_code)


@pytest.mark.parametrize("route", [r for r in ROUTES if _kind(r.view) == "store"], ids=str)
def test_store_route_obeys_access_table(route, world, api_client_for):
    needs_pk = "<int:pk>" in route.pattern or "<pk>" in route.pattern
    matrix_object = getattr(route.view, "matrix_object", None)
    if needs_pk:
        assert matrix_object in BUILDERS, f"{route}: declare matrix_object and a builder in matrix_world.py"
    objects = {
        code: BUILDERS[matrix_object](world[key], world) if needs_pk else None
        for code, key in (("S001", "store"), ("S002", "other_store"))
    }
    failures = []
    for method in route.methods:
        action = route.view.store_actions.get(method) or route.view.store_actions["GET"]
        anonymous = _call(api_client_for("anonymous"), method, _url(route.pattern, store_code="S001", pk=1))
        if anonymous.status_code not in DENIED:
            failures.append(f"{method} anonymous -> {anonymous.status_code}")
        for role in ROLES:
            client = api_client_for(role)
            for code in ("S001", "S002"):
                values = {"store_code": code}
                if needs_pk:
                    values["pk"] = objects[code].pk
                response = _call(client, method, _url(route.pattern, **values))
                status = response.status_code
                if status >= 500:
                    failures.append(f"{method} {role}@{code} -> {status}")
                elif not _sees(role, code):
                    if status != 404:
                        failures.append(f"{method} {role}@{code}: expected 404, got {status}")
                elif _allowed(role, action, True):
                    if status in DENIED or status == 404:
                        failures.append(f"{method} {role}@{code}: expected allowed, got {status}")
                elif status != 403:
                    failures.append(f"{method} {role}@{code}: expected 403, got {status}")
            if needs_pk and _sees(role, "S001") and _allowed(role, action, True):
                crossed = _call(client, method, _url(route.pattern, store_code="S001", pk=objects["S002"].pk))
                if crossed.status_code != 404:
                    failures.append(f"{method} {role}: S001 url with S002 object -> {crossed.status_code}")
    assert failures == []


def _company_allowed(role: str, action: str) -> bool:
    key = POS if role == "pos" else role
    if action in Action.STORE_ACTIONS:
        return key in PERMISSIONS[action]
    return role in ("analyst", "admin") and key in PERMISSIONS[action]


@pytest.mark.parametrize("route", [r for r in ROUTES if _kind(r.view) == "company"], ids=str)
def test_company_route_obeys_access_table(route, world, api_client_for):
    needs_pk = "<int:pk>" in route.pattern or "<pk>" in route.pattern
    matrix_object = getattr(route.view, "matrix_object", None)
    builder = None
    if needs_pk:
        assert matrix_object in BUILDERS, f"{route}: declare matrix_object and a builder in matrix_world.py"
        builder = BUILDERS[matrix_object]
    owned = builder is not None and "owner" in inspect.signature(builder).parameters
    shared_pk = builder(world["store"], world).pk if builder is not None and not owned else None
    failures = []
    for method in route.methods:
        action = route.view.company_actions.get(method) or route.view.company_actions["GET"]
        anonymous = _call(api_client_for("anonymous"), method, _url(route.pattern, pk=shared_pk or 1))
        if anonymous.status_code not in DENIED:
            failures.append(f"{method} anonymous -> {anonymous.status_code}")
        for role in ROLES:
            owner = world["users"].get(role)
            pk = shared_pk
            if owned:
                pk = builder(world["store"], world, owner=owner).pk if owner else 1
            status = _call(api_client_for(role), method, _url(route.pattern, pk=pk)).status_code
            if status >= 500:
                failures.append(f"{method} {role} -> {status}")
            elif _company_allowed(role, action) and (owner is not None or not owned):
                if status in DENIED or status == 404:
                    failures.append(f"{method} {role}: expected allowed, got {status}")
                if owned:
                    someone_else = builder(
                        world["store"], world, owner=world["users"]["analyst" if role != "analyst" else "admin"]
                    ).pk
                    crossed = _call(api_client_for(role), method, _url(route.pattern, pk=someone_else)).status_code
                    if crossed != 404:
                        failures.append(f"{method} {role}: another person's object -> {crossed}")
            elif status not in ((403, 404) if owned else (403,)):
                failures.append(f"{method} {role}: expected 403 (or 404 for an object not theirs), got {status}")
    assert failures == []


@pytest.mark.parametrize("route", [r for r in ROUTES if _kind(r.view) == "docs"], ids=str)
def test_api_description_is_public_and_holds_no_data(route, world, api_client_for):
    response = _call(api_client_for("anonymous"), "GET", _url(route.pattern))

    assert response.status_code == 200
    assert b"S001" not in response.content
    assert b"Leeds" not in response.content


@pytest.mark.parametrize("route", [r for r in ROUTES if _kind(r.view) == "unscoped"], ids=str)
def test_unscoped_route_needs_authentication(route, world, api_client_for):
    assert _call(api_client_for("anonymous"), "GET", _url(route.pattern)).status_code in DENIED
    for role in ROLES:
        assert _call(api_client_for(role), "GET", _url(route.pattern)).status_code == 200, role
