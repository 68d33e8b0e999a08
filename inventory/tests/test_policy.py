import math
from statistics import NormalDist

import numpy as np
import pytest

from inventory.replenishment.policy import explain, fill_rate_z, service_z, suggest_orders

Z95 = NormalDist().inv_cdf(0.95)


def _one(**overrides):
    arguments = {
        "demand_per_day": np.array([10.0]),
        "demand_sd_per_day": np.array([3.0]),
        "lead_time_days": 5,
        "lead_time_sd_days": 1.0,
        "review_days": 1,
        "service_level": 0.95,
        "on_hand": np.array([20.0]),
    }
    arguments.update(overrides)
    return suggest_orders(**arguments)


def test_safety_stock_covers_lead_time_plus_review_with_lead_time_variability():
    result = _one()

    # P = 5 + 1 days; sqrt(6 * 3^2 + 10^2 * 1^2) = sqrt(154)
    assert result.protection_days.tolist() == [6.0]
    assert result.safety_stock.tolist() == [Z95 * math.sqrt(154.0)]
    assert result.reorder_point.tolist() == [60.0 + Z95 * math.sqrt(154.0)]
    assert result.order_up_to.tolist() == [70.0 + Z95 * math.sqrt(154.0)]


def test_quantity_fills_up_to_order_up_to_from_the_whole_position():
    result = _one(on_hand=np.array([20.0]), on_order=np.array([5.0]), in_transit=np.array([5.0]))

    assert result.position.tolist() == [30.0]
    assert result.quantity.tolist() == [math.ceil(70.0 + Z95 * math.sqrt(154.0) - 30.0)]


def test_no_order_while_position_is_above_reorder_point():
    result = _one(on_hand=np.array([90.0]))

    assert result.quantity.tolist() == [0.0]
    assert result.cases.tolist() == [0.0]


def test_quantity_is_rounded_up_to_whole_case_packs():
    result = _one(demand_sd_per_day=np.array([0.0]), lead_time_sd_days=0.0, on_hand=np.array([33.0]), case_pack=12)

    # up to 70, position 33 -> 37 wanted -> 4 cases of 12
    assert result.raw_quantity.tolist() == [37.0]
    assert result.quantity.tolist() == [48.0]
    assert result.cases.tolist() == [4.0]


def test_quantity_is_raised_to_supplier_minimum_in_whole_cases():
    result = _one(
        demand_sd_per_day=np.array([0.0]),
        lead_time_sd_days=0.0,
        on_hand=np.array([60.0]),
        case_pack=np.array([12.0]),
        min_order_qty=np.array([30.0]),
    )

    # 10 wanted -> 1 case, but the supplier takes at least 30 -> 3 cases
    assert result.quantity.tolist() == [36.0]


def test_exact_case_multiple_is_not_rounded_up_again():
    result = _one(demand_sd_per_day=np.array([0.0]), lead_time_sd_days=0.0, on_hand=np.array([46.0]), case_pack=12)

    assert result.quantity.tolist() == [24.0]


def test_manager_min_and_max_replace_reorder_point_and_order_up_to():
    result = _one(on_hand=np.array([45.0]), min_override=np.array([50.0]), max_override=np.array([80.0]))

    assert result.reorder_point.tolist() == [50.0]
    assert result.order_up_to.tolist() == [80.0]
    assert result.quantity.tolist() == [35.0]
    assert result.min_override_used.tolist() == [True]
    assert result.max_override_used.tolist() == [True]


def test_unset_overrides_leave_computed_levels():
    result = _one(min_override=np.array([np.nan]), max_override=np.array([np.nan]))

    assert result.reorder_point.tolist() == [60.0 + Z95 * math.sqrt(154.0)]
    assert result.min_override_used.tolist() == [False]


def test_manager_max_below_computed_reorder_point_caps_it():
    result = _one(on_hand=np.array([20.0]), max_override=np.array([40.0]))

    assert result.reorder_point.tolist() == [40.0]
    assert result.order_up_to.tolist() == [40.0]
    assert result.quantity.tolist() == [20.0]


