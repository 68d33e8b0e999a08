"""The demand model kept incrementally per (store, product), for N series at once.

Every function works on whole arrays: one row per store-product, no Python loop per
series, so the nightly run over millions of store-products costs a few numpy passes.

State layout (``DemandState``, struct of arrays, row i = one store-product):

- ``level``     (N,)   deseasonalised expected units per day (exponentially smoothed);
- ``variance``  (N,)   smoothed squared one-day forecast error, in units^2;
- ``shape``     (N, 7) multiplicative day-of-week factors, Monday = column 0, each row
                       averages 1, so a full week's forecast is ``7 * level``;
- ``days_observed`` (N,) number of days learned since the series started (0 = prior only).

What the daily update learns from, and what it refuses to learn:

- a day the series is not carried (before its first sale, delisted) is not demand;
- a day out of stock all day says nothing about demand and is skipped;
- a day that ran out during the day is a lower bound: it may raise the level, never lower it;
- a spike (promotion, one bulk buyer) is winsorised at ``forecast + spike_k * sd`` before it
  is learned, so one event does not inflate the next weeks of orders.

A new series starts from a prior chosen by the caller (a like item's state or a category x
store-format average) through ``start_series``; a full rebuild is ``rebuild``, the same update
folded over a history matrix. Parameters can be scalars or per-series arrays; ``fit_params``
picks global ones by a small grid on early history.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from .metrics import lead_time_scale, rmsse_per_series

WEEK = 7
_MIN_FACTOR = 0.05
_EPS = 1e-9


@dataclass(frozen=True)
class ForecastParams:
    """Smoothing constants; each a float or an array of one value per series.

    ``alpha`` level, ``variance_alpha`` error variance, ``gamma`` day-of-week shape,
    ``spike_k`` winsorisation width in standard deviations of the one-day error.
    """

    alpha: float | np.ndarray = 0.05
    variance_alpha: float | np.ndarray = 0.05
    gamma: float | np.ndarray = 0.01
    spike_k: float | np.ndarray = 3.0


@dataclass(frozen=True)
class DemandState:
    """Per-series demand model; see the module docstring for the layout."""

    level: np.ndarray
    variance: np.ndarray
    shape: np.ndarray
    days_observed: np.ndarray

    def __len__(self) -> int:
        return int(self.level.shape[0])

    def take(self, rows: np.ndarray) -> DemandState:
        """Rows of the state (an index or boolean mask), e.g. one store's products."""
        return DemandState(
            level=self.level[rows],
            variance=self.variance[rows],
            shape=self.shape[rows],
            days_observed=self.days_observed[rows],
        )


def initial_state(
    *,
    n: int,
    prior_level: float | np.ndarray,
    prior_variance: float | np.ndarray | None = None,
    prior_shape: np.ndarray | None = None,
) -> DemandState:
    """A cold state for ``n`` series, taken wholly from the prior.

    Without a prior variance the day is assumed Poisson-like with some overdispersion,
    ``cold_start_variance(level, floor=0.25)``, so a new item gets safety stock before it has any
    history. Without a prior shape the week is flat.
    """
    level = np.broadcast_to(np.asarray(prior_level, dtype=np.float64), (n,)).copy()
    if prior_variance is None:
        variance = cold_start_variance(level, floor=0.25)
    else:
        variance = np.broadcast_to(np.asarray(prior_variance, dtype=np.float64), (n,)).copy()
    shape = (
        np.ones((n, WEEK))
        if prior_shape is None
        else _normalise_shape(np.broadcast_to(np.asarray(prior_shape, dtype=np.float64), (n, WEEK)).copy())
    )
    return DemandState(level=level, variance=variance, shape=shape, days_observed=np.zeros(n, dtype=np.int32))


def cold_start_variance(level: float | np.ndarray, *, floor: float = 0.0) -> np.ndarray:
    """Prior one-day error variance of a series known only by its prior ``level``.

    Negative-binomial-like, ``level + 0.25 * level^2``, plus a constant ``floor``. The floor
    (``initial_state`` keeps 0.25 for its callers) gives an item predicted at 0.02 a day an sd
    of 0.5 a day, 25 times its mean; under the gamma lead-time model (skewness 2 sd / mean) that
    is tens of units of safety stock for an item that sells one a month, and a shelf that slow
    keeps them for a year. ``demand_sd`` never goes below the Poisson sd, so a new item has
    safety stock without a floor (backtest: the same fill with 5 % less stock on the 1C sample,
    20 % less on the demo company; see bench/backtest_results.md).
    """
    level = np.maximum(np.asarray(level, dtype=np.float64), 0.0)
    return level + 0.25 * level * level + floor


