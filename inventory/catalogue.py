"""Writes to the catalogue: products (with their barcodes and a price history), the
category tree, suppliers and a supplier's terms for a product.

Every function here runs in one transaction and raises
:class:`~retail.api.errors.DomainError` / :class:`~retail.api.errors.InvalidInput` with
the offending field (``barcodes[1]``), so the API, the admin and the CSV import share one
set of rules. Cost and price never change without a :class:`PriceChange` row saying who
changed them and when: replenishment, margins and the audit of a price dispute read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from retail.api.errors import DomainError, InvalidInput
from stores import audit

from .barcodes import gtin_check_digit
from .models import Barcode, Category, PriceChange, Product, ProductSupplier, Supplier

# What the audit log keeps of a product (who changed the price, the name, the status).
AUDITED_FIELDS = ["sku", "name", "category", "unit", "case_pack", "cost", "price", "tax_class", "is_active"]
PRODUCT_FIELDS = (
    "sku",
    "name",
    "category",
    "unit",
    "case_pack",
    "cost",
    "price",
    "tax_class",
    "like_product",
    "is_active",
)
SUPPLIER_FIELDS = (
    "code",
    "name",
    "lead_time_days",
    "lead_time_sd_days",
    "min_order_value",
    "free_freight_value",
    "contact_name",
    "contact_email",
    "contact_phone",
    "is_active",
)


def barcode_problem(code: str) -> tuple[str, str] | None:
    """``(code, message)`` when ``code`` is not a GTIN we accept (EAN-8, UPC-A, EAN-13,
    GTIN-14 with a right check digit), else None."""
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13, 14):
        return "invalid_barcode", "a barcode is 8, 12 (UPC-A), 13 (EAN-13) or 14 digits"
    expected = gtin_check_digit(code[:-1])
    if expected != int(code[-1]):
        return "invalid_check_digit", f"check digit should be {expected}"
    return None


def barcode_errors(
    codes: Sequence[str], *, product_id: int | None = None, field: str = "barcodes"
) -> list[dict[str, Any]]:
    """Every problem with a product's barcode list: format and check digit, repeats in the
    list, and codes that already belong to another product (a barcode names one product)."""
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, code in enumerate(codes):
        problem = barcode_problem(code)
        if problem:
            errors.append({"field": f"{field}[{index}]", "code": problem[0], "message": problem[1]})
        elif code in seen:
            errors.append({"field": f"{field}[{index}]", "code": "duplicate", "message": "listed twice"})
        seen.add(code)
    taken = Barcode.objects.filter(code__in=seen).exclude(product_id=product_id).values_list("code", flat=True)
    taken_set = set(taken)
    for index, code in enumerate(codes):
        if code in taken_set:
            errors.append({"field": f"{field}[{index}]", "code": "taken", "message": "belongs to another product"})
    return errors


@transaction.atomic
def create_product(*, data: dict[str, Any], barcodes: Sequence[str] = (), user=None) -> Product:
    """A new product, its barcodes and the first line of its price history.

    ``data`` holds already-typed model values (``category`` a :class:`Category`).
    Raises :class:`InvalidInput` naming each bad barcode, :class:`DomainError` on ``sku``
    when the SKU exists; nothing is written then.
    """
    errors = barcode_errors(list(barcodes))
    if Product.objects.filter(sku=data.get("sku")).exists():
        errors.insert(0, {"field": "sku", "code": "taken", "message": "a product with this SKU exists"})
    if errors:
        raise InvalidInput(errors)
    product = Product(**{name: value for name, value in data.items() if name in PRODUCT_FIELDS})
    try:
        with transaction.atomic():
            product.save()
            Barcode.objects.bulk_create([Barcode(product=product, code=code) for code in barcodes])
    except IntegrityError as exc:  # a concurrent create took the SKU or a barcode
        raise DomainError("SKU or barcode taken meanwhile", field="sku", code="taken") from exc
    PriceChange.objects.create(product=product, cost=product.cost, price=product.price, changed_by=_person(user))
    audit.record(actor=user, action="product.create", obj=product, after=audit.snapshot(product, AUDITED_FIELDS))
    return product


@transaction.atomic
def update_product(
    *, product_id: int, changes: dict[str, Any], barcodes: Sequence[str] | None = None, user=None
) -> Product:
    """Change a product; a new cost or price appends a :class:`PriceChange`.

    The product row is locked so two editors cannot both read the old price and lose one
    history line. ``barcodes``, when given, replaces the product's list.
    """
    product = Product.objects.select_for_update().get(pk=product_id)
    if barcodes is not None:
        errors = barcode_errors(list(barcodes), product_id=product.pk)
        if errors:
            raise InvalidInput(errors)
    if "sku" in changes and changes["sku"] != product.sku and Product.objects.filter(sku=changes["sku"]).exists():
        raise DomainError("a product with this SKU exists", field="sku", code="taken")
    if changes.get("like_product") is not None and changes["like_product"].pk == product.pk:
        raise DomainError("a product cannot be like itself", field="like_product", code="invalid")
    price_changed = any(name in changes and changes[name] != getattr(product, name) for name in ("cost", "price"))
    before = audit.snapshot(product, AUDITED_FIELDS)
    for name, value in changes.items():
        if name in PRODUCT_FIELDS:
            setattr(product, name, value)
    product.save()
    if price_changed:
        PriceChange.objects.create(product=product, cost=product.cost, price=product.price, changed_by=_person(user))
    after = audit.snapshot(product, AUDITED_FIELDS)
    if after != before:
        action = "product.price_change" if price_changed else "product.update"
        audit.record(actor=user, action=action, obj=product, before=before, after=after)
    if barcodes is not None:
        current = set(product.barcodes.values_list("code", flat=True))
        product.barcodes.exclude(code__in=list(barcodes)).delete()
        Barcode.objects.bulk_create(
            [Barcode(product=product, code=c) for c in dict.fromkeys(barcodes) if c not in current]
        )
    return product


def set_price(*, product_id: int, cost: Decimal | None = None, price: Decimal | None = None, user=None) -> Product:
    """Change cost and/or price, keeping the history (see :func:`update_product`)."""
    changes = {name: value for name, value in (("cost", cost), ("price", price)) if value is not None}
    return update_product(product_id=product_id, changes=changes, user=user)


def category_label(category: Category, names: dict[int, str] | None = None) -> str:
    """The readable path of a category ("Grocery/Pasta") from its id path."""
    if names is None:
        ids = [int(part) for part in category.path.split("/") if part]
        names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    return "/".join(names.get(int(part), "?") for part in category.path.split("/") if part)


def category_labels() -> dict[int, str]:
    """Every category's readable path, by id: one query (the tree is small)."""
    rows = list(Category.objects.values_list("pk", "name", "path"))
    names = {pk: name for pk, name, _ in rows}
    return {pk: "/".join(names.get(int(p), "?") for p in path.split("/") if p) for pk, _, path in rows}


