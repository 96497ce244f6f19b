"""Each benchmark's headline: the best entry, its reduction factor, the trend, Moore's law.

Moore's law is the comparison of "Measuring the Algorithmic Efficiency of
Neural Networks" (Hernandez & Brown 2020): FLOP per dollar doubling every 2
years, so over the years from the baseline to the best entry the same budget
buys 2 ** (years / 2) times the compute (11x from AlexNet to EfficientNet,
against 44x from algorithms). The span and the factor come from algoeff.dataset.trend,
so the site, the README and `algoeff trend` agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from algoeff.core.units import flop_to_tfs_days, format_sig
from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.dataset.trend import (
    Trend,
    decimal_year,
    moore_factor,
)

DASH = "—"


@dataclass(frozen=True)
class Headline:
    view: BenchmarkView
    best: Row | None  # the frontier entry with the least compute
    span_years: float | None  # baseline date to best date
    moore_factor: float | None  # what Moore's law alone would give over span_years
    trend: Trend | None


def best_row(view: BenchmarkView) -> Row | None:
    """The frontier entry with the least compute; the earlier one wins a tie."""
    if not view.frontier:
        return None
    return min(view.frontier, key=lambda r: (r.estimate.flop, r.entry.publication.date, r.entry.id))


def headline(view: BenchmarkView, trend: Trend | None) -> Headline:
    best = best_row(view)
    if best is None or view.baseline is None:
        return Headline(view, best, None, None, trend)
    span = decimal_year(best.entry.publication.date) - decimal_year(
        view.baseline.entry.publication.date
    )
    return Headline(view, best, span, moore_factor(span), trend)


# -- how numbers read on the site -------------------------------------------------


def tfs(flop: float) -> str:
    """Compute in tfs-days, three significant figures."""
    return format_sig(flop_to_tfs_days(flop), 3)


def tfs_range(low_flop: float, high_flop: float) -> str:
    """'low–high' in tfs-days; '—' when the inputs carry no range."""
    low, high = tfs(low_flop), tfs(high_flop)
    return DASH if low == high else f"{low}–{high}"


def factor(value: float) -> str:
    """A ratio such as a reduction factor, two significant figures as the original tracker."""
    return f"{format_sig(value, 2)}×"


def factor_range(low: float, high: float) -> str:
    """'low–high×'; '—' when both ends round to the same figure."""
    a, b = format_sig(low, 2), format_sig(high, 2)
    return DASH if a == b else f"{a}–{b}×"


def _months(value: float) -> str:
    # An infinite halving time is a slope that does not fall (algoeff.dataset.trend).
    return "∞" if math.isinf(value) else format_sig(value, 2)


TWO_POINTS = "none (two points)"


def interval(trend: Trend | None) -> str:
    """The halving time's 95 % interval, 'low–high'; 'none (two points)' for a line through
    two points, which leaves no scatter to estimate one from; '—' otherwise (the rule of
    the README's table, outputs.tables.halving_table)."""
    if trend is None:
        return DASH
    if trend.halving_months_low is not None and trend.halving_months_high is not None:
        high = trend.halving_months_high
        # Infinite: the slope's interval reaches zero (a fall is not shown).
        return f"{_months(trend.halving_months_low)}–{'∞' if math.isinf(high) else _months(high)}"
    return TWO_POINTS if trend.n_points == 2 else DASH


def months(trend: Trend | None) -> str:
    """The halving time with its 95 % interval, e.g. '16 months (13–20)', or
    '9.5 months (no interval: two points)'; '—' with no fit."""
    if trend is None or trend.halving_months is None:
        return DASH
    if math.isinf(trend.halving_months):
        return "none: compute did not fall"
    text = f"{_months(trend.halving_months)} months"
    spread = interval(trend)
    if spread == TWO_POINTS:
        text += " (no interval: two points)"
    elif spread != DASH:
        text += f" ({spread})"
    return text


def years(value: float) -> str:
    return f"{value:.1f} years"


def months_value(trend: Trend | None) -> str:
    """The halving time alone in months, '∞' when compute did not fall, '—' with no fit."""
    if trend is None or trend.halving_months is None:
        return DASH
    return _months(trend.halving_months)


def sort_number(value: float | None) -> str:
    """A number as the key a sortable table orders by ('' sorts last; JS reads 'Infinity')."""
    if value is None or math.isnan(value):
        return ""
    return "Infinity" if math.isinf(value) else f"{value:.6g}"
