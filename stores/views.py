"""Signing in and out, where a person lands, and the store switcher."""

from __future__ import annotations

import contextlib

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from .access import Action, can_anywhere, grants_for, primary_store, stores_visible_to
from .forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule), so a link cannot sign someone out."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Store people land on their store; company-wide people on the head-office dashboard."""
    grants = grants_for(request.user)
    company_wide = not grants.store_roles and (grants.company_roles or grants.region_roles)
    if company_wide and can_anywhere(request.user, Action.VIEW_REPORTS):
        with contextlib.suppress(NoReverseMatch):  # until the head-office pages are installed
            return redirect(reverse("office:dashboard"))
    store = primary_store(request.user)
    if store is None:
        return render(request, "stores/no_store.html", status=200)
    return redirect("store-home", store_code=store.code)


@login_required
def switch_store(request: HttpRequest) -> HttpResponse:
    """Every store the person may act on, with a search box for the 120-store roles."""
    query = request.GET.get("q", "").strip()
    stores = stores_visible_to(request.user).select_related("region").order_by("code")
    if query:
        stores = stores.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(region__name__icontains=query))
    return render(request, "stores/switch.html", {"stores": stores[:500], "query": query})
