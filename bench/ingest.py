"""Sales ingest benchmark: the batch API, single-sale latency, a 5,000-line count.

    python bench/ingest.py [--json] [--stores 8] [--products 5000] [--batches 24]

Runs against PostgreSQL (a fresh ``bench_ingest`` database) with the app under gunicorn
on 127.0.0.1; load comes from threads of this process (the same 2 cores). In the same
run, two baselines:

- naive: a plain DRF ModelViewSet with default ModelSerializers, one line per request,
  stock changed by read-modify-write (``bench/naive_api.py``);
- floor: the same rows written straight with psycopg COPY plus one UPDATE per level;
- trivial-view floor for single-sale latency: the same closed-loop clients on ``GET /healthz``
  (the middleware stack, no database), the most req/s any view can reach here. A p95 of
  50 ms at N closed-loop clients needs about N / 0.05 req/s (Little's law).

The app hands its after-commit work (outbox relay, analytics consumer) to a Redis broker
(``--broker``, db 9 by default, flushed before and after, not consumed during the run), as
in production where the workers run on their own machines; ``--broker ''`` runs that work
eagerly inside each request, the embedded default, as earlier runs of this bench did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, django_setup, gunicorn, machine, percentile, print_table, recreate_database

LINES_PER_SALE = 5


def build_company(stores: int, products: int) -> dict:
    from django.utils import timezone

    from inventory.barcodes import make_ean13
    from inventory.models import Barcode, Category, MovementKind, Product, StockLevel, StockMovement
    from stores.credentials import issue_device
    from stores.models import Region, Store

    now = timezone.now()
    region = Region.objects.create(code="BENCH", name="Bench")
    category = Category.objects.create(name="Bench")
    Product.objects.bulk_create(
        [
            Product(
                sku=f"B{n:06d}",
                name=f"Bench product {n}",
                category=category,
                cost=Decimal("1.00"),
                price=Decimal("2.00"),
            )
            for n in range(products)
        ],
        batch_size=5000,
    )
    ids = dict(Product.objects.values_list("sku", "id"))
    Barcode.objects.bulk_create([Barcode(product_id=pid, code=make_ean13(int(sku[1:]))) for sku, pid in ids.items()])
    made = []
    for n in range(stores):
        store = Store.objects.create(code=f"B{n:03d}", name=f"Bench store {n}", region=region)
        StockLevel.objects.bulk_create(
            [StockLevel(store=store, product_id=pid, on_hand=Decimal("1000")) for pid in ids.values()], batch_size=5000
        )
        # Opening balances go through the ledger so the invariant holds from the start.
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    store=store,
                    product_id=pid,
                    quantity=Decimal("1000"),
                    kind=MovementKind.OPENING,
                    document_type="bench",
                    document_id=0,
                    occurred_at=now,
                    business_day=now.date(),
                )
                for pid in ids.values()
            ],
            batch_size=5000,
        )
        made.append({"code": store.code, "id": store.pk, "key": issue_device(store=store, name="bench").key})
    return {"stores": made, "skus": sorted(ids), "product_ids": ids}


def sale_payload(prefix: str, n: int, skus: list[str], rng: random.Random, sold_at: str) -> dict:
    return {
        "pos_sale_id": f"{prefix}-{n}",
        "sold_at": sold_at,
        "lines": [
            {"sku": sku, "quantity": str(rng.randint(1, 3)), "unit_price": "2.00"}
            for sku in rng.sample(skus, LINES_PER_SALE)
        ],
        "payments": [{"method": "card", "amount": "10.00"}],
    }


def run_threads(workers: list) -> float:
    threads = [threading.Thread(target=w) for w in workers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def bench_batch(port: int, company: dict, batches: int, sold_at: str) -> dict:
    """One client per store posting 500-sale batches concurrently."""
    rng = random.Random(1)
    stores = company["stores"][:4]
    payloads = {
        s["code"]: [
            json.loads(
                json.dumps({"sales": [sale_payload(f"BATCH{b}", i, company["skus"], rng, sold_at) for i in range(500)]})
            )
            for b in range(batches // len(stores))
        ]
        for s in stores
    }
    outcome = {"lines": 0, "created": 0, "errors": 0, "latencies": []}
    lock = threading.Lock()

    def worker(store: dict):
        def run():
            client = Client(port, store["key"])
            for payload in payloads[store["code"]]:
                status, seconds, body = client.post(f"/api/v1/stores/{store['code']}/sales/batch/", payload)
                data = json.loads(body)
                with lock:
                    outcome["latencies"].append(seconds)
                    if status != 200:
                        outcome["errors"] += 1
                        continue
                    outcome["created"] += data["created"]
                    outcome["lines"] += sum(r.get("lines", 0) for r in data["results"] if r["status"] == "created")
                    outcome["errors"] += data["error"]

        return run

    wall = run_threads([worker(s) for s in stores])
    return {
        "lines": outcome["lines"],
        "sales": outcome["created"],
        "errors": outcome["errors"],
        "seconds": round(wall, 2),
        "lines_per_s": round(outcome["lines"] / wall),
        "batch_p50_ms": round(percentile(outcome["latencies"], 50) * 1e3),
        "batch_p95_ms": round(percentile(outcome["latencies"], 95) * 1e3),
    }


def bench_single(port: int, company: dict, clients: int, seconds: float, sold_at: str, pace: float = 0.0) -> dict:
    """``clients`` concurrent tills posting one sale per request for ``seconds``.
    ``pace`` > 0 adds that think time between a till's sales (an open, realistic load)."""
    rng = random.Random(2)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int):
        store = company["stores"][n % len(company["stores"])]
        local = random.Random(n)

        def run():
            client = Client(port, store["key"])
            i = 0
            while time.perf_counter() < stop:
                payload = sale_payload(f"S{n}-{pace}", i, company["skus"], local, sold_at)
                status, took, _ = client.post(f"/api/v1/stores/{store['code']}/sales/", payload)
                with lock:
                    if status == 201:
                        latencies.append(took)
                    else:
                        failures[0] += 1
                i += 1
                if pace:
                    time.sleep(pace * (0.5 + local.random()))

        return run

    rng.random()
    wall = run_threads([worker(n) for n in range(clients)])
    return {
        "requests": len(latencies),
        "failures": failures[0],
        "per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1e3, 1),
        "p95_ms": round(percentile(latencies, 95) * 1e3, 1),
        "p99_ms": round(percentile(latencies, 99) * 1e3, 1),
    }


