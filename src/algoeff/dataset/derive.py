"""Numbers derived from the entries, never typed: estimates, reduction factors, the frontier.

An entry is on the frontier (the state-of-the-art progression) when it reached
the threshold with less compute than every entry published before it.
Reduction factor = baseline compute / entry compute; its range pairs the
baseline's low end with the entry's high end and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass

from algoeff.core.errors import AlgoeffError, Problem
from algoeff.dataset.load import Dataset, LoadedEntry
from algoeff.model.methods import Estimate, MethodContext
from algoeff.model.methods.base import Tier
from algoeff.model.schema import Benchmark, Entry


@dataclass(frozen=True)
class Reduction:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Row:
    """An entry with everything derived from it."""

    loaded: LoadedEntry
    estimate: Estimate
    reduction: Reduction | None
    on_frontier: bool

    @property
    def entry(self) -> Entry:
        return self.loaded.entry

    @property
    def tier(self) -> Tier:
        """reported, estimated, counted or measured: derived from the method and its inputs."""
        return self.entry.compute.tier


@dataclass(frozen=True)
class BenchmarkView:
    benchmark: Benchmark
    rows: tuple[Row, ...]  # every entry, by date then id
    baseline: Row | None

    @property
    def frontier(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.on_frontier)


def estimate_entry(loaded: LoadedEntry) -> Estimate:
    """Recompute one entry's compute from its inputs."""
    context = MethodContext(entry_dir=loaded.path.parent)
    return loaded.entry.compute.estimate(context)


def reduction(baseline: Estimate, estimate: Estimate) -> Reduction:
    return Reduction(
        value=baseline.flop / estimate.flop,
        low=baseline.flop_low / estimate.flop_high,
        high=baseline.flop_high / estimate.flop_low,
    )


def _reduction(base: Estimate | None, estimate: Estimate, is_baseline: bool) -> Reduction | None:
    if base is None:
        return None
    # The baseline against itself is exactly 1: its uncertainty cancels.
    return Reduction(1.0, 1.0, 1.0) if is_baseline else reduction(base, estimate)


def frontier_flags(dated_flop: list[tuple[object, float]]) -> list[bool]:
    """For (date, flop) pairs sorted by date: True where flop beats every strictly earlier one."""
    flags: list[bool] = []
    best_before = float("inf")  # best among strictly earlier dates
    best_today = float("inf")
    current = None
    for date, flop in dated_flop:
        if date != current:
            best_before = min(best_before, best_today)
            best_today = float("inf")
            current = date
        flags.append(flop < best_before)
        best_today = min(best_today, flop)
    return flags


def derive_benchmark(
    benchmark: Benchmark, entries: list[LoadedEntry], problems: list[Problem]
) -> BenchmarkView:
    estimates: list[tuple[LoadedEntry, Estimate]] = []
    for loaded in entries:
        try:
            estimates.append((loaded, estimate_entry(loaded)))
        except (LookupError, ValueError, OSError, AlgoeffError) as exc:
            problems.append(
                Problem(loaded.shown, "compute", str(exc), "inputs that can be recomputed")
            )
    base = next((est for le, est in estimates if le.entry.id == benchmark.baseline), None)
    flags = frontier_flags([(le.entry.publication.date, est.flop) for le, est in estimates])
    rows = tuple(
        Row(le, est, _reduction(base, est, le.entry.id == benchmark.baseline), flag)
        for (le, est), flag in zip(estimates, flags, strict=True)
    )
    baseline = next((r for r in rows if r.entry.id == benchmark.baseline), None)
    return BenchmarkView(benchmark, rows, baseline)


def derive(dataset: Dataset, problems: list[Problem] | None = None) -> list[BenchmarkView]:
    """Every benchmark with its rows, in the order of the benchmarks file."""
    sink = problems if problems is not None else []
    return [
        derive_benchmark(b, dataset.entries_of(b.id), sink) for b in dataset.benchmarks.values()
    ]
