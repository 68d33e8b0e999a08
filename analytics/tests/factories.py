"""Test data for analytics: sales and movements written the way the ingest and the
documents write them (sale rows plus ledger movements through ``inventory.ledger``)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from decimal import Decimal

from inventory import ledger
from inventory.models import MovementKind, Product, Sale, SaleKind, SaleLine
from stores.models import Store

_ids = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def sell(
    store: Store,
    day: date,
    lines: list[tuple[Product, str, str] | tuple[Product, str, str, str]],
    *,
    kind: str = SaleKind.SALE,
) -> Sale:
    """One receipt: ``lines`` are (product, quantity, unit price[, discount])."""
    n = next(_ids)
    total = Decimal("0")
    sale = Sale.objects.create(
        store=store, pos_sale_id=f"T{n}", kind=kind, sold_at=at(day), business_day=day, total=0,
        line_count=len(lines),
    )  # fmt: skip
    rows, moves = [], []
    for line_no, line in enumerate(lines, start=1):
        product, quantity, price = line[0], Decimal(line[1]), Decimal(line[2])
        discount = Decimal(line[3]) if len(line) > 3 else Decimal("0")
        total += quantity * price - discount
        rows.append(
            SaleLine(
                store=store,
                sale=sale,
                line_no=line_no,
                product=product,
                quantity=quantity,
                unit_price=price,
                discount=discount,
                unit_cost=product.cost,
                business_day=day,
            )
        )
        signed = quantity if kind == SaleKind.RETURN else -quantity
        moves.append(ledger.MovementLine(product.pk, signed, kind, product.cost))
    SaleLine.objects.bulk_create(rows)
    Sale.objects.filter(pk=sale.pk).update(total=total)
    ledger.post_movements(
        store=store, lines=moves, document_type="sale", document_id=sale.pk, occurred_at=at(day), business_day=day
    )
    return sale


def move(store: Store, day: date, product: Product, quantity: str, kind: str, reason: str = "") -> None:
    ledger.post_movements(
        store=store,
        lines=[ledger.MovementLine(product.pk, Decimal(quantity), kind, product.cost, reason)],
        document_type="test",
        document_id=next(_ids),
        occurred_at=at(day, 9),
        business_day=day,
    )


def receive(store: Store, day: date, product: Product, quantity: str) -> None:
    move(store, day, product, quantity, MovementKind.RECEIPT)