def bench_trivial(port: int, clients: int, seconds: float) -> dict:
    """The second floor for single-sale latency: ``clients`` closed-loop clients on the
    cheapest Django view (``GET /healthz``: the whole middleware stack, no database) under
    the same gunicorn, no think time. Its req/s is the most any view can serve here."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        client = Client(port, "none")
        while time.perf_counter() < stop:
            status, took, _ = client.get("/healthz")
            with lock:
                if status == 200:
                    latencies.append(took)

    wall = run_threads([worker for _ in range(clients)])
    return {
        "requests": len(latencies),
        "per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1e3, 1),
        "p95_ms": round(percentile(latencies, 95) * 1e3, 1),
    }


def bench_naive(port: int, company: dict, seconds: float, clients: int = 4) -> dict:
    """One sale line per request through the default ModelViewSet."""
    from django.utils import timezone

    from inventory.models import Sale

    store = company["stores"][-1]
    now = timezone.now()
    sales = Sale.objects.bulk_create(
        [
            Sale(store_id=store["id"], pos_sale_id=f"NAIVE-{n}", sold_at=now, business_day=now.date(), total=0)
            for n in range(clients)
        ]
    )
    lines = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    day = now.date().isoformat()

    def worker(n: int):
        def run():
            client = Client(port, store["key"])
            rng = random.Random(n)
            i = 0
            while time.perf_counter() < stop:
                sku = rng.choice(company["skus"])
                payload = {
                    "store": store["id"],
                    "sale": sales[n].pk,
                    "line_no": i + 1,
                    "product": company["product_ids"][sku],
                    "quantity": "1.000",
                    "unit_price": "2.00",
                    "discount": "0.00",
                    "unit_cost": "1.0000",
                    "business_day": day,
                }
                status, _, body = client.post("/api/v1/naive/sale-lines/", payload)
                if status != 201:
                    raise RuntimeError(f"naive baseline failed: {status} {body[:200]!r}")
                with lock:
                    lines[0] += 1
                i += 1

        return run

    wall = run_threads([worker(n) for n in range(clients)])
    return {"lines": lines[0], "seconds": round(wall, 2), "lines_per_s": round(lines[0] / wall)}


def bench_floor(database_url: str, company: dict, total_lines: int) -> dict:
    """COPY the same kind of rows (sales, lines, movements) + one UPDATE per level."""
    import psycopg
    from django.utils import timezone

    store = company["stores"][0]
    rng = random.Random(3)
    pids = list(company["product_ids"].values())
    now = timezone.now()
    day = now.date()
    sales = total_lines // LINES_PER_SALE
    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            # Reserve ids from the sequence, as the app's inserts would.
            reserved = cur.execute(
                "SELECT nextval(pg_get_serial_sequence('inventory_sale', 'id')) FROM generate_series(1, %s)", (sales,)
            ).fetchall()
            sale_ids = [row[0] for row in reserved]
            with cur.copy(
                "COPY inventory_sale (id, store_id, pos_sale_id, kind, sold_at, business_day, total, line_count,"
                " quarantined_lines, received_at) FROM STDIN"
            ) as copy:
                for n in range(sales):
                    copy.write_row(
                        (
                            sale_ids[n],
                            store["id"],
                            f"FLOOR-{n}",
                            "sale",
                            now,
                            day,
                            Decimal("10.00"),
                            LINES_PER_SALE,
                            0,
                            now,
                        )
                    )
            deltas: dict[int, int] = {}
            lines, moves = [], []
            for n in range(sales):
                for line_no, pid in enumerate(rng.sample(pids, LINES_PER_SALE), start=1):
                    qty = rng.randint(1, 3)
                    deltas[pid] = deltas.get(pid, 0) - qty
                    lines.append((store["id"], sale_ids[n], line_no, pid, qty, Decimal("2.00"), 0, Decimal("1"), day))
                    moves.append((store["id"], pid, -qty, "sale", "", "sale", sale_ids[n], Decimal("1"), now, day, now))
            with cur.copy(
                "COPY inventory_saleline (store_id, sale_id, line_no, product_id, quantity, unit_price, discount,"
                " unit_cost, business_day) FROM STDIN"
            ) as copy:
                for row in lines:
                    copy.write_row(row)
            with cur.copy(
                "COPY inventory_stockmovement (store_id, product_id, quantity, kind, reason, document_type,"
                " document_id, unit_cost, occurred_at, business_day, created_at) FROM STDIN"
            ) as copy:
                for row in moves:
                    copy.write_row(row)
            for pid in sorted(deltas):
                cur.execute(
                    "UPDATE inventory_stocklevel SET on_hand = on_hand + %s WHERE store_id = %s AND product_id = %s",
                    (deltas[pid], store["id"], pid),
                )
        conn.commit()
        wall = time.perf_counter() - started
    return {"lines": len(lines), "seconds": round(wall, 2), "lines_per_s": round(len(lines) / wall)}


def bench_count(company: dict, lines: int) -> dict | None:
    """Open a count over ``lines`` products, record every line, time the posting."""
    try:
        from inventory import counts
    except ImportError:
        return None
    from django.contrib.auth import get_user_model

    from inventory.models import CountScope, StockCount, StockCountLine, StockLevel

    store = company["stores"][1]
    user = get_user_model().objects.create_user("bench-counter")
    pids = list(company["product_ids"].values())[:lines]
    count = StockCount.objects.create(store_id=store["id"], scope=CountScope.LIST, created_by=user)
    levels = dict(
        StockLevel.objects.filter(store_id=store["id"], product_id__in=pids).values_list("product_id", "on_hand")
    )
    from django.utils import timezone

    now = timezone.now()
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                store_id=store["id"],
                count=count,
                product_id=pid,
                expected=levels[pid],
                counted=levels[pid] + (pid % 5) - 2,
                counted_at=now,
                counted_by=user,
            )
            for pid in pids
        ]
    )
    started = time.perf_counter()
    counts.post_count(count=count, user=user)
    wall = time.perf_counter() - started
    return {"lines": len(pids), "seconds": round(wall, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures")
    parser.add_argument("--stores", type=int, default=8)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--batches", type=int, default=24, help="500-sale batches for the batch test")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20, help="duration of each single-sale test")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9"),
        help="Celery broker the app hands after-commit work to, as in production (flushed before and after; "
        "nothing consumes it during the run); '' runs those tasks eagerly inside each request",
    )
    args = parser.parse_args()
    if args.broker:
        import redis

        redis.Redis.from_url(args.broker).flushdb()

    database_url = recreate_database("bench_ingest")
    if args.broker:  # this process's own after-commit work (the count) goes to the broker too
        os.environ["CELERY_BROKER_URL"] = args.broker
    django_setup(database_url)
    from django.utils import timezone

    from inventory.ledger import find_mismatches

    company = build_company(args.stores, args.products)
    sold_at = (timezone.now() - timedelta(minutes=1)).isoformat()
    with gunicorn(database_url, workers=args.workers, broker=args.broker) as port:
        batch = bench_batch(port, company, args.batches, sold_at)
        single = bench_single(port, company, args.clients, args.seconds, sold_at)
        paced = bench_single(port, company, args.clients, args.seconds, sold_at, pace=0.25)
        trivial = bench_trivial(port, args.clients, min(args.seconds, 10))
    if args.broker:
        import redis

        redis.Redis.from_url(args.broker).flushdb()
    with gunicorn(database_url, workers=args.workers, settings_module="bench.naive_settings") as port:
        naive = bench_naive(port, company, args.seconds)
    floor = bench_floor(database_url, company, batch["lines"])
    count = bench_count(company, 5000 if args.products >= 5000 else args.products)
    # The naive baseline changes on-hand without a movement (read-modify-write), so its store
    # is left out of the ledger check and counted apart.
    naive_store = company["stores"][-1]["id"]
    mismatches = len(find_mismatches([s["id"] for s in company["stores"] if s["id"] != naive_store]))
    naive_mismatches = len(find_mismatches([naive_store]))

    figures = {
        "machine": machine(),
        "batch_api": batch,
        "single_sale_saturated": {**single, "clients": args.clients},
        "single_sale_paced": {**paced, "clients": args.clients, "think_time_s": 0.25},
        "trivial_view_floor": {**trivial, "clients": args.clients},
        # Little's law for closed-loop clients with no think time: X = N / R. A p95 of 50 ms
        # bounds the mean response R at about 50 ms, so N clients need at least N / 0.05 req/s.
        "single_p95_50ms_needs_req_s": round(args.clients / 0.050),
        "broker": args.broker or "eager (tasks run inside the request)",
        "naive_one_line_per_request": naive,
        "floor_copy": floor,
        "count_post": count,
        "ratios": {
            "batch_vs_naive": round(batch["lines_per_s"] / naive["lines_per_s"], 1),
            "batch_vs_floor": round(batch["lines_per_s"] / floor["lines_per_s"], 3),
        },
        "ledger_mismatches": mismatches,
        "naive_store_ledger_mismatches": naive_mismatches,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print_table(
        "Sale lines per second (PostgreSQL, gunicorn on 127.0.0.1, 2 cores shared with the load generator)",
        [
            (
                "batch API (500 sales x 5 lines, 4 stores in parallel)",
                batch["lines_per_s"],
                batch["lines"],
                f"p50 {batch['batch_p50_ms']} ms / p95 {batch['batch_p95_ms']} ms per batch",
            ),
            ("naive: ModelViewSet, 1 line per request", naive["lines_per_s"], naive["lines"], "read-modify-write"),
            ("floor: psycopg COPY + 1 UPDATE per level", floor["lines_per_s"], floor["lines"], "no HTTP, no checks"),
        ],
        ("path", "lines/s", "lines", "note"),
    )
    print(
        f"\nbatch / naive = {figures['ratios']['batch_vs_naive']}x   batch / floor = "
        f"{figures['ratios']['batch_vs_floor']:.1%}"
    )
    print_table(
        f"Single-sale POST ({LINES_PER_SALE} lines), {args.clients} concurrent tills",
        [
            (
                "saturated (no think time)",
                single["requests"],
                single["per_s"],
                single["p50_ms"],
                single["p95_ms"],
                single["p99_ms"],
                single["failures"],
            ),
            (
                "paced (0.25 s think time)",
                paced["requests"],
                paced["per_s"],
                paced["p50_ms"],
                paced["p95_ms"],
                paced["p99_ms"],
                paced["failures"],
            ),
        ],
        ("load", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures"),
    )
    print(
        f"\nfloor: trivial view (GET /healthz), {args.clients} clients: {trivial['per_s']} req/s, "
        f"p50 {trivial['p50_ms']} ms, p95 {trivial['p95_ms']} ms; "
        f"p95 <= 50 ms at {args.clients} closed-loop clients needs >= {figures['single_p95_50ms_needs_req_s']} req/s"
    )
    print(f"after-commit work: {figures['broker']}")
    if count:
        print(f"\n5,000-line stock count posted in {count['seconds']} s ({count['lines']} lines)")
    else:
        print("\nstock count: inventory.counts not available")
    print(
        f"ledger check after the run: {mismatches} mismatches "
        f"(the naive baseline's store, which skips the ledger by design: {naive_mismatches})"
    )


if __name__ == "__main__":
    main()
