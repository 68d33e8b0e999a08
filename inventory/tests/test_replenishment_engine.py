"""The nightly engine on a small store: the policy numbers, the sentence, overrides,
assortment, rounding, top-ups, demand folding and re-runs."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from decimal import Decimal
from statistics import NormalDist
from zoneinfo import ZoneInfo

import pytest

from inventory.models import DemandState, ProductSupplier, Sale, SaleLine, Suggestion, SuggestionStatus
from inventory.replenishment import engine
from inventory.replenishment import settings as repl_settings

from .replenishment_factories import NIGHT, demand, rollup, stock

Z95 = NormalDist().inv_cdf(0.95)


def _expected_reorder(d: float, sd: float, lead: float, lead_sd: float, review: float, z: float = Z95) -> tuple:
    protection = lead + review
    safety = z * math.sqrt(protection * sd * sd + d * d * lead_sd * lead_sd)
    reorder = d * protection + safety
    return reorder, reorder + d * review


def test_suggestion_follows_the_policy_and_explains_itself(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16)

    night = engine.run_store(store=store, day=NIGHT)

    [s] = Suggestion.objects.for_store(store)
    reorder, up_to = _expected_reorder(10, 4, 5, 1, 1)
    cases = math.ceil((up_to - 40) / 6)
    assert night.suggestions == 1
    assert s.quantity == Decimal(cases * 6)
    assert s.reorder_point == pytest.approx(reorder)
    assert s.order_up_to == pytest.approx(up_to)
    assert s.reason == (
        f"sells 10.0/day, lead 5 days ±1, 95% service → reorder at {math.ceil(reorder)}; "
        f"40 on hand + 0 on order → order {cases * 6} = {cases} cases"
    )
    assert (s.supplier.code, s.case_pack, s.status) == ("ACME", 6, SuggestionStatus.PROPOSED)
    assert s.sources["service_level"] == "default"


def test_on_order_counts_against_the_order(store, product):
    stock(store, product, on_hand=40, on_order=30)
    demand(store, product, level=10, variance=16)

    engine.run_store(store=store, day=NIGHT)

    _, up_to = _expected_reorder(10, 4, 5, 1, 1)
    assert Suggestion.objects.get(store=store).quantity == Decimal(math.ceil((up_to - 70) / 6) * 6)


def test_enough_stock_means_no_suggestion(store, product):
    stock(store, product, on_hand=500)
    demand(store, product, level=10, variance=16)

    assert engine.run_store(store=store, day=NIGHT).suggestions == 0
    assert Suggestion.objects.count() == 0


def test_manager_min_max_override_wins(store, product):
    stock(store, product, on_hand=40, min_qty=Decimal("50"), max_qty=Decimal("100"))
    demand(store, product, level=1, variance=1)

    engine.run_store(store=store, day=NIGHT)

    s = Suggestion.objects.get(store=store)
    assert (s.reorder_point, s.order_up_to, s.quantity) == (50.0, 100.0, Decimal("60"))
    assert (s.sources["min_qty"], s.sources["max_qty"]) == ("product", "product")
    assert "manager's min 50, max 100" in s.reason


def test_out_of_assortment_products_are_skipped(store, product):
    stock(store, product, on_hand=0, in_assortment=False)
    demand(store, product, level=10)

    assert engine.run_store(store=store, day=NIGHT).suggestions == 0


def test_without_case_rounding_the_exact_quantity_is_ordered(store, product):
    repl_settings.update_level(scope="company", changes={"round_to_case_pack": False})
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16)

    engine.run_store(store=store, day=NIGHT)

    _, up_to = _expected_reorder(10, 4, 5, 1, 1)
    s = Suggestion.objects.get(store=store)
    assert s.quantity == Decimal(math.ceil(up_to - 40))
    assert s.case_pack == 1


def test_order_below_supplier_minimum_is_topped_up_with_items_closest_to_reorder(store, make_product, supplier):
    # ACME's minimum order is 100.00; the one real need is worth 54 x 1.20 = 64.80.
    needed = make_product()
    near = make_product(cost=Decimal("2.00"))
    far = make_product(cost=Decimal("2.00"))
    stock(store, needed, on_hand=40)
    demand(store, needed, level=10, variance=16)
    reorder, up_to = _expected_reorder(2, math.sqrt(2), 5, 1, 1)
    stock(store, near, on_hand=math.ceil(reorder) + 1)
    stock(store, far, on_hand=math.ceil(reorder) + 9)
    for p in (near, far):
        demand(store, p, level=2, variance=2)

    night = engine.run_store(store=store, day=NIGHT)

    rows = {s.product_id: s for s in Suggestion.objects.for_store(store)}
    near_qty = Decimal(math.ceil((up_to - (math.ceil(reorder) + 1)) / 6) * 6)
    assert night.top_ups >= 1
    assert rows[near.pk].top_up is True
    assert rows[near.pk].quantity == near_qty
    assert "added to reach Acme Foods's minimum order of 100.00 (order was 64.80" in rows[near.pk].reason
    assert rows[needed.pk].top_up is False
    total = sum(s.quantity * s.unit_cost for s in rows.values())
    assert total >= Decimal("100") or far.pk in rows


def test_rerunning_a_night_changes_nothing(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16, last_day=NIGHT - timedelta(days=1))
    rollup(store, product, units=14)

    engine.run_store(store=store, day=NIGHT)
    first_state = DemandState.objects.values().get()
    first = list(Suggestion.objects.values_list("product_id", "quantity", "reason", "reorder_point"))
    engine.run_store(store=store, day=NIGHT)

    assert DemandState.objects.values().get() == first_state
    assert list(Suggestion.objects.values_list("product_id", "quantity", "reason", "reorder_point")) == first
    assert first_state["last_day"] == NIGHT


def test_a_sale_day_moves_the_level_toward_it(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16, last_day=NIGHT - timedelta(days=1))
    rollup(store, product, units=14)

    engine.run_store(store=store, day=NIGHT)

    state = DemandState.objects.get()
    assert state.level == pytest.approx(10 + 0.05 * (14 - 10))
    assert state.days_observed == 61


def test_a_day_out_of_stock_all_day_is_not_zero_demand(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16, last_day=NIGHT - timedelta(days=1))
    rollup(store, product, units=0, stockout=True)

    engine.run_store(store=store, day=NIGHT)

    state = DemandState.objects.get()
    assert (state.level, state.days_observed, state.last_day) == (10.0, 60, NIGHT)


def test_a_promotion_spike_is_damped(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16, last_day=NIGHT - timedelta(days=1))
    rollup(store, product, units=200)

    engine.run_store(store=store, day=NIGHT)

    capped = 10 + 3.0 * 4
    assert DemandState.objects.get().level == pytest.approx(10 + 0.05 * (capped - 10))


def test_sale_lines_are_used_when_the_day_has_no_rollups(store, product):
    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16, last_day=NIGHT - timedelta(days=1))
    sold_at = datetime.combine(NIGHT, time(12, 0), tzinfo=ZoneInfo("Europe/London"))
    sale = Sale.objects.create(store=store, pos_sale_id="A1", sold_at=sold_at, business_day=NIGHT, total=35)
    SaleLine.objects.create(
        store=store, sale=sale, line_no=1, product=product, quantity=14, unit_price=2.5, business_day=NIGHT
    )

    engine.run_store(store=store, day=NIGHT)

    assert DemandState.objects.get().level == pytest.approx(10.2)


def test_new_product_starts_from_its_like_item(store, product, make_product):
    newcomer = make_product(like_product=product)
    stock(store, product, on_hand=500)
    stock(store, newcomer, on_hand=0)
    demand(store, product, level=8, variance=9)

    engine.run_store(store=store, day=NIGHT)

    state = DemandState.objects.get(product=newcomer)
    assert (state.started_from, state.days_observed, state.last_day) == ("like_item", 0, NIGHT)
    assert state.level == pytest.approx(8.0)  # out of stock all day: nothing learned yet


def test_new_product_without_like_item_starts_from_category_prior(store, sibling_store, make_product):
    seasoned = make_product()
    newcomer = make_product()
    other = make_product()
    stock(store, newcomer, on_hand=5)
    demand(sibling_store, seasoned, level=99)  # express format: not the same format as S001
    demand(store, other, level=4, variance=5)
    stock(store, other, on_hand=500)

    engine.run_store(store=store, day=NIGHT)

    state = DemandState.objects.get(store=store, product=newcomer)
    assert state.started_from == "prior"
    # The prior is the category average at standard-format stores (4), then one zero-sale day folded.
    assert state.level == pytest.approx(4 + 0.05 * (0 - 4))


def test_draft_orders_count_as_on_order(store, product):
    from inventory.replenishment import suggestions

    stock(store, product, on_hand=40)
    demand(store, product, level=10, variance=16)
    engine.run_store(store=store, day=NIGHT)
    s = Suggestion.objects.get()
    suggestions.approve(store=store, suggestion_ids=[s.pk], user=None)

    night = engine.run_store(store=store, day=NIGHT + timedelta(days=1))

    assert night.suggestions == 0


def test_product_without_supplier_terms_is_suggested_without_supplier(store, product):
    ProductSupplier.objects.filter(product=product).delete()
    stock(store, product, on_hand=0)
    demand(store, product, level=10, variance=16)

    engine.run_store(store=store, day=NIGHT)

    assert Suggestion.objects.get().supplier_id is None
