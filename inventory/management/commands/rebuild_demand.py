"""Rebuild the demand model of every (or one) store from the sales history of a date range."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inventory.replenishment import demand_store, forecast, store_arrays
from stores.models import Store


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Fold the daily sales of --from..--to into a fresh demand state per store-product (full rebuild)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--store", dest="store_code")

    def handle(self, *args, date_from: str, date_to: str, store_code: str | None = None, **options) -> None:
        first, last = _day(date_from), _day(date_to)
        if first > last:
            raise CommandError("--from is after --to")
        if (last - first).days > 800:
            raise CommandError("at most 800 days at once")
        stores = Store.objects.filter(is_active=True)
        if store_code:
            stores = stores.filter(code=store_code)
            if not stores.exists():
                raise CommandError(f"no active store {store_code!r}")
        for store in stores.order_by("code"):
            rows = rebuild_store(store=store, first=first, last=last)
            self.stdout.write(f"{store.code}: {rows} store-products rebuilt to {last}")


@transaction.atomic
def rebuild_store(*, store: Store, first: date, last: date) -> int:
    """Replace the store's demand states with the fold of the range (``forecast.rebuild``):
    days before an item's first sale are not demand, days out of stock all day teach nothing,
    each series starts from the mean of its first two carried weeks."""
    arrays = store_arrays.load_arrays(store_id=store.pk)
    n, days = len(arrays), (last - first).days + 1
    if not n:
        return 0
    history = np.zeros((n, days))
    stocked_out = np.zeros((n, days), dtype=bool)
    for t in range(days):
        ids, units, stockout, _ = store_arrays.load_day_sales(store_id=store.pk, day=first + timedelta(days=t))
        if len(ids):
            at, found = store_arrays.align(arrays.product_id, ids)
            history[at[found], t] = units[found]
            stocked_out[at[found], t] = stockout[found] & (units[found] <= 0)
    carried = forecast.carried_from_first_sale(history) & arrays.in_assortment[:, None]
    useful = carried & ~stocked_out
    window = useful[:, :14]
    start = np.where(
        window.sum(axis=1) > 0, (history[:, :14] * window).sum(axis=1) / np.maximum(window.sum(axis=1), 1), 0.1
    )
    prior = forecast.initial_state(n=n, prior_level=start)
    state = forecast.rebuild(
        history=history, first_weekday=first.weekday(), carried=carried, stocked_out=stocked_out, prior=prior
    )
    loaded = demand_store.load_state(store_id=store.pk, product_ids=arrays.product_id)
    loaded.state = state
    loaded.last_day[:] = last.toordinal()
    started = np.full(n, "history", dtype=object)
    return demand_store.save_state(
        store_id=store.pk, arrays=arrays, loaded=loaded, rows=np.ones(n, dtype=bool), started=started
    )
