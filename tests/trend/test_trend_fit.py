"""The trend fit: planted halving times are recovered, intervals cover them, draws repeat."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trend_fixtures import TABLE3, TABLE3_FRONTIER, Spec, write_dataset

from algoeff.core.errors import InputError
from algoeff.dataset.derive import BenchmarkView, derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import (
    MIN_DRAWS,
    Trend,
    TrendPoint,
    decimal_year,
    fit_points,
    fit_trend,
    moore_factor,
)

START = dt.date(2012, 6, 1)


def planted(
    halving_months: float,
    days: list[int],
    *,
    noise_log2: float = 0.0,
    range_factor: float = 1.0,
    rng: random.Random | None = None,
) -> list[TrendPoint]:
    """Points whose compute halves every ``halving_months``, optionally noisy and with ranges."""
    gen = rng or random.Random(0)
    x0 = decimal_year(START)
    points = []
    for d in days:
        date = START + dt.timedelta(days=d)
        log2_flop = 60.0 - (decimal_year(date) - x0) * 12 / halving_months
        flop = 2.0 ** (log2_flop + gen.gauss(0.0, noise_log2))
        points.append(TrendPoint(date, flop, flop / range_factor, flop * range_factor))
    return points


EVERY_HALF_YEAR = [183 * i for i in range(15)]  # 7 years


def test_fit_interval_uses_the_printed_t_critical_values() -> None:
    """Without ranges the fit's interval is b +- t(0.975, n - 2) se(b), with t as printed in
    every t table (to 3 decimals): 12.706 for one degree of freedom ... 2.228 for ten."""
    printed = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228}
    for dof, critical in printed.items():
        days = [0, *(300 * (i + 1) + 37 * (i % 2) for i in range(dof + 1))]
        points = planted(16.0, days, noise_log2=0.3, rng=random.Random(dof))
        trend = fit_points(points, draws=MIN_DRAWS)
        assert trend.slope_log2_flop_per_year is not None
        assert trend.halving_months_fit_low is not None
        assert trend.halving_months_fit_high is not None
        xs = [decimal_year(p.date) for p in points]
        ys = [math.log2(p.flop) for p in points]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mean_x) ** 2 for x in xs)
        slope = trend.slope_log2_flop_per_year
        rss = sum((y - mean_y - slope * (x - mean_x)) ** 2 for x, y in zip(xs, ys, strict=True))
        se = math.sqrt(rss / dof / sxx)
        assert -12 / trend.halving_months_fit_low == pytest.approx(
            slope - critical * se, abs=5e-4 * se
        )
        high = trend.halving_months_fit_high
        if math.isfinite(high):
            assert -12 / high == pytest.approx(slope + critical * se, abs=5e-4 * se)
        else:
            assert slope + critical * se >= 0


def test_decimal_year() -> None:
    """1 January is the whole year; 1 July 2020 (a leap year) is 182/366 into it."""
    assert decimal_year(dt.date(2012, 1, 1)) == 2012.0
    assert decimal_year(dt.date(2020, 7, 1)) == pytest.approx(2020 + 182 / 366)


def test_moore_factor_over_seven_years() -> None:
    """Doubling every two years gives 2**3.5 = 11.3 over seven years (the paper's 11x)."""
    assert moore_factor(7.0) == pytest.approx(11.31, abs=0.01)
    assert moore_factor(0.0) == 1.0


def test_planted_halving_time_is_recovered_exactly_without_noise() -> None:
    """Points exactly on a 16-month halving line give 16 months by fit and by endpoints."""
    trend = fit_points(planted(16.0, EVERY_HALF_YEAR), draws=MIN_DRAWS)
    assert trend.halving_months == pytest.approx(16.0, rel=1e-9)
    assert trend.endpoint_halving_months == pytest.approx(16.0, rel=1e-9)
    assert trend.slope_log2_flop_per_year == pytest.approx(-0.75, rel=1e-9)
    assert trend.r_squared == pytest.approx(1.0)
    assert trend.reduction_factor == pytest.approx(2.0 ** (trend.span_years * 12 / 16))
    assert trend.fit_reduction_factor == pytest.approx(trend.reduction_factor)
    assert trend.fit_start_flop == pytest.approx(2.0**60)
    # No scatter and no ranges: every interval collapses onto the value.
    for bound in (
        trend.halving_months_fit_low,
        trend.halving_months_low,
        trend.halving_months_high,
    ):
        assert bound == pytest.approx(16.0, rel=1e-6)


def test_planted_halving_time_is_recovered_with_noise() -> None:
    """With 0.3 doublings of noise on 15 points the fit lands near 16 months and covers it."""
    trend = fit_points(
        planted(16.0, EVERY_HALF_YEAR, noise_log2=0.3, rng=random.Random(7)), draws=2000
    )
    assert trend.halving_months == pytest.approx(16.0, abs=2.0)
    assert trend.halving_months_fit_low is not None
    assert trend.halving_months_fit_high is not None
    assert trend.halving_months_fit_low < 16.0 < trend.halving_months_fit_high
    assert trend.halving_months_low is not None
    assert trend.halving_months_high is not None
    assert trend.halving_months_low < 16.0 < trend.halving_months_high
    assert trend.halving_months_low < trend.halving_months < trend.halving_months_high


def test_regression_interval_has_95_percent_coverage() -> None:
    """Over 400 noisy five-point datasets the t interval covers the planted 16 months ~95 %.

    With five points (3 dof) a normal quantile would cover only ~86 %, so this
    fails if the t quantile or the standard error is wrong. Without ranges the
    pooled interval is that t interval exactly; with negligible ranges (x1.0001)
    the Monte Carlo runs and, at only 100 draws, estimates it (92 % here).
    """
    rng = random.Random(11)
    covered_fit = covered_mc = 0
    runs = 400
    for _ in range(runs):
        points = planted(16.0, [0, 400, 900, 1700, 2500], noise_log2=0.4, rng=rng)
        seed = rng.randrange(2**31)
        trend = fit_points(points, draws=MIN_DRAWS, seed=seed)
        assert trend.halving_months_fit_low is not None
        assert trend.halving_months_fit_high is not None
        assert trend.halving_months_low == trend.halving_months_fit_low
        assert trend.halving_months_high == trend.halving_months_fit_high
        covered_fit += trend.halving_months_fit_low <= 16.0 <= trend.halving_months_fit_high
        ranged = [TrendPoint(p.date, p.flop, p.flop / 1.0001, p.flop * 1.0001) for p in points]
        sampled = fit_points(ranged, draws=MIN_DRAWS, seed=seed)
        assert sampled.halving_months_low is not None
        assert sampled.halving_months_high is not None
        assert sampled.halving_months_low != trend.halving_months_low
        covered_mc += sampled.halving_months_low <= 16.0 <= sampled.halving_months_high
    assert 0.92 <= covered_fit / runs <= 0.98
    assert 0.90 <= covered_mc / runs <= 0.99


def test_ranges_widen_the_interval_and_bound_the_reduction() -> None:
    """Exact points with x1.5 ranges: the interval covers 16 months and has width; the
    reduction's 95 % interval lies within the hard bounds and straddles the central value."""
    trend = fit_points(planted(16.0, EVERY_HALF_YEAR, range_factor=1.5), draws=3000)
    assert trend.halving_months == pytest.approx(16.0)
    assert trend.halving_months_low is not None
    assert trend.halving_months_high is not None
    assert trend.halving_months_low < 15.5
    assert trend.halving_months_high > 16.5
    assert trend.halving_months_median == pytest.approx(16.0, rel=0.03)
    assert trend.reduction_factor_min == pytest.approx(trend.reduction_factor / 2.25)
    assert trend.reduction_factor_max == pytest.approx(trend.reduction_factor * 2.25)
    assert (
        trend.reduction_factor_min
        < trend.reduction_factor_low
        < trend.reduction_factor
        < trend.reduction_factor_high
        < trend.reduction_factor_max
    )
    assert trend.reduction_factor_median == pytest.approx(trend.reduction_factor, rel=0.05)


def test_same_seed_same_trend_other_seed_other_interval() -> None:
    """The Monte Carlo is reproducible from its seed and actually depends on it."""
    points = planted(16.0, EVERY_HALF_YEAR, noise_log2=0.2, range_factor=1.3)
    first = fit_points(points, draws=500, seed=3)
    assert fit_points(points, draws=500, seed=3) == first
    other = fit_points(points, draws=500, seed=4)
    assert other.halving_months == first.halving_months
    assert other.halving_months_low != first.halving_months_low


def test_one_point_gives_no_fit() -> None:
    """n = 1: no slope, no halving time; reduction 1, span 0, Moore factor 1."""
    trend = fit_points([(START, 1e18, 5e17, 2e18)], draws=MIN_DRAWS)
    assert trend.n_points == 1
    assert trend.span_years == 0.0
    assert trend.moore_factor == 1.0
    assert trend.reduction_factor == 1.0
    for name in ("halving_months", "halving_months_low", "slope_log2_flop_per_year"):
        assert getattr(trend, name) is None
    assert trend.endpoint_halving_months is None


def test_two_points_give_a_fit_without_interval() -> None:
    """n = 2: the line through both points, equal to the endpoint figure, and no interval."""
    points = [(dt.date(2014, 1, 10), 465.0, 300.0, 600.0), (dt.date(2017, 1, 12), 8.0, 6.0, 9.0)]
    trend = fit_points(points, draws=MIN_DRAWS)
    assert trend.halving_months is not None
    assert trend.halving_months == pytest.approx(trend.endpoint_halving_months)
    assert trend.halving_months == pytest.approx(12 * trend.span_years / math.log2(465 / 8))
    for name in ("halving_months_low", "halving_months_high", "halving_months_fit_low"):
        assert getattr(trend, name) is None
    # The reduction factor still carries the ranges.
    assert trend.reduction_factor_min == pytest.approx(300 / 9)
    assert trend.reduction_factor_low < trend.reduction_factor < trend.reduction_factor_high


def test_points_on_one_date_give_no_fit() -> None:
    """Several points on the same date have no time trend."""
    trend = fit_points([(START, 4.0, 4.0, 4.0), (START, 2.0, 2.0, 2.0)], draws=MIN_DRAWS)
    assert trend.halving_months is None
    assert trend.span_years == 0.0


def test_rising_compute_has_infinite_halving_time() -> None:
    """A positive slope is no halving: infinity in the Trend, null in as_dict."""
    points = [(START + dt.timedelta(days=365 * i), 2.0**i, 2.0**i, 2.0**i) for i in range(4)]
    trend = fit_points(points, draws=MIN_DRAWS)
    assert trend.halving_months == math.inf
    assert trend.as_dict()["halving_months"] is None


def test_bad_input_is_refused() -> None:
    """Empty input, too few draws and unordered ranges are ValueErrors naming the problem."""
    with pytest.raises(ValueError, match="no points"):
        fit_points([])
    with pytest.raises(ValueError, match="draws"):
        fit_points([(START, 1.0, 1.0, 1.0)], draws=10)
    with pytest.raises(ValueError, match="flop_low <= flop <= flop_high"):
        fit_points([(START, 1.0, 2.0, 3.0)])


def test_as_dict_is_strict_json() -> None:
    """as_dict has every field, ISO dates and no NaN or infinity."""
    trend = fit_points(planted(16.0, EVERY_HALF_YEAR, range_factor=1.2), draws=MIN_DRAWS)
    data = trend.as_dict()
    assert set(data) == set(Trend.__dataclass_fields__)
    assert data["first_date"] == "2012-06-01"
    json.dumps(data, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    halving=st.floats(min_value=3.0, max_value=120.0),
    gaps=st.lists(st.integers(min_value=1, max_value=900), min_size=2, max_size=9),
)
def test_any_planted_halving_time_is_recovered(halving: float, gaps: list[int]) -> None:
    """Exact log-linear data of any halving time and spacing give that halving time back."""
    days = [0]
    for gap in gaps:
        days.append(days[-1] + gap)
    trend = fit_points(planted(halving, days), draws=MIN_DRAWS)
    assert trend.halving_months == pytest.approx(halving, rel=1e-6)
    assert trend.endpoint_halving_months == pytest.approx(halving, rel=1e-6)


def test_table3_frontier_reproduces_the_paper_headline() -> None:
    """The efficiency paper's Table 3 frontier: 44x, about 16 months, Moore's law about 11x."""
    frontier = [s for s in TABLE3 if s.id in TABLE3_FRONTIER]
    points = [(s.date, s.tfs_days, s.tfs_days, s.tfs_days) for s in frontier]
    trend = fit_points(points, draws=MIN_DRAWS)
    assert round(trend.reduction_factor) == 44
    assert trend.moore_factor == pytest.approx(11.3, abs=0.05)
    assert trend.halving_months == pytest.approx(15.8, abs=0.05)
    assert trend.endpoint_halving_months == pytest.approx(15.3, abs=0.05)


def _views(root: Path) -> list[BenchmarkView]:
    return derive(load_dataset(root))


def test_fit_trend_uses_the_frontier_and_matches_the_rows(tmp_path: Path) -> None:
    """fit_trend fits exactly the frontier entries, and its reduction factor and hard
    bounds are the derived reduction of the latest frontier row."""
    view = _views(write_dataset(tmp_path))[0]
    assert tuple(r.entry.id for r in view.frontier) == TABLE3_FRONTIER
    trend = fit_trend(view, draws=MIN_DRAWS)
    last = view.frontier[-1].reduction
    assert last is not None
    assert trend.n_points == len(TABLE3_FRONTIER)
    assert trend.benchmark_id == view.benchmark.id
    assert trend.reduction_factor == pytest.approx(last.value)
    assert trend.reduction_factor_min == pytest.approx(last.low)
    assert trend.reduction_factor_max == pytest.approx(last.high)


def test_fit_trend_without_entries_is_an_input_error(tmp_path: Path) -> None:
    """A benchmark with no entries gives a one-line InputError naming it."""
    root = write_dataset(tmp_path, {"lonely": [Spec("only", START, 1.0)]})
    view = _views(root)[0]
    empty = BenchmarkView(view.benchmark, (), None)
    with pytest.raises(InputError, match="'lonely' has no entries"):
        fit_trend(empty)
