"""A store manager's POS devices: list with last use, create (the key is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import credentials
from .access import Action
from .forms import DeviceForm
from .models import PosDevice, Store
from .pages import store_page


@store_page(Action.MANAGE_DEVICES)
def device_list(request: HttpRequest, store: Store) -> HttpResponse:
    form, issued = DeviceForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        issued = credentials.issue_device(store=store, name=form.cleaned_data["name"], created_by=request.user)
        form = DeviceForm()  # the next till starts from an empty field
    devices = PosDevice.objects.filter(store=store).order_by("revoked_at", "name")
    context = {"devices": devices, "form": form, "issued": issued}
    response = render(request, "stores/devices.html", context, status=400 if form.errors else 200)
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
