"""The soak: load, faults injected while it runs, then the books are checked.

    python bench/soak/run.py [--minutes 5] [--quick] [--json] [--no-faults]

What it does, all on 127.0.0.1, bounded in time:

1. a fresh PostgreSQL database ``retail_soak`` seeded with ``seed_demo --stores 120``
   (small catalogue, two days of history), one POS device per store and 500 signed-in
   people (store managers and analysts, with sessions);
2. gunicorn (gthread) with Redis as cache (db 5) and broker (db 6), one Celery worker;
3. locust, headless (``bench/soak/locustfile.py``): 120 stores' tills at 10x a normal
   peak plus the 500 people browsing;
4. while it runs, one fault after another, each followed by its recovery:
   kill -9 a gunicorn worker; restart PostgreSQL; stop Redis for a while; kill -9 a
   Celery pool process mid-task; the S3 endpoint unreachable during a warehouse export
   and a report;
5. afterwards: every acknowledged sale stored exactly once, stock moved once per line,
   ``check_ledger`` clean, the outbox drained and the rollups equal to the sales.

Prints a table (and with ``--json`` one JSON object). PostgreSQL and Redis are always
left running, whatever happens.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, print_table, recreate_database  # noqa: E402

DB_NAME = "retail_soak"
REDIS_CACHE = "redis://127.0.0.1:6379/5"
REDIS_BROKER = "redis://127.0.0.1:6379/6"
VENV_BIN = Path(sys.executable).parent
PG_VERSION = next(iter(sorted(os.listdir("/etc/postgresql"))), "15") if os.path.isdir("/etc/postgresql") else "15"
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
    "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip
PEOPLE = 500
STORES = 120


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- services ---------------------------------------------------------------------------
def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


def redis_ready() -> bool:
    try:
        with closing(socket.create_connection(("127.0.0.1", 6379), timeout=1)) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_services() -> None:
    """Start PostgreSQL and Redis if they are not answering (the soak's last duty)."""
    if not pg_ready():
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "start"], check=False)
    if not redis_ready():
        subprocess.run(REDIS_START, check=False)
    for _ in range(60):
        if pg_ready() and redis_ready():
            return
        time.sleep(0.5)


