from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from analytics import rollups
from analytics.models import CategoryDayRollup, DailyRollup, RollupWatermark, StoreDayRollup
from analytics.tests.factories import move, receive, sell
from inventory.models import MovementKind, SaleKind, SaleLine, StockLevel, StockMovement

D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
FIELDS = ["units", "revenue", "cost", "returns_units", "returns_value", "receipts_units", "shrinkage_units",
          "closing_on_hand", "stockout"]  # fmt: skip


def rows(store) -> dict:
    return {
        (r.product_id, r.day): {f: getattr(r, f) for f in FIELDS}
        for r in DailyRollup.objects.filter(store=store).order_by("product_id", "day")
    }


def expected_from_source(store, days) -> dict:
    """The rollup recomputed naively from the sale lines and the ledger, row by row."""
    out = {}
    for day in days:
        products = set(SaleLine.objects.filter(store=store, business_day=day).values_list("product_id", flat=True))
        products |= set(
            StockMovement.objects.filter(store=store, business_day=day).values_list("product_id", flat=True)
        )
        for level in StockLevel.objects.filter(store=store):
            later = sum(m.quantity for m in StockMovement.objects.filter(store=store, product=level.product,
                                                                           business_day__gt=day))  # fmt: skip
            history = StockMovement.objects.filter(store=store, product=level.product, business_day__lte=day)
            if level.on_hand - later != 0 or (level.in_assortment and history.exists()):
                products.add(level.product_id)
        for pid in products:
            lines = SaleLine.objects.filter(store=store, business_day=day, product_id=pid).select_related("sale")
            sales = [x for x in lines if x.sale.kind == SaleKind.SALE]
            rets = [x for x in lines if x.sale.kind == SaleKind.RETURN]
            moves = StockMovement.objects.filter(store=store, business_day=day, product_id=pid)
            level = StockLevel.objects.get(store=store, product_id=pid)
            later = sum(m.quantity for m in StockMovement.objects.filter(store=store, product_id=pid,
                                                                           business_day__gt=day))  # fmt: skip
            closing = level.on_hand - later
            out[(pid, day)] = {
                "units": sum((x.quantity for x in sales), Decimal(0)),
                "revenue": sum((x.quantity * x.unit_price - x.discount for x in sales), Decimal(0)),
                "cost": sum((x.quantity * x.unit_cost for x in sales), Decimal(0)).quantize(Decimal("0.01")),
                "returns_units": sum((x.quantity for x in rets), Decimal(0)),
                "returns_value": sum((x.quantity * x.unit_price - x.discount for x in rets), Decimal(0)),
                "receipts_units": sum((m.quantity for m in moves if m.kind == MovementKind.RECEIPT), Decimal(0)),
                "shrinkage_units": -sum((m.quantity for m in moves if m.kind == MovementKind.SHRINKAGE), Decimal(0)),
                "closing_on_hand": closing,
                "stockout": closing <= 0,
            }
    return out


@pytest.fixture
def history(store, make_product):
    """Three days of receipts, sales, a return and shrinkage for three products."""
    pasta, sauce, oil = make_product(), make_product(cost=Decimal("2.00")), make_product(cost=Decimal("4.00"))
    receive(store, D1, pasta, "20")
    receive(store, D1, sauce, "5")
    sell(store, D1, [(pasta, "3", "2.50"), (sauce, "1", "3.99", "0.50")])
    sell(store, D2, [(pasta, "2", "2.50"), (sauce, "4", "3.99")])
    sell(store, D2, [(pasta, "1", "2.50")], kind=SaleKind.RETURN)
    move(store, D2, pasta, "-1", MovementKind.SHRINKAGE, "damaged")
    receive(store, D3, oil, "6")
    sell(store, D3, [(oil, "1.5", "10.00")])
    return {"pasta": pasta, "sauce": sauce, "oil": oil}


def test_build_rollups_equals_what_sales_and_ledger_say(store, history):
    call_command("build_rollups", "--from", D1.isoformat(), "--to", D3.isoformat())

    assert rows(store) == expected_from_source(store, [D1, D2, D3])


def test_rollup_numbers_for_a_day_with_a_return_and_shrinkage(store, history):
    rollups.build_range(date_from=D1, date_to=D3)

    pasta = DailyRollup.objects.get(store=store, product=history["pasta"], day=D2)
    assert (pasta.units, pasta.revenue, pasta.cost) == (Decimal("2"), Decimal("5.00"), Decimal("2.40"))
    assert (pasta.returns_units, pasta.returns_value, pasta.shrinkage_units) == (Decimal("1"), Decimal("2.50"), 1)
    assert pasta.closing_on_hand == Decimal("15")  # 20 - 3 - 2 + 1 - 1
    assert pasta.margin == Decimal("2.60")
    sauce = DailyRollup.objects.get(store=store, product=history["sauce"], day=D2)
    assert (sauce.closing_on_hand, sauce.stockout) == (Decimal("0"), True)
    # Oil had no history before D3: no row on D1 or D2.
    assert not DailyRollup.objects.filter(product=history["oil"], day__lt=D3).exists()


def test_stock_out_all_day_still_has_its_row(store, history):
    rollups.build_range(date_from=D3, date_to=D3)

    sauce = DailyRollup.objects.get(store=store, product=history["sauce"], day=D3)
    assert (sauce.units, sauce.closing_on_hand, sauce.stockout) == (0, Decimal("0"), True)


