"""Small helpers for the store-document tests: opening stock and reading a level."""

from __future__ import annotations

from decimal import Decimal

from inventory import ledger
from inventory.models import MovementKind, StockLevel


def give_stock(store, product, quantity) -> None:
    """Opening stock through the ledger, so the invariant holds from the start."""
    ledger.post_movements(
        store=store,
        lines=[ledger.MovementLine(product.pk, Decimal(str(quantity)), MovementKind.OPENING)],
        document_type="opening",
        document_id=0,
    )


def level(store, product) -> StockLevel | None:
    return StockLevel.objects.filter(store=store, product=product).first()


def on_hand(store, product) -> Decimal:
    row = level(store, product)
    return row.on_hand if row else Decimal("0")


def sell(store, product, quantity) -> None:
    """A sale straight through the ledger (the POS ingest is tested elsewhere)."""
    ledger.post_movements(
        store=store,
        lines=[ledger.MovementLine(product.pk, -Decimal(str(quantity)), MovementKind.SALE)],
        document_type="sale",
        document_id=0,
    )
