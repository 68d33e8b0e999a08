"""Replay a sales history through the replenishment policy and compare it with simple rules.

Needs only settings, no database table, so it runs before migrations:

    python manage.py backtest_policy --data sales.csv.gz [--lead-time 7] [--service-level 0.95]
                                     [--review-days 1] [--json]
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.replenishment.backtest import METHODS, BacktestSettings, BadHistory, read_history, run_backtest

_COLUMNS = ("fill_rate", "stockout_days", "avg_inventory", "orders", "rmsse", "rmsse_daily", "mae")
_RATIOS = {
    "rmsse_vs_seasonal_naive": ("rmsse", "seasonal_naive"),
    "rmsse_vs_moving_average": ("rmsse", "moving_average"),
    "rmsse_daily_vs_seasonal_naive": ("rmsse_daily", "seasonal_naive"),
    "rmsse_daily_vs_moving_average": ("rmsse_daily", "moving_average"),
    "avg_inventory_vs_static_minmax": ("avg_inventory", "static_minmax"),
}


class Command(BaseCommand):
    help = "Backtest the replenishment engine against seasonal-naive, moving-average and static min/max rules."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV (optionally gzip) with store,item,date,units[,price]")
        parser.add_argument("--lead-time", type=int, default=7, help="supplier lead time in days (default 7)")
        parser.add_argument("--service-level", type=float, default=0.95, help="target fill rate (default 0.95)")
        parser.add_argument("--review-days", type=int, default=1, help="days between order reviews (default 1)")
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["lead_time"] < 0:
            raise CommandError("--lead-time must be 0 or more days")
        if options["review_days"] < 1:
            raise CommandError("--review-days must be at least 1")
        if not 0 < options["service_level"] < 1:
            raise CommandError("--service-level must be between 0 and 1 (e.g. 0.95)")
        try:
            history = read_history(options["data"])
        except FileNotFoundError as exc:
            raise CommandError(f"--data: no such file {options['data']}") from exc
        except BadHistory as exc:
            raise CommandError(f"{options['data']}: {exc}") from exc

        settings = BacktestSettings(
            lead_time_days=options["lead_time"],
            service_level=options["service_level"],
            review_days=options["review_days"],
        )
        started = time.perf_counter()
        results = run_backtest(history=history, settings=settings)
        results["data"]["seconds"] = round(time.perf_counter() - started, 2)
        results["ratios"] = {
            name: _ratio(results["engine"][metric], results[base][metric]) for name, (metric, base) in _RATIOS.items()
        }
        if options["json"]:
            self.stdout.write(json.dumps(_clean(results), sort_keys=True))
            return
        self.stdout.write(_table(results))


def _ratio(value: float, base: float) -> float | None:
    if base is None or value is None or not math.isfinite(base) or base == 0 or not math.isfinite(value):
        return None
    return value / base


def _clean(value: Any) -> Any:
    """JSON has no NaN: undefined figures become null."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _table(results: dict) -> str:
    header = f"{'method':<16}" + "".join(f"{column:>15}" for column in _COLUMNS) + f"{'vs engine inv':>15}"
    lines = [header, "-" * len(header)]
    engine_inventory = results["engine"]["avg_inventory"]
    for method in METHODS:
        row = results[method]
        cells = [
            f"{row['fill_rate']:.4f}",
            f"{row['stockout_days']:d}",
            f"{row['avg_inventory']:.3f}",
            f"{row['orders']:d}",
            f"{row['rmsse']:.4f}",
            f"{row['rmsse_daily']:.4f}",
            f"{row['mae']:.4f}",
        ]
        ratio = _ratio(engine_inventory, row["avg_inventory"])
        cells.append("" if ratio is None else f"{ratio:.3f}")
        lines.append(f"{method:<16}" + "".join(f"{cell:>15}" for cell in cells))
    ratios = results["ratios"]
    data = results["data"]
    lines += [
        "",
        "rmsse = lead-time total (the reorder quantity's error); rmsse_daily = each day of the lead time (M5)",
        "engine rmsse / seasonal_naive rmsse : "
        + _fmt(ratios["rmsse_vs_seasonal_naive"])
        + "   (daily "
        + _fmt(ratios["rmsse_daily_vs_seasonal_naive"])
        + ")",
        "engine rmsse / moving_average rmsse : "
        + _fmt(ratios["rmsse_vs_moving_average"])
        + "   (daily "
        + _fmt(ratios["rmsse_daily_vs_moving_average"])
        + ")",
        "engine avg_inventory / static_minmax: "
        + _fmt(ratios["avg_inventory_vs_static_minmax"])
        + f" (static multiplier {results['static_minmax']['multiplier']:.2f} tuned to the engine's fill rate)",
        f"engine parameters (fitted on the first {data['fit_days']} days): {results['engine']['params']}"
        f" pooled {results['engine']['pooled_params']}",
        f"{data['series']} series x {data['days']} days from {data['first_date']};"
        f" {data['scored_series_days']} scored series-days; {data['seconds']} s",
    ]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