def start_series(*, state: DemandState, new: np.ndarray, prior: DemandState) -> DemandState:
    """Reset the rows flagged ``new`` to the prior's rows (cold start for a new store-product).

    ``prior`` has the same length as ``state``; only its ``new`` rows are read, so the caller
    can pass a like-item state gathered per row.
    """
    new = np.asarray(new, dtype=bool)
    if not new.any():
        return state
    return DemandState(
        level=np.where(new, prior.level, state.level),
        variance=np.where(new, prior.variance, state.variance),
        shape=np.where(new[:, None], prior.shape, state.shape),
        days_observed=np.where(new, 0, state.days_observed).astype(np.int32),
    )


def update(
    *,
    state: DemandState,
    units: np.ndarray,
    weekday: int,
    carried: np.ndarray,
    stocked_out: np.ndarray | None = None,
    censored: np.ndarray | None = None,
    params: ForecastParams = ForecastParams(),
) -> DemandState:
    """Fold one business day (``weekday``, Monday = 0) into every series.

    ``units`` are the units sold that day. A row learns only when ``carried`` and not
    ``stocked_out`` (out of stock all day); a ``censored`` row (sold out during the day) is
    learned as at least its forecast, because its true demand was at least what sold.
    Returns a new state; the input arrays are not modified.
    """
    learn, _, observed, error = _observation(
        state=state,
        units=units,
        weekday=weekday,
        carried=carried,
        stocked_out=stocked_out,
        censored=censored,
        params=params,
    )
    factor = state.shape[:, weekday]
    variance = np.where(
        learn, state.variance + params.variance_alpha * (error * error - state.variance), state.variance
    )
    level = np.where(learn, state.level + params.alpha * (observed / factor - state.level), state.level)

    shape = state.shape
    if np.any(np.asarray(params.gamma) > 0):
        informative = learn & (level > _EPS)
        ratio = observed / np.maximum(level, _EPS)
        column = np.maximum(np.where(informative, factor + params.gamma * (ratio - factor), factor), _MIN_FACTOR)
        # Rows average 1, so only the changed column moves the mean: one pass over (N, 7).
        rescale = WEEK / (WEEK - factor + column)
        shape = state.shape * rescale[:, None]
        shape[:, weekday] = column * rescale

    return DemandState(
        level=level,
        variance=variance,
        shape=shape,
        days_observed=state.days_observed + learn.astype(np.int32),
    )


