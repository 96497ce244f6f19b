"""Audit a CSV in the original tracker's format (shared/seed/efficiency_sota.csv).

The original has no inputs to recompute from, so the audit checks what its
columns allow: the header, dates (valid, M/D/YYYY or ISO, not in the future, in
the month of the arXiv id in the link), compute finite and positive, one
baseline per metric, each reduction factor against baseline / compute (allowing
for the rounding of both printed numbers), the frontier (each row must beat
every earlier one), http(s) links, one URL per publication, and no cell that a
spreadsheet would run as a formula.

Columns after the original eight are allowed: `algoeff render` writes the
extra columns of ``tables.EXTRA_COLUMNS``. When the FLOP columns are there, each
row's flop_low <= flop <= flop_high must hold and the compute column must be
flop / 8.64e16 to its printed precision, halved where `compute_convention` says the
column counts one multiply-add as 1 (the original tracker's ImageNet rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from algoeff.core.errors import Problem, ProblemsError
from algoeff.core.fields import arxiv_year_month
from algoeff.core.files import display_path, read_text
from algoeff.core.text import FORMULA_START
from algoeff.core.units import FLOP_PER_TFS_DAY, Convention, convention_factor, format_sig

# A CSV of the original format is a few kilobytes; refuse anything absurd before parsing.
# The original tracker's columns, kept first and with the same names so that its
# readers keep working (shared/seed/efficiency_sota.csv); outputs.tables writes them.
SEED_COLUMNS = (
    "Metric",
    "Publication Date",
    "Publication",
    "Publication link",
    "Compute (teraflops-s/days)",
    "Reduction Factor",
    "Analysis",
    "Analysis link",
)
MAX_CSV_BYTES = 4 * 1024 * 1024
_ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5})")
_URL = re.compile(r"^https?://\S+$")
# A number as people write it: float() alone would also take "1_000", "infinity" and
# non-ASCII digits, whose printed precision cannot be read off the text.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FLOP_COLUMNS = ("flop", "flop_low", "flop_high")
_COMPUTE = "Compute (teraflops-s/days)"
# Cells are echoed in problems: long ones are cut so that one line stays one line.
_ECHO_CHARS = 80


def looks_like_seed_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]
    date: dt.date | None
    compute: float | None
    reduction: float | None


def _echo(text: str) -> str:
    """``text`` quoted for a problem line: control characters escaped, long text cut."""
    return repr(text if len(text) <= _ECHO_CHARS else text[:_ECHO_CHARS] + "…")


def _runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet would evaluate ``cell``; numbers (-1) are left to the number checks."""
    if not cell.lstrip(" ").startswith(FORMULA_START):
        return False
    return _NUMBER.fullmatch(cell.strip()) is None


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _parse_number(text: str) -> float | None:
    if _NUMBER.fullmatch(text) is None:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _print_interval(text: str) -> tuple[float, float]:
    """The interval of values that print as ``text`` (half a unit in the last digit).

    ``text`` is a finite number matching ``_NUMBER``: "0.139", "1620", "5.3222e+17".
    """
    value = float(text)
    mantissa, _, exponent = text.lower().partition("e")
    # float() of the text, not 10 ** int(): an absurd exponent gives inf or 0, never an error.
    scale = float(f"1e{exponent}") if exponent else 1.0
    decimals = mantissa.split(".")[1] if "." in mantissa else ""
    if decimals:
        half = 0.5 * 10.0 ** (-len(decimals))
    else:
        # "1620" or "8": a trailing zero may or may not be significant; take the wider reading.
        whole = mantissa.lstrip("+-")
        stripped = whole.rstrip("0") or "0"
        zeros = len(whole) - len(stripped)
        half = 0.5 * 10.0**zeros
    half *= scale
    return value - half, value + half


