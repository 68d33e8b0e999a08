"""Day-by-day replay of a sales history through the replenishment policy, per method.

What is replayed, for every store-item series at once (the loop is over days only):

- a series is carried from its first day with a sale; earlier days are not demand;
- the shelf starts at the method's order-up-to level on that first day;
- each morning the orders due arrive; the day's demand (the recorded sales) is served
  from stock and what stock cannot serve is lost, as on a real shelf;
- the method then learns from what sold (the engine sees a day that opened empty as
  stocked out, and a day that sold out as a lower bound) and, every ``review_days``,
  orders by ``policy.suggest_orders``; an order placed after day t is on the shelf for day
  t + lead_time + 1 (protection interval = lead time + review period);
- the first ``warmup_days`` of each series and the first ``fit_fraction`` of the calendar
  are not scored. The engine's smoothing constants are fitted on that early part of the
  calendar only, so nothing is tuned on the scored days.

Methods: ``engine`` (``forecast.py``: own SES level with weekday shape, combined with the
item's level pooled over all stores that carry it, ``forecast.PooledParams``; its policy takes
the protection-interval demand as gamma, ``policy.fill_rate_z``), ``seasonal_naive`` (same
weekday last week), ``moving_average`` (28 carried days) and ``static_minmax`` (reorder at k x
the series' average daily demand over its first ``warmup_days``, order up to one review period
more, with k searched until its fill rate reaches the engine's, so inventory is compared at the
same fill). Baselines use the same policy maths (same service measure and demand
distribution) with the sd of the last 28 days' sales.

Forecast accuracy is measured on the recorded history, each method seeing every day's true
demand (see ``metrics.py``), so the comparison is about forecasting alone: ``rmsse`` scores
the forecast of the lead-time total (what the order protects), ``rmsse_daily`` each day of
the lead time the M5 way, ``rmsse_sum`` the lead-time total over the one-step M5 scale, ``mae``
the mean absolute per-day error. ``replay_rmsse`` is ``rmsse`` for the forecasts the method
made inside the replay, where it saw only censored sales. ``returns`` are ignored (demand is
gross units sold) and negative units count as 0; ``price``, when given, weights
``value_fill_rate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import forecast
from .metrics import lead_time_scale, rmsse_per_series
from .policy import suggest_orders

METHODS = ("engine", "seasonal_naive", "moving_average", "static_minmax")
_SD_WINDOW = 28


@dataclass(frozen=True)
class BacktestSettings:
    """Knobs of one replay; the defaults are what the acceptance targets refer to."""

    lead_time_days: int = 7
    service_level: float = 0.95
    service_measure: str = "fill"
    demand_distribution: str = "gamma"
    review_days: int = 1
    warmup_days: int = 56
    fit_fraction: float = 0.2
    moving_average_days: int = 28


@dataclass(frozen=True)
class SalesHistory:
    """Daily units per series on a dense calendar; row i is (stores[i], items[i])."""

    units: np.ndarray
    first_date: date
    stores: np.ndarray
    items: np.ndarray
    price: np.ndarray | None = None

    @property
    def carried(self) -> np.ndarray:
        return forecast.carried_from_first_sale(self.units)


@dataclass
class _Tally:
    demand: float = 0.0
    served: float = 0.0
    demand_value: float = 0.0
    served_value: float = 0.0
    stockout_days: int = 0
    inventory: float = 0.0
    inventory_days: int = 0
    orders: int = 0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "fill_rate": self.served / self.demand if self.demand else math.nan,
            "stockout_days": self.stockout_days,
            "avg_inventory": self.inventory / self.inventory_days if self.inventory_days else math.nan,
            "orders": self.orders,
            "value_fill_rate": self.served_value / self.demand_value if self.demand_value else math.nan,
        }


class _Accuracy:
    """Per-series sums of squared and absolute errors of the daily and lead-time forecasts."""

    def __init__(self, n: int) -> None:
        self.squared = np.zeros(n)
        self.squared_sum = np.zeros(n)
        self.absolute = 0.0
        self.count = np.zeros(n)
        self.origins = np.zeros(n)

    def add(self, *, predicted: np.ndarray, actual: np.ndarray, scored: np.ndarray) -> None:
        error = predicted - actual
        self.squared += np.where(scored, (error * error).sum(axis=1), 0.0)
        total = error.sum(axis=1)
        self.squared_sum += np.where(scored, total * total, 0.0)
        self.absolute += float(np.where(scored, np.abs(error).sum(axis=1), 0.0).sum())
        self.count += np.where(scored, error.shape[1], 0)
        self.origins += scored

    def summary(self, *, history: np.ndarray, in_sample: np.ndarray, horizon_days: int) -> dict[str, float]:
        scale = lead_time_scale(history=history, in_sample=in_sample, horizon_days=horizon_days)
        lead_time = rmsse_per_series(
            squared_error=self.squared_sum, count=self.origins, history=history, in_sample=in_sample, scale=scale
        )
        daily = rmsse_per_series(squared_error=self.squared, count=self.count, history=history, in_sample=in_sample)
        summed = rmsse_per_series(
            squared_error=self.squared_sum, count=self.origins, history=history, in_sample=in_sample
        )
        total = self.count.sum()
        return {
            "rmsse": _mean(lead_time),
            "rmsse_daily": _mean(daily),
            "mae": self.absolute / total if total else math.nan,
            "rmsse_sum": _mean(summed),
            "series_scored": int(np.isfinite(lead_time).sum()),
            "series_scored_daily": int(np.isfinite(daily).sum()),
        }


def _mean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


class _Engine:
    def __init__(self, *, history: SalesHistory, settings: BacktestSettings, fit_end: int) -> None:
        units = history.units
        carried = history.carried
        self.first_weekday = history.first_date.weekday()
        early = slice(0, max(fit_end, 1))
        self.shape = forecast.pooled_shape(
            history=units[:, early], carried=carried[:, early], first_weekday=self.first_weekday
        )
        early_carried = carried[:, early]
        self.default_level = float(units[:, early][early_carried].mean()) if early_carried.any() else 1.0
        store_codes = np.unique(history.stores, return_inverse=True)[1]
        self.store = store_codes.reshape(-1)
        self.stores = int(self.store.max()) + 1 if self.store.size else 0
        prior = forecast.initial_state(n=units.shape[0], prior_level=self.default_level, prior_shape=self.shape)
        self.params, self.fit_score = forecast.fit_params(
            history=units[:, early],
            first_weekday=self.first_weekday,
            prior=prior,
            horizon_days=settings.lead_time_days,
            warmup_days=settings.warmup_days,
            objective="total",
        )
        # One item across stores: the pooled level (see forecast.PooledParams), fitted on the same early days.
        self.group = np.unique(history.items, return_inverse=True)[1].reshape(-1)
        self.groups = int(self.group.max()) + 1 if self.group.size else 0
        self.pooled_params, self.pooled_score = forecast.fit_pooled(
            history=units[:, early],
            first_weekday=self.first_weekday,
            prior=prior,
            params=self.params,
            group=self.group,
            horizon_days=settings.lead_time_days,
            warmup_days=settings.warmup_days,
        )
        self.state = prior
        self.pooled = forecast.pooled_initial(n=units.shape[0], groups=self.groups, prior_level=self.default_level)
        self.started = np.zeros(units.shape[0], dtype=bool)

    def start(self, new: np.ndarray) -> None:
        active = self.started
        sums = np.bincount(self.store[active], weights=self.state.level[active], minlength=self.stores)
        counts = np.bincount(self.store[active], minlength=self.stores)
        store_level = np.where(counts > 0, sums / np.maximum(counts, 1), self.default_level)
        level = store_level[self.store]
        prior = forecast.initial_state(
            n=len(self.state),
            prior_level=level,
            prior_variance=forecast.cold_start_variance(level),
            prior_shape=self.shape,
        )
        self.state = forecast.start_series(state=self.state, new=new, prior=prior)
        self.pooled = forecast.pooled_start(pooled=self.pooled, new=new, prior_level=prior.level)
        self.started |= new

    def observe(
        self, *, t: int, sales: np.ndarray, carried: np.ndarray, stocked_out: np.ndarray, censored: np.ndarray
    ) -> None:
        weekday = (self.first_weekday + t) % 7
        values, learn = forecast.level_observation(
            state=self.state,
            units=sales,
            weekday=weekday,
            carried=carried,
            stocked_out=stocked_out,
            censored=censored,
            params=self.params,
        )
        self.pooled = forecast.pooled_update(
            pooled=self.pooled, group=self.group, values=values, learn=learn, params=self.pooled_params
        )
        self.state = forecast.update(
            state=self.state,
            units=sales,
            weekday=weekday,
            carried=carried,
            stocked_out=stocked_out,
            censored=censored,
            params=self.params,
        )

    def daily(self, *, t: int, horizon: int) -> np.ndarray:
        state = forecast.combined_state(
            state=self.state, pooled=self.pooled, group=self.group, params=self.pooled_params
        )
        return forecast.forecast_daily(
            state=state, horizon_days=horizon, start_weekday=(self.first_weekday + t + 1) % 7
        )

    def sd(self, *, days: int) -> np.ndarray:
        """Daily-equivalent sd over ``days`` days, including the level's own uncertainty."""
        return forecast.lead_time_sd(state=self.state, horizon_days=days, params=self.params) / math.sqrt(days)


