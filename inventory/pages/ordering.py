"""Reorder suggestions (edit, approve into draft purchase orders, reject) and purchase
orders (place, cancel, receive by scanning or typing)."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from retail.api.errors import DomainError
from stores.access import Action, can
from stores.models import Store
from stores.pages import errors_by_line, field_errors, store_page

from .. import purchasing
from ..document_lines import LineInput
from ..models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    Suggestion,
    SuggestionStatus,
)  # fmt: skip
from ..replenishment import suggestions as suggestion_service
from .forms import RejectForm

SUGGESTIONS_PER_PAGE = 200


def _suggestion_page(
    request: HttpRequest,
    store: Store,
    *,
    reject_form: RejectForm | None = None,
    selected: set[int] | None = None,
    selection_errors: list[str] | None = None,
    status_code: int = 200,
) -> HttpResponse:
    """The suggestions of one status (tonight's proposals by default) grouped by supplier."""
    params = request.GET if request.method == "GET" else request.POST
    status = params.get("status") or SuggestionStatus.PROPOSED
    if status not in SuggestionStatus.values:
        status = SuggestionStatus.PROPOSED
    supplier = params.get("supplier", "")
    rows = suggestion_service.list_suggestions(store=store, status=status, supplier_code=supplier or None)
    page = Paginator(rows, SUGGESTIONS_PER_PAGE).get_page(params.get("page"))
    groups: OrderedDict = OrderedDict()
    for row in page:
        groups.setdefault(row.supplier, []).append(row)
    suppliers = (
        Suggestion.objects.for_store(store)
        .filter(status=SuggestionStatus.PROPOSED)
        .values("supplier__code", "supplier__name")
        .annotate(n=Count("id"))
        .order_by("supplier__name")
    )
    context = {
        "groups": groups,
        "page": page,
        "status": status,
        "supplier": supplier,
        "suppliers": suppliers,
        "statuses": SuggestionStatus.choices,
        "reject_form": reject_form or RejectForm(),
        "selected": selected,
        "selection_errors": selection_errors or [],
    }
    return render(request, "inventory/ordering/suggestions.html", context, status=status_code)


@store_page(Action.ORDER)
def suggestion_list(request: HttpRequest, store: Store) -> HttpResponse:
    return _suggestion_page(request, store)


@require_POST
@store_page(Action.ORDER)
def suggestion_quantity(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """htmx: change one suggestion's quantity; its quantity cell comes back, with the error
    beside the field and status 400 (store.js swaps it) when the number is refused."""
    row = get_object_or_404(Suggestion.objects.for_store(store).select_related("product"), pk=pk)
    entered, error = request.POST.get(f"quantity-{pk}", "").strip(), ""
    try:
        updated = suggestion_service.edit_quantity(store=store, suggestion_id=pk, quantity=entered, user=request.user)
    except DomainError as exc:
        error = exc.message
    else:
        updated.product, row = row.product, updated
    context = {"s": row, "error": error, "entered": entered}
    return render(request, "inventory/ordering/_suggestion_qty.html", context, status=400 if error else 200)


@require_POST
@store_page(Action.ORDER)
def suggestion_decide(request: HttpRequest, store: Store) -> HttpResponse:
    """Approve the selected suggestions into draft orders (one per supplier), or reject them
    with a reason. A refusal re-renders the list with the error beside the field: 400."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit() and len(i) < 19]
    decision = request.POST.get("decision")
    reject_form = RejectForm(request.POST if decision == "reject" else None)
    try:
        if decision == "approve":
            orders = suggestion_service.approve(store=store, suggestion_ids=ids, user=request.user)
        elif decision == "reject":
            if not reject_form.is_valid():
                return _suggestion_page(request, store, reject_form=reject_form, selected=set(ids), status_code=400)
            suggestion_service.reject(
                store=store, suggestion_ids=ids, reason=reject_form.cleaned_data["reason"], user=request.user
            )
        else:
            raise DomainError("choose approve or reject", field="decision", code="invalid")
    except DomainError as exc:
        errors = field_errors(exc)
        for message in errors.pop("reason", []):  # only a (validated) rejection names the reason
            reject_form.add_error("reason", message)
        selection = [message for texts in errors.values() for message in texts]
        return _suggestion_page(
            request, store, reject_form=reject_form, selected=set(ids), selection_errors=selection,
            status_code=exc.status,
        )  # fmt: skip
    if decision == "reject":
        messages.success(request, f"Rejected {len(ids)}: not proposed again at the same quantity.")
        return redirect("suggestion-list", store_code=store.code)
    if not orders:
        messages.success(request, f"Approved {len(ids)} suggestion(s): nothing to order (all quantities were 0).")
        return redirect("suggestion-list", store_code=store.code)
    names = ", ".join(f"PO-{o.pk} ({o.supplier.name})" for o in orders)
    messages.success(request, f"Approved {len(ids)} suggestion(s) into draft {names}.")
    return redirect("po-list", store_code=store.code)


@store_page(Action.VIEW_STOCK)
def po_list(request: HttpRequest, store: Store) -> HttpResponse:
    status = request.GET.get("status", "open")
    orders = PurchaseOrder.objects.for_store(store).select_related("supplier").annotate(line_count=Count("lines"))
    if status == "open":
        orders = orders.filter(status__in=purchasing.NOT_CLOSED)
    elif status in PurchaseOrderStatus.values:
        orders = orders.filter(status=status)
    else:
        status = "all"
    page = Paginator(orders.order_by("-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request, "inventory/ordering/po_list.html",
        {"page": page, "status": status, "statuses": PurchaseOrderStatus.choices},
    )  # fmt: skip


def _order(store: Store, pk: int) -> PurchaseOrder:
    return get_object_or_404(PurchaseOrder.objects.for_store(store).select_related("supplier", "store"), pk=pk)


def _order_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    return list(
        PurchaseOrderLine.objects.filter(order=order)
        .select_related("product")
        .prefetch_related("product__barcodes")
        .order_by("product__sku")
    )


def _po_context(request: HttpRequest, store: Store, order: PurchaseOrder, **extra) -> dict:
    receipts = (
        Receipt.objects.filter(order=order)
        .prefetch_related(Prefetch("lines", ReceiptLine.objects.select_related("product").order_by("product__sku")))
        .order_by("-pk")
    )
    context = {
        "order": order,
        "lines": extra.pop("lines", None) or _order_lines(order),
        "receipts": receipts,
        "can_order": can(request.user, Action.ORDER, store),
        "can_receive": can(request.user, Action.RECEIVE, store),
        "receivable": order.status in purchasing.OPEN,
        "entered": {},
        "errors": {},
        "scan_error": "",
        "scanned": None,
        "just_received": request.GET.get("receipt", ""),
    }
    context.update(extra)
    for line in context["lines"]:
        typed = context["entered"].get(line.pk, {})
        line.typed_qty, line.typed_cost = typed.get("qty", ""), typed.get("cost", "")
        line.errors = context["errors"].get(line.pk, [])
    context["form_errors"] = context["errors"].get("", [])
    return context


@store_page(Action.VIEW_STOCK)
def po_detail(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    order = _order(store, pk)
    return render(request, "inventory/ordering/po_detail.html", _po_context(request, store, order))


@require_POST
@store_page(Action.ORDER)
def po_action(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    order = _order(store, pk)
    action = request.POST.get("action")
    try:
        if action == "place":
            purchasing.place_order(order=order, user=request.user)
            messages.success(request, f"PO-{order.pk} ordered from {order.supplier.name}.")
        elif action == "cancel":
            purchasing.cancel_order(order=order, user=request.user)
            messages.success(request, f"PO-{order.pk} cancelled.")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("po-detail", store_code=store.code, pk=order.pk)


def _scan_into(lines: list[PurchaseOrderLine], entered: dict, code: str) -> tuple[int | None, str]:
    """Add one to the typed quantity of the line whose SKU or barcode is ``code``."""
    for line in lines:
        codes = {line.product.sku.upper(), *(b.code for b in line.product.barcodes.all())}
        if code.upper() in codes:
            try:
                now = Decimal(entered[line.pk]["qty"] or "0")
            except InvalidOperation:
                return None, f"{line.product.sku}: fix the quantity typed on its line first"
            entered[line.pk]["qty"] = str(now + 1)
            return line.pk, ""
    return None, f"{code} is not on this order"


@store_page(Action.RECEIVE)
def po_receive(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Receive a delivery. ``action=scan``: the scanned code adds one to its line's typed
    quantity and the form comes back (htmx swaps the receiving panel; without JS the page
    reloads); nothing is written. Otherwise the typed quantities (and received costs) are
    posted as one receipt; a partial receipt leaves the order partly received."""
    order = _order(store, pk)
    if request.method != "POST":
        return redirect("po-detail", store_code=store.code, pk=pk)
    lines = _order_lines(order)
    entered = {
        line.pk: {
            "qty": request.POST.get(f"qty-{line.pk}", "").strip(),
            "cost": request.POST.get(f"cost-{line.pk}", "").strip(),
        }
        for line in lines
    }
    template = "inventory/ordering/po_detail.html"
    if request.headers.get("HX-Request"):
        template = "inventory/ordering/_receive.html"
    if request.POST.get("action") == "scan":
        code = request.POST.get("code", "").strip()
        scanned, scan_error = _scan_into(lines, entered, code) if code else (None, "")
        context = _po_context(
            request, store, order, lines=lines, entered=entered, scanned=scanned, scan_error=scan_error,
            note=request.POST.get("note", ""),
        )  # fmt: skip
        return render(request, template, context, status=400 if scan_error else 200)
    chosen = [line for line in lines if entered[line.pk]["qty"].strip("0.") != ""]  # blank or 0: not delivered
    errors: dict = {}
    if not chosen:
        errors = {"": ["Enter at least one quantity, or scan the delivered products."]}
    else:
        inputs = [
            LineInput(sku=line.product.sku, quantity=typed["qty"], unit_cost=typed["cost"] or None)
            for line in chosen
            for typed in [entered[line.pk]]
        ]
        try:
            receipt = purchasing.receive_order(
                order=order, lines=inputs, user=request.user, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            errors = errors_by_line(exc, chosen, keep=("note",))
    if errors:
        context = _po_context(
            request, store, order, lines=lines, entered=entered, errors=errors, note=request.POST.get("note", "")
        )
        return render(request, template, context, status=400)
    order.refresh_from_db(fields=["status"])
    messages.success(request, f"Receipt R-{receipt.pk} posted: PO-{order.pk} is {order.get_status_display().lower()}.")
    url = reverse("po-detail", kwargs={"store_code": store.code, "pk": order.pk}) + f"?receipt={receipt.pk}"
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)
