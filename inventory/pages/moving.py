"""Transfers between stores (request, ship, receive, with discrepancies) and adjustments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from retail.api.errors import DomainError
from stores.access import Action, can
from stores.models import Store
from stores.pages import field_errors, store_page

from .. import adjustments, transfers
from ..document_lines import LineInput
from ..models import Adjustment, AdjustmentReason, Transfer, TransferLine, TransferStatus


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
        if field.startswith("lines["):
            number = int(field[6 : field.index("]")]) + 1
            errors.setdefault("lines", []).extend(f"line {number}: {t}" for t in texts)
        else:
            errors.setdefault(field, []).extend(texts)
    return errors


@store_page(Action.VIEW_STOCK)
def transfer_list(request: HttpRequest, store: Store) -> HttpResponse:
    errors: dict = {}
    if request.method == "POST":
        if not can(request.user, Action.TRANSFER, store):
            raise PermissionDenied
        direction = request.POST.get("direction", "to")
        other = request.POST.get("other_store", "")
        try:
            transfer = transfers.request_transfer(
                store=store,
                lines=parse_lines(request.POST.get("lines", "")),
                user=request.user,
                to_store_code=other if direction == "to" else None,
                from_store_code=other if direction == "from" else None,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            errors = _line_field_errors(exc)
            if "to_store" in errors or "from_store" in errors:
                errors["other_store"] = errors.pop("to_store", []) + errors.pop("from_store", [])
        else:
            messages.success(request, f"Transfer {transfer.pk} requested.")
            return redirect("transfer-page-detail", store_code=store.code, pk=transfer.pk)
    rows = (
        Transfer.objects.filter(Q(store=store) | Q(to_store=store))
        .select_related("store", "to_store")
        .order_by("status", "-pk")[:100]
    )
    neighbours = Store.objects.filter(region_id=store.region_id, is_active=True).exclude(pk=store.pk).order_by("code")
    context = {
        "transfers": rows,
        "neighbours": neighbours,
        "errors": errors,
        "posted": request.POST if errors else {},
        "can_transfer": can(request.user, Action.TRANSFER, store),
    }
    return render(request, "inventory/moving/transfers.html", context, status=400 if errors else 200)


def _transfer(store: Store, pk: int) -> Transfer:
    return get_object_or_404(
        Transfer.objects.filter(Q(store=store) | Q(to_store=store)).select_related("store", "to_store"), pk=pk
    )


@store_page(Action.VIEW_STOCK)
def transfer_detail(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    transfer = _transfer(store, pk)
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        needed = Action.RECEIVE if action == "receive" else Action.TRANSFER
        if not can(request.user, needed, store):
            raise PermissionDenied
        lines = [
            LineInput(sku=line.product.sku, quantity=request.POST.get(f"qty-{line.pk}", "").strip())
            for line in transfer.lines.select_related("product")
            if request.POST.get(f"qty-{line.pk}", "").strip() != ""
        ]
        try:
            if action == "ship":
                transfers.ship_transfer(store=store, transfer=transfer, user=request.user, lines=lines or None)
            elif action == "receive":
                transfers.receive_transfer(store=store, transfer=transfer, user=request.user, lines=lines or None)
            elif action == "cancel":
                transfers.cancel_transfer(store=store, transfer=transfer, user=request.user)
        except DomainError as exc:
            errors = _line_field_errors(exc)
        else:
            messages.success(request, f"Transfer {transfer.pk}: {action} done.")
            return redirect("transfer-page-detail", store_code=store.code, pk=transfer.pk)
    lines = list(TransferLine.objects.filter(transfer=transfer).select_related("product").order_by("product__sku"))
    for line in lines:  # a discrepancy: received minus shipped, once both are known
        known = line.received is not None and line.shipped is not None
        line.difference = line.received - line.shipped if known else None
    sender, receiver = transfer.store_id == store.pk, transfer.to_store_id == store.pk
    context = {
        "transfer": transfer,
        "lines": lines,
        "errors": errors,
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
    errors: dict = {}
    if request.method == "POST":
        code, quantity = request.POST.get("code", "").strip(), request.POST.get("quantity", "").strip()
        try:
            if not code:
                raise DomainError("scan or type a SKU or barcode", field="code", code="required")
            adjustment = adjustments.create_adjustment(
                store=store,
                reason=request.POST.get("reason", ""),
                lines=[LineInput(sku=code, quantity=quantity)],
                user=request.user,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            errors = {
                ("code" if k.endswith(".sku") else "quantity" if k.endswith(".quantity") else k): v
                for k, v in field_errors(exc).items()
            }
        else:
            messages.success(request, f"Adjustment {adjustment.pk} posted.")
            return redirect("adjustment-new", store_code=store.code)
    recent = Adjustment.objects.for_store(store).prefetch_related("lines__product").order_by("-pk")[:15]
    context = {"reasons": AdjustmentReason.choices, "errors": errors, "posted": request.POST, "recent": recent}
    return render(request, "inventory/moving/adjustment.html", context, status=400 if errors else 200)
