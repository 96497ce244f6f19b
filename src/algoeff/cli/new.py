"""`algoeff new`: write the empty analysis file of a new entry, ready to fill.

A thin layer over algoeff.model.scaffold, which generates the file from the models.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from algoeff.cli.common import resolve_root, root_option
from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.files import display_path
from algoeff.dataset.load import ANALYSIS_DIR, ENTRY_SUFFIX, load_benchmarks
from algoeff.model.scaffold import check_entry_id, scaffold, scaffold_methods


@click.command()
@click.argument("benchmark")
@click.argument("entry_id", metavar="ENTRY_ID")
@click.option(
    "--method",
    type=click.Choice(sorted(scaffold_methods())),
    required=True,
    help="How the compute is worked out; its inputs are written into the file. "
    "(A measured entry is written by `algoeff measure --emit-analysis`.)",
)
@click.option("--arxiv", help="New-style arXiv id of the paper; fills its id, URL and source.")
@click.option("--title", help="Title of the paper.")
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First public appearance of the paper (arXiv v1 when there is one), YYYY-MM-DD.",
)
@root_option
def new(
    benchmark: str,
    entry_id: str,
    method: str,
    arxiv: str | None,
    title: str | None,
    date: dt.datetime | None,
    root: Path | None,
) -> None:
    """Write analysis/BENCHMARK/ENTRY_ID.yaml: every field METHOD needs, empty, each with
    its unit and a comment saying what goes there and where it is usually found.

    Never overwrites a file. Fill the values, then run `algoeff check` on the file: it
    lists the fields still empty, one line each, until there are none.

    \b
    Example:
        algoeff new imagenet-alexnet-level my-net --method operations --arxiv 1905.11946
    """
    path = resolve_root(root)
    try:
        benchmarks = load_benchmarks(path)
    except ProblemsError as exc:
        raise InputError(str(exc.problems[0])) from None
    if benchmark not in benchmarks:
        known = ", ".join(benchmarks)
        raise click.UsageError(f"unknown benchmark {benchmark!r} (expected one of: {known})")
    try:
        check_entry_id(entry_id)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="ENTRY_ID") from None
    text = scaffold(
        benchmarks[benchmark],
        entry_id,
        scaffold_methods()[method],
        title=title,
        arxiv=arxiv,
        date=date.date() if date else None,
    )
    target = path / ANALYSIS_DIR / benchmark / f"{entry_id}{ENTRY_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # "x": created here or not at all, so an existing analysis is never replaced.
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise InputError(
            f"{display_path(target)} already exists; choose another ENTRY_ID or edit that file"
        ) from None
    click.echo(f"wrote {display_path(target)}")
    click.echo(f"next: fill its empty values, then run: algoeff check {display_path(target)}")
