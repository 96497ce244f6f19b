"""Audit a CSV in the original tracker's format (shared/seed/efficiency_sota.csv).

The original has no inputs to recompute from, so the audit checks what its
columns allow: the header, dates (valid, M/D/YYYY or ISO, not in the future, in
the month of the arXiv id in the link), compute finite and positive, one
baseline per metric, each reduction factor against baseline / compute (allowing
for the rounding of both printed numbers), the frontier (each row must beat
every earlier one), http(s) links, and one URL per publication.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from algoeff.errors import Problem
from algoeff.fields import arxiv_year_month
from algoeff.loading import display_path, read_text
from algoeff.tables import SEED_COLUMNS

# A CSV of the original format is a few kilobytes; refuse anything absurd before parsing.
MAX_CSV_BYTES = 4 * 1024 * 1024
_ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
_URL = re.compile(r"^https?://\S+$")


def looks_like_seed_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]
    date: dt.date | None
    compute: float | None
    reduction: float | None


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _print_interval(text: str) -> tuple[float, float]:
    """The interval of values that print as ``text`` (half a unit in the last digit)."""
    value = float(text)
    digits = text.split(".")[1] if "." in text else ""
    if digits:
        half = 0.5 * 10 ** (-len(digits))
    else:
        # "1620" or "8": trailing zeros are ambiguous; assume two significant figures at most.
        stripped = text.rstrip("0") or "0"
        zeros = len(text) - len(stripped)
        half = 0.5 * 10**zeros if len(stripped) >= 2 else 0.5 * 10 ** max(zeros, 0)
    return value - half, value + half


def audit_csv(path: Path, today: dt.date | None = None) -> list[Problem]:
    """Every problem in a CSV of the original format, one per finding."""
    from algoeff.errors import ProblemsError

    shown = display_path(path)
    try:
        text = read_text(path, MAX_CSV_BYTES)
    except ProblemsError as exc:
        return exc.problems
    day = today or dt.date.today()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [Problem(shown, "header", f"cannot be parsed: {exc}", "a well-formed CSV header")]
    if (
        header is None
        or tuple(h.strip() for h in header) != SEED_COLUMNS[: len(header)]
        or len(header) < len(SEED_COLUMNS)
    ):
        return [
            Problem(shown, "header", f"columns {header}", f"the columns {', '.join(SEED_COLUMNS)}")
        ]
    problems: list[Problem] = []
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
        if len(raw) < len(SEED_COLUMNS):
            problems.append(
                Problem(shown, f"row {line}", f"has {len(raw)} cells", f"{len(SEED_COLUMNS)} cells")
            )
            continue
        cells = dict(zip(SEED_COLUMNS, (c.strip() for c in raw), strict=False))
        rows.append(
            _Row(
                line,
                cells,
                _parse_date(cells["Publication Date"]),
                _parse_number(cells["Compute (teraflops-s/days)"]),
                _parse_number(cells["Reduction Factor"]),
            )
        )
    for row in rows:
        problems += _audit_row(shown, row, day)
    problems += _audit_metrics(shown, rows)
    problems += _audit_urls(shown, rows)
    return problems


def _where(row: _Row) -> str:
    return f"row {row.line} ({row.cells['Publication']})"


def _audit_row(shown: str, row: _Row, today: dt.date) -> list[Problem]:
    out = []
    where = _where(row)
    c = row.cells
    if row.date is None:
        out.append(
            Problem(
                shown,
                f"{where}: Publication Date",
                f"{c['Publication Date']!r} is not a date",
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
        if match:
            year, month = arxiv_year_month(match.group(1))
            if (row.date.year, row.date.month) != (year, month):
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
                f"{where}: Compute (teraflops-s/days)",
                f"{c['Compute (teraflops-s/days)']!r} is not a positive number",
                "compute > 0",
            )
        )
    if row.reduction is None or row.reduction <= 0:
        out.append(
            Problem(
                shown,
                f"{where}: Reduction Factor",
                f"{c['Reduction Factor']!r} is not a positive number",
                "a factor > 0",
            )
        )
    for column in ("Publication link", "Analysis link"):
        url = c[column]
        if url and not _URL.match(url):
            out.append(
                Problem(
                    shown, f"{where}: {column}", f"{url!r} is not an http(s) URL", "an http(s) URL"
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
        baselines = [r for r in group if r.cells["Reduction Factor"] in ("1", "1.0")]
        if len(baselines) != 1:
            out.append(
                Problem(
                    shown,
                    f"Metric {metric}",
                    f"has {len(baselines)} baseline rows",
                    "exactly one row with Reduction Factor 1",
                )
            )
            continue
        base = baselines[0]
        if base.compute is None:
            continue
        base_lo, base_hi = _print_interval(base.cells["Compute (teraflops-s/days)"])
        best = math.inf
        for row in sorted(group, key=lambda r: (r.date or dt.date.max, r.line)):
            if row.compute is None or row.reduction is None:
                continue
            if row.compute >= best:
                out.append(
                    Problem(
                        shown,
                        f"{_where(row)}: Compute (teraflops-s/days)",
                        f"{row.compute:g} does not beat an earlier row ({best:g})",
                        "less compute than every earlier row of the metric (the frontier)",
                    )
                )
            best = min(best, row.compute)
            if row is base:
                continue
            lo, hi = _print_interval(row.cells["Compute (teraflops-s/days)"])
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


def _audit_urls(shown: str, rows: list[_Row]) -> list[Problem]:
    out = []
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
            # Rows of one paper share its link (EfficientNet b0 and b1): compare by the
            # publication's family name, the part before any parenthesis.
            family = re.sub(r"\s*\(.*\)$", "", name).casefold()
            if url in owner and owner[url][0] != family:
                if column == "Analysis link" and c["Analysis"].casefold() == owner[url][0]:
                    continue
                out.append(
                    Problem(
                        shown,
                        f"{_where(row)}: {column}",
                        f"{url} is also the link of {owner[url][1]}",
                        "one URL per publication",
                    )
                )
            owner.setdefault(url, (family, f"{_where(row)}: {column.split()[0]} {name!r}"))
    return out
