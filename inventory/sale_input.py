"""Parse and validate what a till sends, before anything is written.

Plain Python rather than nested DRF serializers: a 500-sale batch has thousands of
lines and this is the hot path of the whole system (see ``bench/ingest.py``). The
OpenAPI schema is declared by ``inventory/api/pos_serializers.py``; the tests in
``inventory/tests/test_sale_input.py`` hold the two to the same rules.

Every problem is reported as ``{"field": "lines[3].quantity", "code": ..., "message": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

MAX_LINES = 500
MAX_QUANTITY = Decimal("100000")
MAX_PRICE = Decimal("1000000")
CODE_MAX = 64
PAYMENT_METHODS = frozenset({"cash", "card", "voucher", "mobile", "other"})


@dataclass(slots=True)
class LineInput:
    line_no: int
    code: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal


@dataclass(slots=True)
class SaleInput:
    pos_sale_id: str
    kind: str
    sold_at: datetime
    lines: list[LineInput]
    payments: list[tuple[str, Decimal]] = field(default_factory=list)
    original_pos_sale_id: str | None = None


class InvalidSale(Exception):
    def __init__(self, errors: list[dict[str, Any]], pos_sale_id: str | None = None) -> None:
        super().__init__(errors)
        self.errors = errors
        self.pos_sale_id = pos_sale_id


def _err(errors: list, field_name: str, code: str, message: str) -> None:
    errors.append({"field": field_name, "code": code, "message": message})


def _code(value: Any, name: str, errors: list, *, max_length: int = CODE_MAX) -> str | None:
    if not isinstance(value, str):
        _err(errors, name, "invalid_type", "must be a string")
        return None
    value = value.strip()
    if not value:
        _err(errors, name, "blank", "must not be blank")
        return None
    if len(value) > max_length:
        _err(errors, name, "max_length", f"at most {max_length} characters")
        return None
    if not value.isprintable():
        _err(errors, name, "invalid_characters", "must not contain control characters")
        return None
    return value


def _decimal(
    value: Any, name: str, errors: list, *, places: int, minimum: Decimal, maximum: Decimal, allow_zero: bool
) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        _err(errors, name, "invalid_type", "must be a number")
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, str) else Decimal(value.strip())
    except (InvalidOperation, ValueError):
        _err(errors, name, "invalid_number", "must be a number")
        return None
    if not number.is_finite():
        _err(errors, name, "invalid_number", "must be a finite number")
        return None
    if number.as_tuple().exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
        _err(errors, name, "max_decimal_places", f"at most {places} decimal places")
        return None
    if number < minimum or (number == 0 and not allow_zero):
        _err(errors, name, "min_value", f"must be greater than {'or equal to ' if allow_zero else ''}{minimum}")
        return None
    if number > maximum:
        _err(errors, name, "max_value", f"must be at most {maximum}")
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _timestamp(value: Any, name: str, errors: list) -> datetime | None:
    if not isinstance(value, str):
        _err(errors, name, "invalid_type", "must be an ISO 8601 timestamp string")
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        _err(errors, name, "invalid_datetime", "must be an ISO 8601 timestamp, e.g. 2026-11-25T14:03:00+01:00")
        return None
    if timezone.is_naive(moment):
        _err(errors, name, "missing_offset", "must carry a UTC offset (e.g. +01:00 or Z)")
        return None
    now = timezone.now()
    if moment > now + settings.POS_FUTURE_TOLERANCE:
        _err(errors, name, "in_future", "is in the future; check the till's clock")
        return None
    if moment < now - settings.POS_PAST_LIMIT:
        _err(errors, name, "too_old", f"is older than {settings.POS_PAST_LIMIT.days} days; send it to head office")
        return None
    return moment


def parse_sale(raw: Any, prefix: str = "") -> SaleInput:
    """Validate one sale; raises :class:`InvalidSale` listing every problem found."""
    errors: list[dict[str, Any]] = []
    p = f"{prefix}." if prefix else ""
    if not isinstance(raw, dict):
        raise InvalidSale([{"field": prefix or None, "code": "invalid_type", "message": "a sale must be an object"}])
    pos_sale_id = _code(raw.get("pos_sale_id"), f"{p}pos_sale_id", errors) if "pos_sale_id" in raw else None
    if "pos_sale_id" not in raw:
        _err(errors, f"{p}pos_sale_id", "required", "this field is required")
    kind = raw.get("kind", "sale")
    if kind not in ("sale", "return"):
        _err(errors, f"{p}kind", "invalid_choice", "must be 'sale' or 'return'")
    sold_at = None
    if "sold_at" not in raw:
        _err(errors, f"{p}sold_at", "required", "this field is required")
    else:
        sold_at = _timestamp(raw["sold_at"], f"{p}sold_at", errors)
    original = raw.get("original_pos_sale_id")
    if original is not None:
        original = _code(original, f"{p}original_pos_sale_id", errors)
        if kind != "return":
            _err(errors, f"{p}original_pos_sale_id", "invalid", "only a return refers to an original sale")
    lines_raw = raw.get("lines")
    lines: list[LineInput] = []
    if not isinstance(lines_raw, list):
        _err(errors, f"{p}lines", "required" if lines_raw is None else "invalid_type", "must be a list of lines")
    elif not lines_raw:
        _err(errors, f"{p}lines", "empty", "a sale needs at least one line")
    elif len(lines_raw) > MAX_LINES:
        _err(errors, f"{p}lines", "too_many", f"at most {MAX_LINES} lines per sale")
    else:
        for index, line in enumerate(lines_raw):
            parsed = _parse_line(line, f"{p}lines[{index}]", index + 1, errors)
            if parsed is not None:
                lines.append(parsed)
    payments = _parse_payments(raw.get("payments"), f"{p}payments", errors)
    unknown = set(raw) - {"pos_sale_id", "kind", "sold_at", "lines", "payments", "original_pos_sale_id"}
    for name in sorted(unknown)[:5]:
        _err(errors, f"{p}{name}", "unknown_field", "is not a field of a sale")
    if errors:
        raise InvalidSale(errors, pos_sale_id)
    return SaleInput(
        pos_sale_id=pos_sale_id,
        kind=kind,
        sold_at=sold_at,
        lines=lines,
        payments=payments,
        original_pos_sale_id=original,
    )


def _parse_line(raw: Any, name: str, line_no: int, errors: list) -> LineInput | None:
    if not isinstance(raw, dict):
        _err(errors, name, "invalid_type", "a line must be an object")
        return None
    before = len(errors)
    has_sku, has_barcode = "sku" in raw, "barcode" in raw
    if has_sku == has_barcode:
        _err(errors, name, "code_required", "give exactly one of sku or barcode")
        code = None
    else:
        key = "sku" if has_sku else "barcode"
        code = _code(raw[key], f"{name}.{key}", errors)
    if "quantity" not in raw:
        _err(errors, f"{name}.quantity", "required", "this field is required")
        quantity = None
    else:
        quantity = _decimal(
            raw["quantity"],
            f"{name}.quantity",
            errors,
            places=3,
            minimum=Decimal(0),
            maximum=MAX_QUANTITY,
            allow_zero=False,
        )
    if "unit_price" not in raw:
        _err(errors, f"{name}.unit_price", "required", "this field is required")
        price = None
    else:
        price = _decimal(
            raw["unit_price"],
            f"{name}.unit_price",
            errors,
            places=2,
            minimum=Decimal(0),
            maximum=MAX_PRICE,
            allow_zero=True,
        )
    discount = _decimal(
        raw.get("discount", 0),
        f"{name}.discount",
        errors,
        places=2,
        minimum=Decimal(0),
        maximum=MAX_PRICE,
        allow_zero=True,
    )
    if len(errors) > before:
        return None
    if discount > price * quantity:
        _err(errors, f"{name}.discount", "max_value", "is larger than the line's value")
        return None
    return LineInput(line_no=line_no, code=code, quantity=quantity, unit_price=price, discount=discount)


def _parse_payments(raw: Any, name: str, errors: list) -> list[tuple[str, Decimal]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        _err(errors, name, "invalid_type", "must be a list of at most 20 payments")
        return []
    payments = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("method") not in PAYMENT_METHODS:
            _err(errors, f"{name}[{index}].method", "invalid_choice", f"must be one of {sorted(PAYMENT_METHODS)}")
            continue
        amount = _decimal(
            item.get("amount"),
            f"{name}[{index}].amount",
            errors,
            places=2,
            minimum=Decimal(0),
            maximum=MAX_PRICE * 100,
            allow_zero=True,
        )
        if amount is not None:
            payments.append((item["method"], amount))
    return payments


def parse_batch(raw: Any) -> list[Any]:
    """The batch envelope: ``{"sales": [...]}`` with 1..POS_BATCH_MAX items and at most
    POS_BATCH_MAX_LINES lines in all. Items are
    validated one by one by the caller, so one bad sale does not reject the others."""
    if not isinstance(raw, dict) or "sales" not in raw:
        raise InvalidSale([{"field": "sales", "code": "required", "message": 'send {"sales": [...]}'}])
    sales = raw["sales"]
    if not isinstance(sales, list):
        raise InvalidSale([{"field": "sales", "code": "invalid_type", "message": "must be a list"}])
    if not sales:
        raise InvalidSale([{"field": "sales", "code": "empty", "message": "send at least one sale"}])
    if len(sales) > settings.POS_BATCH_MAX:
        raise InvalidSale(
            [{"field": "sales", "code": "too_many", "message": f"at most {settings.POS_BATCH_MAX} sales per batch"}]
        )
    lines = sum(len(s["lines"]) for s in sales if isinstance(s, dict) and isinstance(s.get("lines"), list))
    if lines > settings.POS_BATCH_MAX_LINES:
        # One batch is one transaction holding the store's stock rows: bound its length.
        raise InvalidSale(
            [
                {
                    "field": "sales",
                    "code": "too_many_lines",
                    "message": f"at most {settings.POS_BATCH_MAX_LINES} lines per batch",
                }
            ]
        )
    return sales
