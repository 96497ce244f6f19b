"""`algoeff trend`: the halving time of each benchmark's compute-to-target, with intervals.

A thin layer over algoeff.dataset.trend; the method is in that module's docstring and in
docs/trends.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from algoeff.cli.common import draws_options, json_option, print_json, resolve_root, root_option
from algoeff.core.units import format_sig
from algoeff.dataset.checks import clean_audit
from algoeff.dataset.derive import BenchmarkView
from algoeff.dataset.trend import Trend, fit_trend


def _views(root: Path) -> list[BenchmarkView]:
    """The derived benchmarks; a dataset with errors is refused, as `algoeff show` does."""
    return clean_audit(root).views


def _num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞"
    return format_sig(value, digits)


def _with_interval(value: float | None, low: float | None, high: float | None, unit: str) -> str:
    """The value, and on a second line its 95 % interval (narrow enough for 80 columns)."""
    if value is None:
        return "—"
    if low is None or high is None:
        return f"{_num(value)}{unit}"
    return f"{_num(value)}{unit}\n[dim]{_num(low)}–{_num(high)}[/dim]"


def _row(trend: Trend) -> list[str]:
    if trend.halving_months is None:
        halving = "—\n[dim]one date[/dim]"
    elif trend.halving_months_low is None:
        halving = f"{_num(trend.halving_months)}\n[dim](n = 2)[/dim]"
    else:
        halving = _with_interval(
            trend.halving_months, trend.halving_months_low, trend.halving_months_high, ""
        )
    years = f"{trend.first_date.year}–{trend.last_date.year}"
    return [
        trend.benchmark_id,
        str(trend.n_points),
        f"{format_sig(trend.span_years, 2)}\n[dim]{years}[/dim]",
        _with_interval(
            trend.reduction_factor, trend.reduction_factor_low, trend.reduction_factor_high, "×"
        ),
        f"{_num(trend.moore_factor)}×",
        halving,
        _num(trend.endpoint_halving_months),
    ]


def _table(trends: list[Trend], draws: int, seed: int) -> Table:
    table = Table(
        title="Frontier trends of the compute to reach each benchmark",
        caption=(
            f"Second lines: 95 % intervals from {draws:,} Monte Carlo draws (seed {seed}) over "
            "the entries' ranges and the fit's scatter; two points leave no interval. Halving: "
            "least-squares fit over the frontier; endpoint: first and last frontier entry only. "
            "Moore's law: 2× every 2 years. Method: docs/trends.md"
        ),
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 0, 0, 1),  # with the box's blank separator: two spaces between columns
    )
    # Never "…": in a narrow terminal a cell wraps, and a long benchmark id folds.
    table.add_column("Benchmark", overflow="fold", ratio=3)
    for name in ("n", "Years", "Reduction", "Moore", "Halving\n(months)", "Endpoint\n(months)"):
        table.add_column(name, justify="right", overflow="fold")
    for trend in trends:
        table.add_row(*_row(trend))
        table.add_section()
    return table


def markdown_table(trends: list[Trend]) -> str:
    """The trends as a Markdown table (docs/trends.md holds one; a test keeps it current)."""
    lines = [
        "| Benchmark | n | From | To | Years | Reduction | 95 % | Bounds | Moore's law "
        "| Halving (months) | Fit alone, 95 % | With ranges, 95 % | Endpoint (months) |",
        "|---|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def pair(low: float | None, high: float | None) -> str:
        return "—" if low is None or high is None else f"{_num(low)}–{_num(high)}"

    for t in trends:
        cells = [
            f"`{t.benchmark_id}`",
            str(t.n_points),
            t.first_date.isoformat(),
            t.last_date.isoformat(),
            format_sig(t.span_years, 2),
            f"{_num(t.reduction_factor)}×",
            pair(t.reduction_factor_low, t.reduction_factor_high),
            pair(t.reduction_factor_min, t.reduction_factor_max),
            f"{_num(t.moore_factor)}×",
            _num(t.halving_months),
            pair(t.halving_months_fit_low, t.halving_months_fit_high),
            pair(t.halving_months_low, t.halving_months_high),
            _num(t.endpoint_halving_months),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("benchmark", required=False)
@root_option
@json_option
@draws_options
def trend(benchmark: str | None, root: Path | None, as_json: bool, draws: int, seed: int) -> None:
    """How fast the compute to reach BENCHMARK (default: every benchmark) falls.

    Fits log2(compute) against publication date over the frontier (the entries
    that beat every earlier one) and prints the halving time of compute in
    months with its 95 % interval, the reduction factor from the baseline to
    the latest frontier entry with its range, the span, and what Moore's law
    (2x every 2 years) gives over the same span. With --json, prints a list of
    objects with the fields of algoeff.dataset.trend.Trend. Method: docs/trends.md.

    \b
    Example:
        algoeff trend imagenet-alexnet-level --draws 20000 --seed 1
    """
    views = _views(resolve_root(root))
    if benchmark is not None:
        known = [v.benchmark.id for v in views]
        if benchmark not in known:
            raise click.UsageError(
                f"unknown benchmark {benchmark!r} (expected one of: {', '.join(known)})"
            )
        views = [v for v in views if v.benchmark.id == benchmark]
    trends: list[Trend] = []
    for view in views:
        if not view.frontier and benchmark is None:
            click.echo(f"{view.benchmark.id}: no entries, no trend", err=True)
            continue
        trends.append(fit_trend(view, draws=draws, seed=seed))
    if as_json:
        print_json([t.as_dict() for t in trends])
        return
    Console(soft_wrap=False).print(_table(trends, draws, seed))