class _Window:
    """Rolling window of the last days' sales, shared by the two naive baselines."""

    def __init__(self, *, n: int, days: int, prior_level: float) -> None:
        self.days = days
        self.prior_level = prior_level
        self.values = np.zeros((n, days))
        self.seen = np.zeros((n, days), dtype=bool)

    def start(self, new: np.ndarray) -> None:
        """A new series starts from the same pooled prior as the engine's, or it never orders."""
        self.values[new] = self.prior_level
        self.seen[new] = True

    def observe(
        self, *, t: int, sales: np.ndarray, carried: np.ndarray, stocked_out: np.ndarray, censored: np.ndarray
    ) -> None:
        """Record the day's sales; a day that opened empty keeps the old value (no zero-demand spiral)."""
        record = carried & ~stocked_out
        column = t % self.days
        self.values[:, column] = np.where(record, sales, self.values[:, column])
        self.seen[:, column] |= record

    def sd(self, *, days: int) -> np.ndarray:
        count = np.maximum(self.seen.sum(axis=1), 1)
        mean = self.values.sum(axis=1) / count
        square = (self.values * self.values).sum(axis=1) / count
        return np.sqrt(np.maximum(square - mean * mean, 0.0))


class _SeasonalNaive(_Window):
    def daily(self, *, t: int, horizon: int) -> np.ndarray:
        days = t + np.arange(1, horizon + 1)
        source = days - 7 * ((np.arange(1, horizon + 1) + 6) // 7)
        return self.values[:, source % self.days]


class _MovingAverage(_Window):
    def daily(self, *, t: int, horizon: int) -> np.ndarray:
        mean = self.values.sum(axis=1) / np.maximum(self.seen.sum(axis=1), 1)
        return np.repeat(mean[:, None], horizon, axis=1)


class _Static:
    def __init__(self, *, rate: np.ndarray, multiplier: float) -> None:
        self.rate = rate
        self.multiplier = multiplier

    def start(self, new: np.ndarray) -> None:
        return None

    def observe(self, **_: object) -> None:
        return None

    def daily(self, *, t: int, horizon: int) -> np.ndarray:
        return np.repeat(self.rate[:, None], horizon, axis=1)

    def sd(self, *, days: int) -> np.ndarray:
        return np.zeros_like(self.rate)


@dataclass(frozen=True)
class _StaticOrders:
    quantity: np.ndarray
    order_up_to: np.ndarray


def _replay(
    *,
    method: object,
    history: SalesHistory,
    settings: BacktestSettings,
    score_from: np.ndarray,
    censor: bool,
    static: bool = False,
    measure_accuracy: bool = True,
) -> tuple[_Tally, _Accuracy]:
    units = np.maximum(history.units, 0.0)
    carried = history.carried
    n, days = units.shape
    lead = settings.lead_time_days
    review = settings.review_days
    protection = lead + review
    price = history.price
    arrivals = np.zeros((n, days + lead + 2))
    on_hand = np.zeros(n)
    on_order = np.zeros(n)
    started = np.zeros(n, dtype=bool)
    tally = _Tally()
    accuracy = _Accuracy(n)

    if static:
        levels = suggest_orders(
            demand_per_day=method.rate,
            demand_sd_per_day=np.zeros(n),
            lead_time_days=lead,
            review_days=review,
            on_hand=np.zeros(n),
            min_override=method.multiplier * method.rate,
            max_override=method.multiplier * method.rate + method.rate * review,
        )

    def _policy(t: int) -> tuple[np.ndarray, object]:
        daily = method.daily(t=t, horizon=protection)
        if static:
            # The static levels never change: the same rule as suggest_orders (case 1, no minimum),
            # without recomputing them every day.
            position = on_hand + on_order
            wanted = np.ceil(np.round(levels.order_up_to - position, 9))
            quantity = np.where(position <= levels.reorder_point, np.maximum(wanted, 0.0), 0.0)
            return daily, _StaticOrders(quantity=quantity, order_up_to=levels.order_up_to)
        return daily, suggest_orders(
            demand_per_day=daily.sum(axis=1) / protection,
            demand_sd_per_day=method.sd(days=protection),
            lead_time_days=lead,
            review_days=review,
            service_level=settings.service_level,
            service_measure=settings.service_measure,
            demand_distribution=settings.demand_distribution,
            on_hand=on_hand,
            on_order=on_order,
        )

    for t in range(days):
        carried_today = carried[:, t]
        new = carried_today & ~started
        if new.any():
            method.start(new)
            started |= new
            _, opening = _policy(t - 1)
            on_hand = np.where(new, np.ceil(opening.order_up_to), on_hand)
        arriving = arrivals[:, t]
        on_hand = on_hand + arriving
        on_order = on_order - arriving
        demand = np.where(carried_today, units[:, t], 0.0)
        if censor:
            opened = on_hand
            sales = np.minimum(demand, np.maximum(on_hand, 0.0))
            on_hand = on_hand - sales
            stocked_out = carried_today & (opened <= 0)
            sold_out = carried_today & (opened > 0) & (on_hand <= 0)
        else:
            sales = demand
            stocked_out = sold_out = np.zeros(n, dtype=bool)
        method.observe(t=t, sales=sales, carried=carried_today, stocked_out=stocked_out, censored=sold_out)

        scored_day = carried_today & (t >= score_from)
        if not censor:
            if t + lead < days:
                daily = method.daily(t=t, horizon=lead)
                accuracy.add(predicted=daily, actual=units[:, t + 1 : t + 1 + lead], scored=scored_day)
            continue
        daily, result = _policy(t)
        if measure_accuracy and t + lead < days:
            accuracy.add(predicted=daily[:, :lead], actual=units[:, t + 1 : t + 1 + lead], scored=scored_day)
        tally.demand += float(demand[scored_day].sum())
        tally.served += float(sales[scored_day].sum())
        if price is not None:
            weight = np.nan_to_num(price[:, t])
            tally.demand_value += float((demand * weight)[scored_day].sum())
            tally.served_value += float((sales * weight)[scored_day].sum())
        tally.stockout_days += int((scored_day & (demand > sales)).sum())
        tally.inventory += float(on_hand[scored_day].sum())
        tally.inventory_days += int(scored_day.sum())
        if t % review == 0:
            quantity = np.where(carried_today, result.quantity, 0.0)
            arrivals[:, t + lead + 1] += quantity
            on_order = on_order + quantity
            tally.orders += int((scored_day & (quantity > 0)).sum())
    return tally, accuracy


def run_backtest(*, history: SalesHistory, settings: BacktestSettings = BacktestSettings()) -> dict:
    """Replay every method over ``history``; returns ``{method: metrics}`` plus ``settings``/``data``.

    Each method's metrics: ``fill_rate``, ``stockout_days``, ``avg_inventory`` (closing
    on-hand units, mean over scored carried series-days), ``orders`` (placed on scored
    days), ``rmsse``, ``mae``, and the extras described in the module docstring.
    """
    units = np.maximum(np.asarray(history.units, dtype=np.float64), 0.0)
    history = SalesHistory(
        units=units, first_date=history.first_date, stores=history.stores, items=history.items, price=history.price
    )
    n, days = units.shape
    carried = history.carried
    first = np.where(carried.any(axis=1), np.argmax(carried, axis=1), days)
    fit_end = int(days * settings.fit_fraction)
    score_from = np.maximum(first + settings.warmup_days, fit_end)
    in_sample = carried & (np.arange(days)[None, :] < score_from[:, None])

    engine = _Engine(history=history, settings=settings, fit_end=fit_end)
    makers = {
        "engine": lambda: _copy_engine(engine),
        "seasonal_naive": lambda: _SeasonalNaive(n=n, days=_SD_WINDOW, prior_level=engine.default_level),
        "moving_average": lambda: _MovingAverage(
            n=n, days=settings.moving_average_days, prior_level=engine.default_level
        ),
    }
    results: dict = {}
    for name, make in makers.items():
        runs = {}
        for censor in (True, False):
            runs[censor] = _replay(
                method=make(), history=history, settings=settings, score_from=score_from, censor=censor
            )
        results[name] = _combine(
            runs[True][0], runs[False][1], runs[True][1], units, in_sample, settings.lead_time_days
        )

    rate = _early_rate(units=units, carried=carried, first=first, days=settings.warmup_days)
    target = results["engine"]["fill_rate"]
    multiplier, tally, static_accuracy = _tune_static(
        rate=rate, history=history, settings=settings, score_from=score_from, target=target
    )
    results["static_minmax"] = _combine(
        tally, static_accuracy, static_accuracy, units, in_sample, settings.lead_time_days
    )
    results["static_minmax"]["multiplier"] = multiplier
    results["engine"]["params"] = {k: float(v) for k, v in vars(engine.params).items()}
    results["engine"]["fit_rmsse"] = engine.fit_score
    results["engine"]["pooled_params"] = {k: float(v) for k, v in vars(engine.pooled_params).items()}
    results["engine"]["pooled_fit_rmsse"] = engine.pooled_score
    results["settings"] = vars(settings).copy()
    results["data"] = {
        "series": n,
        "days": days,
        "first_date": history.first_date.isoformat(),
        "fit_days": fit_end,
        "scored_series_days": int((carried & (np.arange(days)[None, :] >= score_from[:, None])).sum()),
    }
    return results


def _copy_engine(engine: _Engine) -> _Engine:
    clone = object.__new__(_Engine)
    clone.__dict__.update(engine.__dict__)
    clone.state = forecast.initial_state(
        n=len(engine.state), prior_level=engine.default_level, prior_shape=engine.shape
    )
    clone.pooled = forecast.pooled_initial(n=len(engine.state), groups=engine.groups, prior_level=engine.default_level)
    clone.started = np.zeros(len(engine.state), dtype=bool)
    return clone


def _combine(
    tally: _Tally, accuracy: _Accuracy, replay: _Accuracy, units: np.ndarray, in_sample: np.ndarray, horizon: int
) -> dict:
    row = tally.as_dict()
    row.update(accuracy.summary(history=units, in_sample=in_sample, horizon_days=horizon))
    row["replay_rmsse"] = replay.summary(history=units, in_sample=in_sample, horizon_days=horizon)["rmsse"]
    return row


def _early_rate(*, units: np.ndarray, carried: np.ndarray, first: np.ndarray, days: int) -> np.ndarray:
    """Average daily demand over each series' first ``days`` carried days (the static rule's base)."""
    t = np.arange(units.shape[1])[None, :]
    window = carried & (t < first[:, None] + days)
    return (units * window).sum(axis=1) / np.maximum(window.sum(axis=1), 1)


def _tune_static(
    *, rate: np.ndarray, history: SalesHistory, settings: BacktestSettings, score_from: np.ndarray, target: float
) -> tuple[float, _Tally, _Accuracy]:
    """Smallest reorder multiplier (to 1%) whose fill rate reaches ``target``, by bisection."""

    def run(multiplier: float) -> tuple[_Tally, _Accuracy]:
        return _replay(
            method=_Static(rate=rate, multiplier=multiplier),
            history=history,
            settings=settings,
            score_from=score_from,
            censor=True,
            static=True,
            measure_accuracy=False,
        )

    low, high = 0.0, float(settings.lead_time_days + settings.review_days)
    best = run(high)
    while best[0].as_dict()["fill_rate"] < target and high < 1e4:
        low, high = high, high * 2
        best = run(high)
    while high - low > 0.01 * max(high, 1.0):
        middle = (low + high) / 2
        trial = run(middle)
        if trial[0].as_dict()["fill_rate"] >= target:
            high, best = middle, trial
        else:
            low = middle
    _, accuracy = _replay(
        method=_Static(rate=rate, multiplier=high),
        history=history,
        settings=settings,
        score_from=score_from,
        censor=False,
        static=True,
    )
    return high, best[0], accuracy


class BadHistory(ValueError):
    """The history file cannot be replayed; the message names the column and row."""


REQUIRED_COLUMNS = ("store", "item", "date", "units")


def read_history(path: str | Path) -> SalesHistory:
    """Load ``store,item,date,units[,price]`` from a CSV file, gzip-compressed or not.

    Compression is recognised by the ``.gz`` suffix or the gzip magic bytes. Dates are ISO
    (YYYY-MM-DD); days missing for a series mean zero sales; repeated (store, item, date)
    rows are summed. Row numbers in errors count the header as row 1, like a spreadsheet.
    Raises ``BadHistory`` for a missing column, a bad date, or non-numeric units or price.
    """
    path = Path(path)
    with path.open("rb") as handle:
        magic = handle.read(2)
    compression = "gzip" if path.suffix == ".gz" or magic == b"\x1f\x8b" else None
    try:
        frame = pd.read_csv(path, compression=compression, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise BadHistory(f"{path.name}: not a readable CSV file ({exc})") from exc
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise BadHistory(f"missing column(s): {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    if frame.empty:
        raise BadHistory("no data rows")
    dates = pd.to_datetime(frame["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    _reject(frame, dates.isna(), "date", "is not an ISO date (YYYY-MM-DD)")
    units = pd.to_numeric(frame["units"].str.strip(), errors="coerce")
    _reject(frame, units.isna() | ~np.isfinite(units), "units", "is not a number")
    price = None
    if "price" in frame.columns:
        text = frame["price"].str.strip()
        price = pd.to_numeric(text.where(text != ""), errors="coerce")
        _reject(frame, price.isna() & (text != ""), "price", "is not a number")

    stores = frame["store"].str.strip().to_numpy()
    items = frame["item"].str.strip().to_numpy()
    keys = pd.MultiIndex.from_arrays([stores, items])
    codes, uniques = pd.factorize(keys, sort=True)
    first_day = dates.min()
    day = (dates - first_day).dt.days.to_numpy()
    n, days = len(uniques), int(day.max()) + 1
    matrix = np.zeros((n, days))
    np.add.at(matrix, (codes, day), units.to_numpy(dtype=np.float64))
    prices = None
    if price is not None:
        prices = np.full((n, days), np.nan)
        known = price.notna().to_numpy()
        prices[codes[known], day[known]] = price.to_numpy()[known]
    return SalesHistory(
        units=matrix,
        first_date=first_day.date(),
        stores=np.array([key[0] for key in uniques], dtype=object),
        items=np.array([key[1] for key in uniques], dtype=object),
        price=prices,
    )


def _reject(frame: pd.DataFrame, bad: pd.Series, column: str, problem: str) -> None:
    if bad.any():
        position = int(np.argmax(bad.to_numpy()))
        raise BadHistory(
            f"column {column!r}, row {position + 2}: {frame[column].iloc[position]!r} {problem}"
            f" ({int(bad.sum())} bad row(s))"
        )
