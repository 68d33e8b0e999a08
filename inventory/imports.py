"""CSV imports of products, suppliers and opening stock, with a dry run.

Contract:

- every row is validated before anything is written, and EVERY problem is reported as
  ``{"row": <line in the file, the header is line 1>, "column": ..., "code": ..., "message": ...}``;
- a real run writes all rows or none (one transaction): a file with any bad row writes
  nothing and the job is ``failed`` with the full list;
- a dry run stops after validation (``done``, with the errors and what it would do);
- progress (``processed_rows``) is saved every :data:`PROGRESS_EVERY` rows while rows are
  checked, outside the write transaction so that a page or the API can show it;
- files under :data:`INLINE_LIMIT` rows run in the request, larger ones in a Celery task.

Products are matched on SKU (new ones created, existing ones changed; a new cost or
price appends a ``PriceChange``), suppliers on code; opening stock posts ``opening``
movements through :func:`inventory.ledger.post_movements` (``document_type="import"``,
the job id as document id) and refuses a (store, product) that already has movements.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from retail.api.errors import DomainError
from stores.models import Store

from . import catalogue, ledger
from .models import (
    Barcode,
    ImportJob,
    ImportKind,
    ImportStatus,
    MovementKind,
    PriceChange,
    Product,
    ProductSupplier,
    StockMovement,
    Supplier,
    TaxClass,
    Unit,
)
from .outbox import record_event

logger = logging.getLogger(__name__)

INLINE_LIMIT = 2000
PROGRESS_EVERY = 250
MAX_FILE_BYTES = 20 * 1024 * 1024
LOOKUP_CHUNK = 1000

COLUMNS: dict[str, tuple[str, ...]] = {
    ImportKind.PRODUCTS: (
        "sku",
        "name",
        "category",
        "unit",
        "case_pack",
        "cost",
        "price",
        "tax_class",
        "barcodes",
        "supplier_code",
        "supplier_sku",
        "supplier_cost",
    ),
    ImportKind.SUPPLIERS: (
        "code",
        "name",
        "lead_time_days",
        "lead_time_sd_days",
        "min_order_value",
        "free_freight_value",
        "contact_email",
    ),
    ImportKind.OPENING_STOCK: ("store", "sku", "quantity", "unit_cost"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    ImportKind.PRODUCTS: ("sku", "name", "category", "cost", "price"),
    ImportKind.SUPPLIERS: ("code", "name"),
    ImportKind.OPENING_STOCK: ("store", "sku", "quantity"),
}


class ImportRejected(DomainError):
    """The upload itself is unusable (kind, encoding, header, size)."""


@dataclass
class Row:
    line: int
    values: dict[str, str]


@dataclass
class Checked:
    """Validated, typed rows of a file and every error found in it."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)

    def error(self, row: int, column: str | None, code: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "code": code, "message": message})


Progress = Callable[[int], None]


# --- the job -------------------------------------------------------------------------


def create_job(*, kind: str, upload, dry_run: bool, user) -> ImportJob:
    """Store the upload as an :class:`ImportJob` and run it: inline below
    :data:`INLINE_LIMIT` rows, else by the ``run_import`` task after commit. Raises
    :class:`ImportRejected` (nothing stored) when the kind, size, encoding or header is wrong."""
    if kind not in COLUMNS:
        raise ImportRejected(f"one of {', '.join(COLUMNS)}", field="kind", code="invalid_choice")
    if upload is None:
        raise ImportRejected("a CSV file is required", field="file", code="required")
    if upload.size > MAX_FILE_BYTES:
        raise ImportRejected(f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB", field="file", code="too_large")
    raw = upload.read()
    rows = _rows(raw, kind)  # raises ImportRejected on encoding or header
    job = ImportJob(kind=kind, dry_run=dry_run, total_rows=len(rows), created_by=_person(user))
    job.file.save(f"{kind}-{timezone.now():%Y%m%d-%H%M%S}.csv", ContentFile(raw), save=False)
    job.save()
    if len(rows) < INLINE_LIMIT:
        return run_job(job_id=job.pk)
    transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    from kombu.exceptions import OperationalError as BrokerError

    from .tasks import run_import

    try:
        run_import.delay(job_id)
    except (BrokerError, ConnectionError, OSError) as exc:
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
            status=ImportStatus.FAILED,
            errors=[{"row": None, "column": None, "code": "queue_unavailable", "message": str(exc)[:200]}],
            finished_at=timezone.now(),
        )


