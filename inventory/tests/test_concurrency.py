"""Under real concurrency on PostgreSQL: 16 threads, each on its own connection, post sales,
receipts, transfers both ways and adjustments over the same products of two stores. No
deadlock may surface, the ledger invariant must hold, and every level must equal the sum of
what the threads did. Also: two clerks receiving the same purchase order at once book it once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from inventory import adjustments, ledger, purchasing, transfers
from inventory.document_lines import LineInput
from inventory.ledger import find_mismatches
from inventory.models import MovementKind, Receipt, StockLevel
from retail.api.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
ITERATIONS = 12


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL (SQLite locks the whole file)")


def _run(workers) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def wrapped(work):
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapped, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (lock wait?)"
    return errors


def test_sixteen_threads_keep_the_ledger_exact(store, sibling_store, make_product, users):
    _needs_postgresql()
    products = [make_product(f"C{i}") for i in range(6)]
    stores = {store.pk: store, sibling_store.pk: sibling_store}
    for s in stores.values():
        for p in products:
            ledger.post_movements(
                store=s, lines=[ledger.MovementLine(p.pk, Decimal("1000"), MovementKind.OPENING)],
                document_type="opening", document_id=0,
            )  # fmt: skip
    manager = users["admin"]
    expected: list[Counter] = [Counter() for _ in range(THREADS)]

    def worker(n: int) -> None:
        rng = random.Random(n)
        done = expected[n]
        for i in range(ITERATIONS):
            here, there = (store, sibling_store) if (n + i) % 2 else (sibling_store, store)
            picked = rng.sample(products, 3)
            qty = Decimal(rng.randint(1, 3))
            kind = (n + i) % 4
            if kind == 0:
                ledger.post_movements(
                    store=here, lines=[ledger.MovementLine(p.pk, -qty, MovementKind.SALE) for p in picked],
                    document_type="sale", document_id=n * 1000 + i,
                )  # fmt: skip
                for p in picked:
                    done[(here.pk, p.pk)] -= qty
            elif kind == 1:
                order = purchasing.create_purchase_order(
                    store=here, supplier_code="ACME", lines=[LineInput(p.sku, qty) for p in picked], user=manager
                )
                purchasing.place_order(order=order, user=manager)
                purchasing.receive_order(order=order, lines=[LineInput(p.sku, qty) for p in picked], user=manager)
                for p in picked:
                    done[(here.pk, p.pk)] += qty
            elif kind == 2:
                transfer = transfers.request_transfer(
                    store=here, to_store_code=there.code, lines=[LineInput(p.sku, qty) for p in picked], user=manager
                )
                transfers.ship_transfer(store=here, transfer=transfer, user=manager)
                transfers.receive_transfer(store=there, transfer=transfer, user=manager)
                for p in picked:
                    done[(here.pk, p.pk)] -= qty
                    done[(there.pk, p.pk)] += qty
            else:
                adjustments.create_adjustment(
                    store=here, reason="damage", lines=[LineInput(p.sku, -qty) for p in picked], user=manager
                )
                for p in picked:
                    done[(here.pk, p.pk)] -= qty

    errors = _run([lambda n=n: worker(n) for n in range(THREADS)])

    assert errors == []
    assert find_mismatches() == []
    total: Counter = Counter()
    for done in expected:
        total.update(done)  # update() adds signed values; Counter "+" would drop the negative ones
    levels = {(lv.store_id, lv.product_id): lv for lv in StockLevel.objects.all()}
    for s in stores.values():
        for p in products:
            row = levels[(s.pk, p.pk)]
            assert row.on_hand == Decimal("1000") + total[(s.pk, p.pk)], (s.code, p.sku)
            assert (row.on_order, row.in_transit) == (Decimal("0"), Decimal("0"))


def test_two_clerks_receiving_the_same_order_book_it_once(store, product, users):
    _needs_postgresql()
    order = purchasing.create_purchase_order(
        store=store, supplier_code="ACME", lines=[LineInput("PASTA-500", "10")], user=users["admin"]
    )
    purchasing.place_order(order=order, user=users["admin"])
    outcomes: list[str] = []

    def receive() -> None:
        try:
            purchasing.receive_order(order=order, lines=[LineInput("PASTA-500", "10")], user=users["clerk"])
            outcomes.append("received")
        except Conflict:
            outcomes.append("conflict")

    errors = _run([receive, receive])

    assert errors == []
    assert sorted(outcomes) == ["conflict", "received"]
    assert Receipt.objects.count() == 1
    row = StockLevel.objects.get(store=store, product=product)
    assert (row.on_hand, row.on_order) == (Decimal("10"), Decimal("0"))
    assert find_mismatches() == []
