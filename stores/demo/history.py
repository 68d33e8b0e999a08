"""The sales history, simulated rather than sprinkled.

Every carried (store, product) is a shelf: each day a Poisson demand (the product's
popularity x the store's format and size x the weekday x the yearly season of its
category x a promotion, if one runs) sells what is on the shelf; a reorder-point rule
orders from the primary supplier, and the order lands after that supplier's lead time
(with its spread, and now and then a late delivery). So stock-outs happen where they
would, on fast movers and in season, and every rollup row is consistent: closing on hand
is yesterday's closing plus receipts minus units.

Pure numpy, no database: all store-products at once, one step per day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from stores.models import Store

from .catalogue import Catalogue
from .company import FORMATS

WEEKDAY_SHAPE = np.array([0.84, 0.80, 0.84, 0.92, 1.08, 1.46, 1.06])  # Monday .. Sunday
PROMO_START_PER_DAY = 1 / 150  # each product is promoted about once in five months
LATE_DELIVERY = 0.03  # share of orders that land 4-10 days late
# Demand levels drift: a product's popularity rises and fades everywhere (a log random walk per product),
# and each shelf drifts a little on its own. Real store-product histories move like this (on the M5 and
# 1C samples 35-62 % of series more than halve or double within a year); without it a rate fixed on the
# first weeks is as good as any forecast. Per-day log sd; the mean level is kept (lognormal correction).
PRODUCT_DRIFT_SD = 0.035
SHELF_DRIFT_SD = 0.015


@dataclass
class Assortment:
    """The carried (store, product) pairs, ordered by store then product."""

    store: np.ndarray  # index into the store list
    product: np.ndarray  # index into the catalogue
    rate: np.ndarray  # mean units a day here, before weekday, season and promotions


@dataclass
class DayRows:
    """The rollup rows of one simulated day, only those with a sale or a stock-out at
    close (a delivery on a day without either leaves no row; ``receipts`` counts those
    that landed on a day that has one): indexes into the assortment and the numbers."""

    day: int
    rows: np.ndarray
    units: np.ndarray
    receipts: np.ndarray
    closing: np.ndarray
    unit_price: np.ndarray


@dataclass
class History:
    first_day: np.ndarray  # per store: the business day of day index 0
    days: int
    assortment: Assortment
    chunks: list[DayRows] = field(default_factory=list)
    stock: np.ndarray | None = None  # closing on hand of the last day, per store-product
    on_order: np.ndarray | None = None  # quantity on its way
    arrives_on: np.ndarray | None = None  # day index it lands (may be past the history)
    ordered_on: np.ndarray | None = None
    reorder_point: np.ndarray | None = None
    last_sale: np.ndarray | None = None  # last day index with a sale, -1 if none

    @property
    def rows(self) -> int:
        return sum(len(chunk.rows) for chunk in self.chunks)

    @property
    def stockout_rows(self) -> int:
        return sum(int((chunk.closing <= 0).sum()) for chunk in self.chunks)


def choose_assortment(*, stores: list[Store], catalogue: Catalogue, rng: np.random.Generator) -> Assortment:
    """Each format carries its share of the catalogue (express 40 %, standard 70 %,
    superstore all), popular products more likely; each store's demand scales with its
    format and floor area, each pair has its own local taste."""
    count = len(catalogue.ids)
    weight = catalogue.rate**0.35
    weight = weight / weight.sum()
    stores_idx, products_idx, rates = [], [], []
    for s, store in enumerate(stores):
        fmt = FORMATS[store.format]
        size = round(fmt.assortment * count)
        everything = size >= count
        chosen = np.arange(count) if everything else np.sort(rng.choice(count, size=size, replace=False, p=weight))
        local = rng.lognormal(0.0, 0.3, len(chosen))
        scale = fmt.demand * (store.size_sqm / fmt.size_sqm) ** 0.5
        stores_idx.append(np.full(len(chosen), s, dtype=np.int32))
        products_idx.append(chosen.astype(np.int32))
        rates.append(catalogue.rate[chosen] * scale * local)
    return Assortment(np.concatenate(stores_idx), np.concatenate(products_idx), np.concatenate(rates))


def simulate(
    *,
    stores: list[Store],
    catalogue: Catalogue,
    assortment: Assortment,
    today: list[date],
    days: int,
    rng: np.random.Generator,
    tick: Callable[[int], None] = lambda n: None,
) -> History:
    """Run ``days`` days ending the day before each store's ``today``."""
    n = len(assortment.store)
    p = assortment.product
    s = assortment.store
    rate = assortment.rate
    first_day = np.array([t - timedelta(days=days) for t in today])
    reference = max(today) - timedelta(days=days)
    offset = np.array([(f - reference).days for f in first_day])  # 0 or -1: stores west of the date line's day

    lead = catalogue.lead_days[p]
    lead_sd = catalogue.lead_sd[p]
    pack = catalogue.case_pack[p].astype(np.int64)
    cover = lead + 3
    reorder_point = np.ceil(rate * cover + 1.4 * np.sqrt(rate * cover)).astype(np.int64)
    order_qty = np.maximum(np.ceil(rate * 14 / pack) * pack, pack).astype(np.int64)
    stock = reorder_point + (rng.random(n) * order_qty).astype(np.int64)
    on_order = np.zeros(n, np.int64)
    arrives_on = np.full(n, -1, np.int64)
    ordered_on = np.full(n, -1, np.int64)
    last_sale = np.full(n, -1, np.int64)
    promo_until = np.full(len(catalogue.ids), -1)
    promo_uplift = np.ones(len(catalogue.ids))
    promo_price = np.ones(len(catalogue.ids))
    product_drift = np.zeros(len(catalogue.ids))
    shelf_drift = np.zeros(n)
    drift = np.ones(n)
    history = History(first_day=first_day, days=days, assortment=assortment)

    for d in range(days):
        weekday = np.array([(reference + timedelta(days=d + int(o))).weekday() for o in range(-1, 1)])
        shape = WEEKDAY_SHAPE[weekday[offset + 1]][s]
        day_of_year = (reference + timedelta(days=d)).timetuple().tm_yday
        season = 1 + catalogue.amplitude * np.cos(2 * np.pi * (day_of_year - catalogue.peak) / 365.25)
        starts = (rng.random(len(catalogue.ids)) < PROMO_START_PER_DAY) & (promo_until < d)
        if starts.any():
            promo_until[starts] = d + rng.integers(3, 8, int(starts.sum()))
            promo_uplift[starts] = rng.uniform(1.8, 3.2, int(starts.sum()))
            promo_price[starts] = 1 - rng.choice([0.15, 0.2, 0.25, 0.3], int(starts.sum()))
        on_promo = promo_until >= d
        uplift = np.where(on_promo, promo_uplift, 1.0)
        if d % 7 == 6:  # a week's steps at once: the same walk at a seventh of the cost on a big company
            product_drift += rng.normal(-3.5 * PRODUCT_DRIFT_SD**2, 7**0.5 * PRODUCT_DRIFT_SD, len(catalogue.ids))
            shelf_drift += rng.normal(-3.5 * SHELF_DRIFT_SD**2, 7**0.5 * SHELF_DRIFT_SD, n)
            drift = np.exp(np.clip(product_drift[p] + shelf_drift, -4.0, 2.0))
        demand = rng.poisson(rate * drift * shape * (season * uplift)[p])

        landed = arrives_on == d
        receipts = np.where(landed, on_order, 0)
        stock += receipts
        on_order[landed] = 0
        arrives_on[landed] = -1
        sold = np.minimum(demand, stock)
        stock -= sold
        last_sale[sold > 0] = d

        reorder = (stock <= reorder_point) & (arrives_on < 0)
        count = int(reorder.sum())
        if count:
            delay = np.rint(rng.normal(lead[reorder], lead_sd[reorder])).clip(1, None).astype(np.int64)
            delay += np.where(rng.random(count) < LATE_DELIVERY, rng.integers(4, 11, count), 0)
            on_order[reorder] = order_qty[reorder] + np.maximum(reorder_point[reorder] - stock[reorder], 0)
            arrives_on[reorder] = d + delay
            ordered_on[reorder] = d

        keep = np.flatnonzero((sold > 0) | (stock <= 0))
        price = np.round(catalogue.price * np.where(on_promo, promo_price, 1.0), 2)
        history.chunks.append(
            DayRows(
                day=d, rows=keep.astype(np.int32), units=sold[keep].astype(np.int32),
                receipts=receipts[keep].astype(np.int32), closing=stock[keep].astype(np.int32),
                unit_price=price[p[keep]],
            )
        )  # fmt: skip
        tick(1)

    history.stock, history.on_order, history.arrives_on, history.ordered_on = stock, on_order, arrives_on, ordered_on
    history.reorder_point, history.last_sale = reorder_point, last_sale
    assortment.rate = rate * drift  # today goes on from where the drift left each shelf
    return history
