"""Build (and remove) the demo company in one transaction: all of it or none of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from analytics.models import RollupWatermark
from analytics.rollups import WATERMARK
from inventory.models import Product, StockLevel, StockMovement
from stores.models import Store

from . import catalogue as catalogue_module
from .company import DEMO_USERS, create_stores, create_users
from .history import choose_assortment, simulate
from .stock import write_levels, write_rollups
from .today import open_purchase_orders, post_todays_sales
from .writer import check_foreign_keys, fast_sqlite

DEMO_APPS = ("stores", "inventory", "analytics")

Tick = Callable[[int], None]
Progress = Callable[[str, int], Tick]


def _no_progress(label: str, total: int) -> Tick:
    return lambda n: None


@dataclass(frozen=True)
class Spec:
    stores: int = 120
    products: int = 5000
    days: int = 180
    seed: int = 2026


@dataclass
class Summary:
    stores: int = 0
    regions: int = 0
    products: int = 0
    leaf_categories: int = 0
    suppliers: int = 0
    store_products: int = 0
    rollup_rows: int = 0
    stockout_rows: int = 0
    purchase_orders: int = 0
    receipts_today: int = 0
    lines_today: int = 0
    negative_levels: int = 0
    suggestions: int = 0
    phases: dict[str, float] = field(default_factory=dict)


def demo_data_present() -> bool:
    """Any store, product or demo user: a seed on top would duplicate or collide."""
    return (
        Store.objects.exists()
        or Product.objects.exists()
        or get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS]).exists()
    )


def reset_demo_data() -> None:
    """Empty every table of the stores, inventory and analytics apps and remove the demo
    users. One flush statement list from Django itself: ``TRUNCATE ... RESTART IDENTITY
    CASCADE`` on PostgreSQL (which the ledger's append-only trigger allows: it guards
    rows, not the table), ``DELETE FROM`` on SQLite (which has no such trigger). Other
    users (e.g. your own superuser) stay."""
    tables = _demo_tables()
    # On SQLite, foreign keys off (outside a transaction only): every referencing table is
    # emptied too, and Django's flush list is unordered, so a parent emptied before its
    # children would otherwise be checked row by row against millions of child rows.
    checks_off = connection.constraint_checks_disabled() if not connection.in_atomic_block else nullcontext()
    with checks_off, transaction.atomic():
        statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # pending deferred checks would block TRUNCATE
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for sql in statements:
                cursor.execute(sql)
        get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS]).delete()


def _demo_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for label in DEMO_APPS
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def build_demo_company(*, spec: Spec, now: datetime | None = None, progress: Progress = _no_progress) -> Summary:
    """Create the demo company on an empty database (the caller checks, see
    :func:`demo_data_present`). Deterministic for ``spec`` and the day of ``now``: every
    random draw comes from ``spec.seed``, each phase from its own stream, so the same seed
    gives the same company (ids aside)."""
    now = now or timezone.now()
    company_rng, catalogue_rng, history_rng, today_rng = (
        np.random.default_rng(seq) for seq in np.random.SeedSequence(spec.seed).spawn(4)
    )
    summary = Summary()
    clock = _Clock(summary)
    with fast_sqlite(), transaction.atomic():
        tick = progress("company", 4)
        stores = create_stores(count=spec.stores, rng=company_rng)
        tick(1)
        suppliers = catalogue_module.create_suppliers(rng=catalogue_rng)
        leaves = catalogue_module.create_categories()
        tick(1)
        catalogue = catalogue_module.create_products(
            count=spec.products, rng=catalogue_rng, leaves=leaves, suppliers=suppliers
        )
        tick(1)
        create_users(first_store=stores[0])
        tick(1)
        clock.lap("company and catalogue")

        assortment = choose_assortment(stores=stores, catalogue=catalogue, rng=history_rng)
        history = simulate(
            stores=stores, catalogue=catalogue, assortment=assortment, today=[s.business_day(now) for s in stores],
            days=spec.days, rng=history_rng, tick=progress("simulate days", spec.days),
        )  # fmt: skip
        clock.lap("simulation")
        summary.rollup_rows = write_rollups(
            history=history, stores=stores, catalogue=catalogue, tick=progress("rollup rows", history.rows)
        )
        clock.lap("rollups")
        summary.store_products = write_levels(
            history=history, stores=stores, catalogue=catalogue, now=now,
            tick=progress("levels+openings", 2 * len(assortment.store)),
        )  # fmt: skip
        clock.lap("stock levels")
        summary.purchase_orders = open_purchase_orders(
            history=history, stores=stores, catalogue=catalogue, rng=today_rng, now=now
        )
        summary.receipts_today, summary.lines_today = post_todays_sales(
            history=history, stores=stores, catalogue=catalogue, rng=today_rng, now=now,
            tick=progress("today's sales", len(stores)),
        )  # fmt: skip
        _move_rollup_watermark(now)
        clock.lap("today")
        check_foreign_keys(_demo_tables())
        clock.lap("foreign key check")

    summary.stores, summary.regions = len(stores), len({s.region_id for s in stores})
    summary.products, summary.leaf_categories, summary.suppliers = len(catalogue.ids), len(leaves), len(suppliers)
    summary.stockout_rows = history.stockout_rows
    summary.negative_levels = StockLevel.objects.filter(on_hand__lt=0).count()
    summary.suggestions = _plan_first_region(stores, now)
    clock.lap("last night's suggestions")
    return summary


def _plan_first_region(stores: list[Store], now: datetime, limit: int = 3) -> int:
    """Run last night's replenishment for the demo users' stores (the first store's region,
    at most ``limit`` stores), so the store manager opens the demo to suggestions with their
    reasons and to stock alerts, as after a real night. The other stores plan at their
    first real night (``celery beat``)."""
    from inventory.replenishment import pipeline

    first_region = [s for s in stores if s.region_id == stores[0].region_id][:limit]
    made = 0
    for store in first_region:
        run = pipeline.run_night(store_id=store.pk, day=pipeline.closed_business_day(store, now), send_digest=False)
        made += int((run.counts or {}).get("suggestions", 0))
    return made


def _move_rollup_watermark(now: datetime) -> None:
    """The history is already rolled up, and today's sales too: the periodic refresh
    starts after the last movement written here (it would otherwise re-read the opening
    balances and recompute the last history day from raw sales, which the demo keeps
    only for today)."""
    last = StockMovement.objects.aggregate(last=Max("id"))["last"] or 0
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": now, "position": last, "seen": last})


class _Clock:
    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        moment = time.perf_counter()
        self.summary.phases[name] = moment - self.last
        self.last = moment