def _observation(
    *,
    state: DemandState,
    units: np.ndarray,
    weekday: int,
    carried: np.ndarray,
    stocked_out: np.ndarray | None,
    censored: np.ndarray | None,
    params: ForecastParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What a day teaches: (learn mask, fitted units, winsorised units, raw error), see ``update``."""
    units = np.asarray(units, dtype=np.float64)
    learn = np.asarray(carried, dtype=bool)
    if stocked_out is not None:
        learn = learn & ~np.asarray(stocked_out, dtype=bool)
    fitted = state.level * state.shape[:, weekday]
    sd = np.sqrt(state.variance)
    cap = np.maximum(fitted + params.spike_k * sd, 1.0)
    observed = np.minimum(np.maximum(units, 0.0), cap)
    raw = np.maximum(units, 0.0)
    if censored is not None:
        lower_bound = np.asarray(censored, dtype=bool)
        observed = np.where(lower_bound, np.maximum(observed, fitted), observed)
        raw = np.where(lower_bound, np.maximum(raw, fitted), raw)
    return learn, fitted, observed, raw - fitted


def level_observation(
    *,
    state: DemandState,
    units: np.ndarray,
    weekday: int,
    carried: np.ndarray,
    stocked_out: np.ndarray | None = None,
    censored: np.ndarray | None = None,
    params: ForecastParams = ForecastParams(),
) -> tuple[np.ndarray, np.ndarray]:
    """The deseasonalised, winsorised units ``update`` would learn from today, and where it learns.

    Call it with the state *before* ``update``; the pooled model (``pooled_update``) learns
    from the same numbers, so both levels treat stock-outs, sell-outs and spikes alike.
    """
    learn, _, observed, _ = _observation(
        state=state,
        units=units,
        weekday=weekday,
        carried=carried,
        stocked_out=stocked_out,
        censored=censored,
        params=params,
    )
    return observed / state.shape[:, weekday], learn


def rebuild(
    *,
    history: np.ndarray,
    first_weekday: int,
    carried: np.ndarray | None = None,
    stocked_out: np.ndarray | None = None,
    prior: DemandState,
    params: ForecastParams = ForecastParams(),
) -> DemandState:
    """The state after folding ``update`` over a (N, T) history, day 0 being ``first_weekday``.

    ``carried`` defaults to "from the first day with a sale on": days before an item's first
    sale are not demand. Each series starts from its ``prior`` row on its first carried day.
    Costs O(N * T) array work and no per-series Python.
    """
    history = np.asarray(history, dtype=np.float64)
    if carried is None:
        carried = carried_from_first_sale(history)
    state = prior
    started = np.zeros(history.shape[0], dtype=bool)
    for t in range(history.shape[1]):
        new = carried[:, t] & ~started
        state = start_series(state=state, new=new, prior=prior)
        started |= new
        state = update(
            state=state,
            units=history[:, t],
            weekday=(first_weekday + t) % WEEK,
            carried=carried[:, t],
            stocked_out=None if stocked_out is None else stocked_out[:, t],
            params=params,
        )
    return state


def forecast_daily(*, state: DemandState, horizon_days: int, start_weekday: int) -> np.ndarray:
    """Expected units for each of the next ``horizon_days`` days, as an (N, horizon) array.

    Day 1 of the horizon falls on ``start_weekday`` (Monday = 0).
    """
    weekdays = (start_weekday + np.arange(horizon_days)) % WEEK
    return state.level[:, None] * state.shape[:, weekdays]


def forecast_mean(*, state: DemandState, horizon_days: int, start_weekday: int) -> np.ndarray:
    """Expected total units over the next ``horizon_days`` days, per series (N,)."""
    return forecast_daily(state=state, horizon_days=horizon_days, start_weekday=start_weekday).sum(axis=1)


def demand_sd(*, state: DemandState) -> np.ndarray:
    """Standard deviation of one day's demand around its forecast, per series (N,).

    Never below the Poisson sd ``sqrt(level)``: unit sales are at least that variable, and
    weeks without a sale must not shrink a slow item's safety stock to nothing before its
    next sale.
    """
    return np.sqrt(np.maximum(state.variance, np.maximum(state.level, 0.0)))


def lead_time_sd(
    *,
    state: DemandState,
    horizon_days: int,
    params: ForecastParams = ForecastParams(),
) -> np.ndarray:
    """Standard deviation of total demand over ``horizon_days`` days, per series (N,).

    Uses the error of simple exponential smoothing seen as ARIMA(0,1,1): the error of the
    j-th day ahead carries ``1 + (j - 1) * alpha`` times the one-day error, because the level
    itself is uncertain; with ``alpha = 0`` this is the familiar ``sqrt(L) * sd``.
    """
    j = np.arange(horizon_days, dtype=np.float64)
    alpha = np.asarray(params.alpha, dtype=np.float64)
    if alpha.ndim == 0:
        multiplier = np.sqrt(np.sum((1.0 + j * alpha) ** 2))
    else:
        multiplier = np.sqrt(np.sum((1.0 + j[None, :] * alpha[:, None]) ** 2, axis=1))
    return demand_sd(state=state) * multiplier


def carried_from_first_sale(history: np.ndarray) -> np.ndarray:
    """(N, T) mask that is True from each series' first day with a sale on."""
    return np.cumsum(np.asarray(history) > 0, axis=1) > 0


def pooled_shape(*, history: np.ndarray, carried: np.ndarray, first_weekday: int) -> np.ndarray:
    """Day-of-week profile of all series pooled (7,), mean 1: the prior shape for new series.

    Pooling matters because one slow item's weekday pattern is mostly noise, while the
    store's pattern is stable.
    """
    history = np.asarray(history, dtype=np.float64)
    weekdays = (first_weekday + np.arange(history.shape[1])) % WEEK
    totals = np.zeros(WEEK)
    days = np.zeros(WEEK)
    np.add.at(totals, weekdays, (history * carried).sum(axis=0))
    np.add.at(days, weekdays, carried.sum(axis=0))
    rate = totals / np.maximum(days, 1)
    if rate.sum() <= 0:
        return np.ones(WEEK)
    return _normalise_shape(rate[None, :])[0]


def fit_params(
    *,
    history: np.ndarray,
    first_weekday: int,
    prior: DemandState,
    carried: np.ndarray | None = None,
    horizon_days: int = 7,
    warmup_days: int = 56,
    grid: dict[str, Iterable[float]] | None = None,
    objective: str = "daily",
) -> tuple[ForecastParams, float]:
    """Pick global smoothing constants by a grid on ``history`` (give it the early part only).

    Every combination is run at once by stacking copies of the history (one numpy fold,
    not one per candidate); each is scored by the RMSSE the backtest reports, skipping each
    series' first ``warmup_days``: ``objective="daily"`` the per-day errors over the horizon,
    ``"total"`` the error of the horizon's total demand (see ``metrics.py``). Returns the best
    parameters and their score. Fitting on early history and evaluating on later days keeps
    the evaluation honest.
    """
    if objective not in ("daily", "total"):
        raise ValueError(f"objective must be 'daily' or 'total', not {objective!r}")
    history = np.asarray(history, dtype=np.float64)
    if carried is None:
        carried = carried_from_first_sale(history)
    grid = grid or {"alpha": (0.02, 0.03, 0.05, 0.07, 0.1, 0.15), "gamma": (0.0, 0.01, 0.03), "spike_k": (3.0, 6.0)}
    names = list(grid)
    combos = list(itertools.product(*(tuple(grid[name]) for name in names)))
    n, days = history.shape
    k = len(combos)
    stacked = np.tile(history, (k, 1))
    stacked_carried = np.tile(carried, (k, 1))
    values = {
        name: np.repeat(np.array([combo[i] for combo in combos], dtype=np.float64), n) for i, name in enumerate(names)
    }
    params = replace(ForecastParams(), **values)
    stacked_prior = DemandState(
        level=np.tile(prior.level, k),
        variance=np.tile(prior.variance, k),
        shape=np.tile(prior.shape, (k, 1)),
        days_observed=np.tile(prior.days_observed, k),
    )
    first = np.argmax(stacked_carried, axis=1)
    first[~stacked_carried.any(axis=1)] = days
    squared = np.zeros(n * k)
    counted = np.zeros(n * k)
    squared_total = np.zeros(n * k)
    origins = np.zeros(n * k)
    state = stacked_prior
    started = np.zeros(n * k, dtype=bool)
    for t in range(days):
        new = stacked_carried[:, t] & ~started
        state = start_series(state=state, new=new, prior=stacked_prior)
        started |= new
        state = update(
            state=state,
            units=stacked[:, t],
            weekday=(first_weekday + t) % WEEK,
            carried=stacked_carried[:, t],
            params=params,
        )
        if t + horizon_days < days:
            scored = stacked_carried[:, t] & (t >= first + warmup_days)
            predicted = forecast_daily(
                state=state, horizon_days=horizon_days, start_weekday=(first_weekday + t + 1) % WEEK
            )
            error = predicted - stacked[:, t + 1 : t + 1 + horizon_days]
            squared += np.where(scored, (error * error).sum(axis=1), 0.0)
            counted += np.where(scored, horizon_days, 0)
            total = error.sum(axis=1)
            squared_total += np.where(scored, total * total, 0.0)
            origins += scored
    scale_mask = carried & (np.arange(days)[None, :] < (first[:n, None] + warmup_days))
    scale = (
        lead_time_scale(history=history, in_sample=scale_mask, horizon_days=horizon_days)
        if objective == "total"
        else None
    )
    if objective == "total":
        squared, counted = squared_total, origins
    scores = []
    for i in range(k):
        rows = slice(i * n, (i + 1) * n)
        scores.append(
            rmsse_per_series(
                squared_error=squared[rows], count=counted[rows], history=history, in_sample=scale_mask, scale=scale
            )
        )
    means = np.array([np.nanmean(s) if np.isfinite(s).any() else np.inf for s in scores])
    best = int(np.argmin(means))
    return ForecastParams(**dict(zip(names, combos[best], strict=True))), float(means[best])


# ---- pooled level: one item's demand across stores ----------------------------------------------------------


@dataclass(frozen=True)
class PooledParams:
    """How the series' own level and its group's level are combined.

    ``group_alpha`` smooths the group's mean deseasonalised units per carried series (a mean
    over many stores is far less noisy than one shelf, so it can follow changes faster);
    ``share_alpha`` smooths the series' share of that mean (slow: a store's share of an item
    changes slowly); ``weight`` is the pooled level's part of the combined level, 0 = own
    level only (the model without pooling).
    """

    group_alpha: float = 0.1
    share_alpha: float = 0.01
    weight: float = 0.0


@dataclass(frozen=True)
class PooledState:
    """Group levels (G,) and each series' smoothed units and group units (N,) for its share."""

    group_level: np.ndarray
    group_seen: np.ndarray
    share_units: np.ndarray
    share_group: np.ndarray


def pooled_initial(*, n: int, groups: int, prior_level: float | np.ndarray) -> PooledState:
    """A cold pooled state: no group seen yet, every series' share 1 (the group mean)."""
    level = np.broadcast_to(np.asarray(prior_level, dtype=np.float64), (n,)).copy()
    return PooledState(
        group_level=np.zeros(groups),
        group_seen=np.zeros(groups, dtype=bool),
        share_units=level,
        share_group=level.copy(),
    )


def pooled_start(*, pooled: PooledState, new: np.ndarray, prior_level: float | np.ndarray) -> PooledState:
    """New series (flag ``new``) start with share 1: the item's level elsewhere is their prior."""
    new = np.asarray(new, dtype=bool)
    if not new.any():
        return pooled
    prior = np.broadcast_to(np.asarray(prior_level, dtype=np.float64), new.shape)
    return replace(
        pooled,
        share_units=np.where(new, prior, pooled.share_units),
        share_group=np.where(new, prior, pooled.share_group),
    )


def pooled_update(
    *,
    pooled: PooledState,
    group: np.ndarray,
    values: np.ndarray,
    learn: np.ndarray,
    params: PooledParams = PooledParams(),
) -> PooledState:
    """Fold one day: ``values``/``learn`` from ``level_observation``; ``group`` (N,) ints < G.

    The group's day is the mean over its learning series; a group with none keeps its level.
    Two bincounts and a few (N,) passes: no loop over groups or series.
    """
    groups = pooled.group_level.shape[0]
    learn = np.asarray(learn, dtype=bool)
    total = np.bincount(group, weights=np.where(learn, values, 0.0), minlength=groups)
    count = np.bincount(group, weights=learn.astype(np.float64), minlength=groups)
    present = count > 0
    mean = total / np.maximum(count, 1.0)
    first = present & ~pooled.group_seen
    level = np.where(first, mean, pooled.group_level)
    level = np.where(present & ~first, level + params.group_alpha * (mean - level), level)
    series_mean = mean[group]
    return PooledState(
        group_level=level,
        group_seen=pooled.group_seen | present,
        share_units=np.where(learn, pooled.share_units + params.share_alpha * (values - pooled.share_units),
                             pooled.share_units),
        share_group=np.where(learn, pooled.share_group + params.share_alpha * (series_mean - pooled.share_group),
                             pooled.share_group),
    )  # fmt: skip


def pooled_level(*, pooled: PooledState, group: np.ndarray) -> np.ndarray:
    """The series' deseasonalised level implied by its group: share x group level (N,)."""
    share = pooled.share_units / np.maximum(pooled.share_group, _EPS)
    share = np.where(pooled.share_group > _EPS, share, 1.0)
    return share * pooled.group_level[group]


def combined_state(*, state: DemandState, pooled: PooledState, group: np.ndarray, params: PooledParams) -> DemandState:
    """``state`` with its level replaced by the weighted own/pooled level, for the forecast functions."""
    weight = np.asarray(params.weight, dtype=np.float64)
    if not np.any(weight > 0):
        return state
    level = (1.0 - weight) * state.level + weight * pooled_level(pooled=pooled, group=group)
    return replace(state, level=np.where(pooled.group_seen[group], level, state.level))


def fit_pooled(
    *,
    history: np.ndarray,
    first_weekday: int,
    prior: DemandState,
    params: ForecastParams,
    group: np.ndarray,
    carried: np.ndarray | None = None,
    horizon_days: int = 7,
    warmup_days: int = 56,
    grid: dict[str, Iterable[float]] | None = None,
) -> tuple[PooledParams, float]:
    """Pick the pooled model's constants and weight by a grid on ``history`` (the early part only).

    Scored like ``fit_params(objective="total")``: RMSSE of the horizon's total demand, each
    series from its first ``warmup_days`` on. Weight 0 (no pooling) is always a candidate, so
    a file where an item sells in one store only (nothing to pool) keeps the own level.
    Returns the best parameters and their score.
    """
    history = np.asarray(history, dtype=np.float64)
    if carried is None:
        carried = carried_from_first_sale(history)
    grid = grid or {"group_alpha": (0.05, 0.1, 0.2), "share_alpha": (0.005, 0.01, 0.02)}
    weights = np.array(tuple(grid.get("weight") or (0.0, 0.25, 0.5, 0.75, 1.0)), dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    groups = int(group.max()) + 1 if group.size else 0
    n, days = history.shape
    first = np.where(carried.any(axis=1), np.argmax(carried, axis=1), days)
    padded = np.cumsum(np.pad(history, ((0, 0), (1, 0))), axis=1)
    scale_mask = carried & (np.arange(days)[None, :] < (first[:, None] + warmup_days))
    scale = lead_time_scale(history=history, in_sample=scale_mask, horizon_days=horizon_days)
    best: tuple[float, PooledParams] = (np.inf, PooledParams())
    for group_alpha, share_alpha in itertools.product(tuple(grid["group_alpha"]), tuple(grid["share_alpha"])):
        pooled_params = PooledParams(group_alpha=float(group_alpha), share_alpha=float(share_alpha))
        state = prior
        pooled = pooled_initial(n=n, groups=groups, prior_level=prior.level)
        started = np.zeros(n, dtype=bool)
        squared = np.zeros((len(weights), n))
        origins = np.zeros(n)
        for t in range(days):
            new = carried[:, t] & ~started
            state = start_series(state=state, new=new, prior=prior)
            pooled = pooled_start(pooled=pooled, new=new, prior_level=prior.level)
            started |= new
            weekday = (first_weekday + t) % WEEK
            values, learn = level_observation(
                state=state, units=history[:, t], weekday=weekday, carried=carried[:, t], params=params
            )
            state = update(state=state, units=history[:, t], weekday=weekday, carried=carried[:, t], params=params)
            pooled = pooled_update(pooled=pooled, group=group, values=values, learn=learn, params=pooled_params)
            if t + horizon_days >= days:
                continue
            scored = carried[:, t] & (t >= first + warmup_days)
            actual = padded[:, t + 1 + horizon_days] - padded[:, t + 1]
            start = (first_weekday + t + 1) % WEEK
            own = forecast_mean(state=state, horizon_days=horizon_days, start_weekday=start)
            seen = pooled.group_seen[group]
            other = np.where(
                seen,
                forecast_mean(
                    state=replace(state, level=pooled_level(pooled=pooled, group=group)),
                    horizon_days=horizon_days,
                    start_weekday=start,
                ),
                own,
            )
            error = (1.0 - weights[:, None]) * own[None, :] + weights[:, None] * other[None, :] - actual[None, :]
            squared += np.where(scored[None, :], error * error, 0.0)
            origins += scored
        for i, weight in enumerate(weights):
            values_ = rmsse_per_series(
                squared_error=squared[i], count=origins, history=history, in_sample=scale_mask, scale=scale
            )
            score = float(np.nanmean(values_)) if np.isfinite(values_).any() else np.inf
            if score < best[0] - 1e-12:
                best = (score, replace(pooled_params, weight=float(weight)))
    return best[1], float(best[0])


def _normalise_shape(shape: np.ndarray) -> np.ndarray:
    shape = np.maximum(shape, _MIN_FACTOR)
    return shape / shape.mean(axis=1, keepdims=True)
