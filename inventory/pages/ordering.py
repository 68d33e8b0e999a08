"""Reorder suggestions (edit, approve into draft purchase orders, reject) and purchase
orders (place, cancel, receive by scanning or typing)."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retail.api.errors import DomainError
from stores.access import Action, can
from stores.models import Store
from stores.pages import field_errors, store_page

from .. import purchasing
from ..document_lines import LineInput
from ..models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Suggestion, SuggestionStatus
from ..replenishment import suggestions as suggestion_service


@store_page(Action.ORDER)
def suggestion_list(request: HttpRequest, store: Store) -> HttpResponse:
    status = request.GET.get("status") or SuggestionStatus.PROPOSED
    if status not in SuggestionStatus.values:
        status = SuggestionStatus.PROPOSED
    supplier = request.GET.get("supplier", "")
    rows = suggestion_service.list_suggestions(store=store, status=status, supplier_code=supplier or None)
    page = Paginator(rows, 200).get_page(request.GET.get("page"))
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
    return render(
        request,
        "inventory/ordering/suggestions.html",
        {"groups": groups, "page": page, "status": status, "supplier": supplier, "suppliers": suppliers,
         "statuses": SuggestionStatus.choices},
    )  # fmt: skip


@require_POST
@store_page(Action.ORDER)
def suggestion_quantity(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """htmx: change one suggestion's quantity; the row comes back, with the error beside the
    field and status 422 (which htmx is configured to swap) when the number is refused."""
    row = get_object_or_404(Suggestion.objects.for_store(store).select_related("product", "supplier"), pk=pk)
    entered, error = request.POST.get(f"quantity-{pk}", "").strip(), ""
    try:
        row = suggestion_service.edit_quantity(store=store, suggestion_id=pk, quantity=entered, user=request.user)
    except DomainError as exc:
        error = exc.message
    context = {"s": row, "error": error, "entered": entered}
    return render(request, "inventory/ordering/_suggestion_row.html", context, status=422 if error else 200)


@require_POST
@store_page(Action.ORDER)
def suggestion_decide(request: HttpRequest, store: Store) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    decision = request.POST.get("decision")
    back = redirect("suggestion-list", store_code=store.code)
    try:
        if decision == "approve":
            orders = suggestion_service.approve(store=store, suggestion_ids=ids, user=request.user)
            names = ", ".join(f"PO-{o.pk}" for o in orders) or "no order (all quantities were 0)"
            messages.success(request, f"Approved {len(ids)} suggestion(s): draft {names}.")
            return redirect("po-list", store_code=store.code) if orders else back
        if decision == "reject":
            reason = request.POST.get("reason", "").strip()
            if not reason:
                raise DomainError("say why, so the engine remembers", field="reason", code="required")
            suggestion_service.reject(store=store, suggestion_ids=ids, reason=reason, user=request.user)
            messages.success(request, f"Rejected {len(ids)}: not proposed again at the same quantity.")
            return back
        raise DomainError("choose approve or reject", field="decision", code="invalid")
    except DomainError as exc:
        for field, texts in field_errors(exc).items():
            label = {"ids": "Selection", "reason": "Reason"}.get(field, "")
            for text in texts:
                messages.error(request, f"{label}: {text}" if label else text)
        return back


@store_page(Action.VIEW_STOCK)
def po_list(request: HttpRequest, store: Store) -> HttpResponse:
    status = request.GET.get("status", "open")
    orders = PurchaseOrder.objects.for_store(store).select_related("supplier").annotate(line_count=Count("lines"))
    if status == "open":
        orders = orders.filter(status__in=[PurchaseOrderStatus.DRAFT, *purchasing.OPEN])
    elif status in PurchaseOrderStatus.values:
        orders = orders.filter(status=status)
    page = Paginator(orders.order_by("-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request, "inventory/ordering/po_list.html",
        {"page": page, "status": status, "statuses": PurchaseOrderStatus.choices},
    )  # fmt: skip


def _order(store: Store, pk: int) -> PurchaseOrder:
    return get_object_or_404(PurchaseOrder.objects.for_store(store).select_related("supplier", "store"), pk=pk)


def _po_context(request: HttpRequest, store: Store, order: PurchaseOrder, **extra) -> dict:
    lines = list(
        PurchaseOrderLine.objects.filter(order=order)
        .select_related("product")
        .prefetch_related("product__barcodes")
        .order_by("product__sku")
    )
    return {
        "order": order,
        "lines": lines,
        "can_order": can(request.user, Action.ORDER, store),
        "can_receive": can(request.user, Action.RECEIVE, store),
        "receivable": order.status in purchasing.OPEN,
        "entered": {},
        "errors": {},
        **extra,
    }


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


@store_page(Action.RECEIVE)
def po_receive(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Receive a delivery: quantities typed per line (a scan in the barcode field adds one to
    its line in the browser, see store.js), optional received cost; partial receipts allowed."""
    order = _order(store, pk)
    if request.method != "POST":
        return redirect("po-detail", store_code=store.code, pk=pk)
    lines, entered = [], {}
    for line in PurchaseOrderLine.objects.filter(order=order).select_related("product"):
        qty = request.POST.get(f"qty-{line.pk}", "").strip()
        cost = request.POST.get(f"cost-{line.pk}", "").strip()
        entered[line.pk] = {"qty": qty, "cost": cost}
        if qty and qty.strip("0.") != "":  # blank or zero: nothing of this line came
            lines.append((line, LineInput(sku=line.product.sku, quantity=qty, unit_cost=cost or None)))
    if not lines:
        context = _po_context(request, store, order, entered=entered, errors={"": ["Enter at least one quantity."]})
        return render(request, "inventory/ordering/po_detail.html", context, status=400)
    try:
        receipt = purchasing.receive_order(
            order=order, lines=[li for _, li in lines], user=request.user, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        errors = _line_errors(exc, [line for line, _ in lines])
        context = _po_context(request, store, order, entered=entered, errors=errors)
        return render(request, "inventory/ordering/po_detail.html", context, status=400)
    order.refresh_from_db()
    messages.success(request, f"Receipt {receipt.pk} posted: PO-{order.pk} is {order.get_status_display().lower()}.")
    return redirect("po-detail", store_code=store.code, pk=order.pk)


def _line_errors(exc: DomainError, lines: list[PurchaseOrderLine]) -> dict:
    """Map ``lines[i].quantity`` errors back to the order line they came from."""
    errors: dict = {}
    for field, texts in field_errors(exc).items():
        key: object = field
        if field.startswith("lines["):
            index = int(field[6 : field.index("]")])
            key = lines[index].pk if index < len(lines) else ""
        errors.setdefault(key, []).extend(texts)
    return errors
