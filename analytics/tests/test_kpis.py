from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from analytics import kpis, rollups
from analytics.tests.factories import move, receive, sell
from inventory.models import MovementKind, SaleKind

PERIOD = kpis.Period(date(2026, 11, 1), date(2026, 11, 28))


@pytest.fixture
def company_sales(store, sibling_store, other_store, make_product):
    """Sales in the period, the prior period and the same period last year."""
    pasta, sauce = make_product(), make_product(price=Decimal("4.00"))
    days = []

    def sold(shop, day, lines, **kw):
        sell(shop, day, lines, **kw)
        days.append((shop.pk, day))

    sold(store, date(2026, 11, 10), [(pasta, "4", "2.50")])
    sold(store, date(2026, 11, 11), [(pasta, "1", "2.50")], kind=SaleKind.RETURN)
    sold(store, date(2026, 10, 10), [(pasta, "2", "2.50")])
    sold(store, date(2025, 11, 10), [(pasta, "1", "2.50")])
    sold(sibling_store, date(2026, 11, 12), [(sauce, "3", "4.00")])
    sold(other_store, date(2026, 11, 12), [(pasta, "10", "2.50")])
    for store_id, day in days:
        rollups.refresh_day(store_id=store_id, day=day)
    return {"pasta": pasta, "sauce": sauce}


def everything(*store_objs) -> kpis.Scope:
    return kpis.Scope(store_ids=tuple(s.pk for s in store_objs), everything=False)


def test_sales_by_region_compare_with_prior_period_and_last_year(store, sibling_store, other_store, company_sales):
    result = kpis.sales(scope=everything(store, sibling_store, other_store), period=PERIOD, group_by="region")

    north, south = result
    assert (north["label"], north["net_sales"], north["prior_net_sales"], north["last_year_net_sales"]) == (
        "NORTH",
        Decimal("19.50"),
        Decimal("5.00"),
        Decimal("2.50"),
    )
    assert (north["change_vs_prior_pct"], north["change_vs_last_year_pct"]) == (290.0, 680.0)
    assert (south["label"], south["net_sales"], south["change_vs_prior_pct"]) == ("SOUTH", Decimal("25.00"), None)


def test_sales_by_store_only_covers_the_scope(store, company_sales):
    [row] = kpis.sales(scope=everything(store), period=PERIOD, group_by="store")

    assert (row["label"], row["units"], row["revenue"], row["returns_value"]) == (
        "S001",
        Decimal("4"),
        Decimal("10.00"),
        Decimal("2.50"),
    )
    assert row["margin"] == Decimal("5.20")  # 10.00 - 4 x 1.20


def test_sales_by_day_and_by_category(store, sibling_store, other_store, company_sales, category):
    scope = everything(store, sibling_store, other_store)

    by_day = kpis.sales(scope=scope, period=PERIOD, group_by="day")
    [by_category] = kpis.sales(scope=scope, period=PERIOD, group_by="category")

    assert [(r["key"], r["net_sales"]) for r in by_day] == [
        ("2026-11-10", Decimal("10.00")), ("2026-11-11", Decimal("-2.50")), ("2026-11-12", Decimal("37.00")),
    ]  # fmt: skip
    assert (by_category["label"], by_category["net_sales"]) == ("Pasta", Decimal("44.50"))


@pytest.fixture
def one_product_month(store, make_product):
    """Receive 10, then sell 2, 3, nothing, 5 over four days: out of stock at the end."""
    product = make_product()
    d = [date(2026, 11, 1) + timedelta(days=n) for n in range(4)]
    receive(store, d[0], product, "10")
    sell(store, d[0], [(product, "2", "2.50")])
    sell(store, d[1], [(product, "3", "2.50")])
    sell(store, d[3], [(product, "5", "2.50")])
    rollups.build_range(date_from=d[0], date_to=d[3])
    return product, kpis.Period(d[0], d[3])


def test_inventory_kpis_from_the_daily_closing_stock(store, one_product_month):
    _, period = one_product_month

    [row] = kpis.inventory(scope=everything(store), period=period, group_by="store")

    # closing 8, 5, 5, 0 at cost 1.20: average inventory 5.40; COGS 12.00; margin 13.00
    assert row["sell_through"] == 1.0
    assert row["stock_turn"] == 2.2222
    assert row["stock_turn_annualised"] == round(2.2222 * 365 / 4, 4)
    assert row["gmroi"] == 2.4074
    assert row["days_of_cover"] == 0.0
    assert row["stockout_rate"] == 0.25