def audit_csv(path: Path, today: dt.date | None = None) -> list[Problem]:
    """Every problem in a CSV of the original format, one per finding."""

    shown = display_path(path)
    try:
        text = read_text(path, MAX_CSV_BYTES)
    except ProblemsError as exc:
        return exc.problems
    # Excel writes "UTF-8 CSV" with a byte order mark; it is not part of the first column's name.
    text = text.removeprefix("\ufeff")
    day = today or dt.date.today()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [Problem(shown, "header", f"cannot be parsed: {exc}", "a well-formed CSV header")]
    names = [h.strip() for h in header or []]
    if tuple(names[: len(SEED_COLUMNS)]) != SEED_COLUMNS:
        return [
            Problem(
                shown,
                "header",
                f"columns {_echo(', '.join(names))}",
                f"the columns {', '.join(SEED_COLUMNS)} first (more may follow)",
            )
        ]
    problems: list[Problem] = [
        Problem(shown, "header", f"{_echo(name)}: {_FORMULA_MESSAGE}", _FORMULA_EXPECTED)
        for name in (header or [])[len(SEED_COLUMNS) :]
        if _runs_as_formula(name)
    ]
    rows: list[_Row] = []
    line = 1
    while True:
        line += 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader resumes at the next physical line, so later rows are still audited.
            problems.append(
                Problem(shown, f"row {line}", f"cannot be parsed: {exc}", "a well-formed CSV row")
            )
            continue
        if not any(cell.strip() for cell in raw):
            continue
        # Trailing empty cells (a spreadsheet's export of a wider sheet) are harmless.
        if len(raw) < len(names) or any(cell.strip() for cell in raw[len(names) :]):
            problems.append(
                Problem(
                    shown,
                    f"row {line}",
                    f"has {len(raw)} cells",
                    f"{len(names)} cells, one per header column",
                )
            )
            continue
        cells = dict(zip(names, (c.strip() for c in raw), strict=False))
        row = _Row(
            line,
            cells,
            _parse_date(cells["Publication Date"]),
            _parse_number(cells[_COMPUTE]),
            _parse_number(cells["Reduction Factor"]),
        )
        rows.append(row)
        problems += [
            Problem(shown, f"{_where(row)}: {name}", _FORMULA_MESSAGE, _FORMULA_EXPECTED)
            for name, cell in zip(names, raw, strict=False)
            if _runs_as_formula(cell)
        ]
    with_flop = all(column in names for column in _FLOP_COLUMNS)
    for row in rows:
        problems += _audit_row(shown, row, day)
        if with_flop:
            problems += _audit_flop(shown, row)
    problems += _audit_metrics(shown, rows)
    problems += _audit_urls(shown, rows)
    return problems


_FORMULA_MESSAGE = "cell would run as a spreadsheet formula"
_FORMULA_EXPECTED = "text not starting with = + - @ tab or CR (prefix it with an apostrophe)"


def _where(row: _Row) -> str:
    return f"row {row.line} ({_echo(row.cells['Publication'])[1:-1]})"


def _audit_row(shown: str, row: _Row, today: dt.date) -> list[Problem]:
    out = []
    where = _where(row)
    c = row.cells
    if row.date is None:
        out.append(
            Problem(
                shown,
                f"{where}: Publication Date",
                f"{_echo(c['Publication Date'])} is not a date",
                "M/D/YYYY or YYYY-MM-DD",
            )
        )
    elif row.date > today:
        out.append(
            Problem(
                shown,
                f"{where}: Publication Date",
                f"{row.date} is in the future",
                f"on or before {today}",
            )
        )
    else:
        match = _ARXIV_IN_URL.search(c["Publication link"])
        try:
            year, month = arxiv_year_month(match.group(1)) if match else (0, 0)
        except ValueError:
            out.append(
                Problem(
                    shown,
                    f"{where}: Publication link",
                    f"arXiv id {match.group(1) if match else ''} has no month",
                    "an arXiv id YYMM.NNNNN with a month 01-12",
                )
            )
        else:
            if match and (row.date.year, row.date.month) != (year, month):
                out.append(
                    Problem(
                        shown,
                        f"{where}: Publication Date",
                        f"{c['Publication Date']} is not in the month of arXiv {match.group(1)}",
                        f"a date in {year}-{month:02d}",
                    )
                )
    if row.compute is None or row.compute <= 0:
        out.append(
            Problem(
                shown,
                f"{where}: {_COMPUTE}",
                f"{_echo(c[_COMPUTE])} is not a positive number",
                "compute > 0",
            )
        )
    if row.reduction is None or row.reduction <= 0:
        out.append(
            Problem(
                shown,
                f"{where}: Reduction Factor",
                f"{_echo(c['Reduction Factor'])} is not a positive number",
                "a factor > 0",
            )
        )
    for column in ("Publication link", "Analysis link"):
        url = c[column]
        # isprintable() refuses control characters and bidi overrides, which \\S lets through.
        if url and not (_URL.match(url) and url.isprintable()):
            out.append(
                Problem(
                    shown,
                    f"{where}: {column}",
                    f"{_echo(url)} is not an http(s) URL",
                    "an http(s) URL",
                )
            )
    if not c["Analysis link"]:
        out.append(
            Problem(
                shown,
                f"{where}: Analysis link",
                "is empty: the figure cannot be traced",
                "a link to the calculation",
                "warning",
            )
        )
    return out


