"""Order suggestions from a demand forecast, for N store-products at once.

A periodic-review policy: the shelf is reviewed every ``review_days``; an order placed
today arrives after ``lead_time_days``, and the next chance to order is one review later,
so stock must protect ``lead_time_days + review_days`` days (the protection interval P):

    safety_stock  = z(service_level) * sqrt(P * sd_d^2 + d^2 * sd_L^2)
    reorder_point = d * P + safety_stock
    order_up_to   = reorder_point + d * review_days
    position      = on_hand + on_order + in_transit
    quantity      = order_up_to - position, when position <= reorder_point

then rounded up to whole case packs and to the supplier's minimum order quantity. A
manager's min / max replaces the reorder point / order-up-to level where set (NaN = not
set); items outside the store's assortment are never ordered. Every intermediate array is
returned so each suggestion can store the numbers that produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class PolicyResult:
    """All the numbers behind each suggestion, one entry per series."""

    z: np.ndarray
    protection_days: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    position: np.ndarray
    raw_quantity: np.ndarray
    quantity: np.ndarray
    cases: np.ndarray
    min_override_used: np.ndarray
    max_override_used: np.ndarray


def service_z(service_level: float | np.ndarray) -> np.ndarray:
    """Standard normal quantile of the cycle service level (0 < level < 1), elementwise."""
    levels = np.asarray(service_level, dtype=np.float64)
    if np.any((levels <= 0) | (levels >= 1)):
        raise ValueError("service_level must be strictly between 0 and 1")
    unique, inverse = np.unique(levels, return_inverse=True)
    normal = NormalDist()
    return np.array([normal.inv_cdf(float(u)) for u in unique])[inverse].reshape(levels.shape)


def _loss_table() -> tuple[np.ndarray, np.ndarray]:
    normal = NormalDist()
    k = np.linspace(0.0, 6.0, 6001)
    loss = np.array([normal.pdf(x) - x * (1.0 - normal.cdf(x)) for x in k])
    return k, loss


_LOSS_K, _LOSS_G = _loss_table()
_EPS = 1e-12


def fill_rate_z(
    *,
    fill_rate: float | np.ndarray,
    cycle_demand: np.ndarray,
    protection_sd: np.ndarray,
    protection_demand: np.ndarray | None = None,
    distribution: str = "normal",
    lead_fraction: float | np.ndarray | None = None,
) -> np.ndarray:
    """Safety factor that serves ``fill_rate`` of units, by the loss function of the demand model.

    Expected units short per review cycle are ``protection_sd * G(z)``; setting that to
    ``(1 - fill_rate) * cycle_demand`` gives z. Slow, lumpy items (little demand per cycle,
    large sd) need a larger z than the cycle-service quantile, fast items a smaller one.

    ``distribution="normal"`` (z kept in [0, 6]) treats the protection-interval demand as
    normal. ``"gamma"`` gives it a gamma distribution with the same mean
    (``protection_demand``) and sd: never negative and right-skewed, with skewness
    ``2 * sd / mean``, so an item whose demand comes in rare large lots (a bulk buyer, a
    school order) gets the heavier upper tail it has instead of a symmetric bell that puts
    half its uncertainty below zero; z is kept in [0, 12]. With a small coefficient of
    variation the two agree.

    ``lead_fraction`` (gamma only) = lead time / protection interval: the units short in one
    review cycle are then the periodic-review ones, ``E[(D_P - s)+] - E[(D_L - s)+]`` (what the
    lead time alone would already have run short is not this cycle's shortage; demand over the
    lead time is taken as the same gamma scaled to its share of the interval). Without it the
    first term alone is used, which over-protects when the review period is short.
    """
    target = (1.0 - np.asarray(fill_rate, dtype=np.float64)) * cycle_demand
    with np.errstate(divide="ignore", invalid="ignore"):
        wanted = np.where(protection_sd > 0, target / protection_sd, np.inf)
    if distribution == "normal":
        return np.interp(wanted, _LOSS_G[::-1], _LOSS_K[::-1], left=_LOSS_K[-1], right=0.0)
    if distribution != "gamma":
        raise ValueError(f"distribution must be 'normal' or 'gamma', not {distribution!r}")
    if protection_demand is None:
        raise ValueError("the gamma model needs protection_demand (mean demand over the protection interval)")
    mean = np.asarray(protection_demand, dtype=np.float64)
    sd = np.asarray(protection_sd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where((mean > 0) & (sd > 0), (mean / sd) ** 2, np.inf)
    shape = np.broadcast_to(shape, np.shape(wanted))
    if lead_fraction is None:
        return _gamma_z(shape=shape, wanted=wanted, fraction=0.0)
    return _gamma_periodic_z(
        shape=shape,
        wanted=wanted,
        fraction=np.broadcast_to(np.asarray(lead_fraction, dtype=np.float64), np.shape(wanted)),
    )


# Gamma loss table: rows = shape k on a log grid, columns = safety factor z; G_k(z) = E[(X - s)+] / sd
# for X ~ Gamma(k) and s = mean + z * sd. Above the last k the normal table is used.
_GAMMA_K = np.logspace(-3.0, math.log10(400.0), 121)
_GAMMA_Z = np.linspace(0.0, 12.0, 481)


@cache
def _gamma_table() -> np.ndarray:
    """(len(_GAMMA_K), len(_GAMMA_Z)) normalised gamma loss; built once (~0.1 s), numpy only."""
    k = _GAMMA_K[:, None]
    x = k + _GAMMA_Z[None, :] * np.sqrt(k)  # s / theta with theta = 1
    loss = k * _upper_gamma(k + 1.0, x) - x * _upper_gamma(k, x)
    table = np.maximum(loss, 0.0) / np.sqrt(k)
    # numerical noise must not break the monotone decrease in z that the search relies on
    return np.minimum.accumulate(table, axis=1)


def _upper_gamma(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Regularised upper incomplete gamma Q(a, x), elementwise (series below a + 1, continued fraction above)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    lgam = np.vectorize(math.lgamma)(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_front = a * np.log(np.maximum(x, 1e-300)) - x - lgam
        # series for P(a, x)
        term = 1.0 / a
        total = term.copy()
        denominator = a.copy()
        for _ in range(800):
            denominator = denominator + 1.0
            term = term * x / denominator
            total = total + term
        lower = total * np.exp(log_front)
        # Lentz continued fraction for Q(a, x)
        tiny = 1e-300
        b = x + 1.0 - a
        c = np.full_like(x, 1.0 / tiny)
        d = 1.0 / np.where(np.abs(b) < tiny, tiny, b)
        h = d.copy()
        for i in range(1, 400):
            an = -i * (i - a)
            b = b + 2.0
            d = an * d + b
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            h = h * d * c
        upper_cf = np.exp(log_front) * h
    return np.where(x <= 0, 1.0, np.where(x < a + 1.0, 1.0 - lower, upper_cf))


def _gamma_loss(*, shape: np.ndarray, z: np.ndarray) -> np.ndarray:
    """G_k(z) by bilinear interpolation on the table (normal loss above the last k, 0 beyond the last z)."""
    table = _gamma_table()
    position = np.interp(np.log(np.clip(shape, _GAMMA_K[0], _GAMMA_K[-1])), np.log(_GAMMA_K), np.arange(len(_GAMMA_K)))
    row = np.minimum(np.floor(position).astype(np.int64), len(_GAMMA_K) - 2)
    part = position - row
    column_at = np.clip(z, _GAMMA_Z[0], _GAMMA_Z[-1]) / (_GAMMA_Z[1] - _GAMMA_Z[0])
    column = np.minimum(np.floor(column_at).astype(np.int64), len(_GAMMA_Z) - 2)
    across = column_at - column
    top = (1.0 - across) * table[row, column] + across * table[row, column + 1]
    bottom = (1.0 - across) * table[row + 1, column] + across * table[row + 1, column + 1]
    gamma = (1.0 - part) * top + part * bottom
    normal = np.interp(z, _LOSS_K, _LOSS_G, right=0.0)
    # below z = 0 (stock under the mean) the loss grows by the missing stock: G(z) = G(0) - z
    gamma = np.where(z < 0, (1.0 - part) * table[row, 0] + part * table[row + 1, 0] - z, gamma)
    normal = np.where(z < 0, _LOSS_G[0] - z, normal)
    return np.where(shape >= _GAMMA_K[-1], normal, np.where(z > _GAMMA_Z[-1], 0.0, gamma))


def _gamma_periodic_z(*, shape: np.ndarray, wanted: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """z with G_k(z) - sqrt(f) * G_{f k}(z_L) = wanted, one table per distinct lead fraction f."""
    rounded = np.round(fraction, 3)
    z = np.empty(shape.shape)
    for value in np.unique(rounded):
        rows = rounded == value
        z[rows] = _gamma_z(shape=shape[rows], wanted=wanted[rows], fraction=float(value))
    return z


@cache
def _periodic_table(fraction: float) -> np.ndarray:
    """Periodic-review gamma loss over (k, z) for lead fraction f, in units of the interval's sd.

    Lead-time demand has mean f * mean and sd sqrt(f) * sd (independent days), so its gamma
    shape is f * k and the same stock level sits at z_L = (z + sqrt(k) (1 - f)) / sqrt(f) of
    its own sd.
    """
    k = _GAMMA_K[:, None]
    z = _GAMMA_Z[None, :]
    root = math.sqrt(fraction)
    lead_z = (z + np.sqrt(k) * (1.0 - fraction)) / root
    shape = np.broadcast_to(fraction * k, lead_z.shape)
    table = _gamma_loss(shape=shape, z=lead_z)
    short = np.maximum(_gamma_table() - root * table, 0.0)
    return np.minimum.accumulate(short, axis=1)


# The tables inverted: z on a log grid of the wanted loss, per shape row, so a lookup is two
# interpolations instead of a search (2M rows in about 0.2 s).
_WANTED_LOG = np.linspace(math.log(1e-9), math.log(1.0), 721)


@cache
def _inverse_table(fraction: float) -> np.ndarray:
    """(len(_GAMMA_K), len(_WANTED_LOG)) z with loss = wanted, for lead fraction f (0 = plain gamma)."""
    table = _periodic_table(fraction) if fraction > 0 else _gamma_table()
    inverse = np.empty((len(_GAMMA_K), len(_WANTED_LOG)))
    for i, row in enumerate(table):
        # row decreases in z; as a function of log(loss) z increases, flat where the row is flat
        logs = np.log(np.maximum(row[::-1], 1e-300))
        inverse[i] = np.interp(_WANTED_LOG, logs, _GAMMA_Z[::-1], left=_GAMMA_Z[-1], right=0.0)
    return inverse


def _gamma_z(*, shape: np.ndarray, wanted: np.ndarray, fraction: float) -> np.ndarray:
    """z with G_k(z) = wanted (loss per sd), bilinear in (log k, log wanted); normal above the last k."""
    normal = np.interp(wanted, _LOSS_G[::-1], _LOSS_K[::-1], left=_LOSS_K[-1], right=0.0)
    inverse = _inverse_table(fraction)
    step_k = math.log(_GAMMA_K[1] / _GAMMA_K[0])
    position = (np.log(np.clip(shape, _GAMMA_K[0], _GAMMA_K[-1])) - math.log(_GAMMA_K[0])) / step_k
    row = np.minimum(position.astype(np.int64), len(_GAMMA_K) - 2)
    part = position - row
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(wanted, 0.0))
    step_w = _WANTED_LOG[1] - _WANTED_LOG[0]
    at = (np.clip(logs, _WANTED_LOG[0], _WANTED_LOG[-1]) - _WANTED_LOG[0]) / step_w
    column = np.minimum(at.astype(np.int64), len(_WANTED_LOG) - 2)
    across = at - column
    top = (1.0 - across) * inverse[row, column] + across * inverse[row, column + 1]
    bottom = (1.0 - across) * inverse[row + 1, column] + across * inverse[row + 1, column + 1]
    z = (1.0 - part) * top + part * bottom
    z = np.where(logs < _WANTED_LOG[0], _GAMMA_Z[-1], z)
    return np.where(shape >= _GAMMA_K[-1], normal, z)


def suggest_orders(
    *,
    demand_per_day: np.ndarray,
    demand_sd_per_day: np.ndarray,
    lead_time_days: float | np.ndarray,
    on_hand: np.ndarray,
    on_order: np.ndarray | float = 0.0,
    in_transit: np.ndarray | float = 0.0,
    lead_time_sd_days: float | np.ndarray = 0.0,
    review_days: float | np.ndarray = 1.0,
    service_level: float | np.ndarray = 0.95,
    service_measure: str = "cycle",
    demand_distribution: str = "normal",
    case_pack: float | np.ndarray = 1.0,
    min_order_qty: float | np.ndarray = 0.0,
    min_override: float | np.ndarray = np.nan,
    max_override: float | np.ndarray = np.nan,
    in_assortment: bool | np.ndarray = True,
) -> PolicyResult:
    """Suggested order quantity per series and everything that produced it.

    ``demand_per_day`` is the mean daily demand over the protection interval (the demand
    model's forecast of those days divided by their number) and ``demand_sd_per_day`` the
    one-day forecast error. ``service_measure`` says what ``service_level`` means: "cycle"
    (probability of no stock-out in a review cycle, z = the normal quantile) or "fill"
    (share of units served from the shelf, z from the loss function of
    ``demand_distribution``, "normal" or "gamma", see ``fill_rate_z``). Scalars broadcast.
    Raises ``ValueError`` for a case pack below 1, a manager's min above the max or an
    unknown service measure or distribution.
    """
    d = np.maximum(np.asarray(demand_per_day, dtype=np.float64), 0.0)
    n = d.shape[0]

    def _vec(value: float | np.ndarray, dtype: type = np.float64) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (n,))

    sd = np.maximum(_vec(demand_sd_per_day), 0.0)
    lead = _vec(lead_time_days)
    review = _vec(review_days)
    case = _vec(case_pack)
    if np.any(case < 1):
        raise ValueError("case_pack must be at least 1")
    low = _vec(min_override)
    high = _vec(max_override)
    if np.any(low > high):
        raise ValueError(f"min_override above max_override in {int(np.sum(low > high))} rows")

    protection = lead + review
    protection_sd = np.sqrt(protection * sd * sd + d * d * _vec(lead_time_sd_days) ** 2)
    if service_measure == "cycle":
        z = np.broadcast_to(service_z(service_level), (n,))
    elif service_measure == "fill":
        service_z(service_level)  # validates the range
        z = fill_rate_z(
            fill_rate=service_level,
            cycle_demand=d * review,
            protection_sd=protection_sd,
            protection_demand=d * protection,
            distribution=demand_distribution,
            lead_fraction=lead / np.maximum(protection, _EPS) if demand_distribution == "gamma" else None,
        )
    else:
        raise ValueError(f"service_measure must be 'cycle' or 'fill', not {service_measure!r}")
    safety = z * protection_sd
    computed_reorder = d * protection + safety
    computed_up_to = computed_reorder + d * review

    min_used = ~np.isnan(low)
    max_used = ~np.isnan(high)
    reorder = np.where(min_used, low, computed_reorder)
    up_to = np.where(max_used, high, computed_up_to)
    # A set value is never moved; the computed partner is clamped so that min <= max holds.
    reorder = np.where(max_used & ~min_used, np.minimum(reorder, up_to), reorder)
    up_to = np.where(min_used & ~max_used, np.maximum(up_to, reorder), up_to)

    position = np.asarray(on_hand, dtype=np.float64) + _vec(on_order) + _vec(in_transit)
    raw = np.where(position <= reorder, np.maximum(up_to - position, 0.0), 0.0)
    raw = np.where(_vec(in_assortment, bool), raw, 0.0)
    cases = np.ceil(np.round(raw / case, 9))
    minimum_cases = np.ceil(np.round(_vec(min_order_qty) / case, 9))
    cases = np.where(cases > 0, np.maximum(cases, minimum_cases), 0.0)
    return PolicyResult(
        z=z,
        protection_days=protection,
        safety_stock=safety,
        reorder_point=reorder,
        order_up_to=up_to,
        position=position,
        raw_quantity=raw,
        quantity=cases * case,
        cases=cases,
        min_override_used=min_used,
        max_override_used=max_used,
    )


def explain(
    *,
    result: PolicyResult,
    row: int,
    demand_per_day: float,
    lead_time_days: float,
    on_hand: float,
    lead_time_sd_days: float = 0.0,
    service_level: float = 0.95,
    in_assortment: bool = True,
) -> str:
    """The one sentence a store manager reads beside suggestion ``row``.

    e.g. "sells 12.3/day, lead 5 days ±1, 95% service → reorder at 78; 40 on hand + 0 on
    order → order 48 = 4 cases". "On order" is everything in the position beyond on-hand
    (ordered and in transit).
    """
    if not in_assortment:
        return "not in this store's assortment → no order"
    lead = f"lead {_num(lead_time_days)} days" + (f" ±{_num(lead_time_sd_days)}" if lead_time_sd_days else "")
    trigger = (
        f"manager's min {_num(result.reorder_point[row])}"
        if result.min_override_used[row]
        else f"reorder at {_num(np.ceil(result.reorder_point[row]))}"
    )
    if result.max_override_used[row]:
        trigger += f", max {_num(result.order_up_to[row])}"
    head = f"sells {demand_per_day:.1f}/day, {lead}, {_pct(service_level)} service → {trigger}"
    stock = f"{_num(on_hand)} on hand + {_num(result.position[row] - on_hand)} on order"
    quantity = result.quantity[row]
    if quantity <= 0:
        return f"{head}; {stock} → no order"
    cases = int(result.cases[row])
    packs = f" = {cases} case{'s' if cases != 1 else ''}" if quantity != cases else ""
    return f"{head}; {stock} → order {_num(quantity)}{packs}"


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _pct(level: float) -> str:
    return f"{level * 100:g}%"
