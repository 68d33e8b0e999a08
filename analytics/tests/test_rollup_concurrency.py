"""Two refreshes of the same (store, day) are serialised (found by bench/soak: with two
workers, event-driven refreshes left most store-days short until the periodic pass)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from analytics import rollups
from analytics.models import DailyRollup

from .factories import sell

DAY = date(2026, 11, 20)


@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_for_the_running_one_and_then_sees_its_sales(store, product):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks and real concurrency need PostgreSQL")
    sell(store, DAY, [(product, "2", "2.50")])
    key = [rollups.ROLLUP_LOCK_CLASS + store.pk, DAY.toordinal()]
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:  # another worker's refresh of the same store-day, in progress
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
    finished = threading.Event()

    def refresh() -> None:
        try:
            rollups.refresh_day(store_id=store.pk, day=DAY, product_ids=[product.pk])
        finally:
            finished.set()
            connections.close_all()

    worker = threading.Thread(target=refresh)
    worker.start()
    try:
        assert not finished.wait(1.0), "the refresh did not wait for the one in progress"
        sell(store, DAY, [(product, "3", "2.50")])  # committed while it waits
    finally:
        holder.commit()
        holder.close()
    worker.join(timeout=30)

    assert finished.is_set()
    assert DailyRollup.objects.get(store=store, product=product, day=DAY).units == 5
