"""Stock counts: open one, count in a keyboard-only scan mode, review the variances, post."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retail.api.errors import DomainError
from stores.access import Action, can
from stores.models import Store
from stores.pages import put_errors, store_page

from .. import counts
from ..catalogue import category_labels
from ..models import StockCount, StockCountLine
from .forms import OpenCountForm, ScanForm

RECENT_SCANS = 12


@store_page(Action.RECORD_COUNT)
def count_list(request: HttpRequest, store: Store) -> HttpResponse:
    """The store's counts, and (MANAGE_COUNT) a form to open one: the whole store, a
    category or a list of SKUs, blind or not; errors come back beside their field."""
    form = OpenCountForm(request.POST or None, categories=category_labels())
    if request.method == "POST":
        if not can(request.user, Action.MANAGE_COUNT, store):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = counts.open_count(
                    store=store, scope=data["scope"], user=request.user, category_id=data["category"],
                    skus=data["skus"].split(), blind=data["blind"], note=data["note"],
                )  # fmt: skip
            except DomainError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, f"Count {count.pk} opened: scan away.")
                return redirect("count-scan", store_code=store.code, pk=count.pk)
    rows = (
        StockCount.objects.for_store(store)
        .select_related("category")
        .annotate(counted_lines=Count("lines", filter=Q(lines__counted__isnull=False)))
        .order_by("-pk")[:50]
    )
    context = {"counts": rows, "form": form, "can_manage": can(request.user, Action.MANAGE_COUNT, store)}
    return render(request, "inventory/counting/list.html", context, status=400 if form.errors else 200)


def _count(store: Store, pk: int) -> StockCount:
    return get_object_or_404(StockCount.objects.for_store(store).select_related("category"), pk=pk)


def _recent(count: StockCount):
    return (
        StockCountLine.objects.filter(count=count, counted__isnull=False)
        .select_related("product")
        .order_by("-counted_at")[:RECENT_SCANS]
    )


@store_page(Action.RECORD_COUNT)
def count_scan(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Scan mode: the barcode field keeps the focus; Enter records one unit, or sets the
    quantity typed in the optional field. htmx swaps the panel (a refused scan is a 400 with
    the error beside its field, nothing recorded); without JS the page reloads."""
    count = _count(store, pk)
    form, last = ScanForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        try:
            last = counts.record_scan(
                count=count, code=form.cleaned_data["code"], user=request.user,
                quantity=form.cleaned_data["quantity"] or None,
            )  # fmt: skip
        except DomainError as exc:
            put_errors(form, exc)
        else:
            form = ScanForm()  # an empty field for the next scan
    context = {
        "count": count,
        "form": form,
        "recent": _recent(count),
        "last": last,
        "counted": StockCountLine.objects.filter(count=count, counted__isnull=False).count(),
    }
    template = "inventory/counting/scan.html"
    if request.headers.get("HX-Request"):
        template = "inventory/counting/_scan_panel.html"
    return render(request, template, context, status=400 if form.errors else 200)


@store_page(Action.RECORD_COUNT)
def count_review(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    count = _count(store, pk)
    lines = (
        StockCountLine.objects.filter(count=count, counted__isnull=False)
        .select_related("product")
        .order_by("product__sku")
    )
    show_expected = not count.blind or can(request.user, Action.MANAGE_COUNT, store)
    return render(
        request,
        "inventory/counting/review.html",
        {"count": count, "lines": lines, "show_expected": show_expected,
         "can_manage": can(request.user, Action.MANAGE_COUNT, store)},
    )  # fmt: skip


@require_POST
@store_page(Action.MANAGE_COUNT)
def count_action(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    count = _count(store, pk)
    try:
        if request.POST.get("action") == "post":
            counts.post_count(count=count, user=request.user, zero_uncounted=request.POST.get("zero_uncounted") == "on")
            messages.success(request, f"Count {count.pk} posted: the variances are in the stock ledger.")
        elif request.POST.get("action") == "cancel":
            counts.cancel_count(count=count, user=request.user)
            messages.success(request, f"Count {count.pk} cancelled: nothing moved.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("count-review", store_code=store.code, pk=count.pk)
