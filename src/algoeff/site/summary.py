"""Each benchmark's headline: the best entry, its reduction factor, the trend, Moore's law.

Moore's law here is the comparison of "Measuring the Algorithmic Efficiency of
Neural Networks" (Hernandez & Brown 2020, section 3): hardware cost per FLOP
halving every 2 years, so over ``years`` the same budget buys 2 ** (years / 2)
times the compute (11x over the 7 years from AlexNet to EfficientNet, against
44x from algorithms).

The trend fit lives in algoeff.trend (another module's concern); it is imported
lazily so that the site builds, with '—' in place of halving times, without it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from algoeff.derive import BenchmarkView, Row
from algoeff.units import flop_to_tfs_days, format_sig

MOORE_DOUBLING_YEARS = 2.0
DAYS_PER_YEAR = 365.25
# The site's trend intervals are bootstrap draws; a fixed seed keeps rebuilds byte-identical.
TREND_DRAWS = 1000
TREND_SEED = 0
DASH = "—"


@dataclass(frozen=True)
class TrendFigures:
    """Halving time of the compute-to-target in months, with its interval."""

    halving_months: float
    halving_months_low: float
    halving_months_high: float


@dataclass(frozen=True)
class Headline:
    view: BenchmarkView
    best: Row | None  # the frontier entry with the least compute
    span_years: float | None  # baseline date to best date
    moore_factor: float | None  # what Moore's law alone would give over span_years
    trend: TrendFigures | None


def years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def moore_factor(years: float) -> float:
    """How many times cheaper a fixed amount of compute gets over ``years`` by Moore's law."""
    return float(2.0 ** (years / MOORE_DOUBLING_YEARS))


def best_row(view: BenchmarkView) -> Row | None:
    """The frontier entry with the least compute; the earlier one wins a tie."""
    if not view.frontier:
        return None
    return min(view.frontier, key=lambda r: (r.estimate.flop, r.entry.publication.date, r.entry.id))


def _fit_trend_function() -> Any | None:
    """algoeff.trend.fit_trend when that module is installed, else None."""
    try:
        module = importlib.import_module("algoeff.trend")
    except ImportError:
        return None
    return getattr(module, "fit_trend", None)


def fit_trends(views: list[BenchmarkView]) -> dict[str, TrendFigures | None]:
    """The halving time of each benchmark, or None where no trend can be fitted."""
    fit = _fit_trend_function()
    out: dict[str, TrendFigures | None] = {}
    for view in views:
        figures = None
        if fit is not None:
            try:
                trend = fit(view, draws=TREND_DRAWS, seed=TREND_SEED)
                figures = TrendFigures(
                    float(trend.halving_months),
                    float(trend.halving_months_low),
                    float(trend.halving_months_high),
                )
            except (ValueError, ArithmeticError, LookupError):
                # Too few frontier points (or none improving) leaves the trend undefined.
                figures = None
        out[view.benchmark.id] = figures
    return out


def headline(view: BenchmarkView, trend: TrendFigures | None) -> Headline:
    best = best_row(view)
    if best is None or view.baseline is None:
        return Headline(view, best, None, None, trend)
    years = years_between(view.baseline.entry.publication.date, best.entry.publication.date)
    return Headline(view, best, years, moore_factor(years), trend)


# -- how numbers read on the site -------------------------------------------------


def tfs(flop: float) -> str:
    """Compute in tfs-days, three significant figures."""
    return format_sig(flop_to_tfs_days(flop), 3)


def tfs_range(low_flop: float, high_flop: float) -> str:
    return f"{tfs(low_flop)}–{tfs(high_flop)}"


def factor(value: float) -> str:
    """A ratio such as a reduction factor, two significant figures as the original tracker."""
    return f"{format_sig(value, 2)}×"


def factor_range(low: float, high: float) -> str:
    return f"{format_sig(low, 2)}–{format_sig(high, 2)}×"


def months(trend: TrendFigures | None) -> str:
    if trend is None:
        return DASH
    return (
        f"{format_sig(trend.halving_months, 2)} months "
        f"({format_sig(trend.halving_months_low, 2)}–{format_sig(trend.halving_months_high, 2)})"
    )


def years(value: float) -> str:
    return f"{value:.1f} years"