def wait_for(predicate, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


# --- world ------------------------------------------------------------------------------
def seed(env: dict[str, str], workdir: Path, *, products: int) -> Path:
    started = time.monotonic()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "seed_demo", "--stores", str(STORES), "--products", str(products), "--days", "2", "--quiet"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from inventory.models import Product
    from stores.credentials import issue_device
    from stores.models import Membership, Role, Scope, Store

    stores = list(Store.objects.order_by("code"))
    creds: dict = {"stores": [], "sessions": [], "skus": list(Product.objects.values_list("sku", flat=True)[:300])}
    for store in stores:
        creds["stores"].append({"code": store.code, "key": issue_device(store=store, name="soak-till").key})
    User = get_user_model()
    for n in range(PEOPLE):
        analyst = n % 5 == 4
        user = User.objects.create_user(username=f"soak{n:03d}", password=None)
        store = None if analyst else stores[n % len(stores)]
        if analyst:
            Membership.objects.create(user=user, role=Role.ANALYST, scope=Scope.COMPANY)
        else:
            Membership.objects.create(user=user, role=Role.STORE_MANAGER, scope=Scope.STORE, store=store)
        session = SessionStore()
        session.update(
            {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
        )
        session.create()
        creds["sessions"].append(
            {"role": "analyst" if analyst else "store_manager", "store": store.code if store else None,
             "cookie": session.session_key}
        )  # fmt: skip
    path = workdir / "credentials.json"
    path.write_text(json.dumps(creds))
    log(f"seeded {len(stores)} stores, {PEOPLE} people in {time.monotonic() - started:.0f} s")
    return path


# --- processes --------------------------------------------------------------------------
def start_gunicorn(env: dict[str, str], port: int, logdir: Path) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"), "retail.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--backlog", "2048",
        "--graceful-timeout", "5", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    log_file = open(logdir / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    import urllib.request

    def up() -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
        except OSError:
            return False

    if wait_for(up, 30) is None:
        raise RuntimeError("gunicorn did not start; see " + str(logdir / "gunicorn.log"))
    return proc


def start_celery(env: dict[str, str], logdir: Path) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "celery"), "-A", "retail", "worker", "--concurrency", "2", "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "soak@%h",
    ]  # fmt: skip
    log_file = open(logdir / "celery.log", "w")  # noqa: SIM115 - lives as long as the worker
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- checks in the database ------------------------------------------------------------
def db_query(sql: str, params: tuple = ()) -> list[tuple]:
    from django.db import connection

    for attempt in range(30):
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        except Exception:
            connection.close()
            if attempt == 29:
                raise
            time.sleep(1)
    return []


def outbox_pending() -> int:
    return db_query("SELECT count(*) FROM inventory_outboxevent WHERE dispatched_at IS NULL")[0][0]


def queue_length() -> int:
    import redis

    try:
        return int(redis.Redis.from_url(REDIS_BROKER, socket_timeout=2).llen("celery"))
    except Exception:  # noqa: BLE001 - the broker may be the fault being injected
        return -1


# --- faults -----------------------------------------------------------------------------
def fault_gunicorn(gunicorn: subprocess.Popen) -> dict:
    before = children(gunicorn.pid)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    took = wait_for(lambda: len(set(children(gunicorn.pid)) - {victim}) >= len(before), 30)
    return {"injected": f"kill -9 worker pid {victim}", "restored_s": took}


def fault_postgres() -> dict:
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(pg_ready, 60)
    from django.db import connections

    connections.close_all()
    return {"injected": "pg_ctlcluster restart", "restored_s": time.monotonic() - started}


def fault_redis(outage_s: float) -> dict:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False, capture_output=True)
    wait_for(lambda: not redis_ready(), 10)
    started = time.monotonic()
    pending_at_start = outbox_pending()
    time.sleep(outage_s)
    pending_in_outage = outbox_pending()
    subprocess.run(REDIS_START, check=False)
    wait_for(redis_ready, 30)
    down_s = time.monotonic() - started
    drained = wait_for(lambda: outbox_pending() <= 5, 120)
    return {
        "injected": f"redis down {down_s:.0f} s",
        "restored_s": down_s,
        "outbox_pending_before": pending_at_start,
        "outbox_pending_at_end_of_outage": pending_in_outage,
        "outbox_drained_after_s": drained,
    }


def fault_celery(celery: subprocess.Popen) -> dict:
    import psutil

    busy = None
    deadline = time.monotonic() + 20
    while busy is None and time.monotonic() < deadline:
        for pid in children(celery.pid):
            try:
                if psutil.Process(pid).cpu_percent(interval=0.05) > 5:
                    busy = pid
                    break
            except psutil.NoSuchProcess:
                continue
    victim = busy or children(celery.pid)[0]
    os.kill(victim, signal.SIGKILL)
    took = wait_for(lambda: len(children(celery.pid)) >= 2 and victim not in children(celery.pid), 30)
    return {"injected": f"kill -9 pool pid {victim} ({'busy' if busy else 'idle'})", "restored_s": took}


