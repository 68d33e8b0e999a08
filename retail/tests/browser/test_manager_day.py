"""A store manager's day in real Chromium: low stock, a product, approve a suggestion,
place and receive the order (scanning and typing), run a count in scan mode and post it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from inventory.models import PurchaseOrder, StockCount, Suggestion


def test_a_store_managers_day(demo, page, sign_in, shoot):
    sign_in("store_manager")

    # Home: what is running out.
    running_out = page.get_by_role("region", name="Running out")
    expect(running_out.get_by_role("link").first).to_be_visible()
    running_out.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Reorder settings")).to_be_visible()

    # Reorder: keep one supplier's first suggestion selected, approve it into a draft order.
    page.get_by_role("link", name="Reorder").click()
    expect(page.get_by_role("heading", name="Reorder suggestions")).to_be_visible()
    shoot("suggestions")
    page.get_by_label("Select all").first.uncheck()
    for box in page.locator("input[name=ids]").all():
        box.uncheck()
    first = page.locator("input[name=ids]").first
    chosen = int(first.get_attribute("value"))
    first.check()
    page.get_by_role("button", name=re.compile("Approve selected")).click()
    expect(page.get_by_role("status").filter(has_text="Approved 1 suggestion")).to_be_visible()
    order = PurchaseOrder.objects.get(pk=Suggestion.objects.get(pk=chosen).purchase_order_id)

    # The draft: place it, then receive part of it by scanning and the rest by typing.
    page.get_by_role("link", name=f"PO-{order.pk}", exact=True).click()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Ordered")
    line = order.lines.select_related("product").get()
    barcode = line.product.barcodes.first().code
    scan = page.get_by_label(re.compile("Scan a barcode"))
    expect(scan).to_be_focused()
    for _ in range(2):
        scan.fill(barcode)
        scan.press("Enter")
    expect(page.locator(f"#qty-{line.pk}")).to_have_value("2")
    shoot("receiving")
    page.get_by_role("button", name="Post receipt").click()
    expected = "Received" if line.quantity <= 2 else "Partially received"
    expect(page.get_by_test_id("po-status")).to_have_text(expected)

    # A count of that product in scan mode, keyboard only, then posted.
    page.get_by_role("link", name="Counts").click()
    page.get_by_label("A list of products").check()
    page.get_by_label(re.compile("SKUs or barcodes")).fill(line.product.sku)
    page.get_by_role("button", name="Open and start scanning").click()
    code = page.get_by_label(re.compile("Scan a barcode or type a SKU"))
    expect(code).to_be_focused()
    for n in (1, 2, 3):
        code = page.get_by_label(re.compile("Scan a barcode or type a SKU"))
        code.fill(barcode)
        code.press("Enter")
        expect(page.get_by_test_id("scan-status")).to_contain_text(f"counted {n}.")
        expect(page.get_by_label(re.compile("Scan a barcode or type a SKU"))).to_be_focused()
    shoot("count-scan")
    page.get_by_role("link", name="Review and post").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Post count").click()
    expect(page.get_by_test_id("count-status")).to_have_text("Posted")
    assert StockCount.objects.get().status == "posted"
