"""A store manager's day in real Chromium: low stock, a product, approve two of one supplier's suggestions,
place the order, receive part of it by scanning and typing, run a count in scan mode and post it."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from inventory.models import PurchaseOrder, PurchaseOrderStatus, StockCount, Suggestion


def test_a_store_managers_day(demo, page, sign_in, shoot):
    sign_in("store_manager")

    # Home: what is running out; open the first product.
    running_out = page.get_by_role("region", name="Running out")
    expect(running_out.get_by_role("link").first).to_be_visible()
    running_out.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Reorder settings")).to_be_visible()

    # Reorder: last night's suggestions with their reasons; keep two of one supplier's.
    page.get_by_role("link", name="Reorder").click()
    expect(page.get_by_role("heading", name="Reorder suggestions")).to_be_visible()
    sections = page.locator("section.card").all()
    supplier = next((s for s in sections if s.locator("input[name=ids]").count() >= 2), sections[0])
    page.get_by_label("Select all").first.uncheck()
    for box in page.locator("input[name=ids]").all():
        box.uncheck()
    boxes = supplier.locator("input[name=ids]").all()[:2]
    chosen = [int(box.get_attribute("value")) for box in boxes]
    for box in boxes:
        box.check()
    # A quantity edited in place: a refused number is shown beside the field, then fixed.
    quantity = page.locator(f"#q-{chosen[0]}")
    quantity.fill("-1")
    quantity.press("Enter")
    expect(page.locator(f"#qe-{chosen[0]}")).to_contain_text("zero or more")
    page.locator(f"#q-{chosen[0]}").fill("12")
    page.locator(f"#q-{chosen[0]}").press("Enter")
    expect(page.locator(f"#qe-{chosen[0]}")).to_have_count(0)
    assert Suggestion.objects.get(pk=chosen[0]).quantity == 12
    # After the htmx edits: a screenshot taken before a swap makes Chromium report Playwright's
    # own injected style as a CSP violation on the next swap.
    shoot("suggestions")
    page.get_by_role("button", name=re.compile("Approve selected")).click()
    expect(page.get_by_role("status").filter(has_text=f"Approved {len(chosen)} suggestion")).to_be_visible()
    order = PurchaseOrder.objects.get(pk=Suggestion.objects.get(pk=chosen[0]).purchase_order_id)
    assert order.status == PurchaseOrderStatus.DRAFT

    # The draft: place it, then receive part of it: one line by scanning, another by typing.
    page.get_by_role("link", name=f"PO-{order.pk}", exact=True).click()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("po-status")).to_have_text("Ordered")
    lines = list(order.lines.select_related("product").prefetch_related("product__barcodes").order_by("product__sku"))
    scanned, barcode = lines[0], lines[0].product.barcodes.all()[0].code
    scan_label = re.compile("Scan a barcode \\(or type a SKU\\)")
    expect(page.get_by_label(scan_label)).to_be_focused()
    for n in (1, 2):
        page.get_by_label(scan_label).fill(barcode)
        page.get_by_label(scan_label).press("Enter")
        expect(page.locator(f"#qty-{scanned.pk}")).to_have_value(str(n))
        expect(page.get_by_label(scan_label)).to_be_focused()
    page.get_by_label(scan_label).fill("0000000000000")
    page.get_by_label(scan_label).press("Enter")
    expect(page.locator("#receive-code-error")).to_have_text("0000000000000 is not on this order")
    expect(page.locator(f"#qty-{scanned.pk}")).to_have_value("2")
    typed = lines[-1]
    if typed.pk == scanned.pk:  # a one-line order: type over the scanned count instead
        page.locator(f"#qty-{typed.pk}").fill("1")
    else:
        page.locator(f"#qty-{typed.pk}").fill("1")
        page.locator(f"#cost-{typed.pk}").fill("0.95")
    shoot("receiving")
    page.get_by_role("button", name="Post receipt").click()
    receipt = order.receipts.get()
    expect(page.get_by_test_id(f"receipt-{receipt.pk}")).to_contain_text("just posted")
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED or all(
        line.received >= line.quantity for line in order.lines.all()
    )
    expect(page.get_by_test_id("po-status")).to_have_text(order.get_status_display())
    received = {line.product_id: line.quantity for line in receipt.lines.all()}
    if typed.pk != scanned.pk:
        assert received == {scanned.product_id: Decimal("2"), typed.product_id: Decimal("1")}

    # A count of the scanned product in scan mode, keyboard only, then posted.
    page.get_by_role("link", name="Counts").click()
    page.get_by_label("A list of products").check()
    page.get_by_label(re.compile("SKUs or barcodes")).fill(scanned.product.sku)
    page.get_by_role("button", name="Open and start scanning").click()
    code_label = re.compile("Scan a barcode or type a SKU")
    expect(page.get_by_label(code_label)).to_be_focused()
    for n in (1, 2, 3):
        page.get_by_label(code_label).fill(barcode)
        page.get_by_label(code_label).press("Enter")
        expect(page.get_by_test_id("scan-status")).to_contain_text(f"counted {n}.")
        expect(page.get_by_label(code_label)).to_be_focused()
    page.get_by_label(code_label).fill("NOPE")
    page.get_by_label(code_label).press("Enter")
    expect(page.locator("#id_code-error")).to_contain_text("no active product")
    expect(page.get_by_label(code_label)).to_be_focused()
    # The optional quantity sets the count (a shelf of 5 counted at once).
    page.get_by_label(re.compile("Quantity \\(empty")).fill("5")
    page.get_by_label(code_label).fill(barcode)
    page.get_by_label(code_label).press("Enter")
    expect(page.get_by_test_id("scan-status")).to_contain_text("counted 5.")
    expect(page.get_by_test_id("recent-scans")).to_contain_text(scanned.product.sku)
    shoot("count-scan")
    page.get_by_role("link", name="Review and post").click()
    expect(page.get_by_test_id("variances")).to_contain_text(scanned.product.sku)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Post count").click()
    expect(page.get_by_test_id("count-status")).to_have_text("Posted")
    count = StockCount.objects.get()
    assert count.status == "posted" and count.lines.get().counted == 5


def test_the_workflow_pages_fit_a_phone(demo, page, sign_in):
    """At 390 px nothing but a table's own scroller is wider than the screen, and every
    form control has a label."""
    from django.contrib.auth import get_user_model

    from inventory import counts, transfers
    from inventory.document_lines import LineInput
    from inventory.models import StockLevel
    from stores.models import Store

    manager = get_user_model().objects.get(username="store_manager")
    store = Store.objects.get(code="S001")
    level = StockLevel.objects.filter(store=store, on_hand__gt=2).select_related("product").first()
    neighbour = Store.objects.exclude(pk=store.pk).order_by("code").first()
    order = PurchaseOrder.objects.filter(store=store).first()
    count = counts.open_count(store=store, scope="list", skus=[level.product.sku], user=manager)
    transfer = transfers.request_transfer(
        store=store, lines=[LineInput(sku=level.product.sku, quantity="1")], user=manager,
        to_store_code=neighbour.code,
    )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("store_manager")
    urls = [
        "/s/S001/suggestions/",
        "/s/S001/purchase-orders/",
        f"/s/S001/counts/{count.pk}/scan/",
        f"/s/S001/counts/{count.pk}/review/",
        "/s/S001/counts/",
        "/s/S001/transfers/",
        f"/s/S001/transfers/{transfer.pk}/",
        "/s/S001/adjustments/new/",
    ]
    if order is not None:
        urls.append(f"/s/S001/purchase-orders/{order.pk}/")
    for url in urls:
        page.goto(url)
        widths = page.evaluate(
            """() => [document.documentElement.scrollWidth,
                      [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                        .filter(el => !el.labels.length && !el.getAttribute('aria-label'))
                        .map(el => el.name)]"""
        )
        assert widths[0] <= 390, f"{url} is {widths[0]} px wide"
        assert widths[1] == [], f"{url}: inputs without a label {widths[1]}"
