#!/usr/bin/env python
"""Analytics benchmark: rollups, the warehouse export and the head-office query.

    python bench/analytics.py [--json] [--stores 100 --products 20000]

Sets up its own PostgreSQL database ``bench_analytics`` (dropped and created), migrates
it and runs Django against it. Measures, each beside a baseline from the same run:

(a) the rollup of one business day for ``--stores`` x ``--products`` (every stocked
    store-product gets its row: up to stores x products rows) with the PostgreSQL path
    (one INSERT ... SELECT ... ON CONFLICT per store); baseline: the portable ORM path
    on two stores, scaled per store. The day's sale lines (about ``--sold`` of the
    assortment per store, 1-2 lines each), sales and movements are generated in Python and
    loaded with COPY.
(b) the warehouse export of that day (fact_sales + fact_stock, gzip CSV in a multiple of
    WAREHOUSE_SLICES files + manifest) to an S3-compatible server (moto, in its own
    process); baseline: pandas ``to_csv(compression="gzip")`` of the same rows + one
    upload; floor: ``COPY (SELECT ...) TO STDOUT`` of the same rows (reading them, nothing
    else).
(c) "sales by region, last 28 days vs the 28 before (and last year)" over 365 days of
    rollups for ``--c-stores`` x ``--c-products`` (``--c-sold`` products sold per
    store-day), p50/p95 over ``--runs`` runs of :func:`analytics.kpis.sales` (reads the
    store-day summary); comparisons: the same question over the product-level rollups,
    and over the raw sale lines. Raw lines are generated for the 56 days the question
    reads (the documented sample: older raw lines would not be read by the raw query, which
    is given only the two windows, not last year, so the comparison flatters it); the
    rollups of those 56 days are aggregated from those very lines and the bench checks that
    all three answers agree.

History for (c) is generated server-side (INSERT ... SELECT over generate_series).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "bench_analytics"
DAY = date(2026, 11, 24)
CATEGORIES = 40
REGIONS = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures")
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--sold", type=float, default=0.15, help="share of the assortment sold per store on the day")
    parser.add_argument("--c-stores", type=int, default=120)
    parser.add_argument("--c-products", type=int, default=5000)
    parser.add_argument("--c-sold", type=int, default=200, help="products sold per store-day in the (c) history")
    parser.add_argument("--c-days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    if args.c_products % args.c_sold:
        parser.error("--c-products must be a multiple of --c-sold (distinct products per store-day)")
    if args.c_sold % 8:
        parser.error("--c-sold must be a multiple of 8 (lines per receipt)")
    return args


def log(args, message: str) -> None:
    if not args.json:
        print(message, file=sys.stderr, flush=True)


def recreate_database(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{server}/{DB_NAME}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "retail.settings"
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "WAREHOUSE_STANDIN_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def sql(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def copy_in(table: str, columns: list[str], frame) -> None:
    """Stream a DataFrame into ``table`` with COPY FROM STDIN (CSV)."""
    from django.db import connection

    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


def setup_catalogue(args) -> None:
    stores = max(args.stores, args.c_stores)
    products = max(args.products, args.c_products)
    sql(
        "INSERT INTO stores_region (id, code, name) SELECT r, 'R' || r, 'Region ' || r FROM generate_series(1, %s) r",
        [REGIONS],
    )
    sql(
        """INSERT INTO stores_store (id, code, name, region_id, timezone, address, format, size_sqm, closes_at,
                                    is_active)
           SELECT s, 'S' || lpad(s::text, 4, '0'), 'Store ' || s, 1 + (s %% %s), 'UTC', '', 'standard', 1000,
                  '22:00', true
           FROM generate_series(1, %s) s""",
        [REGIONS, stores],
    )
    sql(
        """INSERT INTO inventory_category (id, name, parent_id, path)
           SELECT c, 'Category ' || c, NULL, c || '/' FROM generate_series(1, %s) c""",
        [CATEGORIES],
    )
    sql(
        """INSERT INTO inventory_product (id, sku, name, category_id, unit, case_pack, cost, price, tax_class,
                                          is_active, created_at)
           SELECT p, 'SKU' || lpad(p::text, 6, '0'), 'Product ' || p, 1 + (p %% %s), 'each', 6,
                  round((0.5 + (p %% 97) / 10.0)::numeric, 2), round(((0.5 + (p %% 97) / 10.0) * 1.6)::numeric, 2),
                  'standard', true, now()
           FROM generate_series(1, %s) p""",
        [CATEGORIES, products],
    )
    for table in ("stores_region", "stores_store", "inventory_category", "inventory_product"):
        sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def generate_history(args) -> dict:
    """(c): raw sales for the 56 days the question reads, rollups of 365 days, summaries."""
    first_raw = DAY - timedelta(days=56)
    receipts = args.c_sold // 8
    stride = args.c_products // args.c_sold
    started = time.perf_counter()
    # Bulk generation only (nothing measured here): foreign-key triggers off, the two
    # secondary rollup indexes built once at the end instead of row by row.
    sql("SET session_replication_role = replica")
    sql("DROP INDEX rollup_day_store, rollup_store_day")
    sql(
        """INSERT INTO inventory_sale (id, store_id, pos_sale_id, kind, sold_at, business_day, total, line_count,
                                       quarantined_lines, received_at)
           SELECT 1000000 + ((s - 1) * 56 + d) * %(receipts)s + k, s, 'h-' || s || '-' || d || '-' || k,
                  CASE WHEN k = 0 THEN 'return' ELSE 'sale' END,
                  (%(first)s::date + d) + time '12:00', %(first)s::date + d, 0, 8, 0, now()
           FROM generate_series(1, %(stores)s) s, generate_series(0, 55) d, generate_series(0, %(last)s) k""",
        {"receipts": receipts, "first": first_raw, "stores": args.c_stores, "last": receipts - 1},
    )
    sql(
        """INSERT INTO inventory_saleline (store_id, sale_id, line_no, product_id, quantity, unit_price, discount,
                                           unit_cost, business_day)
           SELECT s, 1000000 + ((s - 1) * 56 + d) * %(receipts)s + k, j + 1,
                  1 + (((s * 37 + d * 101) %% %(stride)s) + (k * 8 + j) * %(stride)s) %% %(products)s,
                  1 + ((s + d + k + j) %% 3), p.price, CASE WHEN j = 0 THEN 0.10 ELSE 0 END, p.cost,
                  %(first)s::date + d
           FROM generate_series(1, %(stores)s) s, generate_series(0, 55) d, generate_series(0, %(last)s) k,
                generate_series(0, 7) j,
                LATERAL (SELECT price, cost FROM inventory_product
                         WHERE id = 1 + (((s * 37 + d * 101) %% %(stride)s) + (k * 8 + j) * %(stride)s)
                                    %% %(products)s) p""",
        {"receipts": receipts, "stride": stride, "products": args.c_products, "first": first_raw,
         "stores": args.c_stores, "last": receipts - 1},
    )  # fmt: skip
    raw_lines = args.c_stores * 56 * args.c_sold
    # Rollups of the raw days, aggregated from those lines (the sales part of refresh_day).
    sql(
        """INSERT INTO analytics_dailyrollup (store_id, product_id, day, units, revenue, cost, returns_units,
                                              returns_value, receipts_units, shrinkage_units, stockout)
           SELECT sl.store_id, sl.product_id, sl.business_day,
                  SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity * sl.unit_price - sl.discount ELSE 0 END),
                  ROUND(SUM(CASE WHEN s.kind = 'sale' THEN sl.quantity * sl.unit_cost ELSE 0 END), 2),
                  SUM(CASE WHEN s.kind = 'return' THEN sl.quantity ELSE 0 END),
                  SUM(CASE WHEN s.kind = 'return' THEN sl.quantity * sl.unit_price - sl.discount ELSE 0 END),
                  0, 0, false
           FROM inventory_saleline sl JOIN inventory_sale s ON s.id = sl.sale_id
           WHERE sl.business_day >= %s AND sl.business_day < %s
           GROUP BY sl.store_id, sl.product_id, sl.business_day""",
        [first_raw, DAY],
    )
    # Older history straight into the rollups.
    older = args.c_days - 56
    sql(
        """INSERT INTO analytics_dailyrollup (store_id, product_id, day, units, revenue, cost, returns_units,
                                              returns_value, receipts_units, shrinkage_units, stockout)
           SELECT s, x.product_id, %(start)s::date + d, x.units, x.units * p.price, x.units * p.cost, 0, 0, 0, 0, false
           FROM generate_series(1, %(stores)s) s, generate_series(0, %(older)s - 1) d,
                generate_series(0, %(sold)s - 1) i,
                LATERAL (SELECT 1 + (((s * 37 + d * 101) %% %(stride)s) + i * %(stride)s) %% %(products)s AS product_id,
                                1 + ((s + d + i) %% 3) AS units) x
                JOIN inventory_product p ON p.id = x.product_id""",
        {"start": DAY - timedelta(days=args.c_days), "stores": args.c_stores, "older": older, "sold": args.c_sold,
         "stride": stride, "products": args.c_products},
    )  # fmt: skip
    sql(
        """INSERT INTO analytics_categorydayrollup (store_id, category_id, day, units, revenue, cost, returns_units,
                                                    returns_value, products_sold)
           SELECT r.store_id, p.category_id, r.day, SUM(r.units), SUM(r.revenue), SUM(r.cost), SUM(r.returns_units),
                  SUM(r.returns_value), COUNT(*) FILTER (WHERE r.units <> 0)
           FROM analytics_dailyrollup r JOIN inventory_product p ON p.id = r.product_id
           WHERE r.day < %s GROUP BY r.store_id, p.category_id, r.day""",
        [DAY],
    )
    sql(
        """INSERT INTO analytics_storedayrollup (store_id, day, units, revenue, cost, returns_units, returns_value,
                                                 products_sold)
           SELECT store_id, day, SUM(units), SUM(revenue), SUM(cost), SUM(returns_units), SUM(returns_value),
                  SUM(products_sold)
           FROM analytics_categorydayrollup GROUP BY store_id, day"""
    )
    sql("SET maintenance_work_mem = '512MB'")
    sql('CREATE INDEX rollup_store_day ON analytics_dailyrollup ("store_id", "day")')
    sql('CREATE INDEX rollup_day_store ON analytics_dailyrollup ("day", "store_id")')
    sql("SET session_replication_role = DEFAULT")
    rollup_rows = args.c_stores * args.c_days * args.c_sold
    return {"rollup_rows": rollup_rows, "raw_lines": raw_lines, "seconds": time.perf_counter() - started}


def generate_day(args) -> dict:
    """(a): one day's sales, movements and the stock levels, loaded with COPY."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    started = time.perf_counter()
    sql("SET session_replication_role = replica")  # generation only: no foreign-key triggers
    sql(
        """INSERT INTO inventory_stocklevel (store_id, product_id, on_hand, on_order, in_transit, in_assortment,
                                             needs_count, updated_at)
           SELECT s, p, ((s * 7 + p * 13) %% 60) - 4, 0, 0, true, false, now()
           FROM generate_series(1, %s) s, generate_series(1, %s) p""",
        [args.stores, args.products],
    )
    prices = dict(_product_prices())
    per_store = int(args.products * args.sold)
    store_col, product_col = [], []
    for store in range(1, args.stores + 1):
        chosen = rng.choice(args.products, size=per_store, replace=False) + 1
        lines = 1 + (rng.random(per_store) < 0.35)  # a product is on one or two receipts
        store_col.append(np.repeat(store, lines.sum()))
        product_col.append(np.repeat(chosen, lines))
    stores, products = np.concatenate(store_col), np.concatenate(product_col)
    n = len(stores)
    order = np.lexsort((rng.random(n), stores))  # shuffle within each store
    stores, products = stores[order], products[order]
    quantity = rng.choice([1, 1, 1, 2, 2, 3, 4], size=n).astype(float)
    weighed = rng.random(n) < 0.05
    quantity[weighed] = np.round(rng.uniform(0.2, 2.5, weighed.sum()), 3)
    sale_no = np.zeros(n, dtype=np.int64)
    line_no = np.zeros(n, dtype=np.int64)
    boundaries = np.flatnonzero(np.diff(stores)) + 1
    next_sale = 5_000_000
    for chunk in np.split(np.arange(n), boundaries):
        size = len(chunk)
        per_receipt = np.arange(size) // 8
        sale_no[chunk] = next_sale + per_receipt
        line_no[chunk] = np.arange(size) % 8 + 1
        next_sale += per_receipt[-1] + 1
    price = np.array([prices[p][0] for p in products])
    cost = np.array([prices[p][1] for p in products])
    returned = (sale_no % 40) == 0
    sale_ids, first = np.unique(sale_no, return_index=True)
    sales = pd.DataFrame(
        {
            "id": sale_ids, "store_id": stores[first], "pos_sale_id": [f"d-{s}" for s in sale_ids],
            "kind": np.where(returned[first], "return", "sale"), "sold_at": f"{DAY} 12:00:00+00",
            "business_day": str(DAY), "total": 0, "line_count": 8, "quarantined_lines": 0,
            "received_at": f"{DAY} 12:00:01+00",
        }
    )  # fmt: skip
    copy_in("inventory_sale", list(sales.columns), sales)
    lines = pd.DataFrame(
        {
            "store_id": stores, "sale_id": sale_no, "line_no": line_no, "product_id": products,
            "quantity": quantity, "unit_price": price, "discount": 0, "unit_cost": cost, "business_day": str(DAY),
        }
    )  # fmt: skip
    copy_in("inventory_saleline", list(lines.columns), lines)
    signed = np.where(returned, quantity, -quantity)
    moves = pd.DataFrame(
        {
            "store_id": stores, "product_id": products, "quantity": signed,
            "kind": np.where(returned, "return", "sale"), "reason": "", "document_type": "sale",
            "document_id": sale_no, "unit_cost": cost, "occurred_at": f"{DAY} 12:00:00+00",
            "business_day": str(DAY), "created_at": f"{DAY} 12:00:01+00",
        }
    )  # fmt: skip
    copy_in("inventory_stockmovement", list(moves.columns), moves)
    sql("SELECT setval(pg_get_serial_sequence('inventory_sale', 'id'), (SELECT max(id) FROM inventory_sale))")
    sql("SET session_replication_role = DEFAULT")
    return {"sale_lines": int(n), "sales": len(sales), "seconds": time.perf_counter() - started}


