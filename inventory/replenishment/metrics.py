"""Forecast accuracy, defined once so the fit, the backtest and the report agree.

The reported measure is the RMSSE of the **lead-time total**: from each scored origin day t,
the error of the forecast of total demand over the next L days,
``e_t = sum(actual[t+1 .. t+L]) - forecast_sum(t, L)``, and per series
``RMSSE = sqrt(mean(e_t^2) / scale)``. That total is the quantity a replenishment order
protects (the reorder point is the lead-time demand plus safety stock), so it is the error
that turns into lost sales or surplus stock; how the total is spread over the weekdays does
not change what is ordered.

The scale is the in-sample mean squared error of the naive lead-time forecast, "the next L
days sell what the last L days sold": ``(S_t - S_{t-L})^2`` with ``S_t`` the L-day total
ending on day t, over the series' in-sample history (the days before its scoring starts,
from its first sale on, whole windows only). It has the units of the error it divides and
keeps the M5 property that a score of 1 means "as good as the naive rule in-sample"; every
method is scored with the same scale.

``rmsse_daily`` keeps the M5 per-day variant for comparison: the errors are each day's over
the horizon and the scale is the mean squared one-step naive difference ``(y_t - y_{t-1})^2``.

A series with no scored origin, or a flat in-sample history (scale 0), has no RMSSE (NaN) and
is left out of the mean over series.
"""

from __future__ import annotations

import numpy as np


def naive_scale(*, history: np.ndarray, in_sample: np.ndarray) -> np.ndarray:
    """Mean squared one-step difference per series over consecutive in-sample days (N,)."""
    history = np.asarray(history, dtype=np.float64)
    both = in_sample[:, 1:] & in_sample[:, :-1]
    diff = np.diff(history, axis=1)
    total = np.where(both, diff * diff, 0.0).sum(axis=1)
    count = both.sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def lead_time_scale(*, history: np.ndarray, in_sample: np.ndarray, horizon_days: int) -> np.ndarray:
    """Mean squared error of the naive L-day-total forecast over in-sample days, per series (N,).

    ``(S_t - S_{t-L})^2`` where ``S_t`` sums days t-L+1..t; only pairs of windows lying wholly
    in the series' in-sample days count. NaN where there is no such pair.
    """
    history = np.asarray(history, dtype=np.float64)
    span = int(horizon_days)
    if span < 1:
        raise ValueError("horizon_days must be at least 1")
    padded = np.cumsum(np.pad(history, ((0, 0), (1, 0))), axis=1)
    totals = padded[:, span:] - padded[:, :-span]
    inside = np.cumsum(np.pad(np.asarray(in_sample, dtype=np.int64), ((0, 0), (1, 0))), axis=1)
    whole = (inside[:, span:] - inside[:, :-span]) == span
    diff = totals[:, span:] - totals[:, :-span]
    both = whole[:, span:] & whole[:, :-span]
    total = np.where(both, diff * diff, 0.0).sum(axis=1)
    count = both.sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def rmsse_per_series(
    *,
    squared_error: np.ndarray,
    count: np.ndarray,
    history: np.ndarray,
    in_sample: np.ndarray,
    scale: np.ndarray | None = None,
) -> np.ndarray:
    """RMSSE of each series from its summed squared errors and their count (N,), NaN if undefined.

    ``scale`` defaults to the one-step ``naive_scale``; pass ``lead_time_scale`` for totals.
    """
    if scale is None:
        scale = naive_scale(history=history, in_sample=in_sample)
    with np.errstate(divide="ignore", invalid="ignore"):
        mse = squared_error / count
        value = np.sqrt(mse / scale)
    return np.where((count > 0) & (scale > 0), value, np.nan)
