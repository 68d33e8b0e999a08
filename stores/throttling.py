"""Per-credential request rates, counted in the shared cache (Redis in production)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .access import DevicePrincipal


class CredentialRateThrottle(SimpleRateThrottle):
    """Devices get the ``device`` rate, people and their tokens the ``user`` rate, and
    anonymous callers are limited by address under the ``user`` rate."""

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, DevicePrincipal):
            self.scope = "device"
            ident = f"device:{user.device.pk}"
        elif user is not None and user.is_authenticated:
            self.scope = "user"
            ident = f"user:{user.pk}"
        else:
            self.scope = "user"
            ident = f"anon:{self.get_ident(request)}"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return f"throttle:{ident}"

    def get_rate(self) -> str:
        # Read live (not the class attribute frozen at import) so settings changes apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def __init__(self) -> None:
        # The scope (and so the rate) is only known per request, in get_cache_key; a
        # non-None placeholder keeps allow_request from skipping the check.
        self.rate = "pending"