def test_refresh_day_twice_changes_nothing(store, history):
    rollups.refresh_day(store_id=store.pk, day=D2)
    first = rows(store)

    written = rollups.refresh_day(store_id=store.pk, day=D2)

    assert rows(store) == first
    assert written == len(first)


def test_refresh_day_for_some_products_leaves_the_others(store, history):
    rollups.refresh_day(store_id=store.pk, day=D2, product_ids=[history["pasta"].pk])

    assert set(DailyRollup.objects.filter(store=store).values_list("product_id", flat=True)) == {history["pasta"].pk}


def test_category_summary_adds_up_the_day(store, history, category):
    rollups.build_range(date_from=D1, date_to=D3)

    summary = CategoryDayRollup.objects.get(store=store, day=D2, category=category)
    assert (summary.units, summary.revenue, summary.returns_value) == (Decimal("6"), Decimal("20.96"), Decimal("2.5"))
    assert summary.products_sold == 2
    store_day = StoreDayRollup.objects.get(store=store, day=D2)
    assert (store_day.units, store_day.revenue, store_day.products_sold) == (Decimal("6"), Decimal("20.96"), 2)


def test_sale_posted_event_refreshes_the_day_and_later_closings(store, history):
    rollups.build_range(date_from=D1, date_to=D3)
    sell(store, D2, [(history["pasta"], "4", "2.50")])  # a late till, back-dated to D2

    rollups.handle_sale_posted({"store_id": store.pk, "business_days": [D2.isoformat()],
                                "product_ids": [history["pasta"].pk]})  # fmt: skip

    assert {k: v for k, v in rows(store).items() if k[1] <= D3} == expected_from_source(store, [D1, D2, D3])
    # The closing on hand is carried through the store's today for the touched product.
    on_hand = StockLevel.objects.get(store=store, product=history["pasta"]).on_hand
    later = DailyRollup.objects.filter(store=store, day__gt=D3)
    assert set(later.values_list("product_id", "closing_on_hand")) == {(history["pasta"].pk, on_hand)}
    assert later.count() == (store.business_day() - D3).days


def test_periodic_refresh_picks_up_sales_without_any_event_handler(store, history):
    RollupWatermark.objects.create(name=rollups.WATERMARK, value=timezone.now() - timedelta(minutes=10))
    today = store.business_day()
    sell(store, today, [(history["oil"], "2", "10.00")])

    rollups.refresh_since_watermark()

    row = DailyRollup.objects.get(store=store, product=history["oil"], day=today)
    assert (row.units, row.revenue) == (Decimal("2"), Decimal("20.00"))
    assert RollupWatermark.objects.get(name=rollups.WATERMARK).value > timezone.now() - timedelta(seconds=30)


def test_periodic_refresh_with_nothing_new_writes_nothing(store, history):
    RollupWatermark.objects.create(name=rollups.WATERMARK, value=timezone.now() + timedelta(minutes=5))

    assert rollups.refresh_since_watermark() == 0
    assert not DailyRollup.objects.exists()


def test_sql_and_portable_paths_agree(store, history, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the SQL path is PostgreSQL only; on SQLite only the portable path runs")
    rollups.build_range(date_from=D1, date_to=D3)
    via_sql = rows(store)
    DailyRollup.objects.all().delete()
    monkeypatch.setattr(rollups, "_refresh_day_sql", rollups._refresh_day_orm)

    rollups.build_range(date_from=D1, date_to=D3)

    assert rows(store) == via_sql


def test_build_rollups_rejects_a_reversed_range(store):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--to"):
        call_command("build_rollups", "--from", "2026-11-05", "--to", "2026-11-01")
    assert not DailyRollup.objects.exists()


def test_refresh_rollups_task_recomputes_the_named_products(store, history):
    from analytics.tasks import refresh_rollups

    written = refresh_rollups.delay(store.pk, D2.isoformat(), [history["pasta"].pk]).get()

    assert written == 1
    assert DailyRollup.objects.get(store=store, day=D2).product_id == history["pasta"].pk


def test_sale_posted_task_accepts_the_ingest_payload(store, history):
    from analytics.tasks import handle_sale_posted

    payload = {
        "store_id": store.pk,
        "business_days": [D3.isoformat()],
        "sale_ids": [],
        "product_ids": [history["oil"].pk],
    }
    handle_sale_posted.delay(payload).get()

    row = DailyRollup.objects.get(store=store, day=D3, product=history["oil"])
    assert (row.units, row.revenue, row.receipts_units) == (Decimal("1.5"), Decimal("15.00"), Decimal("6"))


def test_consecutive_periodic_runs_pick_up_each_new_sale(store, history):
    today = store.business_day()
    sell(store, today, [(history["oil"], "1", "10.00")])
    rollups.refresh_since_watermark()
    sell(store, today, [(history["pasta"], "2", "2.50")])

    rollups.refresh_since_watermark()

    got = dict(DailyRollup.objects.filter(store=store, day=today, units__gt=0).values_list("product_id", "units"))
    assert got == {history["oil"].pk: Decimal("1"), history["pasta"].pk: Decimal("2")}
    mark = RollupWatermark.objects.get(name=rollups.WATERMARK)
    assert mark.position < mark.seen == StockMovement.objects.order_by("-id").first().id