@transaction.atomic
def create_category(*, name: str, parent: Category | None = None) -> Category:
    """A category under ``parent`` (a root when None); names are unique among siblings."""
    name = name.strip()
    if not name or "/" in name:
        raise DomainError("a name without '/'", field="name", code="invalid")
    if Category.objects.filter(parent=parent, name=name).exists():
        raise DomainError("this parent already has a category with this name", field="name", code="taken")
    return Category.objects.create(name=name, parent=parent)


def ensure_category_path(label: str, *, known: dict[str, Category] | None = None) -> Category:
    """The category at ``"Grocery/Pasta"``, creating the missing levels (used by imports).
    ``known`` (label -> category) is read and filled, so a file of thousands of rows
    creates each level once."""
    known = {} if known is None else known
    parent: Category | None = None
    prefix = ""
    for part in [p.strip() for p in label.split("/")]:
        prefix = f"{prefix}/{part}" if prefix else part
        node = known.get(prefix)
        if node is None:
            node, _ = Category.objects.get_or_create(parent=parent, name=part)
            known[prefix] = node
        parent = node
    assert parent is not None
    return parent


@transaction.atomic
def save_supplier(*, data: dict[str, Any], supplier_id: int | None = None) -> Supplier:
    """Create (``supplier_id`` None) or change a supplier. Codes are unique."""
    code = data.get("code")
    if code is not None and Supplier.objects.filter(code=code).exclude(pk=supplier_id).exists():
        raise DomainError("a supplier with this code exists", field="code", code="taken")
    supplier = Supplier() if supplier_id is None else Supplier.objects.select_for_update().get(pk=supplier_id)
    for name, value in data.items():
        if name in SUPPLIER_FIELDS:
            setattr(supplier, name, value)
    supplier.save()
    return supplier


@dataclass(frozen=True)
class Terms:
    supplier: Supplier
    cost: Decimal
    supplier_sku: str = ""
    case_pack: int = 1
    lead_time_days: Decimal | None = None
    is_primary: bool = True


@transaction.atomic
def set_supplier_terms(*, product: Product, terms: Terms) -> ProductSupplier:
    """Create or change one supplier's terms for ``product``. Making them primary demotes
    the previous primary supplier in the same transaction (one primary per product)."""
    Product.objects.select_for_update().filter(pk=product.pk).first()
    if terms.is_primary:
        ProductSupplier.objects.filter(product=product, is_primary=True).exclude(supplier=terms.supplier).update(
            is_primary=False
        )
    elif not ProductSupplier.objects.filter(product=product, is_primary=True).exclude(supplier=terms.supplier).exists():
        terms = Terms(**{**terms.__dict__, "is_primary": True})  # the only supplier is the primary one
    row, _ = ProductSupplier.objects.update_or_create(
        product=product,
        supplier=terms.supplier,
        defaults={
            "supplier_sku": terms.supplier_sku,
            "cost": terms.cost,
            "case_pack": terms.case_pack,
            "lead_time_days": terms.lead_time_days,
            "is_primary": terms.is_primary,
        },
    )
    return row


def price_history(product: Product) -> Iterable[PriceChange]:
    return product.price_changes.select_related("changed_by").order_by("-changed_at", "-pk")


def _person(user):
    return user if getattr(user, "pk", None) else None
