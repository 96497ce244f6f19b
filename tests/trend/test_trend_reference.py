"""The vectorized Monte Carlo of algoeff.dataset.trend gives what the documented method gives.

Two references, each written the slow, obvious way, one draw at a time:

* ``numpy_reference`` takes the same numbers from ``numpy.random.default_rng(seed)`` in
  the same order (one block of triangular variates, then the t variates) and refits each
  draw with ``statistics.linear_regression``: fit_points must agree with it to rounding,
  so the vectorized algebra is checked exactly.
* ``plain_reference`` is docs/trends.md's recipe on Python's ``random`` (triangular per
  point, a t variate from ``gauss`` and ``gammavariate``), the generator the hand-written
  implementation used before numpy. Another stream, so it agrees only within Monte Carlo
  noise: the tolerances below are about four standard errors at 20,000 draws.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algoeff.dataset.trend import MIN_DRAWS, TrendPoint, decimal_year, fit_points

START = dt.date(2012, 6, 1)
DRAWS = 400


def _sorted_logs(points: list[TrendPoint]) -> tuple[list[float], list[tuple[float, ...]]]:
    pts = sorted(points, key=lambda p: p.date)
    xs = [decimal_year(p.date) for p in pts]
    logs = [(math.log2(p.flop_low), math.log2(p.flop), math.log2(p.flop_high)) for p in pts]
    return xs, logs


def _slope_draw(xs: list[float], ys: list[float], t: float) -> float:
    """One draw's slope from its fit's own posterior: b + se(b) * t."""
    n = len(xs)
    slope, intercept = statistics.linear_regression(xs, ys)
    rss = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    mean_x = statistics.fmean(xs)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    return slope + math.sqrt(rss / (n - 2) / sxx) * t


def numpy_reference(
    points: list[TrendPoint], draws: int, seed: int
) -> tuple[list[float], list[float]]:
    """Reductions and slopes from numpy's stream, one plain refit per draw."""
    xs, logs = _sorted_logs(points)
    n = len(xs)
    with_slopes = n >= 3 and xs[-1] > xs[0]
    rng = np.random.default_rng(seed)
    ranged = [i for i, (low, _, high) in enumerate(logs) if high > low]
    block = rng.triangular(
        [logs[i][0] for i in ranged],
        [logs[i][1] for i in ranged],
        [logs[i][2] for i in ranged],
        size=(draws, len(ranged)),
    )
    ts = rng.standard_t(n - 2, size=draws) if with_slopes else None
    reductions, slopes = [], []
    for d in range(draws):
        ys = [mode for _, mode, _ in logs]
        for j, i in enumerate(ranged):
            ys[i] = float(block[d, j])
        reductions.append(2.0 ** (ys[0] - ys[-1]))
        if ts is not None:
            slopes.append(_slope_draw(xs, ys, float(ts[d])))
    return reductions, slopes


def plain_reference(
    points: list[TrendPoint], draws: int, seed: int
) -> tuple[list[float], list[float]]:
    """The recipe on Python's ``random``: another stream, the same distributions."""
    xs, logs = _sorted_logs(points)
    n = len(xs)
    with_slopes = n >= 3 and xs[-1] > xs[0]
    rng = random.Random(seed)
    reductions, slopes = [], []
    for _ in range(draws):
        ys = [mode if high <= low else rng.triangular(low, high, mode) for low, mode, high in logs]
        reductions.append(2.0 ** (ys[0] - ys[-1]))
        if with_slopes:
            t = rng.gauss(0.0, 1.0) / math.sqrt(rng.gammavariate((n - 2) / 2, 2.0) / (n - 2))
            slopes.append(_slope_draw(xs, ys, t))
    return reductions, slopes


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=40, method="inclusive")
    return cuts[0], cuts[19], cuts[-1]


