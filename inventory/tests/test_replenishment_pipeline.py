"""Scheduling and fan-out: which stores are due after their local close, the beat task,
and the night run by a real Celery worker over Redis on PostgreSQL."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from inventory.models import DemandState, PipelineRun, PipelineStatus, Suggestion, TransferSuggestion
from inventory.replenishment import pipeline
from retail.schedule import beat_schedule
from stores.testing import real_worker

from .replenishment_factories import NIGHT, demand, rollup, stock

LONDON = ZoneInfo("Europe/London")


def test_a_store_is_due_only_after_its_local_close(store, other_store):
    other_store.timezone, other_store.closes_at = "America/New_York", clock(21, 0)
    other_store.save()
    at = datetime.combine(NIGHT, clock(22, 30), tzinfo=LONDON)  # 17:30 in New York

    due = {(s.code, day) for s, day in pipeline.due_stores(now=at)}

    assert due == {("S001", NIGHT), ("S002", NIGHT - timedelta(days=1))}


def test_start_due_queues_each_store_once(store, sibling_store):
    at = datetime.combine(NIGHT, clock(22, 30), tzinfo=LONDON)
    sent = []

    first = pipeline.start_due(now=at, dispatch=sent.append)
    second = pipeline.start_due(now=at + timedelta(minutes=15), dispatch=sent.append)

    assert (first, second) == (2, 0)
    assert sent == [[(store.pk, NIGHT.isoformat()), (sibling_store.pk, NIGHT.isoformat())]]
    assert set(PipelineRun.objects.values_list("status", flat=True)) == {PipelineStatus.RUNNING}


def test_a_failed_run_is_recorded_and_due_again(store, product, monkeypatch):
    from inventory.replenishment import engine

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "run_store", boom)
    with pytest.raises(RuntimeError):
        pipeline.run_night(store_id=store.pk, day=NIGHT)

    run = PipelineRun.objects.get()
    assert (run.status, run.error, run.attempts) == (PipelineStatus.FAILED, "RuntimeError: disk full", 1)
    at = datetime.combine(NIGHT, clock(23, 0), tzinfo=LONDON)
    assert [(s.code, d) for s, d in pipeline.due_stores(now=at)] == [("S001", NIGHT)]


def test_beat_runs_the_due_task_every_15_minutes():
    entry = beat_schedule()["replenishment-start-due-nights"]

    assert entry["task"] == "inventory.replenishment.tasks.start_due_nights"
    assert entry["schedule"].minute == set(range(0, 60, 15))


def test_eager_beat_task_runs_the_night(store, product, django_capture_on_commit_callbacks):
    from inventory.replenishment.tasks import start_due_nights

    stock(store, product, on_hand=0)
    demand(store, product, level=10, last_day=None)
    at = datetime.combine(NIGHT, clock(22, 30), tzinfo=LONDON)
    with pytest.MonkeyPatch.context() as mp, django_capture_on_commit_callbacks(execute=True):
        mp.setattr(pipeline.timezone, "now", lambda: at)
        started = start_due_nights.apply().get()

    assert started == 1
    run = PipelineRun.objects.get()
    assert (run.status, run.counts["suggestions"]) == (PipelineStatus.DONE, 1)


def test_rebuild_demand_folds_history_from_rollups(store, product):
    stock(store, product, on_hand=50)
    for offset, units in enumerate([4, 6, 5, 0, 7]):
        rollup(store, product, day=NIGHT - timedelta(days=4 - offset), units=units, stockout=(units == 0))

    call_command("rebuild_demand", "--from", str(NIGHT - timedelta(days=4)), "--to", str(NIGHT), "--store", "S001")

    state = DemandState.objects.get()
    assert (state.last_day, state.days_observed) == (NIGHT, 4)  # the stock-out day taught nothing
    assert state.level > 0


def test_rebuild_demand_rejects_a_bad_range(store):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--from is after --to"):
        call_command("rebuild_demand", "--from", str(NIGHT), "--to", str(NIGHT - timedelta(days=1)))
    assert DemandState.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_workers_run_the_night_per_store_and_the_region_once(store, sibling_store, product, tmp_path):
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)
    stock(sibling_store, product, on_hand=400)
    demand(sibling_store, product, level=2, variance=2)
    with real_worker(tmp_path, redis_db=8, worker_args=("-c", "2")) as log:
        at = datetime.combine(NIGHT, clock(22, 30), tzinfo=LONDON)
        assert pipeline.start_due(now=at) == 2
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            runs = list(PipelineRun.objects.values_list("status", "transfers_done_at"))
            if len(runs) == 2 and all(s == "done" and t is not None for s, t in runs):
                break
            time.sleep(0.5)
        runs = list(PipelineRun.objects.order_by("store_id").values_list("store__code", "status", "attempts"))
        assert runs == [("S001", "done", 1), ("S003", "done", 1)], log.read_text()[-3000:]
        assert Suggestion.objects.filter(store=store).count() == 1
        assert list(TransferSuggestion.objects.values_list("store__code", "to_store__code")) == [("S003", "S001")]
        assert DemandState.objects.filter(last_day=NIGHT).count() == 2
