"""Number formats for pages: money with two decimals, quantities without trailing zeros."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value) -> str:
    number = _decimal(value)
    return "—" if number is None else f"{number:,.2f}"


@register.filter
def qty(value) -> str:
    """12.000 -> 12, 2.500 -> 2.5, 1234 -> 1,234."""
    number = _decimal(value)
    if number is None:
        return "—"
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.normalize():,f}"


@register.filter
def signed(value) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"+{number}" if number > 0 else f"{number}"
