"""How fast the compute to reach a benchmark falls: a log-linear fit over its frontier.

Public API (stable; the site's home page and ``algoeff trend`` use it):

    fit_trend(view, *, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED) -> Trend
        the trend of one BenchmarkView's frontier, from the baseline on
    fit_points(points, *, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED, benchmark_id="") -> Trend
        the same on bare points (date, flop, flop_low, flop_high), e.g. synthetic data
    TrendPoint(date, flop, flop_low, flop_high)   one dated compute figure, FLOP
    Trend                      the result; ``Trend.as_dict()`` is JSON-ready
    moore_factor(span_years)   2 ** (span_years / MOORE_DOUBLING_YEARS)
    decimal_year(date)         the x axis of the fit

Method (docs/trends.md gives the reasoning and the figures per benchmark):

* x = decimal year of publication, y = log2(training FLOP). Ordinary least
  squares y = a + b x; the halving time of compute is -12 / b months.
* The regression's own 95 % interval on b is b +- t(0.975, n-2) * se(b)
  (Student's t quantile from ``scipy.stats.t``). It needs n >= 3 points.
* Entries carry low-high ranges. Each Monte Carlo draw takes every point from a
  triangular distribution in log space (low, central value as mode, high),
  independently, refits, and then draws a slope from that fit's own t posterior
  (b_i + se_i * T, T ~ t(n-2)). The 2.5 / 50 / 97.5 percentiles of these slopes
  give ``halving_months_low / _median / _high``, so that they carry both the
  ranges and the scatter about the line: the pooling of multiple imputation
  (Rubin, "Multiple Imputation for Nonresponse in Surveys", 1987) done by
  simulation, vectorized with numpy (``numpy.random.default_rng(seed)``, so a
  seed gives the same figures wherever numpy keeps its generator). The same
  draws give the reduction factor's interval. When no
  point has a range every draw refits the same values, so nothing is sampled:
  the t interval is the exact answer and is reported as the pooled one.
* Reduction factor = compute of the first point / compute of the last point
  (date order); for a benchmark whose baseline is its earliest entry this is
  the table's reduction factor of the latest frontier entry.
* Moore's law for comparison: FLOP per dollar doubling every 2 years, as the
  efficiency paper (Hernandez & Brown 2020, arXiv 2005.04305) used it.

A halving time is reported as infinite when the slope is not negative (no
progress); ``as_dict`` writes non-finite numbers as null.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from algoeff.core.errors import InputError
from algoeff.dataset.derive import BenchmarkView

MONTHS_PER_YEAR = 12
# "Moore's law": FLOP per dollar doubling every two years, the comparison the
# efficiency paper made (44x vs about 11x over 2012-2019).
MOORE_DOUBLING_YEARS = 2.0
CONFIDENCE = 0.95
DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20200505  # arXiv 2005.04305 first appeared in May 2020
MIN_DRAWS = 100


class TrendPoint(NamedTuple):
    """One dated compute figure in FLOP (multiply-add = 2) with its low-high range."""

    date: dt.date
    flop: float
    flop_low: float
    flop_high: float


@dataclass(frozen=True)
class Trend:
    """A benchmark's frontier trend. ``_low`` / ``_high`` are always a 95 % interval.

    Fit fields are None with fewer than two dates; interval fields are None with
    fewer than three points (no degrees of freedom left for the scatter).
    """

    benchmark_id: str
    n_points: int  # frontier entries fitted
    first_date: dt.date
    last_date: dt.date
    span_years: float  # last_date - first_date in decimal years
    first_flop: float  # central values, FLOP (multiply-add = 2)
    last_flop: float
    # first / last point; _low/_high and _median from the Monte Carlo over ranges
    reduction_factor: float
    reduction_factor_low: float
    reduction_factor_high: float
    reduction_factor_median: float
    # hard bounds: first at its low end over last at its high end, and vice versa
    reduction_factor_min: float
    reduction_factor_max: float
    moore_factor: float  # 2 ** (span_years / 2)
    # two-point figure: span / log2(reduction factor), in months
    endpoint_halving_months: float | None
    # least squares on the central values
    slope_log2_flop_per_year: float | None
    fit_start_flop: float | None  # the fitted line at first_date
    fit_reduction_factor: float | None  # what the fitted line falls by over the span
    r_squared: float | None
    halving_months: float | None
    halving_months_fit_low: float | None  # the regression's t interval alone
    halving_months_fit_high: float | None
    # Monte Carlo: ranges and regression scatter together
    halving_months_low: float | None
    halving_months_median: float | None
    halving_months_high: float | None
    draws: int  # Monte Carlo draws and their seed, so that a figure can be reproduced
    seed: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: dates as ISO strings, infinite halving times as null."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, float) and not math.isfinite(value):
                value = None
            out[f.name] = value
        return out


def t_quantile(probability: float, dof: int) -> float:
    """Student's t quantile, from scipy."""
    # Imported here, not at the top: scipy.stats costs about 0.6 s to import on our 2-core
    # machines, which every command (`algoeff --help` included) would pay; only fits need it.
    from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type stubs

    return float(stats.t.ppf(probability, dof))