def _audit_metrics(shown: str, rows: list[_Row]) -> list[Problem]:
    out: list[Problem] = []
    metrics: dict[str, list[_Row]] = {}
    for row in rows:
        metrics.setdefault(row.cells["Metric"], []).append(row)
    for metric, group in metrics.items():
        # "1", "1.0" and "1.00" (as `algoeff render` prints it) all mark the baseline.
        baselines = [r for r in group if r.reduction == 1]
        if len(baselines) != 1:
            out.append(
                Problem(
                    shown,
                    f"Metric {_echo(metric)[1:-1]}",
                    f"has {len(baselines)} baseline rows",
                    "exactly one row with Reduction Factor 1",
                )
            )
            continue
        base = baselines[0]
        if base.compute is None or base.compute <= 0:
            continue
        base_lo, base_hi = _print_interval(base.cells[_COMPUTE])
        best = math.inf
        for row in sorted(group, key=lambda r: (r.date or dt.date.max, r.line)):
            # Non-positive numbers are reported by _audit_row; dividing by them is meaningless.
            if row.compute is None or row.reduction is None or min(row.compute, row.reduction) <= 0:
                continue
            if row.compute >= best:
                out.append(
                    Problem(
                        shown,
                        f"{_where(row)}: {_COMPUTE}",
                        f"{row.compute:g} does not beat an earlier row ({best:g})",
                        "less compute than every earlier row of the metric (the frontier)",
                    )
                )
            best = min(best, row.compute)
            if row is base:
                continue
            lo, hi = _print_interval(row.cells[_COMPUTE])
            implied = base.compute / row.compute
            rf_lo, rf_hi = _print_interval(row.cells["Reduction Factor"])
            if rf_hi < base_lo / hi or rf_lo > base_hi / lo:
                out.append(
                    Problem(
                        shown,
                        f"{_where(row)}: Reduction Factor",
                        f"{row.reduction:g} disagrees with {base.compute:g} / {row.compute:g} "
                        f"= {implied:.3g}",
                        f"between {base_lo / hi:.3g} and {base_hi / lo:.3g} given the rounding",
                    )
                )
    return out


def _family(name: str) -> str:
    """A publication's family name, the part before any parenthesis: rows of one paper
    (EfficientNet b0 and b1) share its link."""
    return re.sub(r"\s*\(.*\)$", "", name).casefold()


def _audit_urls(shown: str, rows: list[_Row]) -> list[Problem]:
    out = []
    # A row whose publication link is also its analysis link says the two names are one
    # document (Transformer, analysed in "Attention Is All You Need"); other rows may then
    # use either name for that link.
    same_document = {
        frozenset((_family(r.cells["Publication"]), _family(r.cells["Analysis"])))
        for r in rows
        if r.cells["Publication link"] and r.cells["Publication link"] == r.cells["Analysis link"]
    }
    owner: dict[str, tuple[str, str]] = {}
    for row in rows:
        c = row.cells
        for column, name in (
            ("Publication link", c["Publication"]),
            ("Analysis link", c["Analysis"]),
        ):
            url = c[column]
            if not url:
                continue
            family = _family(name)
            if (
                url in owner
                and owner[url][0] != family
                and frozenset((owner[url][0], family)) not in same_document
            ):
                out.append(
                    Problem(
                        shown,
                        f"{_where(row)}: {column}",
                        f"{_echo(url)[1:-1]} is also the link of {owner[url][1]}",
                        "one URL per publication",
                    )
                )
            owner.setdefault(url, (family, f"{_where(row)}: {column.split()[0]} {_echo(name)}"))
    return out


def _audit_flop(shown: str, row: _Row) -> list[Problem]:
    """The FLOP columns of `algoeff render`'s CSV: positive, ordered, agreeing with the compute."""
    where = _where(row)
    values: dict[str, float] = {}
    out: list[Problem] = []
    for column in _FLOP_COLUMNS:
        value = _parse_number(row.cells[column])
        if value is None or value <= 0:
            out.append(
                Problem(
                    shown,
                    f"{where}: {column}",
                    f"{_echo(row.cells[column])} is not a positive number",
                    "FLOP > 0",
                )
            )
        else:
            values[column] = value
    convention = row.cells.get("compute_convention", "multiply-add=2")
    if convention not in get_args(Convention):
        out.append(
            Problem(
                shown,
                f"{where}: compute_convention",
                f"{_echo(convention)} is not a counting convention",
                f"one of {', '.join(get_args(Convention))}",
            )
        )
    if out:
        return out
    per_unit = FLOP_PER_TFS_DAY * convention_factor(convention)  # type: ignore[arg-type]
    flop, low, high = (values[c] for c in _FLOP_COLUMNS)
    if not low <= flop <= high:
        out.append(
            Problem(
                shown,
                f"{where}: flop",
                f"{low:g} <= {flop:g} <= {high:g} does not hold",
                "flop_low <= flop <= flop_high",
            )
        )
    if row.compute is not None and row.compute > 0:
        # Both columns are printed roundings of one FLOP figure: their intervals must meet.
        flop_lo, flop_hi = _print_interval(row.cells["flop"])
        lo, hi = _print_interval(row.cells[_COMPUTE])
        slack = 1e-9 * hi
        if flop_hi / per_unit < lo - slack or flop_lo / per_unit > hi + slack:
            out.append(
                Problem(
                    shown,
                    f"{where}: {_COMPUTE}",
                    f"{row.cells[_COMPUTE]} is not flop in teraflop/s-days ({convention}) = "
                    f"{format_sig(flop / per_unit)}",
                    "the flop column in teraflop/s-days under compute_convention, "
                    "to its printed precision",
                )
            )
    return out
