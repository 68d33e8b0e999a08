import math

import numpy as np
import pytest

from inventory.replenishment.forecast import (
    DemandState,
    ForecastParams,
    PooledParams,
    cold_start_variance,
    combined_state,
    demand_sd,
    fit_params,
    fit_pooled,
    forecast_daily,
    forecast_mean,
    initial_state,
    lead_time_sd,
    level_observation,
    pooled_initial,
    pooled_level,
    pooled_shape,
    pooled_start,
    pooled_update,
    rebuild,
    start_series,
    update,
)

FLAT = ForecastParams(alpha=0.25, variance_alpha=0.5, gamma=0.0, spike_k=3.0)


def _state(level: float, variance: float, n: int = 1) -> DemandState:
    return initial_state(n=n, prior_level=level, prior_variance=variance)


def test_stocked_out_day_is_not_learned_as_zero_demand():
    state = _state(8.0, 4.0)

    after = update(
        state=state,
        units=np.array([0.0]),
        weekday=2,
        carried=np.array([True]),
        stocked_out=np.array([True]),
        params=FLAT,
    )

    assert after.level.tolist() == [8.0]
    assert after.variance.tolist() == [4.0]
    assert after.days_observed.tolist() == [0]


def test_day_before_first_sale_is_not_demand():
    state = _state(8.0, 4.0)

    after = update(state=state, units=np.array([0.0]), weekday=0, carried=np.array([False]), params=FLAT)

    assert after.level.tolist() == [8.0]
    assert after.days_observed.tolist() == [0]


def test_ordinary_day_moves_level_by_alpha():
    state = _state(8.0, 4.0)

    after = update(state=state, units=np.array([12.0]), weekday=0, carried=np.array([True]), params=FLAT)

    assert after.level.tolist() == [9.0]
    assert after.variance.tolist() == [10.0]
    assert after.days_observed.tolist() == [1]


def test_spike_is_winsorised_at_level_plus_k_sd_before_learning():
    state = _state(8.0, 4.0)

    after = update(state=state, units=np.array([100.0]), weekday=0, carried=np.array([True]), params=FLAT)

    # capped at 8 + 3 * 2 = 14, so the level moves a quarter of 6, not of 92
    assert after.level.tolist() == [9.5]


def test_spike_still_counts_in_the_error_variance():
    state = _state(8.0, 4.0)

    after = update(state=state, units=np.array([100.0]), weekday=0, carried=np.array([True]), params=FLAT)

    assert after.variance.tolist() == [4.0 + 0.5 * (92.0**2 - 4.0)]


def test_sold_out_day_can_raise_the_level_but_never_lower_it():
    state = _state(8.0, 4.0, n=2)

    after = update(
        state=state,
        units=np.array([2.0, 12.0]),
        weekday=0,
        carried=np.array([True, True]),
        censored=np.array([True, True]),
        params=FLAT,
    )

    assert after.level.tolist() == [8.0, 9.0]


def test_cold_start_takes_the_prior_rows_only_for_new_series():
    state = _state(5.0, 1.0, n=3)
    prior = initial_state(n=3, prior_level=np.array([20.0, 30.0, 40.0]), prior_variance=9.0)

    started = start_series(state=state, new=np.array([False, True, False]), prior=prior)

    assert started.level.tolist() == [5.0, 30.0, 5.0]
    assert started.variance.tolist() == [1.0, 9.0, 1.0]


def test_cold_state_without_prior_variance_is_overdispersed_poisson():
    state = initial_state(n=1, prior_level=2.0)

    assert state.variance.tolist() == [2.0 + 0.25 * 4.0 + 0.25]
    assert state.shape.tolist() == [[1.0] * 7]


def test_cold_start_variance_of_a_slow_item_stays_near_poisson():
    variance = cold_start_variance(np.array([0.02, 2.0, -1.0]))

    assert variance.tolist() == pytest.approx([0.02 + 0.25 * 0.0004, 2.0 + 0.25 * 4.0, 0.0])
    assert cold_start_variance(2.0, floor=0.25).tolist() == initial_state(n=1, prior_level=2.0).variance.tolist()[0]


def test_forecast_follows_the_weekday_shape_from_the_start_day():
    shape = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5])
    state = initial_state(n=1, prior_level=4.0, prior_shape=shape)

    daily = forecast_daily(state=state, horizon_days=3, start_weekday=4)

    assert daily.tolist() == [[4.0, 6.0, 2.0]]
    assert forecast_mean(state=state, horizon_days=7, start_weekday=3).tolist() == [28.0]


