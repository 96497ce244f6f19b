"""How fast the compute to reach a benchmark falls: a log-linear fit over its frontier.

Public API (stable; the site's home page and ``algoeff trend`` use it):

    fit_trend(view, *, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED) -> Trend
        the trend of one BenchmarkView's frontier, from the baseline on
    fit_points(points, *, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED, benchmark_id="") -> Trend
        the same on bare points (date, flop, flop_low, flop_high), e.g. synthetic data
    TrendPoint(date, flop, flop_low, flop_high)   one dated compute figure, FLOP
    Trend                      the result; ``Trend.as_dict()`` is JSON-ready
    moore_factor(span_years)   2 ** (span_years / MOORE_DOUBLING_YEARS)
    t_quantile(p, dof)         Student's t quantile, for the regression interval
    decimal_year(date)         the x axis of the fit

Method (docs/trends.md gives the reasoning and the figures per benchmark):

* x = decimal year of publication, y = log2(training FLOP). Ordinary least
  squares y = a + b x; the halving time of compute is -12 / b months.
* The regression's own 95 % interval on b is b +- t(0.975, n-2) * se(b)
  (Student's t; quantile from the exact finite series of Abramowitz & Stegun
  26.7.3-26.7.4, inverted by bisection). It needs n >= 3 points.
* Entries carry low-high ranges. Each Monte Carlo draw takes every point from a
  triangular distribution in log space (low, central value as mode, high),
  independently, refits, and then draws a slope from that fit's own t posterior
  (b_i + se_i * T, T ~ t(n-2)). The 2.5 / 50 / 97.5 percentiles of these slopes
  give ``halving_months_low / _median / _high``, so that they carry both the
  ranges and the scatter about the line: the pooling of multiple imputation
  (Rubin, "Multiple Imputation for Nonresponse in Surveys", 1987) done by
  simulation. The same draws give the reduction factor's interval. When no
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
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

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


def decimal_year(date: dt.date) -> float:
    """The year plus the fraction of it elapsed at the start of ``date`` (1 Jan = .0)."""
    start = dt.date(date.year, 1, 1)
    length = (dt.date(date.year + 1, 1, 1) - start).days
    return date.year + (date - start).days / length


def moore_factor(span_years: float) -> float:
    """How much cheaper a FLOP gets over ``span_years`` at one doubling per two years."""
    return float(2.0 ** (span_years / MOORE_DOUBLING_YEARS))


def _t_central_probability(t: float, dof: int) -> float:
    """P(|T| <= t) for Student's t with integer ``dof`` (Abramowitz & Stegun 26.7.3-26.7.4)."""
    theta = math.atan(t / math.sqrt(dof))
    c2 = math.cos(theta) ** 2
    total = term = 1.0
    if dof % 2 == 0:
        for k in range(1, (dof - 2) // 2 + 1):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        return math.sin(theta) * total
    if dof == 1:
        return 2 / math.pi * theta
    for k in range(1, (dof - 3) // 2 + 1):
        term *= (2 * k) / (2 * k + 1) * c2
        total += term
    return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)


def t_quantile(p: float, dof: int) -> float:
    """The ``p`` quantile (0.5 < p < 1) of Student's t with ``dof`` degrees of freedom."""
    if not 0.5 < p < 1 or dof < 1:
        raise ValueError(f"t_quantile needs 0.5 < p < 1 and dof >= 1, got p={p}, dof={dof}")
    target = 2 * p - 1  # central probability
    high = 1.0
    while _t_central_probability(high, dof) < target:
        high *= 2
    low = 0.0
    for _ in range(200):  # bisection to float precision; the function is monotone in t
        mid = (low + high) / 2
        if _t_central_probability(mid, dof) < target:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * high:
            break
    return (low + high) / 2


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
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - mean_y) ** 2 for y in ys)
    slope = sxy / sxx
    residual_ss = max(syy - slope * sxy, 0.0)
    se = math.sqrt(residual_ss / (n - 2) / sxx) if n > 2 else math.nan
    r_squared = 1 - residual_ss / syy if syy > 0 else 1.0
    return _Fit(slope, mean_y, mean_x, se, r_squared)


class _Triangle(NamedTuple):
    """A point's triangular distribution in log2 space, set up for inverse-CDF draws.

    With u uniform on [0, 1) and c = (mode - low) / (high - low), the draw is
    low + sqrt(u * c) * (high - low) when u <= c, else high - sqrt((1 - u) * (1 - c))
    * (high - low): the same inverse CDF and the same single ``random()`` call per
    draw as ``random.Random.triangular(low, high, mode)``, so the seed's stream and
    the figures stay as they were. The squared width is folded into ``rise_sq`` and
    ``fall_sq``; that moves a draw by a few units in the last place.
    """

    c: float
    low: float  # log2(flop_low) - shift
    rise_sq: float  # c * (high - low) ** 2
    high: float  # log2(flop_high) - shift
    fall_sq: float  # (1 - c) * (high - low) ** 2
    dx: float  # the point's x minus the mean x


def _inverse_cdf(t: _Triangle, u: float) -> float:
    """The draw for uniform ``u`` (inlined in the hot loop of _monte_carlo)."""
    return (
        t.low + math.sqrt(u * t.rise_sq) if u <= t.c else t.high - math.sqrt((1.0 - u) * t.fall_sq)
    )


