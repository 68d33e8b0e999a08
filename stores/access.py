"""Who may see which store and do what there: the one rule, enforced everywhere.

``docs/ACCESS.md`` is this table in prose; ``stores/tests/test_access_table.py`` checks
that the two agree. Views never re-implement any of it: they call :func:`resolve_store`
(people, URL-scoped), :func:`require_company` (head-office pages) and the querysets'
``visible_to``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Membership, Role, Scope, Store

if TYPE_CHECKING:
    from .models import PosDevice


class Action:
    """Every action a principal can take. Stable strings: they appear in docs and tests."""

    VIEW_STOCK = "view_stock"  # stock levels, products, movements, documents of a store
    POST_SALE = "post_sale"  # sales and returns
    RECEIVE = "receive"  # receive purchase orders and incoming transfers
    RECORD_COUNT = "record_count"  # scan counted quantities into an open count
    MANAGE_COUNT = "manage_count"  # open, post or cancel a stock count
    ADJUST_STOCK = "adjust_stock"  # adjustments with a reason (damage, theft, ...)
    TRANSFER = "transfer"  # request, ship and cancel transfers between stores
    ORDER = "order"  # purchase orders, approve/reject reorder suggestions, reorder settings
    MANAGE_DEVICES = "manage_devices"  # create and revoke a store's POS device credentials
    VIEW_REPORTS = "view_reports"  # KPIs, dashboards, report files
    MANAGE_CATALOGUE = "manage_catalogue"  # products, prices, categories, suppliers, imports, quarantine
    MANAGE_USERS = "manage_users"  # people, memberships, roles
    MANAGE_INTEGRATIONS = "manage_integrations"  # webhooks, company-wide replenishment settings
    VIEW_AUDIT = "view_audit"  # the audit log, pipeline runs

    STORE_ACTIONS = (
        VIEW_STOCK, POST_SALE, RECEIVE, RECORD_COUNT, MANAGE_COUNT, ADJUST_STOCK,
        TRANSFER, ORDER, MANAGE_DEVICES, VIEW_REPORTS,
    )  # fmt: skip
    COMPANY_ACTIONS = (MANAGE_CATALOGUE, MANAGE_USERS, MANAGE_INTEGRATIONS, VIEW_AUDIT)


POS = "pos"  # the pseudo-role of a POS device credential

_ALL_PEOPLE = frozenset({Role.CLERK, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.ANALYST, Role.ADMIN})
_MANAGERS = frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.ADMIN})

PERMISSIONS: dict[str, frozenset[str]] = {
    Action.VIEW_STOCK: _ALL_PEOPLE | {POS},
    Action.POST_SALE: frozenset({POS, Role.CLERK, Role.STORE_MANAGER, Role.ADMIN}),
    Action.RECEIVE: frozenset({Role.CLERK, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.ADMIN}),
    Action.RECORD_COUNT: frozenset({Role.CLERK, Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.ADMIN}),
    Action.MANAGE_COUNT: _MANAGERS,
    Action.ADJUST_STOCK: _MANAGERS,
    Action.TRANSFER: _MANAGERS,
    Action.ORDER: _MANAGERS,
    Action.MANAGE_DEVICES: frozenset({Role.STORE_MANAGER, Role.ADMIN}),
    Action.VIEW_REPORTS: frozenset({Role.STORE_MANAGER, Role.REGIONAL_MANAGER, Role.ANALYST, Role.ADMIN}),
    Action.MANAGE_CATALOGUE: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_INTEGRATIONS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
}


@dataclass
class Grants:
    """A principal's memberships, resolved once per request."""

    company_roles: set[str] = field(default_factory=set)
    region_roles: dict[int, set[str]] = field(default_factory=dict)
    store_roles: dict[int, set[str]] = field(default_factory=dict)

    def roles_for(self, store: Store) -> set[str]:
        return (
            self.company_roles | self.region_roles.get(store.region_id, set()) | self.store_roles.get(store.id, set())
        )

    @property
    def sees_everything(self) -> bool:
        return bool(self.company_roles)


class DevicePrincipal:
    """``request.user`` for a POS device: authenticated, bound to one store, no other rights."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, device: PosDevice) -> None:
        self.device = device
        self.username = f"device:{device.prefix}"

    def __str__(self) -> str:
        return self.username

    def get_username(self) -> str:
        return self.username


def grants_for(user) -> Grants:
    """The user's grants, cached on the user object for the rest of the request."""
    cached = getattr(user, "_retail_grants", None)
    if cached is not None:
        return cached
    grants = Grants()
    if isinstance(user, DevicePrincipal):
        grants.store_roles[user.device.store_id] = {POS}
    elif user is not None and user.is_authenticated and user.is_active:
        if user.is_superuser:
            grants.company_roles.add(Role.ADMIN)
        for role, scope, store_id, region_id in Membership.objects.filter(user=user).values_list(
            "role", "scope", "store_id", "region_id"
        ):
            if scope == Scope.COMPANY:
                grants.company_roles.add(role)
            elif scope == Scope.REGION:
                grants.region_roles.setdefault(region_id, set()).add(role)
            else:
                grants.store_roles.setdefault(store_id, set()).add(role)
    with contextlib.suppress(AttributeError):  # AnonymousUser and friends
        user._retail_grants = grants
    return grants


def stores_visible_to(user) -> QuerySet[Store]:
    """Every store the principal may see at all. Closed by default: no grant, no store."""
    grants = grants_for(user)
    if grants.sees_everything:
        return Store.objects.all()
    condition = Q(pk__in=list(grants.store_roles)) | Q(region_id__in=list(grants.region_roles))
    if not grants.store_roles and not grants.region_roles:
        return Store.objects.none()
    return Store.objects.filter(condition)


def can(user, action: str, store: Store | None = None) -> bool:
    """May the principal take ``action`` in ``store`` (or company-wide when ``store`` is None)?"""
    allowed = PERMISSIONS[action]
    grants = grants_for(user)
    if action in Action.COMPANY_ACTIONS or store is None:
        return bool(grants.company_roles & allowed)
    return bool(grants.roles_for(store) & allowed)


def can_anywhere(user, action: str) -> bool:
    """Does any of the principal's grants allow ``action`` somewhere (for menus)?"""
    grants = grants_for(user)
    allowed = PERMISSIONS[action]
    every = [grants.company_roles, *grants.region_roles.values(), *grants.store_roles.values()]
    return any(roles & allowed for roles in every)


def resolve_store(user, code: str, action: str = Action.VIEW_STOCK) -> Store:
    """The store named by ``code`` if the principal may see it, else 404 (never 403, which
    would confirm the store exists). Seen but not allowed to ``action`` is a 403."""
    if isinstance(user, DevicePrincipal):
        # The device's own store was loaded with the credential; anything else is unseen.
        store = user.device.store if user.device.store.code == code else None
    else:
        store = stores_visible_to(user).filter(code=code).select_related("region").first()
    if store is None:
        raise Http404(_("No such store."))
    if not can(user, action, store):
        raise PermissionDenied(_("Your role does not allow this in %(store)s.") % {"store": store.code})
    return store


def require_company(user, action: str) -> None:
    """Company-wide actions (catalogue, users, integrations): 403 unless granted."""
    if not can(user, action):
        raise PermissionDenied(_("Your role does not allow this."))


def primary_store(user) -> Store | None:
    """The store a person lands on: their first store-scoped grant, else the first visible."""
    grants = grants_for(user)
    if grants.store_roles:
        return Store.objects.filter(pk__in=list(grants.store_roles)).order_by("code").first()
    return stores_visible_to(user).order_by("code").first()