def test_weekday_shape_is_learned_and_stays_normalised():
    weeks = 60
    pattern = np.array([4.0, 4.0, 4.0, 4.0, 4.0, 8.0, 4.0])  # Saturdays sell double
    history = np.tile(pattern, weeks)[None, :]
    prior = initial_state(n=1, prior_level=4.0, prior_variance=1.0)

    state = rebuild(
        history=history,
        first_weekday=0,
        prior=prior,
        params=ForecastParams(alpha=0.05, variance_alpha=0.05, gamma=0.1, spike_k=10.0),
    )

    assert round(float(state.shape[0, 5] / state.shape[0, 0]), 2) == 2.0
    assert round(float(state.shape.mean()), 12) == 1.0
    assert state.days_observed.tolist() == [7 * weeks]


def test_rebuild_starts_each_series_at_its_first_sale():
    history = np.array([[0.0, 0.0, 0.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0]])
    prior = initial_state(n=2, prior_level=1.0, prior_variance=1.0)

    state = rebuild(history=history, first_weekday=0, prior=prior, params=FLAT)

    assert state.days_observed.tolist() == [3, 6]


def test_pooled_shape_is_the_weekday_profile_of_all_carried_days():
    history = np.tile(np.array([1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0]), 4)[None, :]
    carried = np.ones_like(history, dtype=bool)

    shape = pooled_shape(history=history, carried=carried, first_weekday=0)

    assert shape.tolist() == pytest.approx([7 / 8] * 5 + [14 / 8, 7 / 8], abs=1e-12)


def test_daily_sd_never_below_poisson():
    state = initial_state(n=2, prior_level=np.array([9.0, 1.0]), prior_variance=np.array([0.0, 4.0]))

    assert demand_sd(state=state).tolist() == [3.0, 2.0]


def test_lead_time_sd_without_smoothing_is_sqrt_days_times_daily_sd():
    state = initial_state(n=1, prior_level=1.0, prior_variance=4.0)

    result = lead_time_sd(state=state, horizon_days=9, params=ForecastParams(alpha=0.0))

    assert result.tolist() == [6.0]


def test_lead_time_sd_grows_with_level_uncertainty():
    state = initial_state(n=1, prior_level=1.0, prior_variance=4.0)

    result = lead_time_sd(state=state, horizon_days=2, params=ForecastParams(alpha=0.5))

    assert result.tolist() == [2.0 * math.sqrt(1.0 + 1.5**2)]


def test_update_handles_many_series_at_once_without_mixing_them():
    state = initial_state(n=3, prior_level=np.array([8.0, 8.0, 8.0]), prior_variance=4.0)

    after = update(
        state=state,
        units=np.array([12.0, 0.0, 100.0]),
        weekday=6,
        carried=np.array([True, True, True]),
        stocked_out=np.array([False, True, False]),
        params=FLAT,
    )

    assert after.level.tolist() == [9.0, 8.0, 9.5]


def test_fit_params_picks_fast_smoothing_for_a_series_that_shifts_level():
    rng = np.random.default_rng(7)
    level = np.repeat([2.0, 10.0, 3.0, 12.0], 50)
    history = rng.poisson(np.tile(level, (20, 1))).astype(float)
    prior = initial_state(n=20, prior_level=5.0)

    params, score = fit_params(
        history=history,
        first_weekday=0,
        prior=prior,
        warmup_days=14,
        grid={"alpha": (0.01, 0.2), "gamma": (0.0,), "spike_k": (6.0,)},
    )

    assert params.alpha == 0.2
    assert params.spike_k == 6.0
    assert score > 0


def test_fit_params_total_objective_scores_the_horizon_total():
    rng = np.random.default_rng(7)
    level = np.repeat([2.0, 10.0, 3.0, 12.0], 50)
    history = rng.poisson(np.tile(level, (20, 1))).astype(float)
    prior = initial_state(n=20, prior_level=5.0)
    grid = {"alpha": (0.01, 0.2), "gamma": (0.0,), "spike_k": (6.0,)}

    daily, daily_score = fit_params(history=history, first_weekday=0, prior=prior, warmup_days=14, grid=grid)
    total, total_score = fit_params(
        history=history, first_weekday=0, prior=prior, warmup_days=14, grid=grid, objective="total"
    )

    assert daily.alpha == total.alpha == 0.2
    assert total_score != daily_score


def test_fit_params_rejects_an_unknown_objective():
    with pytest.raises(ValueError, match="objective must be 'daily' or 'total'"):
        fit_params(history=np.ones((1, 20)), first_weekday=0, prior=_state(1.0, 1.0), objective="weekly")


