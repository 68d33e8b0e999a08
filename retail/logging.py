"""JSON-lines log formatter carrying the request context.

Secrets never reach a log line: the formatter drops known-sensitive keys from ``extra``
and the request middleware never logs headers or bodies.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_context", default=None)

_SENSITIVE = {"password", "token", "secret", "authorization", "key", "api_key", "cookie"}
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        context = request_context.get()
        if context:
            entry.update(context)
        for name, value in vars(record).items():
            if name in _RESERVED or name.startswith("_"):
                continue
            if name.lower() in _SENSITIVE:
                continue
            entry[name] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
