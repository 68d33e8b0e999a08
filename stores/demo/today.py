"""Today, through the real write paths: open purchase orders (on-order via
``inventory.ledger.adjust_counters``) and the receipts of each store's business day so
far (through ``inventory.ingest.ingest_sales``, so sales, lines, payments, ledger
movements and the outbox are exactly what a till would have produced), a handful of them
selling stock the system thought was gone (on hand goes negative and the level is
flagged for a count, as the ledger does), then today's rollups for what sold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.utils import timezone

from analytics.rollups import refresh_day
from inventory.ingest import CREATED, ingest_sales
from inventory.ledger import CounterDelta, adjust_counters
from inventory.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from stores.models import Store

from .catalogue import Catalogue
from .company import FORMATS
from .history import History

OPENS_AT = time(7, 0)
MAX_PO_LINES = 30
NEGATIVE_STORES = 6  # S001 and five more get an item sold below zero


def open_purchase_orders(
    *, history: History, stores: list[Store], catalogue: Catalogue, rng: np.random.Generator, now: datetime
) -> int:
    """3-5 orders per store, status *ordered*: the orders the simulation has on their way
    (grouped by supplier, the suppliers with most lines first), topped up with products
    at or below their reorder point when a store has fewer in flight. Returns the count."""
    a = history.assortment
    created = 0
    bounds = np.searchsorted(a.store, np.arange(len(stores) + 1))
    for s, store in enumerate(stores):
        rows = np.arange(bounds[s], bounds[s + 1])
        wanted = int(rng.integers(3, 6))
        in_flight = rows[history.on_order[rows] > 0]
        by_supplier: dict[int, list[int]] = defaultdict(list)
        for row in in_flight.tolist():
            by_supplier[int(catalogue.supplier_ids[a.product[row]])].append(row)
        chosen = sorted(by_supplier, key=lambda sup: (-len(by_supplier[sup]), sup))[:wanted]
        # Too few orders on their way: order the lowest products (days of cover) of more suppliers.
        waiting = rows[history.on_order[rows] == 0]
        cover = history.stock[waiting] / np.maximum(a.rate[waiting], 1e-3)
        for row in waiting[np.argsort(cover, kind="stable")].tolist():
            if len(chosen) >= wanted:
                break
            supplier = int(catalogue.supplier_ids[a.product[row]])
            if supplier not in chosen:
                chosen.append(supplier)
                by_supplier[supplier] = [row]
        created += _create_orders(store, s, chosen, by_supplier, history, catalogue, now)
    return created


def _create_orders(store, s, suppliers, by_supplier, history, catalogue, now) -> int:
    a = history.assortment
    day_start = timezone.make_aware(datetime.combine(history.first_day[s], time(0)), store.tzinfo)
    orders, lines, counters = [], [], []
    for supplier in suppliers:
        rows = by_supplier[supplier][:MAX_PO_LINES]
        if history.on_order[rows[0]] > 0:  # on its way in the simulation
            ordered_at = day_start + timedelta(days=max(int(history.ordered_on[row]) for row in rows), hours=10)
            expected = history.first_day[s] + timedelta(days=max(int(history.arrives_on[row]) for row in rows))
        else:  # ordered this morning
            ordered_at = now - timedelta(hours=2)
            lead = int(np.ceil(catalogue.lead_days[a.product[rows[0]]]))
            expected = history.first_day[s] + timedelta(days=history.days + lead)
        order = PurchaseOrder(
            store=store, supplier_id=supplier, status=PurchaseOrderStatus.ORDERED, ordered_at=min(ordered_at, now),
            expected_on=expected, note="demo: placed by the nightly suggestions",
        )  # fmt: skip
        orders.append((order, rows))
    PurchaseOrder.objects.bulk_create([order for order, _ in orders])
    for order, rows in orders:
        for row in rows:
            p = int(a.product[row])
            quantity = int(history.on_order[row]) or int(max(catalogue.case_pack[p], history.reorder_point[row]))
            lines.append(
                PurchaseOrderLine(
                    store=store, order=order, product_id=int(catalogue.ids[p]), quantity=Decimal(quantity),
                    unit_cost=Decimal(f"{catalogue.cost[p]:.2f}"),
                )
            )  # fmt: skip
            counters.append(CounterDelta(product_id=int(catalogue.ids[p]), on_order=Decimal(quantity)))
    PurchaseOrderLine.objects.bulk_create(lines)
    if counters:
        adjust_counters(store=store, counters=counters)
    return len(orders)


def post_todays_sales(
    *,
    history: History,
    stores: list[Store],
    catalogue: Catalogue,
    rng: np.random.Generator,
    now: datetime,
    tick: Callable[[int], None] = lambda n: None,
) -> tuple[int, int]:
    """A few dozen receipts per store for its business day so far, posted through the
    POS ingest; today's rollups refreshed for what sold. Returns (receipts, lines)."""
    a = history.assortment
    bounds = np.searchsorted(a.store, np.arange(len(stores) + 1))
    negatives = set(rng.choice(np.arange(1, len(stores)), size=min(NEGATIVE_STORES - 1, len(stores) - 1),
                               replace=False).tolist()) | {0}  # fmt: skip
    product_id = dict(zip(catalogue.skus, catalogue.ids.tolist(), strict=True))
    receipts = lines = 0
    for s, store in enumerate(stores):
        rows = np.arange(bounds[s], bounds[s + 1])
        sales = _receipts_for(store, s, rows, s in negatives, history, catalogue, rng, now)
        results = ingest_sales(store=store, raw_sales=sales)
        failed = [r.as_dict() for r in results if r.status != CREATED]
        if failed:
            raise RuntimeError(f"demo sales of {store.code} were refused: {failed[:3]}")
        receipts += len(sales)
        lines += sum(len(sale["lines"]) for sale in sales)
        sold = sorted({product_id[line["sku"]] for sale in sales for line in sale["lines"]})
        refresh_day(store_id=store.pk, day=store.business_day(now), product_ids=sold)
        tick(1)
    return receipts, lines


