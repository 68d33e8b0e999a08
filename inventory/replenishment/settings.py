"""Replenishment settings: company -> region -> store -> product at store.

Each level states only what it changes (NULL inherits); the nearest level that sets a
value wins and is named as its source, so a page can say "95% (store)" or "5 days
(company)". The product-at-store level is ``StockLevel`` (``service_level``, ``min_qty``,
``max_qty``, ``in_assortment``): a manager's min/max there beats everything above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from inventory.models import ReplenishmentSettings, SettingsScope, StockLevel
from retail.api.errors import DomainError
from stores.models import Region, Store

DEFAULTS: dict[str, Any] = {
    "service_level": Decimal("0.95"),
    "review_days": Decimal("1"),
    "min_qty": None,
    "max_qty": None,
    "round_to_case_pack": True,
    "transfer_surplus_days": Decimal("7"),
    "transfer_min_qty": Decimal("2"),
    "transfer_lead_days": Decimal("1"),
}
FIELDS = tuple(DEFAULTS)
PRODUCT_FIELDS = ("service_level", "min_qty", "max_qty")
DEFAULT = "default"


@dataclass(frozen=True)
class Resolved:
    """Every setting's value and the level it came from (default, company, region, store, product)."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def as_rows(self) -> list[dict[str, Any]]:
        return [{"name": name, "value": self.values[name], "source": self.sources[name]} for name in self.values]


def chain_for(store: Store) -> list[ReplenishmentSettings]:
    """The levels that apply to ``store``, top first (one query)."""
    rows = list(
        ReplenishmentSettings.objects.filter(scope=SettingsScope.COMPANY)
        | ReplenishmentSettings.objects.filter(region_id=store.region_id)
        | ReplenishmentSettings.objects.filter(store_id=store.pk)
    )
    order = {SettingsScope.COMPANY: 0, SettingsScope.REGION: 1, SettingsScope.STORE: 2}
    return sorted(rows, key=lambda row: order[row.scope])


def resolve(
    *, store: Store, level: StockLevel | None = None, chain: list[ReplenishmentSettings] | None = None
) -> Resolved:
    """The settings in force at ``store`` (and for ``level``'s product when given)."""
    values = dict(DEFAULTS)
    sources = dict.fromkeys(FIELDS, DEFAULT)
    for row in chain if chain is not None else chain_for(store):
        for name in FIELDS:
            value = getattr(row, name)
            if value is not None:
                values[name], sources[name] = value, row.scope
    if level is not None:
        for name in PRODUCT_FIELDS:
            value = getattr(level, name)
            if value is not None:
                values[name], sources[name] = value, "product"
        values["in_assortment"], sources["in_assortment"] = level.in_assortment, "product"
    return Resolved(values=values, sources=sources)


def _validate(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise DomainError(f"unknown setting {unknown[0]!r}", field=unknown[0], code="unknown")
    clean: dict[str, Any] = {}
    for name, raw in changes.items():
        if raw is None:
            clean[name] = None
            continue
        if name == "round_to_case_pack":
            if not isinstance(raw, bool):
                raise DomainError("must be true, false or null", field=name, code="invalid")
            clean[name] = raw
            continue
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise DomainError("must be a number", field=name, code="invalid") from None
        if not value.is_finite() or value < 0:
            raise DomainError("must be a number, zero or more", field=name, code="invalid")
        if value.as_tuple().exponent < -3:
            raise DomainError("at most 3 decimals", field=name, code="max_decimal_places")
        if name == "service_level" and not (Decimal("0.5") <= value < Decimal("1")):
            raise DomainError("must be at least 0.5 and below 1", field=name, code="out_of_range")
        if name in ("review_days", "transfer_surplus_days", "transfer_lead_days") and value > Decimal("365"):
            raise DomainError("at most 365 days", field=name, code="out_of_range")
        clean[name] = value
    return clean


@transaction.atomic
def update_level(
    *, scope: str, changes: dict[str, Any], region: Region | None = None, store: Store | None = None
) -> ReplenishmentSettings:
    """Set (or clear, with None) settings at one level. Raises ``DomainError`` naming the
    field for an unknown name, a bad number or a min above the max; nothing is written then."""
    clean = _validate(changes)
    target = {
        "scope": scope,
        "region": region if scope == "region" else None,
        "store": store if scope == "store" else None,
    }
    row = ReplenishmentSettings.objects.select_for_update().filter(**target).first() or ReplenishmentSettings(**target)
    for name, value in clean.items():
        setattr(row, name, value)
    if row.min_qty is not None and row.max_qty is not None and row.min_qty > row.max_qty:
        raise DomainError("min_qty is above max_qty", field="min_qty", code="min_above_max")
    row.save()
    return row
