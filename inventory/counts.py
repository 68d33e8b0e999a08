"""Stock counts: open, scan, post the variances, or cancel.

Scope: a whole store, a category subtree (``Category.path`` prefix) or a list of products.
A list count has its lines from the start; store and category counts get a line at a
product's first scan (a whole-store count of 5,000 products does not write 5,000 empty rows).

``expected`` is on-hand when a line is first scanned, and posting moves stock by
``counted - expected``: a sale rung up between the scan and the posting has already taken
its unit off on-hand, so it stays counted rather than being undone by the count.

Products never scanned are *not counted* and left as they are, unless posting is asked for
``zero_uncounted``: then every product in scope that still has stock (or, in a list count,
every unscanned line) is counted as zero, with ``expected`` read under the level lock.

Every transition locks the count row, so scans queue behind a posting and see it posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from retail.api.errors import Conflict, DomainError, InvalidInput
from stores.models import Store

from . import ledger
from .document_lines import (
    MAX_LINES,
    find_products,
    parse_decimal,
    parse_quantity,
    person,
    record_level_changed,
)
from .models import Category, CountScope, CountStatus, MovementKind, StockCount, StockCountLine, StockLevel

DOCUMENT_TYPE = "count"
ZERO = Decimal("0")


@transaction.atomic
def open_count(
    *,
    store: Store,
    scope: str,
    user,
    category_id: int | None = None,
    skus: Sequence[str] = (),
    blind: bool = False,
    note: str = "",
) -> StockCount:
    """Open a count. ``category`` scope needs ``category_id``; ``list`` scope needs ``skus``
    (SKUs or barcodes, each once). Raises ``DomainError``/``InvalidInput`` writing nothing."""
    if scope not in CountScope.values:
        raise DomainError(f"must be one of {', '.join(CountScope.values)}", field="scope", code="invalid_choice")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("at most 200 characters", field="note", code="max_length")
    category = None
    if scope == CountScope.CATEGORY:
        if category_id is None:
            raise DomainError("a category count needs a category", field="category", code="required")
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise DomainError("no such category", field="category", code="not_found")
    products = []
    if scope == CountScope.LIST:
        products = _list_products(skus)
    elif skus:
        raise DomainError("products are listed only for a list count", field="skus", code="not_allowed")
    count = StockCount.objects.create(
        store=store, scope=scope, category=category, blind=bool(blind), note=note, created_by=person(user)
    )
    StockCountLine.objects.bulk_create(
        [StockCountLine(store=store, count=count, product=product) for product in products], batch_size=2000
    )
    return count


def _list_products(skus: Sequence[str]) -> list:
    if isinstance(skus, str) or not skus:
        raise DomainError("a list count needs at least one product", field="skus", code="required")
    if len(skus) > MAX_LINES:
        raise DomainError(f"at most {MAX_LINES} products", field="skus", code="max_length")
    codes = [str(code or "").strip() for code in skus]
    found = find_products(codes)
    errors, seen, products = [], set(), []
    for index, code in enumerate(codes):
        product = found.get(code)
        if product is None:
            errors.append({"field": f"skus[{index}]", "code": "not_found", "message": f"no active product {code[:64]}"})
        elif product.pk in seen:
            errors.append({"field": f"skus[{index}]", "code": "duplicate", "message": f"{product.sku} is listed twice"})
        else:
            seen.add(product.pk)
            products.append(product)
    if errors:
        raise InvalidInput(errors)
    return products


def _lock_open(count: StockCount) -> StockCount:
    locked = StockCount.objects.select_for_update(of=("self",)).select_related("category", "store").get(pk=count.pk)
    if locked.status != CountStatus.OPEN:
        raise Conflict(f"the count is {locked.status}", field="status", code="count_closed")
    return locked


@transaction.atomic
def record_scan(*, count: StockCount, code: str, user, quantity=None) -> StockCountLine:
    """Record a scan: without ``quantity`` one more unit, with it the counted quantity is set.

    The product is found by SKU or barcode and must be in the count's scope. The first scan of
    a line fixes ``expected`` at the current on-hand. ``Conflict`` once the count is closed.
    """
    code = str(code or "").strip()
    if not code:
        raise DomainError("scan a SKU or barcode", field="code", code="required")
    if len(code) > 64:
        raise DomainError("at most 64 characters", field="code", code="max_length")
    value = None
    if quantity is not None:
        value = parse_quantity(quantity, field="quantity", sign="non_negative")
    count = _lock_open(count)
    product = find_products([code]).get(code)
    if product is None:
        raise DomainError(f"no active product with SKU or barcode {code}", field="code", code="not_found")
    if count.scope == CountScope.CATEGORY and not product.category.path.startswith(count.category.path):
        raise DomainError(f"{product.sku} is not in {count.category.name}", field="code", code="not_in_count")
    line = StockCountLine.objects.select_for_update().filter(count=count, product=product).first()
    if line is None:
        if count.scope == CountScope.LIST:
            raise DomainError(f"{product.sku} is not on this count's list", field="code", code="not_in_count")
        line = StockCountLine(store_id=count.store_id, count=count, product=product)
    if line.expected is None:
        line.expected = (
            StockLevel.objects.filter(store_id=count.store_id, product=product)
            .values_list("on_hand", flat=True)
            .first()
            or ZERO
        )
    if value is None:
        value = (line.counted or ZERO) + 1
        errors: list = []
        parse_decimal(value, "quantity", errors, sign="non_negative")
        if errors:
            raise DomainError(errors[0]["message"], field="quantity", code=errors[0]["code"])
    line.counted, line.counted_at, line.counted_by = value, timezone.now(), person(user)
    line.save()
    line.product = product
    return line


@transaction.atomic
def post_count(*, count: StockCount, user, zero_uncounted: bool = False) -> StockCount:
    """Post the variances of every counted line as ``count`` movements, in one ledger call.

    Lines never scanned are left alone unless ``zero_uncounted`` (see the module docstring).
    Levels counted to zero or more have their ``needs_count`` flag cleared. ``Conflict`` if the
    count is not open. Reads are bulk (one query for the lines, one for uncounted levels), so a
    5,000-line count posts in one lock round, one insert and one counter update.
    """
    count = _lock_open(count)
    now = timezone.now()
    rows = list(
        StockCountLine.objects.filter(count=count, counted__isnull=False).values_list(
            "product_id", "expected", "counted", "product__cost"
        )
    )
    if zero_uncounted:
        rows += _zero_uncounted(count, {pid for pid, *_ in rows}, user, now)
    lines = [
        ledger.MovementLine(pid, counted - (expected or ZERO), MovementKind.COUNT, cost, "count")
        for pid, expected, counted, cost in rows
        if counted != (expected or ZERO)
    ]
    if lines:
        ledger.post_movements(
            store=count.store_id,
            lines=lines,
            document_type=DOCUMENT_TYPE,
            document_id=count.pk,
            occurred_at=now,
            business_day=count.store.business_day(now),
            user=person(user),
        )
    counted_ids = [pid for pid, *_ in rows]
    if counted_ids:
        StockLevel.objects.filter(
            store_id=count.store_id, product_id__in=counted_ids, needs_count=True, on_hand__gte=0
        ).update(needs_count=False)
    count.status, count.posted_at, count.posted_by, count.zero_uncounted = (
        CountStatus.POSTED, now, person(user), bool(zero_uncounted)
    )  # fmt: skip
    count.save(update_fields=["status", "posted_at", "posted_by", "zero_uncounted"])
    if lines:
        record_level_changed(
            store_id=count.store_id,
            product_ids=[line.product_id for line in lines],
            document_type=DOCUMENT_TYPE,
            document_id=count.pk,
        )
    return count


def _zero_uncounted(count: StockCount, counted: set[int], user, now) -> list[tuple]:
    """Lines for the products in scope that were never scanned, counted as zero; ``expected``
    is their on-hand read under the level lock (so no sale slips between read and post)."""
    if count.scope == CountScope.LIST:
        unscanned = set(
            StockCountLine.objects.filter(count=count, counted__isnull=True).values_list("product_id", flat=True)
        )
    else:
        levels = StockLevel.objects.filter(store_id=count.store_id).exclude(on_hand=0)
        if count.scope == CountScope.CATEGORY:
            levels = levels.filter(product__category__path__startswith=count.category.path)
        unscanned = set(levels.values_list("product_id", flat=True)) - counted
    if not unscanned:
        return []
    ledger.lock_levels(count.store_id, unscanned)
    on_hand = dict(
        StockLevel.objects.filter(store_id=count.store_id, product_id__in=unscanned).values_list(
            "product_id", "on_hand"
        )
    )
    costs = dict(
        StockLevel.objects.filter(store_id=count.store_id, product_id__in=unscanned).values_list(
            "product_id", "product__cost"
        )
    )
    existing = list(StockCountLine.objects.filter(count=count, product_id__in=unscanned))
    for line in existing:
        line.expected, line.counted, line.counted_at, line.counted_by = (
            on_hand.get(line.product_id, ZERO),
            ZERO,
            now,
            person(user),
        )
    StockCountLine.objects.bulk_update(existing, ["expected", "counted", "counted_at", "counted_by"], batch_size=1000)
    have = {line.product_id for line in existing}
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                store_id=count.store_id, count=count, product_id=pid, expected=on_hand.get(pid, ZERO),
                counted=ZERO, counted_at=now, counted_by=person(user),
            )
            for pid in sorted(unscanned - have)
        ],
        batch_size=2000,
    )  # fmt: skip
    return [(pid, on_hand.get(pid, ZERO), ZERO, costs.get(pid)) for pid in sorted(unscanned)]


@transaction.atomic
def cancel_count(*, count: StockCount, user) -> StockCount:
    """Cancel an open count: nothing moves. ``Conflict`` if it is not open."""
    count = _lock_open(count)
    count.status, count.cancelled_at, count.cancelled_by = CountStatus.CANCELLED, timezone.now(), person(user)
    count.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return count
