"""`algoeff sensitivity`: the halving time of a benchmark at levels around its threshold.

A thin layer over algoeff.dataset.sensitivity; the method and its limits are in that
module's docstring and in docs/trends.md.
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
from algoeff.dataset.sensitivity import LevelTrend, Sensitivity, sensitivity


def _levels(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...]:
    """'3.28,3.3,3.4' -> (3.28, 3.3, 3.4); a usage error names the part that is not a number."""
    if value is None:
        return ()
    out = []
    for part in value.split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise click.BadParameter(f"{part.strip()!r} is not a number") from None
    return tuple(out)


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return "∞" if math.isinf(value) else format_sig(value, 3)


def _row(level: LevelTrend) -> list[str]:
    t = level.trend
    mark = " *" if level.is_threshold else ""
    if t is None:
        return [f"{level.level:g}{mark}", "0", "0", "0", "—", "—", "—"]
    interval = (
        f"{_num(t.halving_months_low)}–{_num(t.halving_months_high)}"
        if t.halving_months_low is not None
        else "—"
    )
    return [
        f"{level.level:g}{mark}",
        str(level.n_entries),
        str(level.n_from_curves),
        str(len(level.frontier)),
        f"{_num(t.reduction_factor)}×",
        _num(t.halving_months),
        interval,
    ]


def _table(result: Sensitivity, draws: int, seed: int) -> Table:
    table = Table(
        title=f"{result.benchmark_id}: halving time of the compute to reach each level",
        caption=(
            f"Entries: those reaching the level ({result.n_curves} of {result.n_entries} have a "
            "learning curve; the others count only at the threshold, *). 95 % intervals from "
            f"{draws:,} Monte Carlo draws (seed {seed}). Method and limits: docs/trends.md"
        ),
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("Level", "Entries", "From curves", "Frontier", "Reduction"):
        table.add_column(name, justify="right")
    table.add_column("Halving\n(months)", justify="right")
    table.add_column("95 %", justify="right")
    for level in result.levels:
        table.add_row(*_row(level))
    return table


@click.command(name="sensitivity")
@click.argument("benchmark")
@click.option(
    "--levels",
    callback=_levels,
    metavar="A,B,...",
    help="Levels of the benchmark's metric, comma-separated (default: a grid from the "
    "threshold towards easier levels, e.g. losses 3.28-3.50, accuracies 93-94.5).",
)
@root_option
@json_option
@draws_options
def sensitivity_command(
    benchmark: str,
    levels: tuple[float, ...],
    root: Path | None,
    as_json: bool,
    draws: int,
    seed: int,
) -> None:
    """How BENCHMARK's halving time depends on the level chosen as its threshold.

    For each level, the compute each entry with a learning curve needed to reach it
    (interpolated in log compute), the frontier at that level and its halving time with
    95 % interval. Entries without a curve count only at the benchmark's threshold; each
    level says how many entries it rests on. With --json, prints an object with every
    level's entries, frontier and trend (the fields of algoeff.dataset.trend.Trend).

    \b
    Example:
        algoeff sensitivity fineweb-gpt2-small-level --levels 3.28,3.3,3.35,3.4,3.5
    """
    views = {v.benchmark.id: v for v in clean_audit(resolve_root(root)).views}
    if benchmark not in views:
        raise click.UsageError(
            f"unknown benchmark {benchmark!r} (expected one of: {', '.join(views)})"
        )
    result = sensitivity(views[benchmark], levels, draws=draws, seed=seed)
    if as_json:
        print_json(result.as_dict())
        return
    Console(soft_wrap=False).print(_table(result, draws, seed))