def _product_prices():
    from inventory.models import Product

    return [(pk, (float(price), float(cost))) for pk, price, cost in Product.objects.values_list("pk", "price", "cost")]


def bench_rollup(args) -> dict:
    from django.db import transaction

    from analytics import rollups
    from analytics.models import DailyRollup

    started = time.perf_counter()
    written = sum(rollups.refresh_day(store_id=store, day=DAY) for store in range(1, args.stores + 1))
    seconds = time.perf_counter() - started
    orm_stores = [1, 2]
    started = time.perf_counter()
    for store in orm_stores:
        with transaction.atomic():
            rollups._refresh_day_orm(store_id=store, day=DAY, product_ids=None)
    orm_per_store = (time.perf_counter() - started) / len(orm_stores)
    rows = DailyRollup.objects.filter(day=DAY).count()
    return {
        "rows": rows,
        "written": written,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "seconds_per_store": seconds / args.stores,
        "orm_seconds_per_store": orm_per_store,
        "ratio_orm_vs_sql": orm_per_store / (seconds / args.stores),
    }


def start_s3() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}"


def bench_export(args, endpoint: str) -> dict:
    import boto3
    import pandas as pd
    from django.conf import settings
    from django.db import connection

    from analytics.warehouse.export import _FACT_SELECT, export_day
    from analytics.warehouse.statements import FACT_SALES, FACT_STOCK

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="bench")
    datasets = [FACT_SALES, FACT_STOCK]

    started = time.perf_counter()
    exported = export_day(day=DAY, datasets=datasets, client=client, bucket="bench", slices=settings.WAREHOUSE_SLICES)
    seconds = time.perf_counter() - started
    rows = sum(e.rows for e in exported)
    files = sum(len(e.part_keys) for e in exported)
    compressed = sum(e.bytes_compressed for e in exported)

    started = time.perf_counter()
    for dataset in datasets:
        with connection.cursor() as cursor:
            cursor.execute(_FACT_SELECT[dataset.table], [DAY])
            frame = pd.DataFrame(cursor.fetchall(), columns=list(dataset.columns))
        body = _pandas_gzip(frame)
        client.put_object(Bucket="bench", Key=f"pandas/{dataset.table}.csv.gz", Body=body)
    pandas_seconds = time.perf_counter() - started

    started = time.perf_counter()
    floor_bytes = 0
    for dataset in datasets:
        statement = f"COPY ({_FACT_SELECT[dataset.table]}) TO STDOUT WITH (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement, [DAY]) as copy:
            floor_bytes += sum(len(block) for block in copy)
    floor_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "files": files,
        "compressed_mb": compressed / 1e6,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "pandas_seconds": pandas_seconds,
        "pandas_rows_per_second": rows / pandas_seconds,
        "copy_to_floor_seconds": floor_seconds,
        "copy_to_floor_rows_per_second": rows / floor_seconds,
        "ratio_vs_pandas": pandas_seconds / seconds,
        "ratio_vs_floor": seconds / floor_seconds,
    }


