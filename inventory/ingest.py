"""POS sales ingest: idempotent, batch-at-a-time, never loses a line.

Contract of :func:`ingest_sales`:

- ``(store, pos_sale_id)`` is unique. A sale already stored (or repeated inside the same
  batch) answers ``duplicate`` with the first result and moves nothing.
- Every valid new sale of the batch is written in ONE transaction: sales, lines, the
  ledger movements (one lock round in product order, one counter update) and one outbox
  event for the workers. Nothing else is needed to be up: Redis and the broker are not
  touched here.
- A line whose SKU or barcode matches no product is kept in quarantine (with the sale)
  and posted when head office maps the code; it never blocks the sale.
- Stock may go negative; such levels are flagged for a count by the ledger.
- If a concurrent delivery of the same sale wins the race, the unique constraint fails
  the transaction and the batch is retried once: the retry sees those sales as
  duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from stores.models import PosDevice, Store

from . import ledger
from .bulk import insert_rows
from .models import (
    Barcode,
    MovementKind,
    Payment,
    Product,
    QuarantinedLine,
    QuarantineStatus,
    Sale,
    SaleKind,
    SaleLine,
)
from .outbox import record_event
from .sale_input import InvalidSale, SaleInput, parse_sale

CREATED, DUPLICATE, ERROR = "created", "duplicate", "error"
SALE_LINE_COLUMNS = (
    "store_id", "sale_id", "line_no", "product_id", "quantity", "unit_price", "discount", "unit_cost", "business_day",
)  # fmt: skip
PAYMENT_COLUMNS = ("store_id", "sale_id", "method", "amount")


@dataclass
class SaleResult:
    pos_sale_id: str | None
    status: str
    sale_id: int | None = None
    business_day: str | None = None
    lines: int = 0
    quarantined_lines: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pos_sale_id": self.pos_sale_id, "status": self.status}
        if self.status == ERROR:
            data["errors"] = self.errors
        else:
            data.update(
                sale_id=self.sale_id,
                business_day=self.business_day,
                lines=self.lines,
                quarantined_lines=self.quarantined_lines,
            )
        return data


def _existing_result(sale: Sale) -> SaleResult:
    return SaleResult(
        pos_sale_id=sale.pos_sale_id,
        status=DUPLICATE,
        sale_id=sale.pk,
        business_day=sale.business_day.isoformat(),
        lines=sale.line_count,
        quarantined_lines=sale.quarantined_lines,
    )


class ProductRef(NamedTuple):
    """What ingest needs of a product: its id and its cost (no model instance per code)."""

    id: int
    cost: Decimal | None


def resolve_codes(codes: set[str]) -> dict[str, ProductRef]:
    """Map SKUs and barcodes to active products with two indexed queries."""
    found: dict[str, ProductRef] = {}
    if not codes:
        return found
    for sku, product_id, cost in Product.objects.filter(sku__in=codes, is_active=True).values_list("sku", "id", "cost"):
        found[sku] = ProductRef(product_id, cost)
    rest = codes - found.keys()
    if rest:
        for code, product_id, cost in Barcode.objects.filter(code__in=rest, product__is_active=True).values_list(
            "code", "product_id", "product__cost"
        ):
            found[code] = ProductRef(product_id, cost)
    return found


def ingest_sales(
    *, store: Store, raw_sales: Sequence[Any], device: PosDevice | None = None, user=None
) -> list[SaleResult]:
    """Validate and store a batch of sales for one store; one result per input, in order."""
    results: list[SaleResult | None] = [None] * len(raw_sales)
    parsed: list[tuple[int, SaleInput]] = []
    for index, raw in enumerate(raw_sales):
        try:
            parsed.append((index, parse_sale(raw, prefix=f"sales[{index}]" if len(raw_sales) > 1 else "")))
        except InvalidSale as exc:
            pos_id = (
                raw.get("pos_sale_id") if isinstance(raw, dict) and isinstance(raw.get("pos_sale_id"), str) else None
            )
            results[index] = SaleResult(pos_sale_id=pos_id, status=ERROR, errors=exc.errors)
    if parsed:
        for attempt in range(2):
            try:
                for index, result in _write(store, parsed, device=device, user=user).items():
                    results[index] = result
                break
            except IntegrityError:
                if attempt == 1:
                    raise
    return results  # type: ignore[return-value]


def _write(store: Store, parsed: list[tuple[int, SaleInput]], *, device, user) -> dict[int, SaleResult]:
    results: dict[int, SaleResult] = {}
    ids = {sale.pos_sale_id for _, sale in parsed}
    originals = {sale.original_pos_sale_id for _, sale in parsed if sale.original_pos_sale_id}
    with transaction.atomic():
        existing = {
            sale.pos_sale_id: sale for sale in Sale.objects.for_store(store).filter(pos_sale_id__in=ids | originals)
        }
        products = resolve_codes({line.code for _, sale in parsed for line in sale.lines})
        new: list[tuple[int, SaleInput, Sale]] = []
        first_in_batch: dict[str, int] = {}
        for index, sale in parsed:
            if sale.pos_sale_id in existing:
                results[index] = _existing_result(existing[sale.pos_sale_id])
                continue
            if sale.pos_sale_id in first_in_batch:
                results[index] = SaleResult(pos_sale_id=sale.pos_sale_id, status=DUPLICATE)
                continue
            original = None
            if sale.original_pos_sale_id:
                original = existing.get(sale.original_pos_sale_id)
                if original is None:
                    results[index] = SaleResult(
                        pos_sale_id=sale.pos_sale_id,
                        status=ERROR,
                        errors=[
                            {
                                "field": "original_pos_sale_id",
                                "code": "unknown_sale",
                                "message": "no sale with this id in this store",
                            }
                        ],
                    )
                    continue
            first_in_batch[sale.pos_sale_id] = index
            total = sum((line.quantity * line.unit_price - line.discount for line in sale.lines), Decimal("0"))
            sign = -1 if sale.kind == SaleKind.RETURN else 1
            quarantined = sum(1 for line in sale.lines if line.code not in products)
            new.append(
                (
                    index,
                    sale,
                    Sale(
                        store=store,
                        pos_sale_id=sale.pos_sale_id,
                        kind=sale.kind,
                        original_sale=original,
                        device=device,
                        sold_at=sale.sold_at,
                        business_day=store.business_day(sale.sold_at),
                        total=(sign * total).quantize(Decimal("0.01")),
                        line_count=len(sale.lines),
                        quarantined_lines=quarantined,
                    ),
                )
            )
        if not new:
            return _fill_in_batch_duplicates(results, parsed, first_in_batch, {})
        Sale.objects.bulk_create([row for _, _, row in new])
        sale_lines, quarantine, payments, movements = [], [], [], []
        device_id = device.pk if device is not None else None
        user_id = user.pk if getattr(user, "pk", None) else None
        for _, sale, row in new:
            kind = MovementKind.RETURN if sale.kind == SaleKind.RETURN else MovementKind.SALE
            for line in sale.lines:
                product = products.get(line.code)
                if product is None:
                    quarantine.append(
                        QuarantinedLine(
                            store=store,
                            sale=row,
                            line_no=line.line_no,
                            code=line.code,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            discount=line.discount,
                        )
                    )
                    continue
                sale_lines.append(
                    (
                        store.pk, row.pk, line.line_no, product.id, line.quantity, line.unit_price, line.discount,
                        product.cost, row.business_day,
                    )
                )  # fmt: skip
                movements.append(
                    ledger.MovementRow(
                        product_id=product.id,
                        quantity=line.quantity if kind == MovementKind.RETURN else -line.quantity,
                        kind=kind,
                        document_type="sale",
                        document_id=row.pk,
                        unit_cost=product.cost,
                        occurred_at=row.sold_at,
                        business_day=row.business_day,
                        device_id=device_id,
                        user_id=user_id,
                    )
                )
            payments.extend((store.pk, row.pk, method, amount) for method, amount in sale.payments)
        insert_rows(SaleLine, SALE_LINE_COLUMNS, sale_lines)
        if quarantine:
            QuarantinedLine.objects.bulk_create(quarantine)
        insert_rows(Payment, PAYMENT_COLUMNS, payments)
        ledger.record_movements(store_id=store.pk, rows=movements)
        days = sorted({row.business_day.isoformat() for _, _, row in new})
        record_event(
            topic="sale.posted",
            store_id=store.pk,
            payload={
                "store_id": store.pk,
                "business_days": days,
                "sale_ids": [row.pk for _, _, row in new],
                "product_ids": sorted({m.product_id for m in movements}),
            },
        )
        created = {}
        for index, _, row in new:
            results[index] = SaleResult(
                pos_sale_id=row.pos_sale_id,
                status=CREATED,
                sale_id=row.pk,
                business_day=row.business_day.isoformat(),
                lines=row.line_count,
                quarantined_lines=row.quarantined_lines,
            )
            created[row.pos_sale_id] = results[index]
    return _fill_in_batch_duplicates(results, parsed, first_in_batch, created)


def _fill_in_batch_duplicates(results, parsed, first_in_batch, created) -> dict[int, SaleResult]:
    """A sale repeated inside one batch answers like a replay: the first one's result."""
    for index, sale in parsed:
        result = results.get(index)
        if result is not None and result.status == DUPLICATE and result.sale_id is None:
            first = created.get(sale.pos_sale_id)
            if first is not None:
                results[index] = SaleResult(**{**first.__dict__, "status": DUPLICATE})
    return results


