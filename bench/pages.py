"""Server time of every main page on the demo company (PostgreSQL), against two baselines
in the same run: the floor (``/healthz`` through the same stack: middleware, sessions,
logging, no query) and the naive stock list (the same 50 rows read one product query per
row, as an ORM loop without ``select_related`` does).

Target (issue #7): no page above 300 ms server time on the demo company.

    python bench/pages.py            # seed the default demo company into retail_pages, time
    python bench/pages.py --reuse    # keep an already seeded retail_pages
    python bench/pages.py --json     # one JSON object of the figures
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG, machine, percentile, print_table, recreate_database

TARGET_MS = 300.0
DB = "retail_pages"


def _setup(reuse: bool) -> float:
    url = f"{PG}/{DB}" if reuse else recreate_database(DB)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retail.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # one JSON line per request and task would bury the table
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", if_empty=True, quiet=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return time.perf_counter() - started


def _time(client, url: str, repeat: int) -> list[float]:
    response = client.get(url)  # warm-up (and a check that the page answers)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


NAIVE_ROWS = (
    "<table>{% for sku, name, category, on_hand in rows %}"
    "<tr><td>{{ sku }}</td><td>{{ name }}</td><td>{{ category }}</td><td>{{ on_hand }}</td></tr>"
    "{% endfor %}</table>"
)


def _naive_stock_list(store, repeat: int) -> list[float]:
    from django.template import Context, Template

    from inventory.models import StockLevel

    template = Template(NAIVE_ROWS)

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        levels = list(StockLevel.objects.filter(store=store).order_by("product_id")[:50])
        rows = [(lv.product.sku, lv.product.name, lv.product.category.name, lv.on_hand) for lv in levels]
        template.render(Context({"rows": rows}))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _snapshot_refresh(repeat: int) -> list[float]:
    """What a head-office page pays when the stock-health snapshot is stale (and what the
    beat task pays every two minutes): every store's figures from every stock level."""
    from analytics import stock_health

    samples = []
    for _ in range(max(repeat // 4, 3)):
        started = time.perf_counter()
        stock_health.refresh()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded retail_pages database")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    seeded_s = _setup(args.reuse)

    from django.test import Client
    from django.test.utils import override_settings

    from inventory.models import PurchaseOrder, StockCount, StockLevel, Suggestion
    from stores.models import Store
    from stores.testing import login_verified

    store = Store.objects.get(code="S001")
    level = StockLevel.objects.filter(store=store).select_related("product").order_by("-on_hand").first()
    order = PurchaseOrder.objects.filter(store=store).order_by("-pk").first()
    count = StockCount.objects.filter(store=store).first()
    people = {}
    for role in ("store_manager", "analyst", "admin"):
        from django.contrib.auth import get_user_model

        client = Client()
        login_verified(client, get_user_model().objects.get(username=role))
        people[role] = client
    pages = [
        ("store_manager", "store home", f"/s/{store.code}/"),
        ("store_manager", "stock list", f"/s/{store.code}/stock/"),
        ("store_manager", "stock search", f"/s/{store.code}/stock/?q={level.product.sku[:6]}"),
        ("store_manager", "stock: low", f"/s/{store.code}/stock/?status=low"),
        ("store_manager", "stock sorted by on hand", f"/s/{store.code}/stock/?sort=-on_hand"),
        ("store_manager", "product", f"/s/{store.code}/products/{level.product.sku}/"),
        ("store_manager", "suggestions", f"/s/{store.code}/suggestions/"),
        ("store_manager", "purchase orders", f"/s/{store.code}/purchase-orders/"),
        ("store_manager", "purchase order", f"/s/{store.code}/purchase-orders/{order.pk}/"),
        ("store_manager", "counts", f"/s/{store.code}/counts/"),
        ("store_manager", "transfers", f"/s/{store.code}/transfers/"),
        ("store_manager", "adjust", f"/s/{store.code}/adjustments/new/"),
        ("store_manager", "POS devices", f"/s/{store.code}/devices/"),
        ("analyst", "company dashboard", "/office/"),
        ("analyst", "compare stores", "/office/stores/"),
        ("analyst", "compare stores CSV", "/office/stores/?format=csv"),
        ("analyst", "reports", "/office/reports/"),
        ("analyst", "company dashboard, 7 days", "/office/?days=7"),
        ("analyst", "compare stores by days of cover", "/office/stores/?sort=-days_of_cover"),
        ("admin", "catalogue", "/office/catalogue/"),
        ("admin", "catalogue search", f"/office/catalogue/?q={level.product.name.split()[0]}"),
        ("admin", "catalogue page 50", "/office/catalogue/?page=50"),
        ("admin", "product edit", f"/office/catalogue/products/{level.product.pk}/"),
        ("admin", "suppliers", "/office/catalogue/suppliers/"),
        ("admin", "imports", "/office/imports/"),
        ("store_manager", "floor: /healthz", "/healthz"),
    ]
    if count is not None:
        pages.insert(10, ("store_manager", "count scan", f"/s/{store.code}/counts/{count.pk}/scan/"))
    results = []
    with override_settings(DEBUG=False):
        for role, name, url in pages:
            samples = _time(people[role], url, args.repeat)
            results.append({"page": name, "url": url, "p50_ms": round(percentile(samples, 50), 1),
                            "p95_ms": round(percentile(samples, 95), 1), "max_ms": round(max(samples), 1)})  # fmt: skip
        naive = _naive_stock_list(store, args.repeat)
        refresh = _snapshot_refresh(args.repeat)
    floor = next(r for r in results if r["page"].startswith("floor"))
    stock = next(r for r in results if r["page"] == "stock list")
    worst = max((r for r in results if not r["page"].startswith("floor")), key=lambda r: r["p95_ms"])
    figures = {
        "machine": machine(),
        "demo": {
            "stores": Store.objects.count(),
            "store_products": StockLevel.objects.count(),
            "suggestions": Suggestion.objects.count(),
            "seeded_s": round(seeded_s, 1),
        },
        "pages": results,
        "naive_stock_list_p50_ms": round(percentile(naive, 50), 1),
        "naive_stock_list_p95_ms": round(percentile(naive, 95), 1),
        "stock_list_vs_naive_p50": round(stock["p50_ms"] / max(percentile(naive, 50), 0.001), 2),
        "stock_health_refresh_p50_ms": round(percentile(refresh, 50), 1),
        "stock_health_refresh_max_ms": round(max(refresh), 1),
        "worst_page": worst["page"],
        "worst_p95_ms": worst["p95_ms"],
        "worst_p95_vs_floor": round(worst["p95_ms"] / max(floor["p95_ms"], 0.001), 1),
        "target_ms": TARGET_MS,
        "pages_over_target": [r["page"] for r in results if r["p95_ms"] > TARGET_MS],
    }
    if args.json:
        print(json.dumps(figures))
        return
    print_table(
        f"Page server time, demo company ({figures['demo']['stores']} stores, "
        f"{figures['demo']['store_products']} store-products), {args.repeat} requests each",
        [
            (r["page"], r["p50_ms"], r["p95_ms"], r["max_ms"], "yes" if r["p95_ms"] <= TARGET_MS else "NO")
            for r in results
        ],
        ("page", "p50 ms", "p95 ms", "max ms", f"p95 <= {TARGET_MS:.0f} ms"),
    )
    print(f"\nnaive stock list (N+1 rows, 50 rows): p50 {figures['naive_stock_list_p50_ms']} ms, "
          f"p95 {figures['naive_stock_list_p95_ms']} ms; the page's whole request / naive rows = "
          f"{figures['stock_list_vs_naive_p50']}")  # fmt: skip
    refreshed = figures["stock_health_refresh_p50_ms"], figures["stock_health_refresh_max_ms"]
    print("stock-health snapshot refresh (all stores; the beat task pays it, a page only when stale): "
          f"p50 {refreshed[0]} ms, max {refreshed[1]} ms")  # fmt: skip
    print(f"worst page: {worst['page']} p95 {worst['p95_ms']} ms = {figures['worst_p95_vs_floor']}x the floor")
    print(f"pages over {TARGET_MS:.0f} ms: {figures['pages_over_target'] or 'none'}")


if __name__ == "__main__":
    main()
