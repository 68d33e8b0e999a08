"""Load-balancer probes.

``/healthz`` answers from the process alone (liveness); ``/readyz`` checks the database,
the cache and the broker, each with a short timeout, and answers 503 naming the one down.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    if not settings.REDIS_URL:
        return
    from django_redis import get_redis_connection

    get_redis_connection("default").ping()


def _check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return
    from retail.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    healthy = True
    for name, probe in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        started = time.perf_counter()
        try:
            probe()
            checks[name] = {"ok": True}
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by name
            healthy = False
            checks[name] = {"ok": False, "error": type(exc).__name__}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if not settings.CELERY_BROKER_URL:
        checks["broker"]["mode"] = "eager"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
