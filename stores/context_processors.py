from __future__ import annotations

from django.http import HttpRequest


def current_store(request: HttpRequest) -> dict[str, object]:
    """The store being acted on (set by the store-scoped page views) for the header."""
    return {"current_store": getattr(request, "store", None)}