def test_min_above_max_is_rejected():
    with pytest.raises(ValueError, match="min_override above max_override in 1 rows"):
        _one(min_override=np.array([90.0]), max_override=np.array([80.0]))


def test_items_outside_assortment_are_never_ordered():
    result = suggest_orders(
        demand_per_day=np.array([10.0, 10.0]),
        demand_sd_per_day=np.array([3.0, 3.0]),
        lead_time_days=5,
        on_hand=np.array([0.0, 0.0]),
        in_assortment=np.array([True, False]),
    )

    assert result.quantity[0] > 0
    assert result.quantity[1] == 0.0


def test_service_z_is_the_normal_quantile():
    assert service_z(np.array([0.5, 0.95])).tolist() == [0.0, Z95]


def test_service_level_outside_zero_one_is_rejected():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        _one(service_level=1.0)


def test_fill_rate_z_meets_the_expected_shortage():
    normal = NormalDist()

    z = fill_rate_z(fill_rate=0.95, cycle_demand=np.array([10.0, 0.1]), protection_sd=np.array([8.0, 2.0]))
    loss = [normal.pdf(k) - k * (1 - normal.cdf(k)) for k in z]

    assert loss[0] * 8.0 == pytest.approx(0.05 * 10.0, abs=1e-4)
    assert loss[1] * 2.0 == pytest.approx(0.05 * 0.1, abs=1e-4)
    assert z[1] > Z95 > z[0]


def test_fill_measure_protects_slow_items_more_than_cycle_measure():
    cycle = _one(demand_per_day=np.array([0.1]), demand_sd_per_day=np.array([0.5]), lead_time_sd_days=0.0)
    fill = _one(
        demand_per_day=np.array([0.1]),
        demand_sd_per_day=np.array([0.5]),
        lead_time_sd_days=0.0,
        service_measure="fill",
    )

    assert fill.safety_stock[0] > cycle.safety_stock[0]


def test_reason_sentence_names_the_numbers_behind_the_order():
    result = suggest_orders(
        demand_per_day=np.array([12.3]),
        demand_sd_per_day=np.array([4.0]),
        lead_time_days=5,
        lead_time_sd_days=1.0,
        on_hand=np.array([40.0]),
        case_pack=12,
    )

    sentence = explain(result=result, row=0, demand_per_day=12.3, lead_time_days=5, lead_time_sd_days=1, on_hand=40)

    assert sentence == (
        "sells 12.3/day, lead 5 days ±1, 95% service → reorder at 100; 40 on hand + 0 on order → order 72 = 6 cases"
    )


def test_reason_sentence_when_nothing_is_ordered():
    result = _one(on_hand=np.array([90.0]), lead_time_sd_days=0.0)

    sentence = explain(result=result, row=0, demand_per_day=10.0, lead_time_days=5, on_hand=90)

    assert sentence == "sells 10.0/day, lead 5 days, 95% service → reorder at 73; 90 on hand + 0 on order → no order"


def test_reason_sentence_shows_a_manager_override():
    result = _one(on_hand=np.array([45.0]), min_override=np.array([50.0]), max_override=np.array([80.0]))

    sentence = explain(result=result, row=0, demand_per_day=10.0, lead_time_days=5, on_hand=45)

    assert sentence == (
        "sells 10.0/day, lead 5 days, 95% service → manager's min 50, max 80; 45 on hand + 0 on order → order 35"
    )


def test_reason_sentence_for_an_item_outside_assortment():
    result = _one(in_assortment=np.array([False]))

    sentence = explain(result=result, row=0, demand_per_day=10.0, lead_time_days=5, on_hand=20, in_assortment=False)

    assert sentence == "not in this store's assortment → no order"


