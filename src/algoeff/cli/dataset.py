"""Commands over the dataset: build, check, render, show, schema."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from algoeff.cli.common import (
    ReportFormat,
    format_option,
    json_option,
    print_json,
    repo_url_option,
    report,
    resolve_root,
    root_option,
    site_out_option,
)
from algoeff.core.errors import InputError, Problem, ProblemsError
from algoeff.core.files import display_path
from algoeff.core.units import flop_to_tfs_days, format_sig
from algoeff.dataset.checks import clean_audit
from algoeff.dataset.csv_audit import audit_csv, looks_like_seed_csv
from algoeff.dataset.derive import BenchmarkView
from algoeff.dataset.load import ENTRY_SUFFIX, find_root, is_dataset_root, load_dataset
from algoeff.model.schema import json_schemas
from algoeff.outputs.build import build_all
from algoeff.outputs.render import check_repository, stale_outputs, write_outputs
from algoeff.outputs.tables import benchmark_title, primary_published


@click.command()
@root_option
@site_out_option
@repo_url_option
def build(root: Path | None, out: Path, repo_url: str) -> None:
    """The main job: check the dataset, write every derived file and build the site, from
    one load.

    Does what `algoeff check`, `algoeff render` and `algoeff site build` do one by one.
    With errors in the dataset nothing is written: every error is listed and the exit
    status is 1. Needs the 'site' extra.

    \b
    Examples:
        algoeff build
        algoeff build --out _site
    """
    path = resolve_root(root)
    try:
        result = build_all(path, out, repo_url=repo_url)
    except ProblemsError as exc:
        raise SystemExit(report(exc.problems)) from None
    report(result.warnings)
    for file in result.written:
        click.echo(f"wrote {display_path(file)}")
    if not result.written:
        click.echo("all generated files are up to date")
    site = result.site
    click.echo(
        f"wrote the site: {site.files} files ({site.benchmarks} benchmarks, {site.entries} "
        f"entries) to {display_path(site.out)}/"
    )


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@root_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@format_option
def check(paths: tuple[Path, ...], root: Path | None, strict: bool, fmt: ReportFormat) -> None:
    """Validate the dataset (default) or the given files, reporting every problem at once.

    PATHS may be dataset folders, benchmark folders or analysis files (checked against
    the benchmarks of the dataset they sit in), or CSV files in the original
    tracker's format (audited as far as its columns allow). Prints one line per problem,
    `path: field: problem (expected ...)`, and exits 1 when there are errors. With
    --format github each problem is an annotation on the line of its YAML node, for CI.

    \b
    Examples:
        algoeff check
        algoeff check analysis/imagenet-alexnet-level/efficientnet-b0.yaml
        algoeff check --strict ../ai-and-efficiency/efficiency_sota.csv
        algoeff check --format github
    """
    problems: list[Problem] = []
    entry_files: dict[Path, list[Path]] = {}
    for target in list(paths) or [resolve_root(root)]:
        try:
            if target.is_dir() and is_dataset_root(target):
                problems += check_repository(target.resolve())
            elif target.is_dir():
                # A benchmark folder: every analysis file in it.
                base = root.resolve() if root else find_root(target)
                entry_files.setdefault(base, []).extend(sorted(target.glob(f"*{ENTRY_SUFFIX}")))
            elif looks_like_seed_csv(target):
                problems += audit_csv(target)
            else:
                base = root.resolve() if root else find_root(target.parent)
                entry_files.setdefault(base, []).append(target)
        except ProblemsError as exc:
            problems += exc.problems
        except InputError as exc:
            problems.append(Problem(display_path(target), "(path)", str(exc)))
    for dataset_root, files in entry_files.items():
        try:
            problems += check_repository(dataset_root, files)
        except ProblemsError as exc:
            problems += exc.problems
    status = report(problems, strict=strict, fmt=fmt)
    if status == 0:
        click.echo("ok: no problems found" if not problems else "ok: no errors", err=True)
    raise SystemExit(status)


@click.command()
@root_option
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 naming each file that is out of date.",
)
def render(root: Path | None, check_only: bool) -> None:
    """Write every derived file: the CSV, the README tables, the JSON Schemas, the chart.

    Nothing is written when the dataset has errors. With --check, nothing is written
    at all and each out-of-date file is named (exit 1), for CI.

    \b
    Examples:
        algoeff render
        algoeff render --check
    """
    path = resolve_root(root)
    try:
        audit = clean_audit(path)
        if check_only:
            raise SystemExit(report(stale_outputs(audit.dataset, audit.views)))
        written, warnings = write_outputs(audit.dataset, audit.views)
    except ProblemsError as exc:
        raise SystemExit(report(exc.problems)) from None
    report(warnings)
    for file in written:
        click.echo(f"wrote {file.relative_to(path)}")
    if not written:
        click.echo("all generated files are up to date")


def _row_json(view: BenchmarkView, all_rows: bool) -> dict[str, object]:
    rows = view.rows if all_rows else view.frontier
    return {
        "benchmark": view.benchmark.id,
        "name": view.benchmark.name,
        "threshold": view.benchmark.threshold,
        "metric": view.benchmark.metric.name,
        "baseline": view.benchmark.baseline,
        "rows": [
            {
                "entry": r.entry.id,
                "name": r.entry.name,
                "date": r.entry.publication.date.isoformat(),
                "flop": r.estimate.flop,
                "flop_low": r.estimate.flop_low,
                "flop_high": r.estimate.flop_high,
                "tfs_days": r.estimate.tfs_days,
                "method": r.estimate.method,
                "tier": r.tier,
                "reduction_factor": r.reduction.value if r.reduction else None,
                "reduction_factor_low": r.reduction.low if r.reduction else None,
                "reduction_factor_high": r.reduction.high if r.reduction else None,
                "on_frontier": r.on_frontier,
                "published": [p.model_dump(mode="json") for p in r.entry.published],
            }
            for r in rows
        ],
    }


@click.command()
@click.argument("benchmark", required=False)
@root_option
@click.option("--all", "all_rows", is_flag=True, help="Show every entry, not only the frontier.")
@json_option
def show(benchmark: str | None, root: Path | None, all_rows: bool, as_json: bool) -> None:
    """Show the frontier of each benchmark (or one), with reduction factors.

    Compute is canonical (1 multiply-add = 2 FLOP) in teraflop/s-days; the figure
    the source published is shown beside it in its own unit and convention. A terminal
    too narrow for the full table gets a compact one, without the published figure
    and the method (--json has every field).

    \b
    Examples:
        algoeff show
        algoeff show imagenet-alexnet-level --all
        algoeff show --json | jq '.[0].rows[-1]'
    """
    path = resolve_root(root)
    try:
        views = clean_audit(path).views
    except ProblemsError as exc:
        raise SystemExit(report(exc.problems)) from None
    if benchmark is not None:
        views = [v for v in views if v.benchmark.id == benchmark]
        if not views:
            known = ", ".join(b.id for b in load_dataset(path).benchmarks.values())
            raise click.UsageError(f"unknown benchmark {benchmark!r} (expected one of: {known})")
    if as_json:
        print_json([_row_json(v, all_rows) for v in views])
        return
    console = Console()
    for view in views:
        console.print(show_table(view, all_rows, console.width))


def show_table(view: BenchmarkView, all_rows: bool, width: int) -> Table:
    """One benchmark's rows as a table that fits ``width`` columns without cutting a cell.

    The full table when it fits unwrapped (about 140 columns for the bundled dataset);
    else a compact one, without the published figure and the method (both in --json),
    that fits 80 columns.
    """
    full = _show_table(view, all_rows, compact=False)
    if Console(width=_UNBOUNDED).measure(full).maximum <= width:
        return full
    return _show_table(view, all_rows, compact=True)


_UNBOUNDED = 10_000


def _show_table(view: BenchmarkView, all_rows: bool, *, compact: bool) -> Table:
    columns: list[tuple[str, str]] = [
        ("Entry", "left"),
        ("Date", "left"),
        ("tfs-days" if compact else "Compute (tfs-days)", "right"),
        ("Range", "right"),
        ("Reduction", "right"),
    ]
    if not compact:
        columns += [("Published", "left"), ("Method", "left"), ("Tier", "left")]
    # Only the frontier is shown unless --all: then the mark says nothing.
    if all_rows or not compact:
        columns.append(("●" if compact else "Frontier", "center"))
    table = Table(
        title=benchmark_title(view.benchmark),
        title_justify="left",
        caption="published figure, method and tier: a wider terminal or --json"
        if compact
        else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
    )
    for col, just in columns:
        # Never "…": when space runs short a cell wraps, and a long word folds.
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for r in view.rows if all_rows else view.frontier:
        low = format_sig(flop_to_tfs_days(r.estimate.flop_low))
        high = format_sig(flop_to_tfs_days(r.estimate.flop_high))
        cells = [
            r.entry.name,
            r.entry.publication.date.isoformat(),
            format_sig(r.estimate.tfs_days),
            f"{low}–{high}",
            f"{format_sig(r.reduction.value)}x" if r.reduction else "—",
        ]
        if not compact:
            pub = primary_published(r)
            cells += [
                "—" if pub is None else f"{pub.value:g} {pub.unit} ({pub.convention})",
                r.estimate.method,
                r.tier,
            ]
        if all_rows or not compact:
            cells.append("●" if r.on_frontier else "")
        # Entry text is untrusted: Text() shows it literally, never as rich markup.
        table.add_row(*(Text(c) for c in cells))
    return table


@click.command()
@click.argument("name", type=click.Choice(sorted(json_schemas())), default="entry")
def schema(name: str) -> None:
    """Print the JSON Schema of an analysis entry or of the benchmarks file.

    The same schemas are written to schema/ by `algoeff render`; point your editor's
    YAML language server at schema/entry.schema.json.

    \b
    Example:
        algoeff schema entry > entry.schema.json
    """
    click.echo(json.dumps(json_schemas()[name], indent=2, sort_keys=True))