def decimal_year(date: dt.date) -> float:
    """The year plus the fraction of it elapsed at the start of ``date`` (1 Jan = .0)."""
    start = dt.date(date.year, 1, 1)
    length = (dt.date(date.year + 1, 1, 1) - start).days
    return date.year + (date - start).days / length


def moore_factor(span_years: float) -> float:
    """How much cheaper a FLOP gets over ``span_years`` at one doubling per two years."""
    return float(2.0 ** (span_years / MOORE_DOUBLING_YEARS))


def _halving_months(slope_log2_per_year: float) -> float:
    """-12 / slope; infinite when compute does not fall (monotone in the slope)."""
    if slope_log2_per_year >= 0:
        return math.inf
    return -MONTHS_PER_YEAR / slope_log2_per_year


class _Fit(NamedTuple):
    slope: float
    intercept_at_mean: float  # fitted y at mean x
    mean_x: float
    slope_se: float  # nan without residual degrees of freedom
    r_squared: float


def _ols(xs: Sequence[float], ys: Sequence[float]) -> _Fit:
    """Least squares y = a + b x on centred data; requires two distinct xs."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    n = len(x)
    dx, dy = x - x.mean(), y - y.mean()
    sxx, sxy, syy = float(dx @ dx), float(dx @ dy), float(dy @ dy)
    slope = sxy / sxx
    residual_ss = max(syy - slope * sxy, 0.0)
    se = math.sqrt(residual_ss / (n - 2) / sxx) if n > 2 else math.nan
    r_squared = 1 - residual_ss / syy if syy > 0 else 1.0
    return _Fit(slope, float(y.mean()), float(x.mean()), se, r_squared)


class _Draws(NamedTuple):
    reductions: npt.NDArray[np.float64]  # first drawn point over last, as a factor
    slopes: npt.NDArray[np.float64] | None  # None without a regression interval


def _monte_carlo(
    logs: npt.NDArray[np.float64],
    xs: npt.NDArray[np.float64],
    *,
    draws: int,
    seed: int,
    with_slopes: bool,
) -> _Draws:
    """The draws of the module docstring, all at once, from ``default_rng(seed)``.

    ``logs`` is an (n, 3) array of each point's log2 (low, central, high) in date
    order, ``xs`` its decimal years. The stream is: one (draws, ranged points)
    block of triangular variates, ranged points in date order, then (``with_slopes``)
    ``draws`` Student's t variates with n - 2 degrees of freedom. Each row of
    the (draws, n) matrix of drawn log2 FLOP is one plausible dataset, refitted
    by least squares in closed form on centred x.
    """
    rng = np.random.default_rng(seed)
    low, mode, high = logs[:, 0], logs[:, 1], logs[:, 2]
    ranged = high > low  # a point without a range stays at its central value
    ys = np.broadcast_to(mode, (draws, len(mode))).copy()
    ys[:, ranged] = rng.triangular(
        low[ranged], mode[ranged], high[ranged], size=(draws, int(ranged.sum()))
    )
    reductions = np.exp2(ys[:, 0] - ys[:, -1])
    if not with_slopes:
        return _Draws(reductions, None)
    n = len(xs)
    dof = n - 2
    dx = xs - xs.mean()
    sxx = float(dx @ dx)
    dy = ys - ys.mean(axis=1, keepdims=True)
    slope = dy @ dx / sxx
    residual_ss = np.square(dy - np.outer(slope, dx)).sum(axis=1)
    slope_se = np.sqrt(residual_ss / dof / sxx)
    # Each dataset's slope drawn from its own posterior under a flat prior: b + se * T.
    return _Draws(reductions, slope + slope_se * rng.standard_t(dof, size=draws))


def _percentiles(values: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """2.5, 50 and 97.5 percentiles, linearly interpolated."""
    low, median, high = np.percentile(values, [2.5, 50.0, 97.5])
    return float(low), float(median), float(high)


def _check_point(i: int, p: TrendPoint) -> None:
    if not 0 < p.flop_low <= p.flop <= p.flop_high or not math.isfinite(p.flop_high):
        raise ValueError(
            f"point {i} ({p.date}): need 0 < flop_low <= flop <= flop_high, "
            f"got {p.flop_low:g}, {p.flop:g}, {p.flop_high:g}"
        )


def fit_points(
    points: Sequence[TrendPoint | tuple[dt.date, float, float, float]],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    benchmark_id: str = "",
) -> Trend:
    """Fit the trend of ``points`` (sorted here by date, stably); see the module docstring."""
    if not points:
        raise ValueError("no points to fit")
    if draws < MIN_DRAWS:
        raise ValueError(f"draws must be at least {MIN_DRAWS}, got {draws}")
    pts = sorted((TrendPoint(*p) for p in points), key=lambda p: p.date)
    for i, p in enumerate(pts):
        _check_point(i, p)
    first, last = pts[0], pts[-1]
    xs = [decimal_year(p.date) for p in pts]
    ys = [math.log2(p.flop) for p in pts]
    span_years = xs[-1] - xs[0]
    n = len(pts)
    can_fit = span_years > 0
    has_interval = can_fit and n >= 3
    dof = n - 2

    fit = _ols(xs, ys) if can_fit else None
    fit_low = fit_high = None
    if fit is not None and has_interval:
        t_critical = t_quantile(1 - (1 - CONFIDENCE) / 2, dof)
        half_width = t_critical * fit.slope_se
        fit_low = _halving_months(fit.slope - half_width)
        fit_high = _halving_months(fit.slope + half_width)

    logs = np.log2([(p.flop_low, p.flop, p.flop_high) for p in pts])
    reduction = first.flop / last.flop
    red_low = red_median = red_high = reduction
    halving_low = halving_median = halving_high = None
    if bool((logs[:, 2] > logs[:, 0]).any()):
        drawn = _monte_carlo(logs, np.asarray(xs), draws=draws, seed=seed, with_slopes=has_interval)
        red_low, red_median, red_high = _percentiles(drawn.reductions)
        if drawn.slopes is not None:
            # Percentiles commute with the monotone map slope -> halving time.
            s_low, s_median, s_high = _percentiles(drawn.slopes)
            halving_low, halving_median = _halving_months(s_low), _halving_months(s_median)
            halving_high = _halving_months(s_high)
    elif fit is not None and has_interval:
        # No ranges: every draw would refit the central values, so the pooled
        # interval is the regression's own t interval, exactly; no sampling needed.
        halving_low, halving_high = fit_low, fit_high
        halving_median = _halving_months(fit.slope)

    endpoint = None
    if can_fit:
        endpoint = _halving_months((ys[-1] - ys[0]) / span_years)
    return Trend(
        benchmark_id=benchmark_id,
        n_points=n,
        first_date=first.date,
        last_date=last.date,
        span_years=span_years,
        first_flop=first.flop,
        last_flop=last.flop,
        reduction_factor=reduction,
        reduction_factor_low=red_low,
        reduction_factor_high=red_high,
        reduction_factor_median=red_median,
        reduction_factor_min=first.flop_low / last.flop_high,
        reduction_factor_max=first.flop_high / last.flop_low,
        moore_factor=moore_factor(span_years),
        endpoint_halving_months=endpoint,
        slope_log2_flop_per_year=fit.slope if fit else None,
        fit_start_flop=2.0 ** (fit.intercept_at_mean + fit.slope * (xs[0] - fit.mean_x))
        if fit
        else None,
        fit_reduction_factor=2.0 ** (-fit.slope * span_years) if fit else None,
        r_squared=fit.r_squared if fit else None,
        halving_months=_halving_months(fit.slope) if fit else None,
        halving_months_fit_low=fit_low,
        halving_months_fit_high=fit_high,
        halving_months_low=halving_low,
        halving_months_median=halving_median,
        halving_months_high=halving_high,
        draws=draws,
        seed=seed,
    )


def trend_points(view: BenchmarkView) -> list[TrendPoint]:
    """The frontier of ``view`` as points, from the baseline on when it is on the frontier."""
    rows = list(view.frontier)
    if view.baseline is not None and view.baseline in rows:
        rows = rows[rows.index(view.baseline) :]
    return [
        TrendPoint(
            r.entry.publication.date, r.estimate.flop, r.estimate.flop_low, r.estimate.flop_high
        )
        for r in rows
    ]


def fit_trend(
    view: BenchmarkView, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> Trend:
    """The trend of one benchmark's frontier; InputError when it has no entries."""
    points = trend_points(view)
    if not points:
        raise InputError(f"benchmark {view.benchmark.id!r} has no entries to fit a trend to")
    return fit_points(points, draws=draws, seed=seed, benchmark_id=view.benchmark.id)


# Benchmark id -> its frontier trend (None for a benchmark without entries).
Trends = dict[str, Trend | None]


def fit_trends(
    views: Sequence[BenchmarkView], *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> Trends:
    """Every benchmark's trend, keyed by id, as `algoeff trend` fits it; None without entries.

    The README, the site and `algoeff build` all use these; `build` fits them once and
    hands the same mapping to both outputs.
    """
    return {
        view.benchmark.id: fit_trend(view, draws=draws, seed=seed) if view.rows else None
        for view in views
    }