def _receipts_for(store, s, rows, negative, history, catalogue, rng, now) -> list[dict]:
    a = history.assortment
    local_now = timezone.localtime(now, store.tzinfo)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    opened = local_now.replace(hour=OPENS_AT.hour, minute=0, second=0, microsecond=0)
    fmt = FORMATS[store.format]
    closes = local_now.replace(hour=fmt.closes_at.hour, minute=0, second=0, microsecond=0)
    start = opened if local_now >= opened + timedelta(hours=1) else midnight
    end = min(local_now, closes) if local_now > closes else local_now
    elapsed = max((min(local_now, closes) - opened).total_seconds(), 0) / (closes - opened).total_seconds()
    # As many receipts as the store's own history sells by this hour (about 2 units a
    # basket), capped by its format: a small demo company keeps today in line with its past.
    expected_units = float(history.assortment.rate[rows].sum()) * elapsed
    count = max(3, min(round(fmt.receipts_per_day * elapsed), round(expected_units / 2)))
    span = max((end - start).total_seconds() - 1, 1)
    moments = np.sort(rng.random(count)) * span

    remaining = history.stock[rows].astype(np.int64).copy()
    sales = []
    for r in range(count):
        weights = np.where(remaining > 0, a.rate[rows], 0)
        if not weights.any():
            break
        picks = np.unique(rng.choice(len(rows), size=min(1 + int(rng.poisson(1.3)), 8), p=weights / weights.sum()))
        quantities = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3], len(picks))
        basket = []
        for local, quantity in zip(picks.tolist(), quantities.tolist(), strict=True):
            quantity = min(quantity, int(remaining[local]))
            if quantity > 0:
                remaining[local] -= quantity
                basket.append((local, quantity))
        if negative and r == count // 2:
            # A miscounted shelf: sell one more than the books hold of a sold-out (else the
            # scarcest) product, as a real till does, so the level goes negative.
            out = np.flatnonzero(remaining <= 0)
            local = int(out[rng.integers(0, len(out))]) if len(out) else int(np.argmin(remaining))
            basket.append((local, int(max(remaining[local], 0) + 1 + rng.integers(0, 2))))
            remaining[local] -= basket[-1][1]
        if not basket:
            continue
        sold_at = start + timedelta(seconds=float(moments[r]))
        sale_lines = []
        for local, quantity in basket:
            p = int(a.product[rows[local]])
            sale_lines.append(
                {"sku": catalogue.skus[p], "quantity": str(quantity), "unit_price": f"{catalogue.price[p]:.2f}"}
            )
        total = sum(Decimal(line["unit_price"]) * int(line["quantity"]) for line in sale_lines)
        method = ["card", "card", "card", "cash", "mobile"][int(rng.integers(0, 5))]
        sales.append({
            "pos_sale_id": f"DEMO-{store.code}-{len(sales) + 1}", "sold_at": sold_at.isoformat(),
            "lines": sale_lines, "payments": [{"method": method, "amount": f"{total:.2f}"}],
        })  # fmt: skip
    return sales
