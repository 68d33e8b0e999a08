"""Head office's admin in real Chromium: find a product, change its price (the history shows
it), check a CSV import whose errors are listed before anything is written. The admin's
second factor is passed by the session (as ``stores.testing.login_verified`` does)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from stores.testing import login_verified


def _signed_in_as_admin(page, live_server) -> None:
    client = Client()
    login_verified(client, get_user_model().objects.get(username="admin"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_an_admin_changes_a_price_and_checks_an_import(demo, page, live_server, shoot, tmp_path):
    from inventory.models import Product

    _signed_in_as_admin(page, live_server)
    product = Product.objects.order_by("sku").first()
    page.goto("/office/")
    page.get_by_role("link", name="Catalogue").click()
    page.get_by_role("searchbox").fill(product.sku)
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("products").get_by_role("link", name=product.sku).click()
    expect(page).to_have_url(re.compile(rf"/office/catalogue/products/{product.pk}/$"))
    page.get_by_role("textbox", name="Price").fill("12.34")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.get_by_test_id("price-history").locator("tbody tr").first).to_contain_text("12.34")
    shoot("catalogue-product")

    bad = tmp_path / "suppliers.csv"
    bad.write_text("code,name,lead_time_days\nNEW1,New supplier,3\nNEW2,,x\n", encoding="utf-8")
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("combobox", name="What the file holds").select_option("suppliers")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Dry run").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors).to_contain_text("name")
    expect(page.get_by_role("button", name=re.compile("import this file"))).to_have_count(0)
    shoot("import-dry-run")
    from inventory.models import Supplier

    assert not Supplier.objects.filter(code__in=["NEW1", "NEW2"]).exists()
