"""Benchmark: the nightly replenishment run for N stores x M products on PostgreSQL with
real Celery workers, against two baselines measured in the same run.

    python bench/replenish.py [--json] [--stores 100 --products 20000] [--workers 2]

It creates its own database ``bench_replenish`` (dropped and re-created), migrates it,
generates the data with COPY (sparse sales: most items sell nothing on a given day), starts
``--workers`` Celery worker processes (``-c 1`` each, broker redis://127.0.0.1:6379/8 unless
``BENCH_BROKER_URL``), fans the night out by store and waits for every store's run.

Measured: wall time of the run (dispatch to the last store's finish, region transfers
included), peak memory (sum of each worker process's peak RSS, sampled), and the
baselines: the same maths as a per-row ORM loop on a sample (extrapolated), and a pure
numpy pass over the same arrays in memory (the floor: no database at all).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = "bench_replenish"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8")
NIGHT = date(2025, 3, 10)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_RESULT_BACKEND"}}
    env.update(DATABASE_URL=f"{PG}/{DB}", CELERY_BROKER_URL=BROKER, DJANGO_SETTINGS_MODULE="retail.settings")
    env.setdefault("LOG_LEVEL", "WARNING")
    return env


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=_env(), check=True)


def _copy(conn, table: str, columns: list[str], rows: str) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(rows)


def _lines(*cols) -> str:
    out = io.StringIO()
    for row in zip(*cols, strict=True):
        out.write("\t".join(map(str, row)))
        out.write("\n")
    return out.getvalue()


def generate(stores: int, products: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Write the catalogue, levels, demand states and the night's rollups; return the arrays."""
    import psycopg

    rng = np.random.default_rng(seed)
    n = stores * products
    with psycopg.connect(f"{PG}/{DB}") as conn:
        regions = max(1, stores // 10)
        _copy(
            conn,
            "stores_region",
            ["id", "code", "name"],
            _lines(
                range(1, regions + 1),
                [f"R{i}" for i in range(1, regions + 1)],
                [f"Region {i}" for i in range(1, regions + 1)],
            ),
        )
        sid = np.arange(1, stores + 1)
        _copy(
            conn,
            "stores_store",
            ["id", "code", "name", "region_id", "timezone", "address", "format", "size_sqm", "closes_at", "is_active"],
            _lines(
                sid,
                [f"B{i:04d}" for i in sid],
                [f"Store {i}" for i in sid],
                (sid - 1) % regions + 1,
                ["UTC"] * stores,
                [""] * stores,
                ["standard"] * stores,
                [1000] * stores,
                ["22:00"] * stores,
                ["t"] * stores,
            ),
        )
        _copy(
            conn,
            "inventory_category",
            ["id", "name", "path"],
            _lines(range(1, 51), [f"Cat {i}" for i in range(1, 51)], [f"{i}/" for i in range(1, 51)]),
        )
        suppliers = 40
        sup = np.arange(1, suppliers + 1)
        lead_of = rng.integers(2, 10, suppliers)
        _copy(
            conn,
            "inventory_supplier",
            [
                "id",
                "code",
                "name",
                "lead_time_days",
                "lead_time_sd_days",
                "min_order_value",
                "free_freight_value",
                "contact_name",
                "contact_email",
                "contact_phone",
                "is_active",
            ],
            _lines(
                sup,
                [f"SUP{i}" for i in sup],
                [f"Supplier {i}" for i in sup],
                lead_of,
                ["1.0"] * suppliers,
                ["150.00"] * suppliers,
                ["400.00"] * suppliers,
                [""] * suppliers,
                [""] * suppliers,
                [""] * suppliers,
                ["t"] * suppliers,
            ),
        )
        pid = np.arange(1, products + 1)
        case = rng.choice([1, 6, 12, 24], products)
        cost = np.round(rng.uniform(0.3, 20, products), 2)
        _copy(
            conn,
            "inventory_product",
            [
                "id",
                "sku",
                "name",
                "category_id",
                "unit",
                "case_pack",
                "cost",
                "price",
                "tax_class",
                "is_active",
                "created_at",
            ],
            _lines(
                pid,
                [f"P{i:06d}" for i in pid],
                [f"Product {i}" for i in pid],
                (pid - 1) % 50 + 1,
                ["each"] * products,
                case,
                cost,
                np.round(cost * 1.6, 2),
                ["standard"] * products,
                ["t"] * products,
                ["2025-01-01 00:00:00+00"] * products,
            ),
        )
        supplier_of = (pid - 1) % suppliers + 1
        _copy(
            conn,
            "inventory_productsupplier",
            ["product_id", "supplier_id", "supplier_sku", "cost", "case_pack", "is_primary"],
            _lines(pid, supplier_of, [""] * products, cost, case, ["t"] * products),
        )
        # Demand: log-normal rates, most items slow (sparse sales).
        rate = np.exp(rng.normal(-1.2, 1.3, n))
        lead = np.tile(lead_of[supplier_of - 1], stores).astype(float)
        cover = rate * (lead + 1) + 2 * np.sqrt(rate * (lead + 1) * 1.5) + 1  # about the reorder point
        on_hand = np.floor(cover * rng.uniform(0.7, 3.0, n)).astype(np.int64)
        on_order = np.where(rng.random(n) < 0.05, np.ceil(rate * 7), 0).astype(np.int64)
        store_col = np.repeat(sid, products)
        product_col = np.tile(pid, stores)
        for start in range(0, n, 500_000):
            sl = slice(start, min(n, start + 500_000))
            m = sl.stop - sl.start
            _copy(
                conn,
                "inventory_stocklevel",
                [
                    "store_id",
                    "product_id",
                    "on_hand",
                    "on_order",
                    "in_transit",
                    "in_assortment",
                    "needs_count",
                    "updated_at",
                ],
                _lines(
                    store_col[sl],
                    product_col[sl],
                    on_hand[sl],
                    on_order[sl],
                    [0] * m,
                    ["t"] * m,
                    ["f"] * m,
                    ["2025-03-10 00:00:00+00"] * m,
                ),
            )
            _copy(
                conn,
                "inventory_demandstate",
                [
                    "store_id",
                    "product_id",
                    "level",
                    "variance",
                    "dow0",
                    "dow1",
                    "dow2",
                    "dow3",
                    "dow4",
                    "dow5",
                    "dow6",
                    "days_observed",
                    "last_day",
                    "started_from",
                ],
                _lines(
                    store_col[sl],
                    product_col[sl],
                    np.round(rate[sl], 5),
                    np.round(rate[sl] * 1.5 + 0.1, 5),
                    *([1.0] * m for _ in range(7)),
                    [120] * m,
                    [str(NIGHT - timedelta(days=1))] * m,
                    ["history"] * m,
                ),
            )
        units = rng.poisson(rate)
        sold = np.flatnonzero(units > 0)
        _copy(
            conn,
            "analytics_dailyrollup",
            [
                "store_id",
                "product_id",
                "day",
                "units",
                "revenue",
                "cost",
                "returns_units",
                "returns_value",
                "receipts_units",
                "shrinkage_units",
                "stockout",
            ],
            _lines(
                store_col[sold],
                product_col[sold],
                [str(NIGHT)] * len(sold),
                units[sold],
                [0] * len(sold),
                [0] * len(sold),
                [0] * len(sold),
                [0] * len(sold),
                [0] * len(sold),
                [0] * len(sold),
                np.where(on_hand[sold] <= 0, "t", "f"),
            ),
        )
        for table in ("stores_region", "stores_store", "inventory_category", "inventory_supplier", "inventory_product"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {
        "rate": rate,
        "on_hand": on_hand.astype(float),
        "on_order": on_order.astype(float),
        "units": units,
        "case": np.tile(case, stores).astype(float),
        "lead": lead,
        "sold": len(sold),
    }


def numpy_floor(arrays: dict[str, np.ndarray]) -> float:
    """The same maths over the same 2M rows held in memory: fold + policy, no database."""
    from inventory.replenishment import forecast, policy

    rate = arrays["rate"]
    n = len(rate)
    started = time.perf_counter()
    state = forecast.DemandState(rate.copy(), rate * 1.5 + 0.1, np.ones((n, 7)), np.full(n, 120, np.int32))
    state = forecast.update(
        state=state,
        units=arrays["units"],
        weekday=NIGHT.weekday(),
        carried=np.ones(n, bool),
        stocked_out=(arrays["units"] == 0) & (arrays["on_hand"] <= 0),
    )
    horizon = np.maximum(np.ceil(arrays["lead"] + 1), 1).astype(int)
    demand = np.zeros(n)
    for h in np.unique(horizon):
        rows = horizon == h
        demand[rows] = forecast.forecast_mean(state=state.take(rows), horizon_days=int(h), start_weekday=1) / h
    result = policy.suggest_orders(
        demand_per_day=demand,
        demand_sd_per_day=forecast.demand_sd(state=state),
        lead_time_days=arrays["lead"],
        lead_time_sd_days=1.0,
        on_hand=arrays["on_hand"],
        on_order=arrays["on_order"],
        review_days=1.0,
        service_level=0.95,
        case_pack=arrays["case"],
    )
    assert result.quantity.shape == (n,)
    return time.perf_counter() - started


def orm_loop_sample(sample: int) -> float:
    """Seconds per store-product for the naive way: per row, read the level and the state
    through the ORM, fold, compute the policy, save the state, create the suggestion."""
    import django

    os.environ.update(_env())
    django.setup()
    from django.db import transaction

    from analytics.models import DailyRollup
    from inventory.models import DemandState, ProductSupplier, StockLevel, Suggestion
    from inventory.replenishment import forecast, policy

    levels = list(StockLevel.objects.filter(store_id=1).order_by("product_id")[:sample])
    started = time.perf_counter()
    with transaction.atomic():
        for level in levels:
            s = DemandState.objects.get(store_id=level.store_id, product_id=level.product_id)
            roll = DailyRollup.objects.filter(store_id=level.store_id, product_id=level.product_id, day=NIGHT).first()
            terms = ProductSupplier.objects.select_related("supplier").get(product_id=level.product_id, is_primary=True)
            one = forecast.DemandState(
                np.array([s.level]),
                np.array([s.variance]),
                np.array([[getattr(s, f"dow{i}") for i in range(7)]]),
                np.array([s.days_observed]),
            )
            units = float(roll.units) if roll else 0.0
            one = forecast.update(state=one, units=np.array([units]), weekday=NIGHT.weekday(), carried=np.array([True]))
            lead = float(terms.supplier.lead_time_days)
            h = int(np.ceil(lead + 1))
            d = forecast.forecast_mean(state=one, horizon_days=h, start_weekday=1) / h
            r = policy.suggest_orders(
                demand_per_day=d,
                demand_sd_per_day=forecast.demand_sd(state=one),
                lead_time_days=lead,
                lead_time_sd_days=float(terms.supplier.lead_time_sd_days),
                on_hand=np.array([float(level.on_hand)]),
                on_order=float(level.on_order),
                case_pack=float(terms.case_pack),
            )
            s.level, s.variance, s.last_day = float(one.level[0]), float(one.variance[0]), NIGHT
            s.save()
            if r.quantity[0] > 0:
                Suggestion.objects.create(
                    store_id=level.store_id,
                    business_day=NIGHT + timedelta(days=1),
                    product_id=level.product_id,
                    supplier_id=terms.supplier_id,
                    quantity=r.quantity[0],
                    suggested_quantity=r.quantity[0],
                    demand_per_day=d[0],
                    demand_sd=0,
                    lead_time_days=lead,
                    lead_time_sd_days=1,
                    review_days=1,
                    service_level=0.95,
                    safety_stock=r.safety_stock[0],
                    reorder_point=r.reorder_point[0],
                    order_up_to=r.order_up_to[0],
                    on_hand=float(level.on_hand),
                    on_order=0,
                    in_transit=0,
                    reason=policy.explain(
                        result=r, row=0, demand_per_day=float(d[0]), lead_time_days=lead, on_hand=float(level.on_hand)
                    ),
                )
        transaction.set_rollback(True)
    return (time.perf_counter() - started) / len(levels)


class MemorySampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peaks, self.stop = pids, {}, threading.Event()

    def run(self) -> None:
        import psutil

        procs = [psutil.Process(p) for p in self.pids]
        while not self.stop.is_set():
            for proc in procs:
                try:
                    for p in [proc, *proc.children(recursive=True)]:
                        self.peaks[p.pid] = max(self.peaks.get(p.pid, 0), p.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.1)


def run_night(stores: int, workers: int, log_dir: Path) -> tuple[float, int, dict]:
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    env = _env()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "retail",
                "worker",
                "-c",
                "1",
                "-l",
                "WARNING",
                "-n",
                f"bench{i}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(log_dir / f"worker{i}.log", "wb"),  # noqa: SIM115 - closed with the worker process
            stderr=subprocess.STDOUT,
        )
        for i in range(workers)
    ]
    sampler = MemorySampler([p.pid for p in procs])
    sampler.start()
    try:
        import django

        os.environ.update(env)
        django.setup()
        from celery import group
        from django.db import connection
        from django.utils import timezone

        from inventory.models import PipelineRun
        from inventory.replenishment.tasks import run_store_night
        from retail.celery import app

        app.conf.update(task_always_eager=False, broker_url=BROKER)
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=1.0) or []) < workers and time.monotonic() < deadline:
            time.sleep(0.5)
        now = timezone.now()
        PipelineRun.objects.bulk_create(
            [PipelineRun(store_id=i, business_day=NIGHT, started_at=now) for i in range(1, stores + 1)]
        )
        started = time.perf_counter()
        group(run_store_night.si(i, NIGHT.isoformat()) for i in range(1, stores + 1)).apply_async()
        while True:
            connection.close()
            finished = PipelineRun.objects.filter(business_day=NIGHT, status__in=["done", "failed"]).count()
            transfers = PipelineRun.objects.filter(business_day=NIGHT, transfers_done_at__isnull=False).count()
            if finished == stores and transfers == stores:
                break
            if time.perf_counter() - started > 3600:
                raise RuntimeError("the night did not finish within an hour")
            time.sleep(0.2)
        wall = time.perf_counter() - started
        failed = list(PipelineRun.objects.filter(status="failed").values_list("store_id", "error")[:3])
        if failed:
            raise RuntimeError(f"failed stores: {failed}")
        from inventory.models import Suggestion, TransferSuggestion

        counts = {"suggestions": Suggestion.objects.count(), "transfer_suggestions": TransferSuggestion.objects.count()}
    finally:
        sampler.stop.set()
        sampler.join()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    return wall, sum(sampler.peaks.values()), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=1000, help="store-products in the ORM-loop baseline")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    n = args.stores * args.products
    log_dir = Path(tempfile.mkdtemp(prefix="bench_replenish_"))  # worker logs, kept for a failed run

    t0 = time.perf_counter()
    create_database()
    arrays = generate(args.stores, args.products)
    setup = time.perf_counter() - t0
    floor = numpy_floor(arrays)
    wall, peak, counts = run_night(args.stores, args.workers, log_dir)
    per_row = orm_loop_sample(args.sample)
    orm = per_row * n
    out = {
        "stores": args.stores,
        "products": args.products,
        "store_products": n,
        "workers": args.workers,
        "sold_rows": int(arrays["sold"]),
        "setup_s": round(setup, 1),
        "wall_s": round(wall, 2),
        "per_store_product_us": round(wall / n * 1e6, 2),
        "peak_worker_rss_mb": round(peak / 2**20, 1),
        "numpy_floor_s": round(floor, 2),
        "orm_loop_sample": args.sample,
        "orm_loop_s_extrapolated": round(orm, 1),
        "vs_numpy_floor": round(wall / floor, 2),
        "orm_loop_vs_engine": round(orm / wall, 1),
        **counts,
        "targets": {"wall_s<=60": wall <= 60, "within_3x_floor": wall <= 3 * floor, "peak<=2GB": peak <= 2 * 2**30},
    }
    if args.json:
        print(json.dumps(out))
        return
    print(
        f"nightly replenishment: {args.stores} stores x {args.products} products = {n:,} store-products, "
        f"{args.workers} workers, {out['sold_rows']:,} store-products sold on the night"
    )
    rows = [
        ("engine (Celery workers, PostgreSQL)", f"{wall:8.2f} s", f"{peak / 2**20:8.0f} MB"),
        ("numpy floor (same maths, in memory)", f"{floor:8.2f} s", ""),
        (f"ORM per-row loop (sample {args.sample}, extrapolated)", f"{orm:8.1f} s", ""),
    ]
    for name, t, m in rows:
        print(f"  {name:<48} {t:>12} {m:>12}")
    print(f"  engine / numpy floor = {wall / floor:.2f}x ; ORM loop / engine = {orm / wall:.1f}x")
    print(f"  suggestions written {counts['suggestions']:,}, transfer suggestions {counts['transfer_suggestions']:,}")
    print(f"  targets: {out['targets']}")


if __name__ == "__main__":
    main()
