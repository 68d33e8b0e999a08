"""Input checks shared by the store documents (adjustments, counts, transfers, purchase orders).

The serializers check the shape of a request; these functions are the domain's own guard,
so a document created from code (the replenishment approval, a test, a script) obeys the
same rules as one created through the API. Every problem is collected and raised at once as
:class:`~retail.api.errors.InvalidInput` with ``lines[i].<field>`` names, before anything is
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from retail.api.errors import DomainError, InvalidInput

from .models import Barcode, Product

MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_COST = Decimal("99999999")
MAX_LINES = 5000


@dataclass(frozen=True, slots=True)
class LineInput:
    """One requested line: a product by SKU (or barcode) and a quantity, optionally a cost."""

    sku: str
    quantity: Any
    unit_cost: Any = None


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    product: Product
    quantity: Decimal
    unit_cost: Decimal | None


def error(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def parse_decimal(
    raw: Any, field: str, errors: list, *, places: int = 3, maximum: Decimal = MAX_QUANTITY, sign: str = "positive"
) -> Decimal | None:
    """A finite number with at most ``places`` decimals and ``|value| <= maximum``.

    ``sign``: ``positive`` (> 0), ``non_negative`` (>= 0) or ``non_zero`` (either sign).
    Appends to ``errors`` and returns None when the value is unusable.
    """
    if isinstance(raw, bool) or raw is None or raw == "":
        errors.append(error(field, "required", "a number is required"))
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors.append(error(field, "invalid", "must be a number"))
        return None
    if not value.is_finite():
        errors.append(error(field, "invalid", "must be a finite number"))
        return None
    if value.as_tuple().exponent < -places:
        errors.append(error(field, "max_decimal_places", f"at most {places} decimals"))
        return None
    if abs(value) > maximum:
        errors.append(error(field, "max_value", f"at most {maximum} in size"))
        return None
    if sign == "positive" and value <= 0:
        errors.append(error(field, "min_value", "must be more than zero"))
        return None
    if sign == "non_negative" and value < 0:
        errors.append(error(field, "min_value", "must be zero or more"))
        return None
    if sign == "non_zero" and value == 0:
        errors.append(error(field, "zero", "must not be zero"))
        return None
    return value


def parse_quantity(raw: Any, *, field: str = "quantity", sign: str = "positive") -> Decimal:
    """One quantity, or ``DomainError`` naming ``field``."""
    errors: list = []
    value = parse_decimal(raw, field, errors, sign=sign)
    if errors:
        raise InvalidInput(errors)
    return value


def find_products(codes: Sequence[str]) -> dict[str, Product]:
    """Active products by SKU, else by barcode: ``{code: product}`` in two queries at most."""
    wanted = [c for c in codes if c]
    products = {p.sku: p for p in Product.objects.filter(sku__in=wanted, is_active=True)}
    by_barcode = [c for c in wanted if c not in products]
    if by_barcode:
        for barcode in Barcode.objects.filter(code__in=by_barcode, product__is_active=True).select_related("product"):
            products[barcode.code] = barcode.product
    return products


def resolve_lines(
    lines: Sequence[LineInput],
    *,
    sign: str = "positive",
    with_cost: bool = False,
    field: str = "lines",
    allowed_product_ids: set[int] | None = None,
) -> list[ResolvedLine]:
    """Check and resolve document lines in two queries (SKUs, then barcodes for the rest).

    Raises :class:`InvalidInput` listing every problem: no lines, too many, unknown or
    inactive products, a product twice, bad quantities or costs, and (``allowed_product_ids``)
    products that are not on the document being acted on.
    """
    if not isinstance(lines, Sequence) or isinstance(lines, str) or not lines:
        raise DomainError("give at least one line", field=field, code="required")
    if len(lines) > MAX_LINES:
        raise DomainError(f"at most {MAX_LINES} lines", field=field, code="max_length")
    errors: list = []
    codes = [str(line.sku or "").strip() for line in lines]
    products = find_products(codes)
    resolved: list[ResolvedLine] = []
    seen: dict[int, int] = {}
    for index, (line, code) in enumerate(zip(lines, codes, strict=True)):
        name = f"{field}[{index}]"
        product = products.get(code)
        if not code:
            errors.append(error(f"{name}.sku", "required", "give the product's SKU or barcode"))
        elif product is None:
            errors.append(error(f"{name}.sku", "not_found", f"no active product with SKU or barcode {code[:64]}"))
        elif product.pk in seen:
            errors.append(error(f"{name}.sku", "duplicate", f"{product.sku} is already on line {seen[product.pk]}"))
        elif allowed_product_ids is not None and product.pk not in allowed_product_ids:
            errors.append(error(f"{name}.sku", "not_in_document", f"{product.sku} is not on this document"))
        if product is not None:
            seen.setdefault(product.pk, index)
        value = parse_decimal(line.quantity, f"{name}.quantity", errors, sign=sign)
        cost = None
        if with_cost and line.unit_cost is not None:
            cost = parse_decimal(
                line.unit_cost, f"{name}.unit_cost", errors, places=4, maximum=MAX_UNIT_COST, sign="non_negative"
            )
        if product is not None and value is not None:
            resolved.append(ResolvedLine(product, value, cost))
    if errors:
        raise InvalidInput(errors)
    return resolved


def lines_from(raw: Any, *, field: str = "lines") -> list[LineInput]:
    """``[{"sku", "quantity", "unit_cost"?}]`` as :class:`LineInput` (for callers holding JSON)."""
    if not isinstance(raw, list):
        raise DomainError("a list of lines", field=field, code="invalid")
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise DomainError("each line is an object", field=f"{field}[{index}]", code="invalid")
        out.append(LineInput(sku=item.get("sku", ""), quantity=item.get("quantity"), unit_cost=item.get("unit_cost")))
    return out


def record_level_changed(*, store_id: int, product_ids, document_type: str, document_id: int) -> None:
    """The ``stock.level_changed`` outbox event of a document, in its transaction."""
    from .outbox import record_event

    record_event(
        topic="stock.level_changed",
        store_id=store_id,
        payload={
            "store_id": store_id,
            "product_ids": sorted(set(product_ids)),
            "reason": document_type,
            "document_type": document_type,
            "document_id": document_id,
        },
    )


def person(user):
    """The user to store on a document: a saved person, else None (a device, anonymous)."""
    return user if getattr(user, "pk", None) else None


def qty_text(value: Decimal) -> str:
    """A quantity for an event payload: always three decimals, whichever database read it."""
    return f"{Decimal(value).quantize(Decimal('0.001')):f}"