def test_abc_classes_by_cumulative_revenue(store, make_product):
    day = date(2026, 11, 3)
    a, b, c = make_product(), make_product(), make_product()
    sell(store, day, [(a, "32", "2.50"), (b, "6", "2.50"), (c, "2", "2.50")])  # 80, 15, 5
    rollups.refresh_day(store_id=store.pk, day=day)

    result = kpis.abc_classes(scope=everything(store), period=PERIOD, per_store=True)

    assert [(r["sku"], r["class"], r["cumulative_share"]) for r in result] == [
        (a.sku, "A", 0.8), (b.sku, "B", 0.95), (c.sku, "C", 1.0),
    ]  # fmt: skip
    assert {r["store"] for r in result} == {"S001"}


def test_dead_stock_lists_stock_without_a_sale_in_n_days(store, make_product):
    today = date(2026, 11, 28)
    sleeping, selling = make_product(), make_product()
    receive(store, today - timedelta(days=100), sleeping, "7")
    receive(store, today - timedelta(days=100), selling, "7")
    sell(store, today - timedelta(days=10), [(selling, "1", "2.50")])
    rollups.refresh_day(store_id=store.pk, day=today - timedelta(days=10))

    result = kpis.dead_stock(scope=everything(store), today=today, days=30)

    assert [(r["sku"], r["on_hand"], r["value_at_cost"]) for r in result] == [
        (sleeping.sku, Decimal("7"), Decimal("8.40"))
    ]


def test_movers_rank_by_units_with_the_prior_period(store, company_sales):
    result = kpis.movers(scope=everything(store), period=PERIOD, limit=1)

    assert [(r["sku"], r["units"], r["prior_units"], r["change_pct"]) for r in result["top"]] == [
        (company_sales["pasta"].sku, Decimal("4"), Decimal("2"), 100.0)
    ]


def test_shrinkage_by_reason(store, other_store, make_product):
    product = make_product()
    move(store, date(2026, 11, 5), product, "-2", MovementKind.SHRINKAGE, "theft")
    move(store, date(2026, 11, 6), product, "-1", MovementKind.SHRINKAGE, "damaged")
    move(other_store, date(2026, 11, 6), product, "-9", MovementKind.SHRINKAGE, "theft")

    result = kpis.shrinkage_by_reason(scope=everything(store), period=PERIOD)

    assert [(r["reason"], r["units"], r["value"]) for r in result] == [
        ("theft", Decimal("2"), Decimal("2.40")), ("damaged", Decimal("1"), Decimal("1.20")),
    ]  # fmt: skip


def _suggestion(store, product, night, per_day):
    from inventory.models import Suggestion

    numbers = dict.fromkeys(
        ["demand_sd", "lead_time_days", "lead_time_sd_days", "review_days", "service_level", "safety_stock",
         "reorder_point", "order_up_to", "on_hand", "on_order", "in_transit"], 1.0,
    )  # fmt: skip
    return Suggestion.objects.create(
        store=store, business_day=night, product=product, quantity=Decimal("6"), suggested_quantity=Decimal("6"),
        demand_per_day=per_day, reason="test", **numbers,
    )  # fmt: skip


def test_forecast_accuracy_compares_the_engine_forecast_with_later_sales(store, other_store, make_product):
    product = make_product()
    night = date(2026, 11, 1)
    _suggestion(store, product, night, 2.0)  # 14 units forecast over the next 7 days
    _suggestion(store, product, date(2026, 11, 25), 9.0)  # horizon not over by the 28th: not scored
    _suggestion(other_store, product, night, 50.0)  # outside the scope
    for day, units in ((date(2026, 11, 2), "4"), (date(2026, 11, 5), "6"), (date(2026, 11, 9), "5")):
        sell(store, day, [(product, units, "2.50")])
        rollups.refresh_day(store_id=store.pk, day=day)

    [row] = kpis.forecast_accuracy(scope=everything(store), period=PERIOD, horizon_days=7)

    assert (row["label"], row["forecasts"], row["forecast_units"], row["actual_units"]) == ("S001", 1, 14.0, 10.0)
    assert (row["wape"], row["bias"], row["accuracy"]) == (0.4, 0.4, 0.6)


def test_forecast_accuracy_without_suggestions_is_empty(store):
    assert kpis.forecast_accuracy(scope=everything(store), period=PERIOD) == []