def test_gamma_fill_rate_z_meets_the_expected_shortage_of_a_gamma_demand():
    rng = np.random.default_rng(1)
    mean, sd = np.array([2.0, 8.0]), np.array([4.0, 4.0])  # a lumpy slow item and a steady one
    cycle = np.array([0.25, 1.0])

    z = fill_rate_z(fill_rate=0.95, cycle_demand=cycle, protection_sd=sd, protection_demand=mean, distribution="gamma")

    for i in range(2):
        shape, scale = (mean[i] / sd[i]) ** 2, sd[i] ** 2 / mean[i]
        demand = rng.gamma(shape, scale, 4_000_000)
        short = np.maximum(demand - (mean[i] + z[i] * sd[i]), 0.0).mean()
        assert short == pytest.approx(0.05 * cycle[i], rel=0.03)


def test_gamma_tail_asks_more_of_a_lumpy_item_than_the_normal_and_the_same_of_a_steady_one():
    def z(distribution: str, mean: float, sd: float) -> float:
        return fill_rate_z(
            fill_rate=0.95,
            cycle_demand=np.array([mean / 8]),
            protection_sd=np.array([sd]),
            protection_demand=np.array([mean]),
            distribution=distribution,
        )[0]

    assert z("gamma", 2.0, 4.0) > z("normal", 2.0, 4.0) + 1.0
    assert z("gamma", 0.8, 4.0) == 12.0  # the safety factor is capped
    assert z("gamma", 4000.0, 60.0) == pytest.approx(z("normal", 4000.0, 60.0), abs=0.02)


def test_periodic_review_shortage_leaves_out_what_the_lead_time_already_ran_short():
    arguments = {
        "fill_rate": 0.95,
        "cycle_demand": np.array([0.1]),
        "protection_sd": np.array([4.0]),
        "protection_demand": np.array([0.8]),
        "distribution": "gamma",
    }
    rng = np.random.default_rng(2)
    plain = fill_rate_z(**arguments)[0]

    periodic = fill_rate_z(**arguments, lead_fraction=7 / 8)[0]

    # shortage per cycle = E[(D_8 - s)+] - E[(D_7 - s)+], D_7 the same gamma over 7 of the 8 days
    shape, scale = (0.8 / 4.0) ** 2, 4.0**2 / 0.8
    point = 0.8 + periodic * 4.0
    over_eight = np.maximum(rng.gamma(shape, scale, 4_000_000) - point, 0.0).mean()
    over_seven = np.maximum(rng.gamma(shape * 7 / 8, scale, 4_000_000) - point, 0.0).mean()
    assert periodic < plain
    assert over_eight - over_seven == pytest.approx(0.05 * 0.1, rel=0.05)


def test_suggest_orders_with_gamma_demand_uses_the_periodic_review_shortage():
    normal = _one(demand_per_day=np.array([0.1]), demand_sd_per_day=np.array([1.5]), service_measure="fill")
    gamma = _one(
        demand_per_day=np.array([0.1]),
        demand_sd_per_day=np.array([1.5]),
        service_measure="fill",
        demand_distribution="gamma",
    )
    protection_sd = math.sqrt(6 * 1.5**2 + 0.1**2 * 1.0**2)
    expected = fill_rate_z(
        fill_rate=0.95,
        cycle_demand=np.array([0.1]),
        protection_sd=np.array([protection_sd]),
        protection_demand=np.array([0.6]),
        distribution="gamma",
        lead_fraction=5 / 6,
    )

    assert gamma.z.tolist() == expected.tolist()
    assert gamma.safety_stock.tolist() == pytest.approx([expected[0] * protection_sd])
    assert normal.z[0] != gamma.z[0]


def test_unknown_demand_distribution_is_rejected():
    with pytest.raises(ValueError, match="distribution must be 'normal' or 'gamma'"):
        _one(service_measure="fill", demand_distribution="poisson")


def test_gamma_needs_the_mean_demand():
    with pytest.raises(ValueError, match="needs protection_demand"):
        fill_rate_z(fill_rate=0.95, cycle_demand=np.array([1.0]), protection_sd=np.array([1.0]), distribution="gamma")
