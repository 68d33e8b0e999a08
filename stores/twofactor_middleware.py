"""Holds an admin's session at the second-factor step until it is verified."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from . import twofactor

EXEMPT_PREFIXES = ("/account/2fa/", "/logout/", "/login/", "/static/", "/healthz", "/readyz", "/api/v1/schema/")


class RequireTwoFactorMiddleware:
    """After ``OTPMiddleware``: an admin signed in with a password alone can reach only
    the 2FA pages (and sign out). API calls with a session answer 403 JSON; bearer
    credentials are separate and unaffected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and twofactor.requires_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": "permission_denied",
                        "detail": [
                            {
                                "field": None,
                                "code": "two_factor_required",
                                "message": "verify your second factor at /account/2fa/verify/ first",
                            }
                        ],
                    },
                    status=403,
                )
            has_device = twofactor.confirmed_device(user) is not None
            step = "verify" if has_device else "setup"
            return redirect(f"/account/2fa/{step}/?next={quote(request.get_full_path())}")
        return self.get_response(request)
