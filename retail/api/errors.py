"""One error shape for the whole API.

```json
{"error": "invalid", "detail": [{"field": "lines[3].quantity", "code": "max_decimal_places", "message": "..."}]}
```

DRF's nested ``ValidationError`` detail is flattened into that list, domain exceptions
(:class:`DomainError`) carry their own field and code, and anything else that escapes a
view is still a JSON 500 with the request id, never an HTML page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from retail.error_views import RETRY_AFTER_SECONDS, TRANSIENT, unavailable_payload

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no. Rendered as 400 (or ``status``) with field and code."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_detail(self) -> list[dict[str, Any]]:
        return [{"field": self.field, "code": self.code, "message": self.message}]


class InvalidInput(DomainError):
    """Several problems at once, already in ``[{field, code, message}]`` form."""

    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__(details[0]["message"] if details else "invalid input")
        self.details = details

    def as_detail(self) -> list[dict[str, Any]]:
        return self.details


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "request body too large"
    default_code = "too_large"


def flatten(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Turn DRF's nested error structure into ``[{field, code, message}]``."""
    items: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                name = prefix or None
            elif isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            items.extend(flatten(value, name or ""))
    elif isinstance(detail, list):
        if all(isinstance(v, (exceptions.ErrorDetail, str)) for v in detail):
            for value in detail:
                items.append(_item(prefix, value))
        else:
            for index, value in enumerate(detail):
                if value in ({}, [], None):
                    continue
                items.extend(flatten(value, f"{prefix}[{index}]"))
    else:
        items.append(_item(prefix, detail))
    return items


def _item(field: str, value: Any) -> dict[str, Any]:
    code = getattr(value, "code", None) or "invalid"
    return {"field": field or None, "code": code, "message": str(value)}


_ERROR_NAMES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, DomainError):
        return Response(
            {"error": _ERROR_NAMES.get(exc.status, "invalid"), "detail": exc.as_detail()}, status=exc.status
        )
    if isinstance(exc, TRANSIENT):  # the database restarting or failing over: retry, not a bug
        logger.warning("database unavailable", exc_info=exc)
        return Response(unavailable_payload(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # DATA_UPLOAD_MAX_MEMORY_SIZE, raised while parsing
        exc = TooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {
                "error": "server_error",
                "detail": [{"field": None, "code": "server_error", "message": "internal error"}],
                "request_id": getattr(getattr(request, "_request", request), "request_id", None),
            },
            status=500,
        )
    if isinstance(exc, exceptions.ValidationError):
        detail = flatten(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        detail = [{"field": None, "code": "parse_error", "message": str(exc.detail)}]
    else:
        detail = [
            {"field": None, "code": getattr(exc.detail, "code", None) or exc.default_code, "message": str(exc.detail)}
        ]
    response.data = {"error": _ERROR_NAMES.get(response.status_code, "error"), "detail": detail}
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: a URL no route matches (``/api/v1/stores/S001/sales/-1/``) answers
    in the API's error shape under ``/api/``, and with the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "not_found", "detail": [{"field": None, "code": "not_found", "message": "Not found."}]},
            status=404,
        )
    return defaults.page_not_found(request, exception)
