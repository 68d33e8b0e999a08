"""The sign-in form: Django's, with the lockout checked before the password is tried."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import lockout


def client_ip(request) -> str | None:
    """The caller's address as the load balancer saw it (REMOTE_ADDR behind the proxy fix)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LockoutMixin:
    """Checks the lockout before the password is tried, counts a failure, clears on
    success: the one rule for every sign-in form (the site's and the admin's)."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request)
        if username and lockout.is_locked(username=username, ip=ip):
            raise forms.ValidationError(
                _("Too many failed sign-ins. Wait %(minutes)s minutes or ask an admin to unlock the account."),
                code="locked",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                lockout.record_failure(username=username, ip=ip)
            raise
        lockout.clear(username=username)
        return cleaned


class SignInForm(LockoutMixin, AuthenticationForm):
    pass


class DeviceForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("How the till is known in the store, e.g. till-3"),
        error_messages={"required": _("give the till a name, e.g. till-3")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
