"""GTIN check digits (EAN-13, UPC-A, EAN-8, GTIN-14)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def gtin_check_digit(body: str) -> int:
    """The check digit for the digits before it (GS1: weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in (8, 12, 13, 14)
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def validate_gtin(code: str) -> None:
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13, 14):
        raise ValidationError("a barcode is 8, 12 (UPC-A), 13 (EAN-13) or 14 digits", code="invalid_barcode")
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        raise ValidationError(f"check digit should be {gtin_check_digit(code[:-1])}", code="invalid_check_digit")


def make_ean13(number: int, prefix: str = "20") -> str:
    """An in-store EAN-13 (prefix 20-29 is reserved for internal numbering)."""
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))