def resolve_quarantine(*, line_ids: Sequence[int], product: Product, user) -> int:
    """Map quarantined lines to ``product`` and post them: sale lines, movements, counters.
    Lines already resolved are skipped, so a double click posts nothing twice."""
    posted = 0
    with transaction.atomic():
        lines = list(
            QuarantinedLine.objects.select_for_update()
            .select_related("sale", "store")
            .filter(pk__in=line_ids, status=QuarantineStatus.OPEN)
            .order_by("pk")
        )
        by_store: dict[int, list[QuarantinedLine]] = {}
        for line in lines:
            by_store.setdefault(line.store_id, []).append(line)
        for store_id, store_lines in sorted(by_store.items()):
            movements = []
            for line in store_lines:
                sale = line.sale
                is_return = sale.kind == SaleKind.RETURN
                SaleLine.objects.create(
                    store_id=store_id,
                    sale=sale,
                    line_no=line.line_no,
                    product=product,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount=line.discount,
                    unit_cost=product.cost,
                    business_day=sale.business_day,
                )
                movements.append(
                    ledger.MovementRow(
                        product_id=product.pk,
                        quantity=line.quantity if is_return else -line.quantity,
                        kind=MovementKind.RETURN if is_return else MovementKind.SALE,
                        document_type="sale",
                        document_id=sale.pk,
                        unit_cost=product.cost,
                        user_id=user.pk if getattr(user, "pk", None) else None,
                        occurred_at=sale.sold_at,
                        business_day=sale.business_day,
                        reason="quarantine",
                    )
                )
                posted += 1
            ledger.record_movements(store_id=store_id, rows=movements)
            record_event(
                topic="sale.posted",
                store_id=store_id,
                payload={
                    "store_id": store_id,
                    "business_days": sorted({line.sale.business_day.isoformat() for line in store_lines}),
                    "sale_ids": sorted({line.sale_id for line in store_lines}),
                    "product_ids": [product.pk],
                },
            )
        QuarantinedLine.objects.filter(pk__in=[line.pk for line in lines]).update(
            status=QuarantineStatus.POSTED,
            product=product,
            resolved_at=timezone.now(),
            resolved_by=user if getattr(user, "pk", None) else None,
        )
        for sale_id in {line.sale_id for line in lines}:
            count = sum(1 for line in lines if line.sale_id == sale_id)
            Sale.objects.filter(pk=sale_id).update(quarantined_lines=F("quarantined_lines") - count)
    return posted