def test_level_observation_is_what_update_learns_from():
    state = initial_state(n=3, prior_level=8.0, prior_variance=4.0, prior_shape=np.array([2.0] + [5 / 6] * 6))

    values, learn = level_observation(
        state=state,
        units=np.array([100.0, 0.0, 2.0]),
        weekday=0,
        carried=np.array([True, True, True]),
        stocked_out=np.array([False, True, False]),
        censored=np.array([False, False, True]),
        params=FLAT,
    )
    after = update(
        state=state,
        units=np.array([100.0, 0.0, 2.0]),
        weekday=0,
        carried=np.array([True, True, True]),
        stocked_out=np.array([False, True, False]),
        censored=np.array([False, False, True]),
        params=FLAT,
    )

    factor = 2.0 / (2.0 + 5.0) * 7.0
    # the spike is capped at fitted + 3 sd = 8 * factor + 6; a sell-out counts as at least the forecast
    assert values.tolist() == pytest.approx([(8.0 * factor + 6.0) / factor, 0.0, 8.0])
    assert learn.tolist() == [True, False, True]
    assert after.level.tolist() == pytest.approx((state.level + 0.25 * (values - state.level) * learn).tolist())


def test_pooled_level_is_the_series_share_of_its_group_level():
    pooled = pooled_initial(n=3, groups=2, prior_level=1.0)
    params = PooledParams(group_alpha=0.5, share_alpha=1.0, weight=1.0)
    group = np.array([0, 0, 1])

    pooled = pooled_update(
        pooled=pooled, group=group, values=np.array([6.0, 2.0, 5.0]), learn=np.array([True, True, True]), params=params
    )

    # first day: group 0 starts at its mean 4, shares 6/4 and 2/4; group 1 at 5
    assert pooled.group_level.tolist() == [4.0, 5.0]
    assert pooled_level(pooled=pooled, group=group).tolist() == [6.0, 2.0, 5.0]

    pooled = pooled_update(
        pooled=pooled,
        group=group,
        values=np.array([0.0, 8.0, 0.0]),
        learn=np.array([False, True, False]),
        params=params,
    )

    # only series 1 learned: group 0's mean is 8, its level moves half way to 6; group 1 unchanged
    assert pooled.group_level.tolist() == [6.0, 5.0]
    assert pooled.share_units.tolist() == [6.0, 8.0, 5.0]
    assert pooled_level(pooled=pooled, group=group).tolist() == [6.0 * 6.0 / 4.0, 6.0, 5.0]


def test_new_series_start_at_the_group_level_and_unseen_groups_keep_the_own_level():
    pooled = pooled_initial(n=3, groups=2, prior_level=1.0)
    group = np.array([0, 0, 1])
    pooled = pooled_update(
        pooled=pooled,
        group=group,
        values=np.array([6.0, 0.0, 0.0]),
        learn=np.array([True, False, False]),
        params=PooledParams(share_alpha=1.0),
    )
    pooled = pooled_start(pooled=pooled, new=np.array([False, True, False]), prior_level=3.0)
    state = initial_state(n=3, prior_level=np.array([7.0, 3.0, 2.0]), prior_variance=1.0)

    combined = combined_state(state=state, pooled=pooled, group=group, params=PooledParams(weight=0.5))

    # series 1 is new in group 0 (level 6) with share 1; group 1 has no sale yet, so series 2 keeps its own
    assert combined.level.tolist() == [0.5 * 7.0 + 0.5 * 6.0, 0.5 * 3.0 + 0.5 * 6.0, 2.0]
    assert combined_state(state=state, pooled=pooled, group=group, params=PooledParams(weight=0.0)) is state


def test_fit_pooled_uses_the_group_when_the_item_moves_in_every_store_at_once():
    rng = np.random.default_rng(5)
    level = np.repeat([1.0, 4.0, 0.5, 3.0], 45)
    history = rng.poisson(np.tile(level, (30, 1))).astype(float)  # one item in 30 stores
    prior = initial_state(n=30, prior_level=2.0)

    params, score = fit_pooled(
        history=history,
        first_weekday=0,
        prior=prior,
        params=ForecastParams(alpha=0.02, gamma=0.0),
        group=np.zeros(30, dtype=np.int64),
        warmup_days=14,
        grid={"group_alpha": (0.2,), "share_alpha": (0.01,), "weight": (0.0, 1.0)},
    )

    assert params.weight == 1.0
    assert params.group_alpha == 0.2
    assert score > 0


def test_fit_pooled_keeps_the_own_level_when_each_group_is_one_series():
    rng = np.random.default_rng(5)
    history = rng.poisson(np.full((30, 180), 3.0)).astype(float)
    prior = initial_state(n=30, prior_level=3.0)

    params, _ = fit_pooled(
        history=history,
        first_weekday=0,
        prior=prior,
        params=ForecastParams(alpha=0.02, gamma=0.0),
        group=np.arange(30),
        warmup_days=14,
        grid={"group_alpha": (0.3,), "share_alpha": (0.01,), "weight": (0.0, 1.0)},
    )

    assert params.weight == 0.0
