"""``export_sales_history``: the rollups as the backtest's CSV."""

from __future__ import annotations

import csv
import gzip
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from analytics.models import DailyRollup
from inventory.replenishment.backtest import read_history
from stores.models import Store

HEADER = ["store", "item", "date", "units", "price", "stockout"]


@pytest.fixture
def demo(db) -> None:
    call_command("seed_demo", stores=3, products=40, days=14, quiet=True, stdout=StringIO())


def export(path, **options) -> str:
    out = StringIO()
    call_command("export_sales_history", output=str(path), stdout=out, **options)
    return out.getvalue()


def read(path) -> list[list[str]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_export_writes_one_row_per_rollup_row(demo, tmp_path):
    path = tmp_path / "history.csv"

    output = export(path)

    rows = read(path)
    assert rows[0] == HEADER
    assert len(rows) - 1 == DailyRollup.objects.count()
    assert f"{DailyRollup.objects.count()} rows written" in output
    expected = {
        (r.store.code, r.product.sku, r.day.isoformat()): (r.units, r.stockout)
        for r in DailyRollup.objects.select_related("store", "product")
    }
    got = {(s, i, d): (Decimal(u), flag == "1") for s, i, d, u, _, flag in rows[1:]}
    assert got == expected


def test_price_is_what_was_paid_or_the_list_price_on_a_day_without_sales(demo, tmp_path):
    # A stock-out day with no sale, whatever the small demo's random draw happened to give.
    if not DailyRollup.objects.filter(units=0).exists():
        out = DailyRollup.objects.filter(units__gt=0).order_by("-day", "-id").first()
        DailyRollup.objects.filter(pk=out.pk).update(units=0, revenue=0, cost=0, closing_on_hand=0, stockout=True)
    path = tmp_path / "history.csv"
    export(path)

    rows = {(s, i, d): Decimal(p) for s, i, d, _, p, _ in read(path)[1:]}
    sold = DailyRollup.objects.filter(units__gt=0).select_related("store", "product").first()
    unsold = DailyRollup.objects.filter(units=0).select_related("store", "product").first()
    assert rows[(sold.store.code, sold.product.sku, sold.day.isoformat())] == (sold.revenue / sold.units).quantize(
        Decimal("0.01")
    )
    assert rows[(unsold.store.code, unsold.product.sku, unsold.day.isoformat())] == unsold.product.price
    assert unsold.stockout


def test_gzip_output_is_compressed_and_the_backtest_reads_it(demo, tmp_path):
    path = tmp_path / "history.csv.gz"

    export(path)

    assert path.read_bytes()[:2] == b"\x1f\x8b"
    rows = read(path)
    assert rows[0] == HEADER and len(rows) - 1 == DailyRollup.objects.count()
    history = read_history(path)
    assert history.units.sum() == float(sum(DailyRollup.objects.values_list("units", flat=True)))
    assert not list(tmp_path.glob("*.partial"))


def test_stores_and_dates_narrow_the_export(demo, tmp_path):
    path = tmp_path / "some.csv"
    store = Store.objects.get(code="S002")
    last = store.business_day() - timedelta(days=1)
    first = last - timedelta(days=6)

    export(path, stores="S002", date_from=first.isoformat(), date_to=last.isoformat())

    rows = read(path)[1:]
    assert len(rows) == DailyRollup.objects.filter(store=store, day__range=(first, last)).count() > 0
    assert {row[0] for row in rows} == {"S002"}
    assert all(first.isoformat() <= row[2] <= last.isoformat() for row in rows)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stores": "S001,NOPE"}, "unknown store code"),
        ({"date_from": "2026-13-01"}, "--from"),
        ({"date_from": "2026-11-02", "date_to": "2026-11-01"}, "--from is after --to"),
    ],
)
def test_bad_options_are_refused_and_write_nothing(demo, tmp_path, options, message):
    path = tmp_path / "out.csv"

    with pytest.raises(CommandError, match=message):
        export(path, **options)

    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        export(tmp_path / "nowhere" / "out.csv")
