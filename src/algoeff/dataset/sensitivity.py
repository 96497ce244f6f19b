"""How the halving time depends on the benchmark's threshold, from the entries' learning curves.

Every benchmark fixes one level; the halving time it reports depends on that choice. An
entry with a learning curve (dataset/curves.py) says what compute its run needed to reach
*every* level its curve passes, so the frontier and its trend can be recomputed at other
levels:

    sensitivity(view, levels=None, *, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED) -> Sensitivity
    default_levels(benchmark) -> tuple[float, ...]

At each level:

* an entry with a curve counts with the compute at which its curve first reaches the level,
  interpolated in log compute (``curves.crossing_flop``), and the entry's relative range
  (its estimate's low / value and high / value) carried over; a curve that never reaches
  the level leaves the entry out of that level;
* an entry without a curve counts only at the benchmark's own threshold, with its stated
  estimate: it says nothing about any other level;
* the frontier is found as for the benchmark (``derive.frontier_flags``) and fitted with
  ``trend.fit_points``: halving time, its 95 % interval (n >= 3), reduction factor.

Each level reports how many entries it rests on and how many of them come from curves,
so a level resting on curves alone is visible as such. Limits (docs/trends.md): a run
tuned to stop at the official level is not the cheapest run to an easier one (its
learning-rate schedule decays towards its own end), so at easier levels the curves give
an upper bound on the compute needed, and records are selected for the official level.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from algoeff.core.errors import InputError, ProblemsError
from algoeff.dataset.curves import CurvePoint, crossing_flop, read_curve
from algoeff.dataset.derive import BenchmarkView, frontier_flags
from algoeff.dataset.trend import DEFAULT_DRAWS, DEFAULT_SEED, Trend, TrendPoint, fit_points
from algoeff.model.schema import Benchmark

# Default grids, from the threshold towards easier levels (and a little past it for
# accuracies): losses in steps of 0.02 up to 0.22 above the threshold (3.28-3.50 nats for
# the GPT-2-level speedrun), accuracies in quarter points from 1 below to 0.5 above
# (93-94.5 % for CIFAR-10 94 %).
LOSS_STEP, LOSS_STEPS = 0.02, 11
ACCURACY_STEP, ACCURACY_BELOW, ACCURACY_ABOVE = 0.25, 4, 2


def default_levels(benchmark: Benchmark) -> tuple[float, ...]:
    """The default grid of levels around ``benchmark``'s threshold (module comment)."""
    t = benchmark.threshold
    if benchmark.direction == "lower":
        return tuple(round(t + LOSS_STEP * k, 10) for k in range(LOSS_STEPS + 1))
    return tuple(
        round(t + ACCURACY_STEP * k, 10) for k in range(-ACCURACY_BELOW, ACCURACY_ABOVE + 1)
    )


@dataclass(frozen=True)
class LevelEntry:
    """One entry's compute to reach one level, FLOP (multiply-add = 2), with its range."""

    entry_id: str
    date: dt.date
    flop: float
    flop_low: float
    flop_high: float
    from_curve: bool  # False: the entry's stated estimate, at the threshold only
    on_frontier: bool


@dataclass(frozen=True)
class LevelTrend:
    """The frontier and its trend at one level; ``trend`` is None when no entry reaches it."""

    level: float
    is_threshold: bool
    entries: tuple[LevelEntry, ...]  # by date, then id
    trend: Trend | None

    @property
    def n_entries(self) -> int:
        return len(self.entries)

    @property
    def n_from_curves(self) -> int:
        return sum(e.from_curve for e in self.entries)

    @property
    def frontier(self) -> tuple[LevelEntry, ...]:
        return tuple(e for e in self.entries if e.on_frontier)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the counts, the frontier, every entry's compute and the trend."""
        return {
            "level": self.level,
            "is_threshold": self.is_threshold,
            "n_entries": self.n_entries,
            "n_from_curves": self.n_from_curves,
            "n_frontier": len(self.frontier),
            "frontier": [e.entry_id for e in self.frontier],
            "entries": [
                {
                    "id": e.entry_id,
                    "date": e.date.isoformat(),
                    "flop": e.flop,
                    "flop_low": e.flop_low,
                    "flop_high": e.flop_high,
                    "from_curve": e.from_curve,
                    "on_frontier": e.on_frontier,
                }
                for e in self.entries
            ],
            "trend": self.trend.as_dict() if self.trend is not None else None,
        }


