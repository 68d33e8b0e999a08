"""Head office's catalogue: find and edit products (a new cost or price goes through
``inventory.catalogue`` so the price history and the audit log keep it), suppliers."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from retail.api.errors import DomainError
from stores.access import Action
from stores.pages import office_page, put_errors

from .. import catalogue, selectors
from ..models import Product, Supplier
from .catalogue_forms import ProductForm, SearchForm, SupplierForm

PAGE_SIZE = 50


def _search(request: HttpRequest) -> str:
    form = SearchForm(request.GET)
    return form.cleaned_data["q"].strip() if form.is_valid() else ""


@office_page(Action.MANAGE_CATALOGUE)
def product_list(request: HttpRequest) -> HttpResponse:
    q = _search(request)
    products = selectors.search_products(Product.objects.select_related("category").order_by("sku"), q)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = catalogue.category_labels()
    for item in page:
        item.category_label = labels.get(item.category_id, "")
    context = {"page": page, "q": q, "search": SearchForm(initial={"q": q})}
    return render(request, "inventory/catalogue/products.html", context)


@office_page(Action.MANAGE_CATALOGUE)
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk) if pk is not None else None
    labels = catalogue.category_labels()
    initial = ProductForm.initial_for(product) if product else None
    form = ProductForm(request.POST or None, categories=labels, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                product = catalogue.create_product(data=form.changes(), barcodes=form.barcode_list(), user=request.user)
                messages.success(request, _("%(sku)s created.") % {"sku": product.sku})
            else:
                catalogue.update_product(
                    product_id=product.pk, changes=form.changes(), barcodes=form.barcode_list(), user=request.user
                )
                messages.success(request, _("%(sku)s saved.") % {"sku": form.cleaned_data["sku"]})
        except DomainError as exc:
            put_errors(form, exc)
        else:
            return redirect("office:product-edit", pk=product.pk)
    history = list(catalogue.price_history(product)[:20]) if product else []
    context = {"form": form, "product": product, "history": history}
    return render(request, "inventory/catalogue/product.html", context, status=400 if form.errors else 200)


@office_page(Action.MANAGE_CATALOGUE)
def supplier_list(request: HttpRequest) -> HttpResponse:
    q = _search(request)
    suppliers = selectors.search_suppliers(Supplier.objects.order_by("code"), q)
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "search": SearchForm(initial={"q": q})}
    return render(request, "inventory/catalogue/suppliers.html", context)


@office_page(Action.MANAGE_CATALOGUE)
def supplier_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk) if pk is not None else None
    heading = str(supplier) if supplier else _("New supplier")  # before the form touches the instance
    form = SupplierForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            saved = catalogue.save_supplier(data=form.cleaned_data, supplier_id=pk)
        except DomainError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Supplier %(code)s saved.") % {"code": saved.code})
            return redirect("office:supplier-edit", pk=saved.pk)
    context = {"form": form, "supplier": supplier, "heading": heading}
    return render(request, "inventory/catalogue/supplier.html", context, status=400 if form.errors else 200)
