"""Transfers between stores (request, ship, receive, with discrepancies) and adjustments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from retail.api.errors import DomainError
from stores.access import Action, can
from stores.models import Store
from stores.pages import errors_by_line, field_errors, line_index, store_page

from .. import adjustments, transfers
from ..document_lines import LineInput
from ..models import Adjustment, Transfer, TransferLine, TransferStatus
from .forms import AdjustmentForm, TransferRequestForm


def parse_lines(text: str) -> list[LineInput]:
    """``SKU-or-barcode quantity`` per line ("PASTA-500 6"); a code alone means 1."""
    lines = []
    for raw in text.splitlines():
        parts = raw.split()
        if parts:
            lines.append(LineInput(sku=parts[0], quantity=parts[1] if len(parts) > 1 else "1"))
    return lines


def _line_field_errors(exc: DomainError) -> dict[str, list[str]]:
    """``lines[2].quantity`` -> shown beside the lines box, numbered as the person typed them."""
    errors: dict[str, list[str]] = {}
    for field, texts in field_errors(exc).items():
        index = line_index(field)
        if index is not None:
            errors.setdefault("lines", []).extend(f"line {index + 1}: {t}" for t in texts)
        else:
            errors.setdefault(field, []).extend(texts)
    return errors


@store_page(Action.VIEW_STOCK)
def transfer_list(request: HttpRequest, store: Store) -> HttpResponse:
    """Outgoing and incoming transfers with their state and what is in transit, and
    (TRANSFER) a form to request one from or to a store of the same region."""
    neighbours = list(
        Store.objects.filter(region_id=store.region_id, is_active=True)
        .exclude(pk=store.pk)
        .order_by("code")
        .values_list("code", "name")
    )
    form = TransferRequestForm(request.POST or None, stores=[(code, f"{code} {name}") for code, name in neighbours])
    if request.method == "POST":
        if not can(request.user, Action.TRANSFER, store):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            outgoing = data["direction"] == "to"
            try:
                transfer = transfers.request_transfer(
                    store=store,
                    lines=parse_lines(data["lines"]),
                    user=request.user,
                    to_store_code=data["other_store"] if outgoing else None,
                    from_store_code=None if outgoing else data["other_store"],
                    note=data["note"],
                )
            except DomainError as exc:
                _put_line_errors(form, exc)
            else:
                messages.success(request, f"Transfer T-{transfer.pk} requested.")
                return redirect("transfer-page-detail", store_code=store.code, pk=transfer.pk)
    shipped = Q(lines__shipped__isnull=False)
    rows = (
        Transfer.objects.for_store(store)
        .select_related("store", "to_store")
        .annotate(
            line_count=Count("lines"),
            requested_units=Sum("lines__requested"),
            in_transit=Sum("lines__shipped", filter=shipped & Q(status=TransferStatus.SHIPPED)),
        )
        .order_by("-pk")[:100]
    )
    outgoing, incoming = [], []
    for row in rows:
        (outgoing if row.store_id == store.pk else incoming).append(row)
    context = {
        "outgoing": outgoing,
        "incoming": incoming,
        "form": form,
        "can_transfer": can(request.user, Action.TRANSFER, store),
    }
    return render(request, "inventory/moving/transfers.html", context, status=400 if form.errors else 200)


def _put_line_errors(form, exc: DomainError) -> None:
    """The request's errors beside its fields; ``lines[2].sku`` -> the lines box, "line 3: ..."."""
    for field, texts in _line_field_errors(exc).items():
        field = {"to_store": "other_store", "from_store": "other_store"}.get(field, field)
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _transfer(store: Store, pk: int) -> Transfer:
    return get_object_or_404(Transfer.objects.for_store(store).select_related("store", "to_store"), pk=pk)


@store_page(Action.VIEW_STOCK)
def transfer_detail(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """One transfer, seen from either end: the sender ships (TRANSFER), the receiver
    receives (RECEIVE) with quantities per line; the difference shows once received."""
    transfer = _transfer(store, pk)
    lines = list(TransferLine.objects.filter(transfer=transfer).select_related("product").order_by("product__sku"))
    typed = {line.pk: request.POST.get(f"qty-{line.pk}", "").strip() for line in lines}
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        needed = Action.RECEIVE if action == "receive" else Action.TRANSFER
        if not can(request.user, needed, store):
            raise PermissionDenied
        given = [line for line in lines if typed[line.pk] != ""]
        inputs = [LineInput(sku=line.product.sku, quantity=typed[line.pk]) for line in given] or None
        try:
            if action == "ship":
                done = transfers.ship_transfer(store=store, transfer=transfer, user=request.user, lines=inputs)
            elif action == "receive":
                done = transfers.receive_transfer(store=store, transfer=transfer, user=request.user, lines=inputs)
            elif action == "cancel":
                done = transfers.cancel_transfer(store=store, transfer=transfer, user=request.user)
            else:
                raise DomainError("choose ship, receive or cancel", field="action", code="invalid")
        except DomainError as exc:
            errors = errors_by_line(exc, given)
        else:
            messages.success(request, f"Transfer T-{transfer.pk} is {TransferStatus(done.status).label.lower()}.")
            return redirect("transfer-page-detail", store_code=store.code, pk=transfer.pk)
    for line in lines:
        known = line.received is not None and line.shipped is not None
        line.difference = line.received - line.shipped if known else None  # a discrepancy once received
        line.in_transit = line.shipped if transfer.status == TransferStatus.SHIPPED else None
        line.typed, line.errors = typed[line.pk], errors.get(line.pk, [])
    sender, receiver = transfer.store_id == store.pk, transfer.to_store_id == store.pk
    context = {
        "transfer": transfer,
        "lines": lines,
        "form_errors": errors.get("", []),
        "sender": sender,
        "can_ship": sender
        and transfer.status == TransferStatus.REQUESTED
        and can(request.user, Action.TRANSFER, store),
        "can_receive": receiver
        and transfer.status == TransferStatus.SHIPPED
        and can(request.user, Action.RECEIVE, store),
        "can_cancel": transfer.status == TransferStatus.REQUESTED and can(request.user, Action.TRANSFER, store),
    }
    return render(request, "inventory/moving/transfer.html", context, status=400 if errors else 200)


@store_page(Action.ADJUST_STOCK)
def adjustment_new(request: HttpRequest, store: Store) -> HttpResponse:
    """A signed correction with a reason (damage, theft, expiry: negative; found: positive)."""
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adjustment = adjustments.create_adjustment(
                store=store,
                reason=data["reason"],
                lines=[LineInput(sku=data["code"], quantity=data["quantity"])],
                user=request.user,
                note=data["note"],
            )
        except DomainError as exc:
            for name, texts in field_errors(exc).items():  # the one line's sku/quantity -> code/quantity
                for text in texts:
                    form.add_error(_adjustment_field(name), text)
        else:
            line = adjustment.lines.select_related("product").get()
            messages.success(
                request, f"Adjustment {adjustment.pk} posted: {line.product.sku} {line.quantity:+g} ({data['reason']})."
            )
            return redirect("adjustment-new", store_code=store.code)
    recent = Adjustment.objects.for_store(store).prefetch_related("lines__product").order_by("-pk")[:15]
    context = {"form": form, "recent": recent}
    return render(request, "inventory/moving/adjustment.html", context, status=400 if form.errors else 200)


def _adjustment_field(name: str) -> str | None:
    if name.endswith(".sku"):
        return "code"
    if name.endswith(".quantity"):
        return "quantity"
    return name if name in AdjustmentForm.base_fields else None
