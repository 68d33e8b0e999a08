"""Fixtures shared by every app's tests: a small company with two regions, three stores,
one user per role, a POS device, and API clients acting as each of them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from inventory.models import Barcode, Category, Product, ProductSupplier, Supplier
from stores.credentials import issue_device
from stores.models import Membership, Region, Role, Scope, Store, StoreFormat
from stores.testing import login_verified

ROLES = ["clerk", "store_manager", "regional_manager", "analyst", "admin"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2's deliberate slowness costs seconds per test and proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def region(db) -> Region:
    return Region.objects.create(code="NORTH", name="North")


@pytest.fixture
def other_region(db) -> Region:
    return Region.objects.create(code="SOUTH", name="South")


@pytest.fixture
def store(region) -> Store:
    return Store.objects.create(code="S001", name="Leeds Central", region=region, timezone="Europe/London")


@pytest.fixture
def sibling_store(region) -> Store:
    """Same region as ``store``: its regional manager sees both."""
    return Store.objects.create(
        code="S003", name="York", region=region, timezone="Europe/London", format=StoreFormat.EXPRESS
    )


@pytest.fixture
def other_store(other_region) -> Store:
    """Another region: nobody scoped to ``store`` or its region may see it."""
    return Store.objects.create(code="S002", name="Brighton", region=other_region, timezone="Europe/London")


@pytest.fixture
def users(store, region) -> dict[str, object]:
    """One user per role, scoped as in real life: clerk and manager to ``store``, the
    regional manager to its region, analyst and admin to the company."""
    User = get_user_model()
    scopes = {
        "clerk": (Scope.STORE, {"store": store}),
        "store_manager": (Scope.STORE, {"store": store}),
        "regional_manager": (Scope.REGION, {"region": region}),
        "analyst": (Scope.COMPANY, {}),
        "admin": (Scope.COMPANY, {}),
    }
    made = {}
    for role in ROLES:
        user = User.objects.create_user(username=role, password=f"{role}-password-1", email=f"{role}@example.com")
        scope, target = scopes[role]
        Membership.objects.create(user=user, role=Role(role), scope=scope, **target)
        made[role] = user
    return made


@pytest.fixture
def device(store):
    """A POS device of ``store`` and its key (shown once)."""
    return issue_device(store=store, name="till-1")


@pytest.fixture
def api_client_for(users, device) -> Callable[[str], APIClient]:
    """``api_client_for("store_manager")``; ``"pos"`` gives the device's bearer client."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role == "pos":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {device.key}")
        elif role != "anonymous":
            login_verified(client, users[role])
        return client

    return make


@pytest.fixture
def page_client_for(users) -> Callable[[str], Client]:
    """``page_client_for("clerk")``: a browser-like client signed in as that role."""

    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            login_verified(client, users[role])
        return client

    return make


@pytest.fixture
def category(db) -> Category:
    root = Category.objects.create(name="Grocery")
    return Category.objects.create(name="Pasta", parent=root)


@pytest.fixture
def supplier(db) -> Supplier:
    return Supplier.objects.create(
        code="ACME", name="Acme Foods", lead_time_days=Decimal("5"), lead_time_sd_days=Decimal("1"),
        min_order_value=Decimal("100"),
    )  # fmt: skip


@pytest.fixture
def make_product(category, supplier) -> Callable[..., Product]:
    counter = iter(range(1, 100000))

    def make(sku: str | None = None, **fields) -> Product:
        n = next(counter)
        defaults = {"name": f"Product {n}", "category": category, "cost": Decimal("1.20"), "price": Decimal("2.50")}
        defaults.update(fields)
        product = Product.objects.create(sku=sku or f"SKU{n:05d}", **defaults)
        from inventory.barcodes import make_ean13

        Barcode.objects.create(product=product, code=make_ean13(n))
        ProductSupplier.objects.create(product=product, supplier=supplier, cost=product.cost, case_pack=6)
        return product

    return make


@pytest.fixture
def product(make_product) -> Product:
    return make_product("PASTA-500", name="Penne 500 g")
