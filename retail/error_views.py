"""Server-error answers. A database that is restarting or failing over is a temporary
condition, not a bug: it answers 503 with ``Retry-After`` so tills and browsers retry,
and JSON for the API (the one error shape), instead of a 500."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 5
TRANSIENT = (OperationalError, InterfaceError)


def unavailable_payload() -> dict:
    return {
        "error": "unavailable",
        "detail": [{"field": None, "code": "unavailable", "message": "the database is unavailable: retry shortly"}],
    }


def server_error(request: HttpRequest) -> HttpResponse:
    transient = isinstance(sys.exc_info()[1], TRANSIENT)
    status = 503 if transient else 500
    if request.path.startswith("/api/"):
        body = unavailable_payload() if transient else {
            "error": "server_error", "detail": [{"field": None, "code": "server_error", "message": "internal error"}],
        }  # fmt: skip
        response: HttpResponse = JsonResponse(body, status=status)
    else:
        html = render_to_string("error.html", {"status": status, "transient": transient})
        response = HttpResponse(html, status=status)
    if transient:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
