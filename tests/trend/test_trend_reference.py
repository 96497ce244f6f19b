"""The fast Monte Carlo of algoeff.dataset.trend gives what the documented method, written plainly, gives.

``reference_draws`` below is docs/trends.md's recipe done the slow, obvious way:
``random.Random.triangular`` per point, a full least-squares refit per draw, a
t variate from ``gauss`` and ``gammavariate``. fit_points hoists everything
that does not change between draws and inlines the triangular inverse CDF; it
must consume the same random stream, so its percentiles may differ from these
only by rounding. Without ranges it samples nothing and reports the t interval.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics

import pytest

from algoeff.dataset.trend import TrendPoint, decimal_year, fit_points

START = dt.date(2012, 6, 1)
DRAWS = 400


def reference_draws(
    points: list[TrendPoint], draws: int, seed: int
) -> tuple[list[float], list[float]]:
    """Reductions and slopes drawn as docs/trends.md describes, with no shortcuts."""
    pts = sorted(points, key=lambda p: p.date)
    xs = [decimal_year(p.date) for p in pts]
    n = len(pts)
    with_slopes = n >= 3 and xs[-1] > xs[0]
    rng = random.Random(seed)
    reductions, slopes = [], []
    for _ in range(draws):
        ys = []
        for p in pts:
            low, mode, high = math.log2(p.flop_low), math.log2(p.flop), math.log2(p.flop_high)
            ys.append(mode if high <= low else rng.triangular(low, high, mode))
        reductions.append(2.0 ** (ys[0] - ys[-1]))
        if with_slopes:
            mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
            sxx = sum((x - mean_x) ** 2 for x in xs)
            sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
            syy = sum((y - mean_y) ** 2 for y in ys)
            slope = sxy / sxx
            se = math.sqrt(max(syy - slope * sxy, 0.0) / (n - 2) / sxx)
            t = rng.gauss(0.0, 1.0) / math.sqrt(rng.gammavariate((n - 2) / 2, 2.0) / (n - 2))
            slopes.append(slope + se * t)
    return reductions, slopes


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=40, method="inclusive")
    return cuts[0], cuts[19], cuts[-1]


def _points(spec: list[tuple[int, float, float]]) -> list[TrendPoint]:
    """(day offset, log2 FLOP, range factor) -> points; a factor of 1 is no range."""
    out = []
    for day, log2_flop, factor in spec:
        flop = 2.0**log2_flop
        out.append(TrendPoint(START + dt.timedelta(days=day), flop, flop / factor, flop * factor))
    return out


def _skewed(points: list[TrendPoint]) -> list[TrendPoint]:
    """The central value at the low end of the range, as EfficientNet's epochs are."""
    return [TrendPoint(p.date, p.flop_low, p.flop_low, p.flop_high) for p in points]


CASES = {
    "all ranged": _points([(0, 60, 1.3), (300, 59.1, 1.2), (800, 58.4, 1.5), (2000, 55, 1.1)]),
    "first and last exact": _points(
        [(0, 60, 1), (300, 59.4, 1.3), (700, 58.0, 1.2), (1500, 57.5, 1.4), (2100, 55, 1)]
    ),
    "only the first ranged": _points([(0, 60, 1.4), (500, 58.0, 1), (900, 57.9, 1)]),
    "only the last ranged": _points([(0, 60, 1), (500, 58.0, 1), (900, 57.9, 1.2)]),
    "mode at an end": _skewed(_points([(0, 60, 1.25), (400, 58.5, 1.25), (1800, 55.5, 1.25)])),
    "rising": _points([(0, 50, 1.3), (400, 51, 1.3), (900, 52.5, 1.1)]),
    "two points": _points([(0, 60, 1.3), (900, 57, 1.2)]),
    "one date": _points([(0, 60, 1.3), (0, 59, 1), (0, 58, 1.2)]),
    "one point": _points([(0, 60, 1.3)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_monte_carlo_matches_the_plain_reference(name: str) -> None:
    """Every percentile of fit_points equals the plain recipe's on the same seed, to rounding."""
    points = CASES[name]
    seed = 97
    trend = fit_points(points, draws=DRAWS, seed=seed)
    reductions, slopes = reference_draws(points, DRAWS, seed)
    red_low, red_median, red_high = _percentiles(reductions)
    assert trend.reduction_factor_low == pytest.approx(red_low, rel=1e-12)
    assert trend.reduction_factor_median == pytest.approx(red_median, rel=1e-12)
    assert trend.reduction_factor_high == pytest.approx(red_high, rel=1e-12)
    if not slopes:
        assert trend.halving_months_low is None
        assert trend.halving_months_median is None
        return
    low, median, high = (-12 / s if s < 0 else math.inf for s in _percentiles(slopes))
    assert trend.halving_months_low == pytest.approx(low, rel=1e-9)
    assert trend.halving_months_median == pytest.approx(median, rel=1e-9)
    assert trend.halving_months_high == pytest.approx(high, rel=1e-9)


def test_without_ranges_the_interval_is_the_t_interval_exactly() -> None:
    """No point has a range: no sampling; the pooled interval is the regression's t interval,
    the median the fitted halving time, the reduction interval the reduction itself."""
    points = _points([(0, 60, 1), (300, 59.7, 1), (800, 57.9, 1), (1400, 57.6, 1), (2000, 55, 1)])
    trend = fit_points(points, draws=DRAWS)
    assert trend.halving_months_low == trend.halving_months_fit_low
    assert trend.halving_months_high == trend.halving_months_fit_high
    assert trend.halving_months_median == trend.halving_months
    assert trend.reduction_factor_low == trend.reduction_factor == trend.reduction_factor_high
    assert trend.reduction_factor_median == trend.reduction_factor
    assert trend.draws == DRAWS
    # ... which is what the plain Monte Carlo tends to as the draws grow. Compared as
    # slopes: with 3 dof the 97.5th percentile of 20,000 t draws is itself uncertain by
    # about 2.4 % of the half-width (one standard error), so allow four of those.
    slope = trend.slope_log2_flop_per_year
    assert slope is not None and trend.halving_months_fit_low is not None
    half_width = slope + 12 / trend.halving_months_fit_low  # fit_low is at slope - half_width
    _, slopes = reference_draws(points, 20_000, 5)
    s_low, s_median, s_high = _percentiles(slopes)
    assert s_low == pytest.approx(slope - half_width, abs=0.1 * half_width)
    assert s_median == pytest.approx(slope, abs=0.02 * half_width)
    assert s_high == pytest.approx(slope + half_width, abs=0.1 * half_width)
