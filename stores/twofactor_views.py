"""Pages for enrolling and verifying a second factor."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from . import twofactor


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label=_("6-digit code from your authenticator app"),
        error_messages={"invalid": _("Enter the 6 digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    device = twofactor.start_enrolment(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.confirm_enrolment(request, form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("That code did not match. Check the time on your phone and try the next one."))
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "secret": device.bin_key.hex(),
        "required": twofactor.requires_two_factor(request.user),
        "next": _next(request),
    }
    return render(request, "twofactor/setup.html", context)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if twofactor.confirmed_device(request.user) is None:
        return redirect(f"/account/2fa/setup/?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("That code did not match."))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next(request)})
