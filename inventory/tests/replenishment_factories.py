"""Builders for the replenishment tests: stock through the ledger, a demand state with
known numbers, a day's rollup."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from analytics.models import DailyRollup
from inventory.ledger import CounterDelta, MovementLine, post_movements
from inventory.models import DemandState, MovementKind, StockLevel

NIGHT = date(2025, 3, 10)  # a Monday


def stock(store, product, *, on_hand=0, on_order=0, **level_fields) -> StockLevel:
    """A level with ``on_hand`` (an opening movement) and ``on_order`` (a counter delta)."""
    post_movements(
        store=store,
        lines=[MovementLine(product.pk, Decimal(str(on_hand)), MovementKind.OPENING)] if on_hand else [],
        counters=[CounterDelta(product.pk, on_order=Decimal(str(on_order)))] if on_order else [],
        document_type="test",
        document_id=1,
    ) if on_hand or on_order else StockLevel.objects.get_or_create(store=store, product=product)
    if level_fields:
        StockLevel.objects.filter(store=store, product=product).update(**level_fields)
    return StockLevel.objects.get(store=store, product=product)


def demand(store, product, *, level: float, variance: float | None = None, last_day=NIGHT, days=60) -> DemandState:
    """A flat-week demand state; ``last_day=NIGHT`` means tonight is already folded in."""
    return DemandState.objects.create(
        store=store, product=product, level=level, variance=level if variance is None else variance,
        days_observed=days, last_day=last_day,
    )  # fmt: skip


def rollup(store, product, *, day=NIGHT, units=0, stockout=False) -> DailyRollup:
    return DailyRollup.objects.create(
        store=store, product=product, day=day, units=Decimal(str(units)), stockout=stockout
    )
