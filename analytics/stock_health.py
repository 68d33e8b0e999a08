"""Stock health per store (on hand, products carried, products out) for the head-office
pages, kept as one :class:`~analytics.models.StoreStockHealth` row per store.

Why a snapshot: the live figure aggregates every stock level of the company (120 stores x
5,000 products = 384,000 rows, 200-350 ms on a shared 2-core machine) and the dashboard,
the store comparison and its CSV each need it. The rows are refreshed with the rollups
(beat, every two minutes) and, for the stores a page asks about, whenever they are older
than :data:`MAX_AGE` (so without a beat, e.g. in development, a page is at most that stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from inventory.models import StockLevel
from stores.models import Store

from .models import StoreStockHealth

MAX_AGE = timedelta(minutes=5)
ZERO = Decimal("0")


def refresh(*, store_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Recompute the rows of ``store_ids`` (every store when None) from the live stock
    levels in one aggregate query and upsert them; a store with no stock level gets zeros.
    Idempotent and safe to run concurrently (the last writer's figures are as fresh)."""
    now = now or timezone.now()
    stores = Store.objects.all() if store_ids is None else Store.objects.filter(pk__in=list(store_ids))
    ids = list(stores.values_list("pk", flat=True))
    levels = StockLevel.objects.filter(in_assortment=True)
    if store_ids is not None:
        levels = levels.filter(store_id__in=ids)
    figures = {
        row["store_id"]: row
        for row in levels.values("store_id").annotate(
            stock=Sum("on_hand"), n=Count("id"), n_out=Count("id", filter=Q(on_hand__lte=0))
        )
    }
    rows = [
        StoreStockHealth(
            store_id=store_id,
            on_hand=(figures.get(store_id) or {}).get("stock") or ZERO,
            carried=(figures.get(store_id) or {}).get("n") or 0,
            out=(figures.get(store_id) or {}).get("n_out") or 0,
            refreshed_at=now,
        )
        for store_id in ids
    ]
    fields = ["on_hand", "carried", "out", "refreshed_at"]
    StoreStockHealth.objects.bulk_create(rows, update_conflicts=True, unique_fields=["store"], update_fields=fields)
    return len(rows)


def ensure_fresh(store_ids: Iterable[int], *, now: datetime | None = None) -> datetime | None:
    """Refresh those of ``store_ids`` whose row is missing or older than :data:`MAX_AGE`;
    return the time of the oldest figure now on file (None for no store)."""
    now = now or timezone.now()
    wanted = set(store_ids)
    fresh = set(
        StoreStockHealth.objects.filter(store_id__in=wanted, refreshed_at__gte=now - MAX_AGE).values_list(
            "store_id", flat=True
        )
    )
    if wanted - fresh:
        refresh(store_ids=wanted - fresh, now=now)
    return StoreStockHealth.objects.filter(store_id__in=wanted).aggregate(at=Min("refreshed_at"))["at"]