def _months(slopes: list[float]) -> tuple[float, ...]:
    return tuple(-12 / s if s < 0 else math.inf for s in _percentiles(slopes))


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
def test_vectorized_draws_equal_the_draw_by_draw_refit(name: str) -> None:
    """Every percentile of fit_points equals the per-draw refit of the same numpy stream."""
    points = CASES[name]
    trend = fit_points(points, draws=DRAWS, seed=97)
    reductions, slopes = numpy_reference(points, DRAWS, 97)
    red_low, red_median, red_high = _percentiles(reductions)
    assert trend.reduction_factor_low == pytest.approx(red_low, rel=1e-12)
    assert trend.reduction_factor_median == pytest.approx(red_median, rel=1e-12)
    assert trend.reduction_factor_high == pytest.approx(red_high, rel=1e-12)
    if not slopes:
        assert trend.halving_months_low is None
        assert trend.halving_months_median is None
        return
    low, median, high = _months(slopes)
    assert trend.halving_months_low == pytest.approx(low, rel=1e-9)
    assert trend.halving_months_median == pytest.approx(median, rel=1e-9)
    assert trend.halving_months_high == pytest.approx(high, rel=1e-9)


@pytest.mark.parametrize("name", ["all ranged", "first and last exact"])
def test_numpy_and_python_streams_agree_within_monte_carlo_noise(name: str) -> None:
    """The same recipe on Python's ``random`` (the pre-numpy generator) gives the same
    figures within Monte Carlo noise at 20,000 draws. Reductions: medians within 0.5 %,
    2.5 and 97.5 percentiles within 2 %. Slopes, whose tails are those of Student's t
    with two and three degrees of freedom): the median within 2 % and the tails within
    10 % of the 95 % interval's width, about four standard errors of a tail percentile."""
    points = CASES[name]
    trend = fit_points(points, draws=20_000, seed=1)
    reductions, slopes = plain_reference(points, 20_000, 2)
    red_low, red_median, red_high = _percentiles(reductions)
    assert trend.reduction_factor_low == pytest.approx(red_low, rel=0.02)
    assert trend.reduction_factor_median == pytest.approx(red_median, rel=0.005)
    assert trend.reduction_factor_high == pytest.approx(red_high, rel=0.02)
    s_low, s_median, s_high = _percentiles(slopes)
    width = s_high - s_low
    drawn = [trend.halving_months_low, trend.halving_months_median, trend.halving_months_high]
    assert all(m is not None and math.isfinite(m) for m in drawn)
    ours = [-12 / m for m in drawn if m is not None]
    assert ours[0] == pytest.approx(s_low, abs=0.1 * width)
    assert ours[1] == pytest.approx(s_median, abs=0.02 * width)
    assert ours[2] == pytest.approx(s_high, abs=0.1 * width)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    draws=st.integers(min_value=MIN_DRAWS, max_value=3000),
    case=st.sampled_from(sorted(CASES)),
)
def test_same_seed_same_result(seed: int, draws: int, case: str) -> None:
    """Any seed and number of draws: two fits are equal field for field, and the order in
    which the points are given does not matter (they are sorted by date first)."""
    points = CASES[case]
    first = fit_points(points, draws=draws, seed=seed)
    assert fit_points(points, draws=draws, seed=seed) == first
    if len({p.date for p in points}) == len(points):
        assert fit_points(list(reversed(points)), draws=draws, seed=seed) == first


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), case=st.sampled_from(sorted(CASES)))
def test_intervals_are_ordered_and_inside_the_hard_bounds(seed: int, case: str) -> None:
    """For any seed: low <= median <= high, and the drawn reductions stay within the
    hard bounds (triangular draws never leave a point's range)."""
    trend = fit_points(CASES[case], draws=MIN_DRAWS, seed=seed)
    assert (
        trend.reduction_factor_min * (1 - 1e-12)
        <= trend.reduction_factor_low
        <= trend.reduction_factor_median
        <= trend.reduction_factor_high
        <= trend.reduction_factor_max * (1 + 1e-12)
    )
    if trend.halving_months_low is not None:
        assert trend.halving_months_median is not None
        assert trend.halving_months_high is not None
        assert trend.halving_months_low <= trend.halving_months_median
        assert trend.halving_months_median <= trend.halving_months_high


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
    _, slopes = plain_reference(points, 20_000, 5)
    s_low, s_median, s_high = _percentiles(slopes)
    assert s_low == pytest.approx(slope - half_width, abs=0.1 * half_width)
    assert s_median == pytest.approx(slope, abs=0.02 * half_width)
    assert s_high == pytest.approx(slope + half_width, abs=0.1 * half_width)
