"""Real Chromium (the OS package, not a Playwright download) driving the live server.

Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM
calls from it; the tests only touch the ORM between browser steps, so that guard is off
here (and only here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("RETAIL_SCREENSHOTS", "")  # a folder, e.g. docs/screenshots (make screenshots)
PASSWORDS = {
    "clerk": "demo-clerk-2026",
    "store_manager": "demo-manager-2026",
    "regional_manager": "demo-regional-2026",
    "analyst": "demo-analyst-2026",
    "admin": "demo-admin-2026",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the OS package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(transactional_db) -> None:
    """A small demo company (the same builder as ``make demo``): 4 stores, 80 products,
    100 days of history, the demo users with their documented passwords."""
    call_command("seed_demo", stores=4, products=80, days=100, quiet=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _fresh_broker_pools() -> None:
    """The live server's requests hand work to Celery (eagerly here). Tests that point the
    app at a real worker close its connection pools afterwards; kombu keeps producer pools
    in a process-wide registry, so start each browser test from fresh ones."""
    from retail.celery import app
    from stores.testing import reset_celery_pools

    reset_celery_pools(app)


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Failed loads are judged by their response below (a 404 page may be the point of a test).
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if _broken(r) else None)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors, CSP violations or broken resources in the browser: {errors}"


def _broken(response) -> bool:
    """A server error anywhere, or a missing asset (a 404 page itself is not broken)."""
    return response.status >= 500 or (response.status == 404 and "/static/" in response.url)


@pytest.fixture
def sign_in(page) -> Callable[[str], None]:
    def sign_in(username: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORDS[username])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return sign_in


@pytest.fixture
def shoot(page) -> Callable[[str], None]:
    """Save a full-page screenshot when RETAIL_SCREENSHOTS names a folder (docs/screenshots)."""

    def shoot(name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)

    return shoot
