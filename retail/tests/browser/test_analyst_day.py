"""An analyst's day in real Chromium: compare stores, request a report, watch it finish,
download it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_an_analysts_day(demo, page, sign_in, shoot):
    sign_in("analyst")
    expect(page).to_have_url(re.compile(r"/office/$"))
    expect(page.get_by_test_id("company-sales")).to_be_visible()
    expect(page.locator("canvas[data-chart='trend-data'][data-drawn='1']")).to_be_attached()
    shoot("office-dashboard")

    page.get_by_role("link", name="Compare stores").click()
    table = page.get_by_test_id("comparison")
    expect(table.locator("tbody tr")).to_have_count(4)
    table.get_by_role("link", name="Store", exact=True).click()
    expect(page).to_have_url(re.compile("sort=-store"))
    first_cells = table.locator("tbody tr td:first-child").all_inner_texts()
    assert first_cells == sorted(first_cells, reverse=True)
    shoot("store-comparison")

    page.get_by_role("link", name="Reports").click()
    page.get_by_role("combobox", name="Report", exact=True).select_option("sales_by_store")
    page.get_by_role("combobox", name="Format", exact=True).select_option("csv")
    page.get_by_role("combobox", name="Stores", exact=True).select_option(label="Every store you can see")
    page.get_by_role("button", name="Build the report").click()
    row = page.get_by_test_id("reports").locator("tbody tr").first
    expect(row.get_by_test_id("report-status")).to_contain_text("Ready", timeout=30_000)
    expect(row.locator("progress")).to_have_attribute("value", "100")
    shoot("reports")
    with page.expect_download() as download:
        row.get_by_test_id("download").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        header = handle.readline()
    assert header.startswith("store")
