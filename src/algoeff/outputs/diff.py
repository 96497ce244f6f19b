"""What a change does to the dataset: entries, frontiers and halving times, as Markdown.

`algoeff diff` compares the dataset at a git revision with the working tree, for a
reviewer (and a pull request's job summary). The old revision is read with git itself
(``git archive`` of ``data/`` and ``analysis/`` into a temporary folder), so the working
tree is never touched; both sides are then loaded, derived and compared here.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.units import flop_to_tfs_days, format_sig
from algoeff.dataset.checks import Audit, audit_dataset
from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.dataset.load import ANALYSIS_DIR, BENCHMARKS_FILE
from algoeff.dataset.trend import Trend, fit_trend, trend_points
from algoeff.outputs.tables import md

# Branches whose merge base with HEAD is the default base, in order of preference: the
# local main, else the remote's (a CI checkout often has no local main).
DEFAULT_BRANCHES = ("main", "origin/main")
# Changed fields named per entry before the rest are counted.
MAX_FIELDS_SHOWN = 8


def _git(root: Path, *args: str) -> bytes:
    """The output of a git command run in ``root``; InputError with git's first line."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise InputError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["failed"]
        raise InputError(f"git {args[0]}: {lines[0]}")
    return done.stdout


def resolve_revision(root: Path, ref: str) -> str:
    """The commit that ``ref`` names; InputError with a hint when it names none."""
    try:
        out = _git(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
    except InputError:
        raise InputError(
            f"{ref!r} is not a commit of the repository at {root} "
            "(expected a branch, tag or commit, e.g. --base main or --base HEAD~1)"
        ) from None
    return out.decode().strip()


def default_base(root: Path) -> tuple[str, str]:
    """(label, commit) of the merge base of HEAD with main (or origin/main)."""
    for branch in DEFAULT_BRANCHES:
        try:
            resolve_revision(root, branch)
        except InputError:
            continue
        return branch, _git(root, "merge-base", "HEAD", branch).decode().strip()
    raise InputError("no branch main or origin/main to compare with; pass --base REF")


def export_revision(root: Path, commit: str, dest: Path) -> Path | None:
    """The dataset files of ``commit`` written under ``dest``; the dataset root there, or
    None when that revision has no benchmarks file (everything is then new)."""
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    wanted = [f"{prefix}{BENCHMARKS_FILE.parent}", f"{prefix}{ANALYSIS_DIR}"]
    present = _git(root, "ls-tree", "--name-only", commit, "--", *wanted).decode().split()
    if f"{prefix}{BENCHMARKS_FILE.parent}" not in present:
        return None
    archive = _git(root, "archive", "--format=tar", commit, "--", *present)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # "data": no links out of dest, no absolute paths, no devices (PEP 706).
        tar.extractall(dest, filter="data")
    old_root = dest / prefix
    return old_root if (old_root / BENCHMARKS_FILE).is_file() else None


def load_side(root: Path | None) -> Audit | None:
    """The dataset at ``root`` loaded, derived and checked; None for no dataset."""
    if root is None:
        return None
    try:
        return audit_dataset(root)
    except ProblemsError as exc:
        raise InputError(f"the dataset cannot be loaded: {exc.problems[0]}") from None


Key = tuple[str, str]  # (benchmark id, entry id)


@dataclass(frozen=True)
class _Side:
    rows: dict[Key, Row]
    views: dict[str, BenchmarkView]
    entries: dict[Key, dict[str, Any]]

    @classmethod
    def of(cls, audit: Audit | None) -> _Side:
        if audit is None:
            return cls({}, {}, {})
        rows = {(v.benchmark.id, r.entry.id): r for v in audit.views for r in v.rows}
        entries = {
            (le.entry.benchmark, le.entry.id): le.entry.model_dump(mode="json")
            for le in audit.dataset.entries
        }
        return cls(rows, {v.benchmark.id: v for v in audit.views}, entries)


def _leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, f"{prefix}.{i}")
    else:
        yield prefix, data


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted paths of the values that differ between two entries, sorted."""
    a, b = dict(_leaves(old)), dict(_leaves(new))
    return sorted(k for k in a.keys() | b.keys() if a.get(k, ...) != b.get(k, ...))


def _tfs(row: Row | None) -> str:
    return "—" if row is None else format_sig(flop_to_tfs_days(row.estimate.flop))


def _factor(value: float) -> str:
    return f"{format_sig(value)}x"


def _entry_cell(row: Row | None, key: Key) -> str:
    name = md(row.entry.name) if row is not None else ""
    return f"{name} (`{key[1]}`)" if name else f"`{key[1]}`"


def _entry_lines(old: _Side, new: _Side) -> list[str]:
    lines = []
    for key in sorted(old.entries.keys() | new.entries.keys()):
        before, after = old.entries.get(key), new.entries.get(key)
        if before == after:
            continue
        if before is None:
            change, fields = "added", ""
        elif after is None:
            change, fields = "removed", ""
        else:
            names = changed_fields(before, after)
            # Paths of schema fields and list indices: no submitted text, nothing to escape.
            shown = ", ".join(f"`{n}`" for n in names[:MAX_FIELDS_SHOWN])
            more = len(names) - MAX_FIELDS_SHOWN
            change, fields = "changed", shown + (f" and {more} more" if more > 0 else "")
        row = new.rows.get(key) or old.rows.get(key)
        lines.append(
            f"| {key[0]} | {_entry_cell(row, key)} | {change} | {_tfs(old.rows.get(key))} "
            f"| {_tfs(new.rows.get(key))} | {fields} |"
        )
    if not lines:
        return []
    return [
        "### Entries",
        "",
        "| benchmark | entry | change | compute before (tfs-days) | after | fields changed |",
        "|---|---|---|---:|---:|---|",
        *lines,
        "",
    ]


def _frontier(view: BenchmarkView | None) -> list[tuple[str, float]]:
    return [] if view is None else [(r.entry.id, r.estimate.flop) for r in view.frontier]


def _frontier_lines(bench: str, old: _Side, new: _Side) -> list[str]:
    before, after = _frontier(old.views.get(bench)), _frontier(new.views.get(bench))
    if before == after:
        return []
    view = new.views.get(bench)
    old_ids = {i for i, _ in before}
    new_ids = {i for i, _ in after}
    rows = []
    frontier = list(view.frontier) if view is not None else []
    for i, row in enumerate(frontier):
        key = (bench, row.entry.id)
        old_row = old.rows.get(key)
        if row.entry.id in old_ids and old_row is not None and old_row.on_frontier:
            if old_row.estimate.flop == row.estimate.flop:
                continue
            what = "compute changed"
        elif i == len(frontier) - 1:
            what = "**new state of the art**"
        else:
            what = "joins the frontier"
        baseline = f"{_factor(row.reduction.value)}" if row.reduction else "—"
        if i > 0:
            prev = frontier[i - 1]
            previous = f"{_factor(prev.estimate.flop / row.estimate.flop)} over `{prev.entry.id}`"
        else:
            previous = "— (first on the frontier)"
        rows.append(
            f"| {_entry_cell(row, key)} | {row.entry.publication.date} | {_tfs(row)} "
            f"| {baseline} | {previous} | {what} |"
        )
    for entry_id, _ in before:
        if entry_id not in new_ids:
            key = (bench, entry_id)
            gone = "removed" if key not in new.rows else "leaves the frontier"
            row = old.rows[key]
            rows.append(
                f"| {_entry_cell(row, key)} | {row.entry.publication.date} | {_tfs(row)} "
                f"| — | — | {gone} |"
            )
    base = view.benchmark.baseline if view is not None else "the baseline"
    return [
        f"**{bench}**: the frontier changed.",
        "",
        f"| entry | date | compute (tfs-days) | vs baseline `{base}` | vs previous best | change |",
        "|---|---|---:|---:|---|---|",
        *rows,
        "",
    ]


def _trend(view: BenchmarkView | None) -> Trend | None:
    if view is None or not trend_points(view):
        return None
    return fit_trend(view)


def _halving(trend: Trend | None) -> str:
    if trend is None:
        return "— (no entries)"
    if trend.halving_months is None:
        return "— (one date)"
    value = f"{format_sig(trend.halving_months)} months"
    if trend.halving_months_low is None or trend.halving_months_high is None:
        return f"{value} (no interval: two points)"
    low, high = format_sig(trend.halving_months_low), format_sig(trend.halving_months_high)
    return f"{value} (95 % interval {low}–{high})"


def _trend_line(bench: str, old: _Side, new: _Side) -> str | None:
    before, after = old.views.get(bench), new.views.get(bench)
    if (before and trend_points(before)) == (after and trend_points(after)):
        return None
    return f"| {bench} | {_halving(_trend(before))} | {_halving(_trend(after))} |"


def diff_markdown(old: Audit | None, new: Audit, base: str) -> str:
    """The Markdown report of what ``new`` changes against ``old`` (None: no dataset)."""
    a, b = _Side.of(old), _Side.of(new)
    benches = list(b.views) + [k for k in a.views if k not in b.views]
    entries = _entry_lines(a, b)
    frontier = [line for bench in benches for line in _frontier_lines(bench, a, b)]
    trends = [t for bench in benches if (t := _trend_line(bench, a, b)) is not None]
    notes = []
    if new.errors:
        notes = [
            f"The working tree has {len(new.errors)} error(s) (`algoeff check` lists them); "
            "entries that do not load are left out.",
            "",
        ]
    if not (entries or frontier or trends):
        return "\n".join([*notes, f"No change to the dataset against {base}."]) + "\n"
    out = [f"## Dataset changes against {base}", "", *notes, *entries]
    if frontier:
        out += ["### Frontier", "", *frontier]
    if trends:
        out += [
            "### Halving time",
            "",
            "| benchmark | before | after |",
            "|---|---|---|",
            *trends,
            "",
        ]
    return "\n".join(out)