def run_job(*, job_id: int) -> ImportJob:
    """Validate (saving progress) and, unless a dry run or invalid, write in one
    transaction. A job that already finished is returned as it is (a redelivered task
    does nothing)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.RUNNING)
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    job.file.open("rb")
    try:
        raw = job.file.read()
    finally:
        job.file.close()
    rows = _rows(raw, job.kind)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    checked = VALIDATORS[job.kind](rows, progress)
    progress(len(rows))
    summary: dict[str, Any] = {"rows": len(rows), "errors": len(checked.errors), "dry_run": job.dry_run}
    status = ImportStatus.DONE
    if checked.errors:
        status = ImportStatus.DONE if job.dry_run else ImportStatus.FAILED
        summary["written"] = False
    elif job.dry_run:
        summary.update(WOULD_DO[job.kind](checked.items), written=False)
    else:
        try:
            with transaction.atomic():
                summary.update(WRITERS[job.kind](checked.items, job), written=True)
        except (IntegrityError, DatabaseError, DomainError) as exc:
            logger.warning("import rolled back", extra={"job_id": job_id, "error": str(exc)})
            checked.error(None, None, "conflict", f"nothing written: {str(exc)[:200]}")
            status = ImportStatus.FAILED
            summary["written"] = False
    ImportJob.objects.filter(pk=job_id).update(
        status=status, errors=checked.errors, summary=summary, processed_rows=len(rows), finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _rows(raw: bytes, kind: str) -> list[Row]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected("the file must be UTF-8 CSV", field="file", code="encoding") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED[kind] if name not in header]
    unknown = [name for name in header if name not in COLUMNS[kind]]
    if missing or unknown:
        problems = ([f"missing column(s): {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        )
        raise ImportRejected(
            "; ".join(problems) + f" (expected {','.join(COLUMNS[kind])})", field="file", code="bad_header"
        )
    reader.fieldnames = header
    rows = []
    try:
        for values in reader:
            extra = values.pop(None, None)
            clean = {k: (v or "").strip() for k, v in values.items()}
            if extra:
                clean["__extra__"] = "1"
            if any(v for k, v in clean.items() if k != "__extra__"):
                rows.append(Row(reader.line_num, clean))
    except csv.Error as exc:
        raise ImportRejected(f"not a readable CSV file: {exc}", field="file", code="bad_csv") from exc
    return rows


# --- typed cells -----------------------------------------------------------------------


def _decimal(checked: Checked, row: Row, column: str, *, places: int, required: bool, minimum=Decimal("0")):
    text = row.values.get(column, "")
    if not text:
        if required:
            checked.error(row.line, column, "required", "required")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        checked.error(row.line, column, "invalid", f"not a number: {text!r}")
        return None
    if not value.is_finite():
        checked.error(row.line, column, "invalid", f"not a number: {text!r}")
        return None
    if value.as_tuple().exponent < -places:
        checked.error(row.line, column, "max_decimal_places", f"at most {places} decimals")
        return None
    if minimum is not None and value < minimum:
        checked.error(row.line, column, "min_value", f"must be at least {minimum}")
        return None
    if abs(value) >= Decimal(10) ** (12 - places):
        checked.error(row.line, column, "max_value", "too large")
        return None
    return value


def _integer(checked: Checked, row: Row, column: str, *, default: int, minimum: int = 1) -> int | None:
    text = row.values.get(column, "")
    if not text:
        return default
    if not text.isdigit() or int(text) < minimum or int(text) > 1_000_000:
        checked.error(row.line, column, "invalid", f"a whole number from {minimum}")
        return None
    return int(text)


def _text(checked: Checked, row: Row, column: str, *, max_length: int, required: bool = False) -> str:
    text = row.values.get(column, "")
    if required and not text:
        checked.error(row.line, column, "required", "required")
    elif len(text) > max_length:
        checked.error(row.line, column, "max_length", f"at most {max_length} characters")
    return text


def _choice(checked: Checked, row: Row, column: str, choices, default: str) -> str:
    text = row.values.get(column, "") or default
    if text not in choices.values:
        checked.error(row.line, column, "invalid_choice", f"one of {', '.join(choices.values)}")
    return text


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _walk(rows: list[Row], checked: Checked, progress: Progress):
    for index, row in enumerate(rows, start=1):
        if row.values.pop("__extra__", None):
            checked.error(row.line, None, "extra_cells", "more cells than columns")
        yield row
        if index % PROGRESS_EVERY == 0:
            progress(index)


# --- products --------------------------------------------------------------------------


@dataclass
class ProductRow:
    line: int
    sku: str
    name: str
    category: str
    unit: str
    case_pack: int
    cost: Decimal
    price: Decimal
    tax_class: str
    barcodes: list[str]
    supplier_code: str
    supplier_sku: str
    supplier_cost: Decimal | None


def check_products(rows: list[Row], progress: Progress) -> Checked:
    checked = Checked()
    skus = [r.values.get("sku", "") for r in rows]
    owners: dict[str, str] = {}
    codes = sorted({c for r in rows for c in r.values.get("barcodes", "").split("|") if c.strip()})
    for chunk in _chunks(codes):
        owners.update(Barcode.objects.filter(code__in=chunk).values_list("code", "product__sku"))
    suppliers = set(Supplier.objects.values_list("code", flat=True))
    seen_skus: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    del skus
    for row in _walk(rows, checked, progress):
        before = len(checked.errors)
        sku = _text(checked, row, "sku", max_length=40, required=True)
        if sku and sku in seen_skus:
            checked.error(row.line, "sku", "duplicate", f"also on row {seen_skus[sku]}")
        seen_skus.setdefault(sku, row.line)
        name = _text(checked, row, "name", max_length=200, required=True)
        category = row.values.get("category", "")
        parts = [p.strip() for p in category.split("/")]
        if not category:
            checked.error(row.line, "category", "required", "required")
        elif not all(parts) or any(len(p) > 100 for p in parts):
            checked.error(row.line, "category", "invalid", 'a path such as "Grocery/Pasta"')
        unit = _choice(checked, row, "unit", Unit, Unit.EACH)
        case_pack = _integer(checked, row, "case_pack", default=1)
        cost = _decimal(checked, row, "cost", places=2, required=True)
        price = _decimal(checked, row, "price", places=2, required=True)
        tax_class = _choice(checked, row, "tax_class", TaxClass, TaxClass.STANDARD)
        barcodes = [c.strip() for c in row.values.get("barcodes", "").split("|") if c.strip()]
        for index, code in enumerate(barcodes):
            column = f"barcodes[{index}]"
            problem = catalogue.barcode_problem(code)
            if problem:
                checked.error(row.line, column, *problem)
            elif code in seen_codes:
                checked.error(row.line, column, "duplicate", f"also on row {seen_codes[code]}")
            elif owners.get(code, sku) != sku:
                checked.error(row.line, column, "taken", f"belongs to product {owners[code]}")
            seen_codes.setdefault(code, row.line)
        supplier_code = _text(checked, row, "supplier_code", max_length=32)
        if supplier_code and supplier_code not in suppliers:
            checked.error(row.line, "supplier_code", "not_found", f"no supplier {supplier_code!r}")
        supplier_sku = _text(checked, row, "supplier_sku", max_length=40)
        supplier_cost = _decimal(checked, row, "supplier_cost", places=2, required=False)
        if (supplier_sku or supplier_cost is not None) and not supplier_code:
            checked.error(row.line, "supplier_code", "required", "needed with supplier_sku or supplier_cost")
        if len(checked.errors) == before:
            checked.items.append(
                ProductRow(
                    row.line,
                    sku,
                    name,
                    "/".join(parts),
                    unit,
                    case_pack,
                    cost,
                    price,
                    tax_class,
                    barcodes,
                    supplier_code,
                    supplier_sku,
                    supplier_cost,
                )
            )
    return checked


def _existing_products(skus: Sequence[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for chunk in _chunks(list(skus)):
        found.update((p.sku, p) for p in Product.objects.filter(sku__in=chunk))
    return found


def plan_products(items: list[ProductRow]) -> dict[str, int]:
    existing = _existing_products([i.sku for i in items])
    return {
        "would_create": sum(i.sku not in existing for i in items),
        "would_update": sum(i.sku in existing for i in items),
    }


def write_products(items: list[ProductRow], job: ImportJob) -> dict[str, int]:
    user = job.created_by
    known_categories: dict[str, Any] = {}
    categories = {
        label: catalogue.ensure_category_path(label, known=known_categories)
        for label in sorted({i.category for i in items})
    }
    existing = _existing_products([i.sku for i in items])
    new, changed, history = [], [], []
    for item in items:
        values = {
            "name": item.name,
            "category": categories[item.category],
            "unit": item.unit,
            "case_pack": item.case_pack,
            "cost": item.cost,
            "price": item.price,
            "tax_class": item.tax_class,
        }
        product = existing.get(item.sku)
        if product is None:
            product = Product(sku=item.sku, **values)
            new.append(product)
            continue
        price_moved = product.cost != item.cost or product.price != item.price
        if any(getattr(product, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(product, k, v)
            changed.append(product)
        if price_moved:
            history.append(PriceChange(product=product, cost=item.cost, price=item.price, changed_by=user))
    Product.objects.bulk_create(new, batch_size=1000)
    if not all(p.pk for p in new):  # a backend that returns no ids on bulk insert
        ids = _existing_products([p.sku for p in new])
        for p in new:
            p.pk = ids[p.sku].pk
    history.extend(PriceChange(product=p, cost=p.cost, price=p.price, changed_by=user) for p in new)
    Product.objects.bulk_update(
        changed, ["name", "category", "unit", "case_pack", "cost", "price", "tax_class"], batch_size=1000
    )
    PriceChange.objects.bulk_create(history, batch_size=1000)
    by_sku = {p.sku: p for p in [*existing.values(), *new]}
    Barcode.objects.bulk_create(
        [Barcode(product=by_sku[i.sku], code=code) for i in items for code in i.barcodes],
        batch_size=1000,
        ignore_conflicts=True,
    )
    terms = _write_terms(items, by_sku)
    return {"created": len(new), "updated": len(changed), "price_changes": len(history), "supplier_terms": terms}


def _write_terms(items: list[ProductRow], by_sku: dict[str, Product]) -> int:
    wanted = [i for i in items if i.supplier_code]
    if not wanted:
        return 0
    suppliers = dict(Supplier.objects.filter(code__in={i.supplier_code for i in wanted}).values_list("code", "pk"))
    product_ids = [by_sku[i.sku].pk for i in wanted]
    current: dict[tuple[int, int], ProductSupplier] = {}
    has_primary: set[int] = set()
    for chunk in _chunks(product_ids):
        for term in ProductSupplier.objects.filter(product_id__in=chunk):
            current[(term.product_id, term.supplier_id)] = term
            if term.is_primary:
                has_primary.add(term.product_id)
    create, update = [], []
    for item in wanted:
        product = by_sku[item.sku]
        key = (product.pk, suppliers[item.supplier_code])
        cost = item.supplier_cost if item.supplier_cost is not None else item.cost
        term = current.get(key)
        if term is None:
            primary = product.pk not in has_primary
            has_primary.add(product.pk)
            create.append(
                ProductSupplier(
                    product_id=key[0],
                    supplier_id=key[1],
                    supplier_sku=item.supplier_sku,
                    cost=cost,
                    case_pack=item.case_pack,
                    is_primary=primary,
                )
            )
        elif (term.supplier_sku, term.cost, term.case_pack) != (item.supplier_sku, cost, item.case_pack):
            term.supplier_sku, term.cost, term.case_pack = item.supplier_sku, cost, item.case_pack
            update.append(term)
    ProductSupplier.objects.bulk_create(create, batch_size=1000)
    ProductSupplier.objects.bulk_update(update, ["supplier_sku", "cost", "case_pack"], batch_size=1000)
    return len(create) + len(update)


# --- suppliers -------------------------------------------------------------------------


def check_suppliers(rows: list[Row], progress: Progress) -> Checked:
    checked = Checked()
    seen: dict[str, int] = {}
    email = EmailValidator()
    for row in _walk(rows, checked, progress):
        before = len(checked.errors)
        code = _text(checked, row, "code", max_length=32, required=True)
        if code and code in seen:
            checked.error(row.line, "code", "duplicate", f"also on row {seen[code]}")
        seen.setdefault(code, row.line)
        data: dict[str, Any] = {"code": code, "name": _text(checked, row, "name", max_length=120, required=True)}
        for column, places in (
            ("lead_time_days", 1),
            ("lead_time_sd_days", 1),
            ("min_order_value", 2),
            ("free_freight_value", 2),
        ):
            if row.values.get(column, ""):
                limit = 3 if places == 1 else None
                value = _decimal(checked, row, column, places=places, required=False)
                if value is not None and limit is not None and value >= Decimal(10) ** limit:
                    checked.error(row.line, column, "max_value", "too large")
                data[column] = value
        contact = row.values.get("contact_email", "")
        if contact:
            try:
                email(contact)
            except ValidationError:
                checked.error(row.line, "contact_email", "invalid", "not an email address")
            data["contact_email"] = contact
        if len(checked.errors) == before:
            checked.items.append(data)
    return checked


def plan_suppliers(items: list[dict]) -> dict[str, int]:
    existing = set(Supplier.objects.filter(code__in=[i["code"] for i in items]).values_list("code", flat=True))
    return {
        "would_create": sum(i["code"] not in existing for i in items),
        "would_update": sum(i["code"] in existing for i in items),
    }


def write_suppliers(items: list[dict], job: ImportJob) -> dict[str, int]:
    existing = dict(Supplier.objects.filter(code__in=[i["code"] for i in items]).values_list("code", "pk"))
    for item in items:
        catalogue.save_supplier(data=item, supplier_id=existing.get(item["code"]))
    return {
        "created": sum(i["code"] not in existing for i in items),
        "updated": sum(i["code"] in existing for i in items),
    }


# --- opening stock ---------------------------------------------------------------------


@dataclass
class OpeningRow:
    line: int
    store_id: int
    product_id: int
    quantity: Decimal
    unit_cost: Decimal | None


def check_opening_stock(rows: list[Row], progress: Progress) -> Checked:
    checked = Checked()
    stores = dict(Store.objects.values_list("code", "pk"))
    skus = sorted({r.values.get("sku", "") for r in rows})
    products: dict[str, tuple[int, Decimal]] = {}
    for chunk in _chunks(skus):
        products.update(
            (sku, (pk, cost))
            for sku, pk, cost in Product.objects.filter(sku__in=chunk).values_list("sku", "pk", "cost")
        )
    with_history: set[tuple[int, int]] = set()
    pids = sorted({pk for pk, _ in products.values()})
    for chunk in _chunks(pids):
        with_history.update(
            StockMovement.objects.filter(product_id__in=chunk, store_id__in=list(stores.values()))
            .values_list("store_id", "product_id")
            .distinct()
        )
    seen: dict[tuple[int, int], int] = {}
    for row in _walk(rows, checked, progress):
        before = len(checked.errors)
        store_id = stores.get(row.values.get("store", ""))
        if store_id is None:
            checked.error(row.line, "store", "not_found", f"no store {row.values.get('store', '')!r}")
        product = products.get(row.values.get("sku", ""))
        if product is None:
            checked.error(row.line, "sku", "not_found", f"no product {row.values.get('sku', '')!r}")
        quantity = _decimal(checked, row, "quantity", places=3, required=True, minimum=None)
        if quantity is not None and quantity == 0:
            checked.error(row.line, "quantity", "invalid", "an opening balance of 0 needs no row")
        unit_cost = _decimal(checked, row, "unit_cost", places=4, required=False)
        if store_id and product:
            key = (store_id, product[0])
            if key in seen:
                checked.error(row.line, "sku", "duplicate", f"also on row {seen[key]} for this store")
            elif key in with_history:
                checked.error(row.line, "sku", "has_history", "already has stock movements here: use an adjustment")
            seen.setdefault(key, row.line)
        if len(checked.errors) == before:
            checked.items.append(
                OpeningRow(row.line, store_id, product[0], quantity, unit_cost if unit_cost is not None else product[1])
            )
    return checked


def plan_opening_stock(items: list[OpeningRow]) -> dict[str, int]:
    return {"would_post": len(items), "stores": len({i.store_id for i in items})}


def write_opening_stock(items: list[OpeningRow], job: ImportJob) -> dict[str, int]:
    by_store: dict[int, list[OpeningRow]] = defaultdict(list)
    for item in items:
        by_store[item.store_id].append(item)
    stores = Store.objects.in_bulk(list(by_store))
    for store_id, store_items in sorted(by_store.items()):
        product_ids = [i.product_id for i in store_items]
        # Checked again under the level locks: a sale or another import may have posted
        # since validation, and an opening balance on top of history would double count.
        ledger.lock_levels(store_id, product_ids)
        late = StockMovement.objects.filter(store_id=store_id, product_id__in=product_ids).values_list(
            "product__sku", flat=True
        )[:5]
        if late:
            raise DomainError(f"stock moved meanwhile for {', '.join(late)}: nothing written", code="conflict")
        ledger.post_movements(
            store=stores[store_id],
            lines=[
                ledger.MovementLine(i.product_id, i.quantity, MovementKind.OPENING, i.unit_cost, "import")
                for i in store_items
            ],
            document_type="import",
            document_id=job.pk,
            user=job.created_by,
        )
        record_event(
            topic="stock.level_changed",
            store_id=store_id,
            payload={
                "store_id": store_id,
                "product_ids": sorted(i.product_id for i in store_items),
                "reason": "opening_stock",
                "import_job_id": job.pk,
            },
        )
    return {"posted": len(items), "stores": len(by_store)}


VALIDATORS: dict[str, Callable[[list[Row], Progress], Checked]] = {
    ImportKind.PRODUCTS: check_products,
    ImportKind.SUPPLIERS: check_suppliers,
    ImportKind.OPENING_STOCK: check_opening_stock,
}
WOULD_DO: dict[str, Callable[[list], dict]] = {
    ImportKind.PRODUCTS: plan_products,
    ImportKind.SUPPLIERS: plan_suppliers,
    ImportKind.OPENING_STOCK: plan_opening_stock,
}
WRITERS: dict[str, Callable[[list, ImportJob], dict]] = {
    ImportKind.PRODUCTS: write_products,
    ImportKind.SUPPLIERS: write_suppliers,
    ImportKind.OPENING_STOCK: write_opening_stock,
}


def _person(user):
    return user if getattr(user, "pk", None) else None
