"""Helpers for tests of every app (imported by the root conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def login_verified(client, user) -> None:
    """Sign in as a person who also passed the second factor (admins must have one)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def reset_celery_pools(app) -> None:
    """Drop the Celery app's broker pools (made anew on first use, even by eager calls).
    kombu keeps producer pools in a process-wide registry keyed by broker URL, so that is
    reset too: a pool closed for one broker must never be handed out again."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def real_worker(tmp_path: Path, *, redis_db: int, worker_args: tuple[str, ...] = ("-P", "solo", "-c", "1"),
                env: dict[str, str] | None = None) -> Iterator[Path]:  # fmt: skip
    """A real ``celery -A retail worker`` on the test's PostgreSQL database and a Redis
    broker (db ``redis_db``, flushed), with this process's app pointed at it; yields the
    worker's log file. Skips on SQLite (a worker cannot share an in-memory database) and
    when Redis does not answer; puts the app back (eager) and stops the worker after."""
    import redis
    from django.conf import settings
    from django.db import connection

    from retail.celery import app

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test: PostgreSQL, not in-memory SQLite")
    broker = f"redis://127.0.0.1:6379/{redis_db}"
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {broker}")
    params = connection.settings_dict
    worker_env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_RESULT_BACKEND"}}
    worker_env.update(
        DATABASE_URL=f"postgres://{params.get('USER') or 'postgres'}@{params.get('HOST') or '127.0.0.1'}:"
        f"{params.get('PORT') or 5432}/{params['NAME']}",
        CELERY_BROKER_URL=broker, DJANGO_SETTINGS_MODULE="retail.settings", **(env or {}),
    )  # fmt: skip
    log_path = tmp_path / "worker.log"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "retail", "worker", *worker_args, "-l", "INFO"],
            env=worker_env, stdout=log, stderr=subprocess.STDOUT, cwd=str(settings.BASE_DIR),
        )  # fmt: skip
        app.conf.update(task_always_eager=False, broker_url=broker)
        reset_celery_pools(app)
        try:
            yield log_path
        finally:
            app.conf.update(**saved)
            reset_celery_pools(app)
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