@dataclass(frozen=True)
class Sensitivity:
    benchmark_id: str
    threshold: float
    direction: str
    n_curves: int  # entries of the benchmark with a curve
    n_entries: int  # entries of the benchmark
    levels: tuple[LevelTrend, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "benchmark_id": self.benchmark_id,
            "threshold": self.threshold,
            "direction": self.direction,
            "n_entries": self.n_entries,
            "n_curves": self.n_curves,
            "levels": [level.as_dict() for level in self.levels],
        }


def _level(
    view: BenchmarkView,
    curves: dict[str, tuple[CurvePoint, ...]],
    level: float,
    *,
    draws: int,
    seed: int,
) -> LevelTrend:
    bench = view.benchmark
    is_threshold = math.isclose(level, bench.threshold, rel_tol=1e-12, abs_tol=1e-12)
    found: list[tuple[dt.date, str, float, float, float, bool]] = []
    for row in view.rows:
        est = row.estimate
        points = curves.get(row.entry.id)
        if points:
            flop = crossing_flop(points, level, bench.direction)
            if flop is None:
                continue
            # the ratios may round a hair past 1; a range never excludes its own value
            low = min(flop, flop * est.flop_low / est.flop)
            high = max(flop, flop * est.flop_high / est.flop)
            found.append((row.entry.publication.date, row.entry.id, flop, low, high, True))
        elif is_threshold:
            found.append(
                (
                    row.entry.publication.date,
                    row.entry.id,
                    est.flop,
                    est.flop_low,
                    est.flop_high,
                    False,
                )
            )
    found.sort(key=lambda f: (f[0], f[1]))
    flags = frontier_flags([(f[0], f[2]) for f in found])
    entries = tuple(
        LevelEntry(entry_id, date, flop, low, high, from_curve, on_frontier)
        for (date, entry_id, flop, low, high, from_curve), on_frontier in zip(
            found, flags, strict=True
        )
    )
    frontier = [
        TrendPoint(e.date, e.flop, e.flop_low, e.flop_high) for e in entries if e.on_frontier
    ]
    trend = (
        fit_points(frontier, draws=draws, seed=seed, benchmark_id=bench.id) if frontier else None
    )
    return LevelTrend(level, is_threshold, entries, trend)


def sensitivity(
    view: BenchmarkView,
    levels: tuple[float, ...] | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Sensitivity:
    """The frontier trend of ``view`` at each level (default: ``default_levels``), easiest
    last; InputError when the benchmark has no entries or a curve cannot be read."""
    bench = view.benchmark
    if not view.rows:
        raise InputError(f"benchmark {bench.id!r} has no entries")
    chosen = levels if levels else default_levels(bench)
    if any(not math.isfinite(level) for level in chosen):
        raise InputError(f"levels must be finite numbers, got {list(chosen)}")
    curves: dict[str, tuple[CurvePoint, ...]] = {}
    for row in view.rows:
        try:
            curves[row.entry.id] = read_curve(row.loaded)
        except ProblemsError as exc:
            raise InputError(str(exc)) from None
    # Hardest first: the threshold's side, then towards easier levels.
    ordered = sorted(set(chosen), reverse=bench.direction == "higher")
    return Sensitivity(
        benchmark_id=bench.id,
        threshold=bench.threshold,
        direction=bench.direction,
        n_curves=sum(1 for points in curves.values() if points),
        n_entries=len(view.rows),
        levels=tuple(_level(view, curves, lv, draws=draws, seed=seed) for lv in ordered),
    )