def _pandas_gzip(frame) -> bytes:
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False, header=False, compression={"method": "gzip", "compresslevel": 3})
    return buffer.getvalue()


def _timed(fn, runs: int) -> tuple[list[float], object]:
    result = fn()  # warm-up (plans, caches), not counted
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def bench_query(args) -> dict:
    from django.db import connection

    from analytics import kpis

    period = kpis.Period(DAY - timedelta(days=28), DAY - timedelta(days=1))
    prior = period.prior()
    scope = kpis.Scope(store_ids=(), everything=True)

    def summary():
        return {
            r["label"]: (r["net_sales"], r["prior_net_sales"])
            for r in kpis.sales(scope=scope, period=period, group_by="region")
        }

    def over(table: str, day: str, value: str, kind: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""SELECT g.code,
                           SUM(CASE WHEN x.{day} >= %(cf)s THEN {value} ELSE 0 END),
                           SUM(CASE WHEN x.{day} < %(cf)s THEN {value} ELSE 0 END)
                        FROM {table} x {kind} JOIN stores_store st ON st.id = x.store_id
                        JOIN stores_region g ON g.id = st.region_id
                        WHERE x.{day} BETWEEN %(pf)s AND %(ct)s GROUP BY g.code""",
                    {"cf": period.date_from, "ct": period.date_to, "pf": prior.date_from},
                )
                return {code: (cur, pri) for code, cur, pri in cursor.fetchall()}

        return run

    rollup_query = over("analytics_dailyrollup", "day", "x.revenue - x.returns_value", "")
    raw_query = over(
        "inventory_saleline", "business_day",
        "CASE WHEN s.kind = 'sale' THEN 1 ELSE -1 END * (x.quantity * x.unit_price - x.discount)",
        "JOIN inventory_sale s ON s.id = x.sale_id",
    )  # fmt: skip
    times, answer = _timed(summary, args.runs)
    rollup_times, rollup_answer = _timed(rollup_query, args.baseline_runs)
    raw_times, raw_answer = _timed(raw_query, args.baseline_runs)
    agree = answer == rollup_answer == raw_answer
    return {
        "regions": len(answer),
        "p50_ms": _p(times, 0.5),
        "p95_ms": _p(times, 0.95),
        "product_rollups_p50_ms": _p(rollup_times, 0.5),
        "raw_lines_p50_ms": _p(raw_times, 0.5),
        "raw_lines_p95_ms": _p(raw_times, 0.95),
        "ratio_raw_vs_summary_p50": _p(raw_times, 0.5) / _p(times, 0.5),
        "answers_agree": agree,
    }


def main() -> int:
    args = parse_args()
    total = time.perf_counter()
    log(args, f"database {DB_NAME}: drop, create, migrate")
    setup_django(recreate_database(args.server))
    setup_catalogue(args)
    log(args, f"(c) history: {args.c_stores} stores x {args.c_days} days x {args.c_sold} products sold/day")
    history = generate_history(args)
    log(args, f"(a) day: {args.stores} stores x {args.products} products, {args.sold:.0%} sold")
    day = generate_day(args)
    sql("VACUUM ANALYZE")
    log(args, "(a) rollup")
    rollup = bench_rollup(args)
    sql("VACUUM ANALYZE analytics_dailyrollup")
    process, endpoint = start_s3()
    try:
        log(args, "(b) export")
        export = bench_export(args, endpoint)
    finally:
        process.terminate()
        process.wait(timeout=10)
    log(args, "(c) query")
    query = bench_query(args)
    figures = {
        "setup": {"history": history, "day": day},
        "a_rollup": rollup,
        "b_export": export,
        "c_query": query,
        "targets": {
            "b_rows_per_second_min": 100_000,
            "b_met": export["rows_per_second"] >= 100_000,
            "c_p95_ms_max": 150,
            "c_met": query["p95_ms"] <= 150,
        },
        "total_seconds": time.perf_counter() - total,
    }
    if args.json:
        print(json.dumps(figures, default=str))
    else:
        print_table(args, figures)
    return 0


def print_table(args, f: dict) -> None:
    a, b, c = f["a_rollup"], f["b_export"], f["c_query"]
    rows = [
        ("(a) rollup of one day", f"{args.stores} x {args.products}", f"{a['rows']:,} rows", f"{a['seconds']:.1f} s",
         f"{a['rows_per_second']:,.0f} rows/s"),
        ("    SQL path per store", "", "", f"{a['seconds_per_store'] * 1000:.0f} ms", ""),
        ("    baseline: ORM path per store", "", "", f"{a['orm_seconds_per_store'] * 1000:.0f} ms",
         f"x{a['ratio_orm_vs_sql']:.1f} slower"),
        ("(b) export day -> S3 (gzip CSV)", f"{b['files']} files", f"{b['rows']:,} rows", f"{b['seconds']:.1f} s",
         f"{b['rows_per_second']:,.0f} rows/s"),
        ("    baseline: pandas to_csv + upload", "", "", f"{b['pandas_seconds']:.1f} s",
         f"{b['pandas_rows_per_second']:,.0f} rows/s (x{b['ratio_vs_pandas']:.1f})"),
        ("    floor: COPY TO STDOUT", "", "", f"{b['copy_to_floor_seconds']:.1f} s",
         f"{b['copy_to_floor_rows_per_second']:,.0f} rows/s"),
        ("(c) sales by region 28d vs 28d", f"{args.c_stores} x {args.c_products}",
         f"{f['setup']['history']['rollup_rows']:,} rollups", f"p50 {c['p50_ms']:.1f} ms", f"p95 {c['p95_ms']:.1f} ms"),
        ("    over product rollups", "", "", f"p50 {c['product_rollups_p50_ms']:.0f} ms", ""),
        ("    baseline: raw sale lines", "", f"{f['setup']['history']['raw_lines']:,} lines",
         f"p50 {c['raw_lines_p50_ms']:.0f} ms", f"x{c['ratio_raw_vs_summary_p50']:.0f} slower"),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
    t = f["targets"]
    print(
        f"targets: (b) >= 100,000 rows/s: {'met' if t['b_met'] else 'MISSED'}; "
        f"(c) p95 <= 150 ms: {'met' if t['c_met'] else 'MISSED'}; answers agree: {c['answers_agree']}; "
        f"total {f['total_seconds']:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
