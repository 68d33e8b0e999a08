"""Reads that span relations, already scoped to a store."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from stores.models import Store

from .models import Barcode, Product, StockLevel, Supplier

STATUS_FILTERS = {
    "negative": Q(on_hand__lt=0),
    "out": Q(on_hand__lte=0),
    "low": Q(on_hand__gt=0) & (Q(min_qty__isnull=False, on_hand__lte=F("min_qty"))),
    "overstock": Q(max_qty__isnull=False, on_hand__gt=F("max_qty")),
    "needs_count": Q(needs_count=True),
}


def find_product(code: str) -> Product | None:
    """An active product by SKU, else by barcode."""
    product = Product.objects.filter(sku=code, is_active=True).first()
    if product is None:
        barcode = Barcode.objects.select_related("product").filter(code=code, product__is_active=True).first()
        product = barcode.product if barcode else None
    return product


def search_products(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    """The catalogue's search, for the API and the pages alike: SKU prefix, a part of the
    name, or an exact barcode."""
    q = q.strip()
    if not q:
        return products
    barcode_owner = Barcode.objects.filter(code=q).values("product_id")
    return products.filter(Q(sku__istartswith=q) | Q(name__icontains=q) | Q(pk__in=barcode_owner))


def search_suppliers(suppliers: QuerySet[Supplier], q: str) -> QuerySet[Supplier]:
    """Suppliers by code prefix or a part of the name."""
    q = q.strip()
    return suppliers.filter(Q(code__istartswith=q) | Q(name__icontains=q)) if q else suppliers


def stock_levels(store: Store, *, search: str = "", status: str = "", category_path: str = "") -> QuerySet[StockLevel]:
    levels = StockLevel.objects.for_store(store).select_related("product", "product__category")
    if search:
        levels = levels.filter(
            Q(product__sku__istartswith=search) | Q(product__name__icontains=search) | Q(product__barcodes__code=search)
        ).distinct()
    if status in STATUS_FILTERS:
        levels = levels.filter(STATUS_FILTERS[status])
    if category_path:
        levels = levels.filter(product__category__path__startswith=category_path)
    return levels.order_by("product__sku")


@dataclass
class StockLookup:
    product: Product
    here: StockLevel | None
    elsewhere: list[dict]


def stock_lookup(store: Store, code: str) -> StockLookup | None:
    """This store's level of a product and, for "is it in stock elsewhere", the other
    active stores of its region that have some on hand or on its way."""
    product = find_product(code)
    if product is None:
        return None
    here = StockLevel.objects.for_store(store).filter(product=product).first()
    elsewhere = list(
        StockLevel.objects.filter(product=product, store__region_id=store.region_id, store__is_active=True)
        .exclude(store=store)
        .filter(Q(on_hand__gt=0) | Q(in_transit__gt=0))
        .order_by("-on_hand")
        .values(
            store_code=F("store__code"),
            store_name=F("store__name"),
            level_on_hand=F("on_hand"),
            level_in_transit=F("in_transit"),
        )[:20]
    )
    return StockLookup(
        product=product,
        here=here,
        elsewhere=[
            {
                "store": r["store_code"],
                "name": r["store_name"],
                "on_hand": r["level_on_hand"],
                "in_transit": r["level_in_transit"],
            }
            for r in elsewhere
        ],
    )
