"""Store home, the stock list and the product page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from stores.models import Store
from stores.pages import store_page

from .. import store_summary
from ..models import Category, Product, StockLevel, StockMovement, Suggestion
from ..replenishment import settings as replenishment_settings
from ..selectors import STATUS_FILTERS, find_product, stock_levels

SORTS = {
    "sku": "product__sku",
    "-sku": "-product__sku",
    "name": "product__name",
    "-name": "-product__name",
    "on_hand": "on_hand",
    "-on_hand": "-on_hand",
    "on_order": "on_order",
    "-on_order": "-on_order",
}
PAGE_SIZE = 50
SETTING_LABELS = {
    "service_level": "Target service level",
    "review_days": "Review period (days)",
    "min_qty": "Minimum",
    "max_qty": "Maximum",
    "round_to_case_pack": "Round to case pack",
    "transfer_surplus_days": "Surplus beyond (days of cover)",
    "transfer_min_qty": "Smallest transfer",
    "transfer_lead_days": "Transfer lead time (days)",
    "in_assortment": "In this store's assortment",
}


@store_page()
def store_home(request: HttpRequest, store: Store) -> HttpResponse:
    return render(request, "inventory/home.html", {"summary": store_summary.summary(store)})


@store_page()
def stock_list(request: HttpRequest, store: Store) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:64]
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    sort = request.GET.get("sort", "sku")
    levels = stock_levels(
        store,
        search=search,
        status=status if status in STATUS_FILTERS else "",
        category_path=category,
    ).order_by(SORTS.get(sort, "product__sku"), "product__sku")
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    exact = find_product(search) if search else None
    context = {
        "page": page,
        "q": search,
        "status": status,
        "category": category,
        "sort": sort,
        "statuses": [(key, key.replace("_", " ").capitalize()) for key in STATUS_FILTERS],
        "categories": Category.objects.filter(parent__isnull=False).order_by("path").values("path", "name")[:300],
        "exact": exact,
        "query_without_sort": _query_without(request, "sort", "page"),
        "query_without_page": _query_without(request, "page"),
    }
    template = "inventory/_stock_rows.html" if request.headers.get("HX-Request") else "inventory/stock_list.html"
    return render(request, template, context)


@store_page()
def product_page(request: HttpRequest, store: Store, sku: str) -> HttpResponse:
    product = Product.objects.select_related("category").filter(sku=sku).first()
    if product is None:
        raise Http404
    level = StockLevel.objects.for_store(store).filter(product=product).first()
    history = store_summary.product_history(store, product.pk, end=store.business_day())
    movements = (
        StockMovement.objects.for_store(store)
        .filter(product=product)
        .select_related("user")
        .order_by("-occurred_at", "-pk")[:30]
    )
    suppliers = product.supplier_terms.select_related("supplier").order_by("-is_primary", "supplier__name")
    suggestion = Suggestion.objects.for_store(store).filter(product=product).order_by("-business_day", "-pk").first()
    context = {
        "product": product,
        "level": level,
        "barcodes": product.barcodes.values_list("code", flat=True),
        "history": {"days": history.days, "on_hand": history.on_hand, "units": history.units},
        "movements": movements,
        "suppliers": suppliers,
        "settings_rows": [
            {**row, "label": SETTING_LABELS.get(row["name"], row["name"])}
            for row in replenishment_settings.resolve(store=store, level=level).as_rows()
        ],
        "suggestion": suggestion,
        "elsewhere": _elsewhere(store, product),
    }
    return render(request, "inventory/product.html", context)


def _elsewhere(store: Store, product: Product) -> list[dict]:
    return list(
        StockLevel.objects.filter(
            product=product, store__region_id=store.region_id, store__is_active=True, on_hand__gt=0
        )
        .exclude(store=store)
        .order_by("-on_hand")
        .values(code=F("store__code"), name=F("store__name"), qty=F("on_hand"))[:8]
    )


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
