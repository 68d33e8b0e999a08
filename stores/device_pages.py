"""A store manager's POS devices: list with last use, create (the key is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import credentials
from .access import Action
from .models import PosDevice, Store
from .pages import store_page


@store_page(Action.MANAGE_DEVICES)
def device_list(request: HttpRequest, store: Store) -> HttpResponse:
    error, issued = "", None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            error = "give the till a name, e.g. till-3"
        elif len(name) > 100:
            error = "at most 100 characters"
        else:
            issued = credentials.issue_device(store=store, name=name, created_by=request.user)
    devices = PosDevice.objects.filter(store=store).order_by("revoked_at", "name")
    context = {"devices": devices, "error": error, "issued": issued, "name": request.POST.get("name", "")}
    response = render(request, "stores/devices.html", context, status=400 if error else 200)
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the key is on this page once
    return response


@require_POST
@store_page(Action.MANAGE_DEVICES)
def device_revoke(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    device = get_object_or_404(PosDevice.objects.filter(store=store), pk=pk)
    credentials.revoke(device, actor=request.user)
    messages.success(request, f"{device.name} revoked: its key no longer works.")
    return redirect("device-page-list", store_code=store.code)
