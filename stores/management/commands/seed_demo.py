"""``python manage.py seed_demo``: build the demo company (see ``stores/demo`` and docs/DEMO.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from inventory.ledger import find_mismatches
from stores.demo import DEMO_USERS, Spec, build_demo_company, demo_data_present, reset_demo_data
from stores.demo.company import SEES
from stores.models import Scope, Store

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Build the demo company: stores, catalogue, 180 days of sales history, one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stores", type=int, default=120, help="number of stores (default 120)")
        parser.add_argument("--products", type=int, default=5000, help="number of products (default 5000)")
        parser.add_argument("--days", type=int, default=180, help="days of sales history (default 180)")
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same company (default 2026)")
        parser.add_argument("--reset", action="store_true", help="empty the stores/inventory/analytics tables first")
        parser.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if data is present")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        limits = {"stores": (1, 999), "products": (10, 200_000), "days": (1, 730)}
        for name, (low, high) in limits.items():
            if not low <= options[name] <= high:
                raise CommandError(f"--{name} must be between {low} and {high}")
        if options["seed"] < 0:
            raise CommandError("--seed must be 0 or more")
        quiet = options["quiet"] or options["verbosity"] == 0
        started = time.perf_counter()
        if demo_data_present():
            if options["if_empty"] and not options["reset"]:
                self.stdout.write("demo data already present: nothing to do")
                return
            if not options["reset"]:
                raise CommandError("demo data already present; use --reset to rebuild it (empties the stores, "
                                   "inventory and analytics tables and removes the demo users)")  # fmt: skip
            reset_demo_data()
            if not quiet:
                self.stdout.write(f"emptied the demo tables in {time.perf_counter() - started:.1f} s")
        spec = Spec(stores=options["stores"], products=options["products"], days=options["days"], seed=options["seed"])
        bars: list[tqdm] = []

        def progress(label: str, total: int):
            if quiet:
                return lambda n: None
            if bars:
                bars[-1].close()
            bar = tqdm(total=total, desc=f"{label:>16}", unit="", unit_scale=total > 100_000, leave=True)
            bars.append(bar)
            return bar.update

        try:
            summary = build_demo_company(spec=spec, progress=progress)
        finally:
            for bar in bars:
                bar.close()
        checked = time.perf_counter()
        mismatches = find_mismatches()
        summary.phases["ledger check"] = time.perf_counter() - checked
        took = time.perf_counter() - started
        if mismatches:
            raise CommandError(f"ledger check failed after seeding: {len(mismatches)} mismatches, e.g. {mismatches[0]}")
        self._report(summary, took, quiet)

    def _report(self, summary, took: float, quiet: bool) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS(f"Demo company built in {took:.1f} s (seed and sizes as given)."))
        out(f"  {summary.stores} stores in {summary.regions} regions; {summary.products} products in "
            f"{summary.leaf_categories} subcategories; {summary.suppliers} suppliers")  # fmt: skip
        out(f"  {summary.store_products} store-products; {summary.rollup_rows} daily rollup rows "
            f"({summary.stockout_rows} stock-out days); {summary.purchase_orders} open purchase orders")  # fmt: skip
        out(f"  today so far: {summary.receipts_today} receipts, {summary.lines_today} lines; "
            f"{summary.negative_levels} levels below zero, flagged for a count")  # fmt: skip
        out(f"  last night's replenishment for the first region's stores: {summary.suggestions} suggestions")
        if not quiet:
            out("  phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in summary.phases.items()))
        out("  ledger check (on hand = sum of movements): 0 mismatches")
        first = Store.objects.select_related("region").order_by("code").first()
        where = {
            Scope.STORE: f"{SEES[Scope.STORE]} {first.code} {first.name}",
            Scope.REGION: f"{SEES[Scope.REGION]} {first.region.name}",
            Scope.COMPANY: str(SEES[Scope.COMPANY]),
        }
        out(f"\nSign in at {URL}/ (Django admin: {URL}/admin/)\n")
        out(f"  {'role':<18} {'username':<17} {'password':<20} sees")
        for user in DEMO_USERS:
            out(f"  {user.role.label:<18} {user.username:<17} {user.password:<20} {where[user.scope]}")
        out("  (the admin sets up a two-factor authenticator at the first sign-in)")
