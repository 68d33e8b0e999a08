import math

import numpy as np
import pytest

from inventory.replenishment.metrics import lead_time_scale, naive_scale, rmsse_per_series


def test_lead_time_scale_is_the_mean_squared_change_of_consecutive_window_totals():
    history = np.array([[1.0, 2.0, 0.0, 4.0, 1.0, 1.0, 3.0, 0.0]])
    in_sample = np.ones_like(history, dtype=bool)

    scale = lead_time_scale(history=history, in_sample=in_sample, horizon_days=2)

    # 2-day totals from day 0: 3, 2, 4, 5, 2, 4, 3; pairs 2 days apart: (4-3), (5-2), (2-4), (4-5), (3-2)
    assert scale.tolist() == [(1 + 9 + 4 + 1 + 1) / 5]


def test_lead_time_scale_uses_only_windows_wholly_in_sample():
    history = np.array([[1.0, 2.0, 0.0, 4.0, 100.0, 100.0]])
    in_sample = np.array([[True, True, True, True, False, False]])

    scale = lead_time_scale(history=history, in_sample=in_sample, horizon_days=2)

    # only the windows (0, 1) and (2, 3) lie in sample: totals 3 and 4
    assert scale.tolist() == [1.0]


def test_lead_time_scale_is_undefined_without_two_whole_windows():
    history = np.array([[1.0, 2.0, 3.0]])

    scale = lead_time_scale(history=history, in_sample=np.ones_like(history, dtype=bool), horizon_days=2)

    assert math.isnan(scale[0])


def test_lead_time_scale_of_one_day_is_the_one_step_naive_scale():
    history = np.array([[0.0, 3.0, 1.0, 1.0, 5.0], [2.0, 2.0, 0.0, 1.0, 0.0]])
    in_sample = np.array([[True] * 5, [False, True, True, True, True]])

    one_day = lead_time_scale(history=history, in_sample=in_sample, horizon_days=1)

    assert one_day.tolist() == naive_scale(history=history, in_sample=in_sample).tolist()


def test_rmsse_divides_by_the_given_scale_and_leaves_flat_series_out():
    history = np.array([[1.0, 3.0], [2.0, 2.0]])
    in_sample = np.ones_like(history, dtype=bool)

    value = rmsse_per_series(
        squared_error=np.array([18.0, 5.0]),
        count=np.array([2.0, 1.0]),
        history=history,
        in_sample=in_sample,
        scale=np.array([4.0, 0.0]),
    )

    assert value[0] == pytest.approx(1.5)
    assert math.isnan(value[1])


def test_rmsse_defaults_to_the_one_step_scale():
    history = np.array([[1.0, 3.0, 1.0]])

    value = rmsse_per_series(
        squared_error=np.array([8.0]), count=np.array([2.0]), history=history, in_sample=np.ones((1, 3), dtype=bool)
    )

    assert value.tolist() == [1.0]


def test_lead_time_scale_rejects_a_zero_horizon():
    with pytest.raises(ValueError, match="horizon_days must be at least 1"):
        lead_time_scale(history=np.zeros((1, 3)), in_sample=np.ones((1, 3), dtype=bool), horizon_days=0)