class _Draws(NamedTuple):
    reductions: list[float]  # first drawn point over last, as a factor
    slopes: list[float]  # empty without a regression interval


def _monte_carlo(
    logs: Sequence[tuple[float, float, float]],
    dxs: Sequence[float],
    sxx: float,
    *,
    draws: int,
    seed: int,
    with_slopes: bool,
) -> _Draws:
    """The draws of the module docstring, from one ``random.Random(seed)``.

    ``logs`` holds each point's log2 (low, central, high) in date order, ``dxs``
    its centred x. Per draw the stream is: one ``random()`` per point with a
    range, in date order, then (``with_slopes``) ``gauss()`` and
    ``gammavariate()`` for the t variate. The least-squares fit of each draw
    works from running sums over the points (Sy, Syy, Sxy on centred x), so
    everything that does not change between draws is computed once here. The y
    values are shifted by the mean central log2 so the sums stay well
    conditioned; a shift changes neither the slope nor the residuals.
    """
    n = len(logs)
    shift = sum(mode for _, mode, _ in logs) / n
    fixed_y: list[float | None] = []  # a point without a range stays at its central value
    triangles: list[_Triangle] = []
    fixed_sy = fixed_syy = fixed_sxy = 0.0
    for (low, mode, high), dx in zip(logs, dxs, strict=True):
        if high <= low:
            y = mode - shift
            fixed_y.append(y)
            fixed_sy += y
            fixed_syy += y * y
            fixed_sxy += dx * y
            continue
        fixed_y.append(None)
        width_sq = (high - low) ** 2
        c = (mode - low) / (high - low)
        triangles.append(
            _Triangle(c, low - shift, c * width_sq, high - shift, (1.0 - c) * width_sq, dx)
        )
    rng = random.Random(seed)
    rand = rng.random
    sqrt = math.sqrt
    reductions: list[float] = []
    slopes: list[float] = []

    if not with_slopes:
        # Two points, or one date: only the first and last drawn values matter,
        # but every ranged point still takes its number from the stream.
        for _ in range(draws):
            ranged = iter(triangles)
            drawn = [_inverse_cdf(next(ranged), rand()) if y is None else y for y in fixed_y]
            reductions.append(2.0 ** (drawn[0] - drawn[-1]))
        return _Draws(reductions, slopes)

    # n >= 3: the first and last points are distinct. The first is drawn apart so
    # its value is at hand for the reduction; the last, when ranged, is the
    # final value of the loop over the others.
    first_fixed, last_fixed = fixed_y[0], fixed_y[-1]
    head = triangles[0] if first_fixed is None else None
    first_value = 0.0 if first_fixed is None else first_fixed  # used only when not ranged
    rest = triangles[1:] if head is not None else triangles
    dof = n - 2
    half_dof = dof / 2
    gauss, gamma = rng.gauss, rng.gammavariate
    for _ in range(draws):
        if head is None:
            y_first = first_value
            sy, syy, sxy = fixed_sy, fixed_syy, fixed_sxy
        else:
            y_first = _inverse_cdf(head, rand())
            sy = fixed_sy + y_first
            syy = fixed_syy + y_first * y_first
            sxy = fixed_sxy + head.dx * y_first
        y = y_first
        for c, low, rise_sq, high, fall_sq, dx in rest:
            u = rand()
            y = low + sqrt(u * rise_sq) if u <= c else high - sqrt((1.0 - u) * fall_sq)
            sy += y
            syy += y * y
            sxy += dx * y
        y_last = y if last_fixed is None else last_fixed
        reductions.append(2.0 ** (y_first - y_last))
        slope = sxy / sxx
        residual_ss = max(syy - sy * sy / n - slope * sxy, 0.0)
        # A t variate: normal / sqrt(chi-square / dof), chi-square(k) = Gamma(k/2, scale 2).
        t_variate = gauss() / sqrt(gamma(half_dof, 2.0) / dof)
        slopes.append(slope + sqrt(residual_ss / dof / sxx) * t_variate)
    return _Draws(reductions, slopes)


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    """2.5, 50 and 97.5 percentiles, linearly interpolated (numpy's default method)."""
    cuts = statistics.quantiles(values, n=40, method="inclusive")
    return cuts[0], cuts[19], cuts[-1]


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
        half_width = t_quantile(1 - (1 - CONFIDENCE) / 2, dof) * fit.slope_se
        fit_low = _halving_months(fit.slope - half_width)
        fit_high = _halving_months(fit.slope + half_width)

    logs = [
        (math.log2(p.flop_low), y, math.log2(p.flop_high)) for p, y in zip(pts, ys, strict=True)
    ]
    reduction = first.flop / last.flop
    red_low = red_median = red_high = reduction
    halving_low = halving_median = halving_high = None
    if any(high > low for low, _, high in logs):
        mean_x = sum(xs) / n
        dxs = [x - mean_x for x in xs]
        draws_made = _monte_carlo(
            logs,
            dxs,
            sum(dx * dx for dx in dxs),
            draws=draws,
            seed=seed,
            with_slopes=has_interval,
        )
        red_low, red_median, red_high = _percentiles(draws_made.reductions)
        if draws_made.slopes:
            # Percentiles commute with the monotone map slope -> halving time.
            s_low, s_median, s_high = _percentiles(draws_made.slopes)
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
