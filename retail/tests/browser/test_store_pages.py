"""A store manager's first steps in real Chromium, and a clerk who tries another store."""

from __future__ import annotations

import re

from django.db.models import Sum
from playwright.sync_api import expect

from analytics.models import DailyRollup
from inventory.models import StockLevel


def test_manager_signs_in_finds_a_product_and_reads_its_chart(demo, page, sign_in, shoot):
    sign_in("store_manager")

    expect(page).to_have_url(re.compile(r"/s/S001/$"))
    expect(page.get_by_test_id("current-store")).to_contain_text("S001")
    expect(page.get_by_role("heading", name=re.compile("Today"))).to_be_visible()
    shoot("store-home")

    page.get_by_role("link", name="Stock", exact=True).click()
    best_seller = (
        DailyRollup.objects.filter(store__code="S001").values("product").annotate(u=Sum("units")).order_by("-u")[0]
    )
    level = StockLevel.objects.select_related("product").get(store__code="S001", product=best_seller["product"])
    page.get_by_label("Search by SKU, barcode or name").fill(level.product.sku)
    row = page.get_by_test_id("stock-table").get_by_role("link", name=level.product.sku)
    expect(row).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=" + level.product.sku))  # htmx pushed the search into the URL
    shoot("stock-list")

    row.click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(level.product.name)))).to_be_visible()
    expect(page.locator("#product-chart[data-drawn='1']")).to_be_attached()
    expect(page.get_by_role("heading", name="Reorder settings")).to_be_visible()
    shoot("product")


def test_negative_filter_lists_only_negative_stock(demo, page, sign_in):
    sign_in("store_manager")
    page.goto("/s/S001/stock/?status=negative")
    expected = StockLevel.objects.filter(store__code="S001", on_hand__lt=0).count()
    expect(page.get_by_role("status").first).to_contain_text(f"{expected} product")


def test_clerk_who_types_another_stores_url_gets_404(demo, page, sign_in):
    sign_in("clerk")
    expect(page.get_by_test_id("current-store")).to_be_visible()
    response = page.goto("/s/S002/stock/")
    assert response.status == 404
    response = page.goto("/s/S002/products/SKU00001/")
    assert response.status == 404


def test_phone_layout_keeps_the_store_visible_and_the_table_scrollable(demo, browser, live_server, page, shoot):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True)
    p = phone.new_page()
    p.goto("/login/")
    p.get_by_label("Username").fill("store_manager")
    p.get_by_label("Password").fill("demo-manager-2026")
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_test_id("current-store")).to_be_visible()
    p.goto("/s/S001/stock/")
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    phone.close()