class S3Switch:
    """A TCP relay in front of the S3 server (moto) that can be made unreachable:
    ``down()`` closes the listening socket and every open connection (new ones are
    refused), ``up()`` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port, self.port = target_port, free_port()
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self.listener is not None:
            with suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of its thread
            self.listener.close()
            self.listener = None
        for conn in self.conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        self.conns = []

    def _accept(self, listener: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with suppress(OSError):
                    sock.close()


def start_s3(workdir: Path) -> tuple[subprocess.Popen, S3Switch, dict[str, str]]:
    import urllib.request

    moto_port = free_port()
    moto = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=open(workdir / "moto.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )  # fmt: skip
    wait_for(lambda: _http_ok(f"http://127.0.0.1:{moto_port}/"), 30)
    for bucket in ("soak-media", "soak-reports", "soak-exports"):
        request = urllib.request.Request(f"http://127.0.0.1:{moto_port}/{bucket}", method="PUT")
        urllib.request.urlopen(request)  # noqa: S310 - the local moto server
    switch = S3Switch(moto_port)
    s3_env = {
        "AWS_ACCESS_KEY_ID": "soak", "AWS_SECRET_ACCESS_KEY": "soak", "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_STORAGE_BUCKET_NAME": "soak-media",
        "AWS_REPORTS_BUCKET_NAME": "soak-reports", "WAREHOUSE_EXPORT_BUCKET": "soak-exports",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{switch.port}", "AWS_MAX_ATTEMPTS": "2",
        "AWS_RETRY_MODE": "standard",
    }  # fmt: skip
    return moto, switch, s3_env


def warehouse_rows(day: str) -> int:
    """Fact rows of ``day`` in the warehouse (sales and stock, as ``WarehouseLoad.rows`` counts)."""
    return db_query(
        "SELECT (SELECT count(*) FROM fact_sales WHERE day = %s) + (SELECT count(*) FROM fact_stock WHERE day = %s)",
        (day, day),
    )[0][0]


def fault_s3(switch: S3Switch, day: str, outage_s: float) -> dict:
    """S3 unreachable while a warehouse export (of a day already loaded once) and a
    report are queued, until both have failed at least once (at most 150 s more); both
    are retried by Celery and finish once S3 is back. The warehouse must then hold exactly
    the rows of the last loaded manifest, with no key twice (nothing half-loaded or doubled)."""
    from django.contrib.auth import get_user_model

    from analytics import reports
    from analytics.models import ReportRequest, ReportStatus, WarehouseLoad
    from analytics.tasks import warehouse_export

    rows_before = warehouse_rows(day)
    loads_before = WarehouseLoad.objects.filter(day=day).count()
    switch.down()
    started = time.monotonic()
    warehouse_export.delay(day)
    analyst = get_user_model().objects.get(username="soak004")
    from datetime import date, timedelta

    today = date.fromisoformat(day) + timedelta(days=1)
    report = reports.request_report(
        user=analyst, kind="sales_by_store", fmt="csv", date_from=today - timedelta(days=1), date_to=today
    )
    time.sleep(outage_s)
    # Under load the queue may hold them back: keep S3 down until both have failed once.
    wait_for(
        lambda: (
            WarehouseLoad.objects.filter(day=day, status="failed").count() > 0
            and ReportRequest.objects.filter(pk=report.pk, status=ReportStatus.FAILED).exists()
        ),
        150,
    )
    failed_during = {
        "export_runs_failed": WarehouseLoad.objects.filter(day=day, status="failed").count(),
        "report_status_in_outage": ReportRequest.objects.get(pk=report.pk).status,
    }
    switch.up()
    down_s = time.monotonic() - started

    def finished() -> bool:
        runs = WarehouseLoad.objects.filter(day=day).order_by("-pk")[:1]
        done = ReportRequest.objects.get(pk=report.pk).status == ReportStatus.DONE
        return done and bool(runs) and runs[0].status == "loaded" and WarehouseLoad.objects.filter(day=day).count() > 1

    took = wait_for(finished, 240)
    runs = list(WarehouseLoad.objects.filter(day=day).order_by("pk").values_list("status", flat=True))[loads_before:]
    last = WarehouseLoad.objects.filter(day=day, status="loaded").order_by("-pk").first()
    duplicates = db_query(
        "SELECT count(*) FROM (SELECT store_id, product_id FROM fact_sales WHERE day = %s "
        "GROUP BY 1, 2 HAVING count(*) > 1) d",
        (day,),
    )[0][0]
    report.refresh_from_db()
    return {
        "injected": f"S3 refused {down_s:.0f} s",
        "restored_s": down_s,
        **failed_during,
        "export_attempts": runs,
        "warehouse_rows_before": rows_before,
        "warehouse_rows_after": warehouse_rows(day),
        "rows_of_last_loaded_manifest": last.rows if last else None,
        "warehouse_duplicate_keys": duplicates,
        "report_status": report.status,
        "report_rows": report.rows,
        "finished_after_restore_s": took,
    }


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=1)  # noqa: S310 - a http://127.0.0.1 URL built here
        return True
    except OSError:
        return False


# --- after the run ----------------------------------------------------------------------
def books(out: dict, env: dict[str, str]) -> dict:
    acked = out["acknowledged"]
    acked_total = sum(len(ids) for ids in acked.values())
    found = 0
    for code, ids in acked.items():
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            found += db_query(
                "SELECT count(*) FROM inventory_sale s JOIN stores_store st ON st.id = s.store_id "
                "WHERE st.code = %s AND s.pos_sale_id = ANY(%s)",
                (code, chunk),
            )[0][0]
    soak_sales = db_query("SELECT count(*) FROM inventory_sale WHERE pos_sale_id LIKE 'S%%-%%-%%'")[0][0]
    wrong_moves = db_query(
        "SELECT count(*) FROM (SELECT s.id, s.line_count - s.quarantined_lines AS want, "
        "(SELECT count(*) FROM inventory_stockmovement m WHERE m.store_id = s.store_id AND m.document_type = 'sale' "
        "AND m.document_id = s.id) AS got FROM inventory_sale s WHERE s.pos_sale_id LIKE 'S%%-%%-%%') t "
        "WHERE want <> got"
    )[0][0]
    ledger = subprocess.run(
        [sys.executable, "manage.py", "check_ledger"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return {
        "acknowledged_sales": acked_total,
        "acknowledged_found_once": found,
        "stored_not_acknowledged": soak_sales - found,
        "sales_with_wrong_movement_count": wrong_moves,
        "check_ledger_exit": ledger.returncode,
        "check_ledger_output": ledger.stdout.strip()[-300:],
        "outbox_pending": outbox_pending(),
    }


# (store, day, product) the soak sold whose rollup units differ from the sale lines. Per
# product: the demo's synthetic history has rollups without sale lines for products the
# soak never touched, which a per-store-day comparison would count as differences.
ROLLUP_GAP_SQL = (
    "WITH t AS (SELECT DISTINCT l.store_id, l.business_day AS day, l.product_id FROM inventory_saleline l "
    "JOIN inventory_sale x ON x.id = l.sale_id WHERE x.pos_sale_id LIKE 'S%%-%%-%%'), "
    "s AS (SELECT l.store_id, l.business_day AS day, l.product_id, sum(l.quantity) AS q "
    "FROM inventory_saleline l JOIN inventory_sale x ON x.id = l.sale_id "
    "JOIN t ON t.store_id = l.store_id AND t.day = l.business_day AND t.product_id = l.product_id "
    "WHERE x.kind = 'sale' GROUP BY 1, 2, 3), "
    "r AS (SELECT d.store_id, d.day, d.product_id, d.units AS q FROM analytics_dailyrollup d "
    "JOIN t ON t.store_id = d.store_id AND t.day = d.day AND t.product_id = d.product_id) "
    "SELECT count(*), (SELECT count(*) FROM t) FROM s FULL JOIN r USING (store_id, day, product_id) "
    "WHERE coalesce(s.q, 0) <> coalesce(r.q, 0)"
)


def rollups_check() -> dict:
    """Rollup rows the soak sold on whose units differ from their sale lines: right
    after the queue drained, then how long the event-driven refreshes (``sale.posted``)
    take to catch up; if they do not within 120 s, the periodic pass that beat runs every
    2 minutes is queued by hand and what still differs after it is reported."""
    from analytics.tasks import refresh_rollups_periodic

    differing, touched = db_query(ROLLUP_GAP_SQL)[0]
    caught_up = wait_for(lambda: db_query(ROLLUP_GAP_SQL)[0][0] == 0, 120)
    result = {
        "rollup_rows_sold_on": touched,
        "rollups_differing_at_drain": differing,
        "rollups_caught_up_after_s": caught_up,
    }
    if caught_up is None:
        refresh_rollups_periodic.delay()
        wait_for(lambda: db_query(ROLLUP_GAP_SQL)[0][0] == 0, 180)
        result["rollups_differing_after_periodic_pass"] = db_query(ROLLUP_GAP_SQL)[0][0]
    return result


def latency_table(csv_path: Path) -> list[dict]:
    rows = []
    with open(csv_path) as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "endpoint": row["Name"] if row["Name"] != "Aggregated" else "ALL",
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": row["50%"],
                    "p95_ms": row["95%"],
                    "p99_ms": row["99%"],
                    "rps": round(float(row["Requests/s"]), 1),
                }
            )
    return rows


def failures_in(out: dict, start: float, end: float) -> tuple[int, int]:
    fails = sum(v for k, v in out["failures_by_second"].items() if start <= int(k) < end)
    total = sum(v for k, v in out["requests_by_second"].items() if start <= int(k) < end)
    return fails, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="load duration (default 5)")
    parser.add_argument("--quick", action="store_true", help="about one minute of load, fewer people")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--no-faults", action="store_true", help="load only")
    args = parser.parse_args()
    minutes = 1.0 if args.quick else args.minutes
    if not 0.5 <= minutes <= 10:
        parser.error("--minutes must be between 0.5 and 10")
    seconds = int(minutes * 60)
    people = 100 if args.quick else PEOPLE

    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    database_url = recreate_database(DB_NAME)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_CACHE,
        "CELERY_BROKER_URL": REDIS_BROKER,
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        "CELERY_BROKER_VISIBILITY_TIMEOUT": "120",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "MEDIA_ROOT")})
    os.environ["REDIS_URL"] = REDIS_CACHE
    import redis

    redis.Redis.from_url(REDIS_BROKER).flushdb()
    redis.Redis.from_url(REDIS_CACHE).flushdb()
    result: dict = {"minutes": minutes, "stores": STORES, "people": people, "faults": {}}
    with ExitStack() as stack:
        stack.callback(ensure_services)
        moto, switch, s3_env = start_s3(workdir)
        stack.callback(stop, moto)
        stack.callback(switch.down)
        env.update(s3_env)
        env["WAREHOUSE_STANDIN_URL"] = database_url
        os.environ.update({k: env[k] for k in ("CELERY_BROKER_URL", "WAREHOUSE_STANDIN_URL", *s3_env)})
        creds = seed(env, workdir, products=300)
        from datetime import timedelta

        from django.utils import timezone

        yesterday = (timezone.now().date() - timedelta(days=1)).isoformat()
        subprocess.run(
            [sys.executable, "manage.py", "warehouse_export", "--date", yesterday, "--apply-schema"],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        port = free_port()
        gunicorn = start_gunicorn(env, port, workdir)
        stack.callback(stop, gunicorn)
        celery = start_celery(env, workdir)
        stack.callback(stop, celery)
        time.sleep(3)
        locust_env = {
            **env,
            "SOAK_CREDENTIALS": str(creds),
            "SOAK_OUT": str(workdir / "locust-out.json"),
            "SOAK_POS_USERS": str(STORES),
            "SOAK_PEOPLE": str(people),
        }
        cmd = [
            str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "soak" / "locustfile.py"), "--headless",
            "-u", str(STORES + people), "-r", "40", "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
            "--csv", str(workdir / "locust"), "--only-summary", "--stop-timeout", "90", "--loglevel", "WARNING",
        ]  # fmt: skip
        load_start = time.time()
        locust_log = open(workdir / "locust.log", "w")  # noqa: SIM115 - lives as long as locust
        locust = subprocess.Popen(cmd, cwd=ROOT, env=locust_env, stdout=subprocess.DEVNULL, stderr=locust_log)
        stack.callback(stop, locust)
        plan = [] if args.no_faults else [
            (0.15, "gunicorn worker killed", lambda: fault_gunicorn(gunicorn)),
            (0.27, "PostgreSQL restarted", fault_postgres),
            (0.40, "Redis stopped", lambda: fault_redis(max(10.0, seconds * 0.08))),
            (0.62, "Celery worker killed mid-task", lambda: fault_celery(celery)),
            (0.75, "S3 unreachable (export + report)", lambda: fault_s3(switch, yesterday, max(10.0, seconds * 0.08))),
        ]  # fmt: skip
        windows = []
        for at, name, inject in plan:
            delay = load_start + at * seconds - time.time()
            if delay > 0:
                time.sleep(delay)
            log(f"fault: {name}")
            started = time.time()
            try:
                detail = inject()
            except Exception as exc:  # noqa: BLE001 - a fault that could not be injected is reported
                detail = {"error": repr(exc)}
            ensure_services()
            detail["window_s"] = round(time.time() - started, 1)
            windows.append((int(started) - 1, time.time() + 5))
            result["faults"][name] = detail
            log(f"  {detail}")
        locust.wait(timeout=seconds + 200)
        load_end = time.time()
        log("load finished; waiting for the outbox and the queue to drain")
        from django.db import connections

        connections.close_all()
        result["drain_s"] = wait_for(lambda: outbox_pending() == 0 and queue_length() == 0, 180)
        time.sleep(5)  # the last handle_sale_posted tasks
        wait_for(lambda: queue_length() == 0, 60)
        time.sleep(3)
        out = json.loads((workdir / "locust-out.json").read_text())
        result["books"] = books(out, env)
        result["books"].update(rollups_check())
        result["latency"] = latency_table(workdir / "locust_stats.csv")
        in_faults = [failures_in(out, a, b) for a, b in windows]
        fault_fail = sum(f for f, _ in in_faults)
        all_fail, all_total = failures_in(out, load_start - 5, load_end + 300)
        result["requests_total"] = all_total
        result["failed_requests_total"] = all_fail
        result["failed_outside_fault_windows"] = all_fail - fault_fail
        for (_name, detail), (fails, total) in zip(result["faults"].items(), in_faults, strict=True):
            detail["failed_requests_in_window"] = fails
            detail["requests_in_window"] = total
        result["till_retries"] = out["till_retries"]
        result["unanswered_batches"] = out["unanswered_batches"]
        result["worker_lost_events"] = (workdir / "celery.log").read_text().count("WorkerLostError")
        result["workdir"] = str(workdir)

    ensure_services()
    b = result["books"]
    ok = (
        b["acknowledged_found_once"] == b["acknowledged_sales"]
        and b["sales_with_wrong_movement_count"] == 0
        and b["check_ledger_exit"] == 0
        and result["failed_outside_fault_windows"] == 0
    )
    result["ok"] = ok
    if args.json:
        print(json.dumps(result, default=str))
    else:
        report(result)
    return 0 if ok else 1


def report(result: dict) -> None:
    print_table(
        f"Load: {result['minutes']} min, {result['stores']} stores' tills at 10x peak + {result['people']} people",
        [tuple(r.values()) for r in result["latency"]],
        ("endpoint", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "req/s"),
    )
    rows = []
    for name, d in result["faults"].items():
        extra = {k: v for k, v in d.items() if k not in ("injected", "window_s", "failed_requests_in_window",
                                                          "requests_in_window", "restored_s")}  # fmt: skip
        restored = d.get("restored_s")
        rows.append((name, d.get("injected", ""), f"{restored:.1f}" if isinstance(restored, float) else restored,
                     f"{d.get('failed_requests_in_window')}/{d.get('requests_in_window')}",
                     json.dumps(extra, default=str)[:160]))  # fmt: skip
    if rows:
        print_table("Faults", rows, ("fault", "injected", "restored s", "failed/requests", "detail"))
    b = result["books"]
    print_table(
        "Books after the run",
        [(k, v) for k, v in b.items() if k != "check_ledger_output"]
        + [
            ("requests_total", result["requests_total"]),
            ("failed_requests_total", result["failed_requests_total"]),
            ("failed_outside_fault_windows", result["failed_outside_fault_windows"]),
            ("till_retries", result["till_retries"]),
            ("unanswered_batches", result["unanswered_batches"]),
            ("worker_lost_events", result["worker_lost_events"]),
            ("drain_s", result["drain_s"]),
            ("OK", result["ok"]),
        ],
        ("check", "value"),
    )


if __name__ == "__main__":
    sys.exit(main())
