"""OpenAPI post-processing: the error answers every operation can give.

drf-spectacular documents the success responses a view declares. The error shape of
:mod:`retail.api.errors` is the same everywhere, so it is declared once here, for each
operation, instead of on every view: clients (and the schema fuzz test) then know that
a 400, 401, 403, 404, 405, 406, 409, 413, 415 or 429 is answered with ``Error``.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["error", "detail"],
}
TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
ALWAYS = {
    "401": "Missing, invalid or revoked credentials",
    "403": "Not allowed for this role (or second factor pending)",
    "404": "Unknown, or another store's",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "429": "Rate limit reached",
}
WITH_INPUT = {
    "400": "Invalid input; each problem names its field",
    "409": "The document's state does not allow this",
    "413": "Request body too large",
    "415": "Unsupported media type",
}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """``SPECTACULAR_SETTINGS['POSTPROCESSING_HOOKS']``: add the shared error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = dict(ALWAYS)
            if method != "get" or operation.get("parameters"):
                wanted.update(WITH_INPUT if method != "get" else {"400": WITH_INPUT["400"]})
            for code, description in wanted.items():
                operation["responses"].setdefault(code, {"description": description, **ref})
    _local_times(result.get("components", {}).get("schemas", {}))
    return result


def _local_times(node: Any) -> None:
    """A store's opening hours are wall-clock times without an offset ("22:00:00"). JSON
    Schema's ``time`` format demands an RFC 3339 offset, so describe them by pattern."""
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node["pattern"] = TIME_PATTERN
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)
