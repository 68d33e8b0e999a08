"""How far can any level forecast get on the backtest's RMSSE? A bound that looks into the future.

    python bench/forecast_bounds.py [../shared/data/m5_history.csv.gz ...]

For each file, scores on exactly the backtest's days and scales (``backtest._replay`` with
true demand, ``_Accuracy.summary``): seasonal naive, the 28-day moving average, the engine,
and a **two-sided oracle** that is not a method: at origin t its level is the mean of the w
days before t+1 and of the w days *after* the lead-time window (t+8 .. t+7+w), i.e. it knows
the coming month but not the 7 days it is scored on, times the engine's own (causal) weekday
shape. A forecaster that only sees the past cannot estimate the level better than that except
through what happens inside the scored week itself (events, prices, calendar), so a target that
this oracle misses is out of reach of any level model (smoothing, pooling, Croston/TSB, blends).
Prints one line per method with both RMSSE definitions and the ratios the issue's targets use.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inventory.replenishment import backtest, forecast

DEFAULT_FILES = ("m5_history.csv.gz", "pfs_history.csv.gz")


class TwoSidedOracle(backtest._Engine):
    """The engine's weekday shape times the mean of ``window`` days on each side of the scored week."""

    window = 28

    def attach(self, units: np.ndarray, carried: np.ndarray) -> TwoSidedOracle:
        self.sums = np.cumsum(np.pad(units * carried, ((0, 0), (1, 0))), axis=1)
        self.days_carried = np.cumsum(np.pad(carried.astype(np.float64), ((0, 0), (1, 0))), axis=1)
        return self

    def _window(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        last = self.sums.shape[1] - 1
        start, end = min(max(start, 0), last), min(max(end, 0), last)
        return self.sums[:, end] - self.sums[:, start], self.days_carried[:, end] - self.days_carried[:, start]

    def daily(self, *, t: int, horizon: int) -> np.ndarray:
        before, before_days = self._window(t + 1 - self.window, t + 1)
        after, after_days = self._window(t + 8, t + 8 + self.window)
        level = (before + after) / np.maximum(before_days + after_days, 1.0)
        state = forecast.combined_state(
            state=self.state, pooled=self.pooled, group=self.group, params=self.pooled_params
        )
        weekdays = (self.first_weekday + t + 1 + np.arange(horizon)) % 7
        return level[:, None] * state.shape[:, weekdays]


def bounds(path: Path) -> None:
    settings = backtest.BacktestSettings()
    history = backtest.read_history(path)
    units = np.maximum(history.units, 0.0)
    history = backtest.SalesHistory(
        units=units, first_date=history.first_date, stores=history.stores, items=history.items
    )
    n, days = units.shape
    carried = history.carried
    first = np.where(carried.any(axis=1), np.argmax(carried, axis=1), days)
    fit_end = int(days * settings.fit_fraction)
    score_from = np.maximum(first + settings.warmup_days, fit_end)
    in_sample = carried & (np.arange(days)[None, :] < score_from[:, None])
    engine = backtest._Engine(history=history, settings=settings, fit_end=fit_end)

    def score(method: object) -> tuple[float, float]:
        _, accuracy = backtest._replay(
            method=method, history=history, settings=settings, score_from=score_from, censor=False
        )
        summary = accuracy.summary(history=units, in_sample=in_sample, horizon_days=settings.lead_time_days)
        return summary["rmsse"], summary["rmsse_daily"]

    def oracle(window: int) -> TwoSidedOracle:
        method = backtest._copy_engine(engine)
        method.__class__ = TwoSidedOracle
        method.window = window
        return method.attach(units, carried)

    rows = {
        "seasonal_naive": score(backtest._SeasonalNaive(n=n, days=28, prior_level=engine.default_level)),
        "moving_average": score(backtest._MovingAverage(n=n, days=28, prior_level=engine.default_level)),
        "engine": score(backtest._copy_engine(engine)),
    }
    for window in (28, 56):
        rows[f"oracle +-{window} days"] = score(oracle(window))
    sn, ma = rows["seasonal_naive"], rows["moving_average"]
    print(f"\n{path.name}: {n} series x {days} days")
    print(f"{'method':<20}{'rmsse':>9}{'/SN':>8}{'/MA':>8}{'daily':>9}{'/SN':>8}{'/MA':>8}")
    for name, (total, daily) in rows.items():
        print(
            f"{name:<20}{total:>9.4f}{total / sn[0]:>8.3f}{total / ma[0]:>8.3f}"
            f"{daily:>9.4f}{daily / sn[1]:>8.3f}{daily / ma[1]:>8.3f}"
        )
    print("targets: /SN <= 0.750, /MA <= 0.950")


def main() -> None:
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    paths = [Path(arg) for arg in sys.argv[1:]] or [shared / name for name in DEFAULT_FILES]
    started = time.perf_counter()
    for path in paths:
        bounds(path)
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
