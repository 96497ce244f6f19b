"""Formatting derived rows for people: the CSV in the seed's format and the README tables.

Both are byte-for-byte deterministic. Text from entries is untrusted: CSV cells
that a spreadsheet would read as a formula are prefixed with an apostrophe
(OWASP "CSV injection"), Markdown cells have their markup escaped and link targets
their delimiters percent-encoded, and everywhere control characters become spaces
and bidirectional overrides are dropped, so that text displays as it reads
("Trojan Source", CVE-2021-42574).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from urllib.parse import quote

from algoeff.core.text import csv_safe, plain_text
from algoeff.core.units import flop_to_tfs_days, format_sig, from_flop
from algoeff.dataset.csv_audit import SEED_COLUMNS
from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.dataset.trend import Trend
from algoeff.model.schema import Benchmark, PublishedFigure

EXTRA_COLUMNS = (
    # The convention of the seed's Compute column (the benchmark's seed_convention);
    # flop, flop_low and flop_high are always canonical (multiply-add = 2).
    "compute_convention",
    "benchmark_id",
    "entry_id",
    "flop",
    "flop_low",
    "flop_high",
    "method",
    "published_figure",
    "published_unit",
    "published_convention",
    "tier",
)
CSV_COLUMNS = SEED_COLUMNS + EXTRA_COLUMNS


def primary_published(row: Row) -> PublishedFigure | None:
    """The figure shown beside the canonical one: the first that counts to the target, as the
    entry does (so the two are comparable), else the first of any scope."""
    figures = row.entry.published
    return next((f for f in figures if f.scope == "to-target"), figures[0] if figures else None)


def csv_text(views: list[BenchmarkView]) -> str:
    """The frontier rows of every benchmark, seed columns first, ISO 8601 dates.

    The seed's "Compute (teraflops-s/days)" column is in each benchmark's
    ``seed_convention`` (named in ``compute_convention``), so a reader of the original
    tracker's CSV reads the ImageNet rows as before (one multiply-add = 1); the
    canonical figures (multiply-add = 2) are in ``flop``, ``flop_low`` and ``flop_high``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for view in views:
        for row in view.frontier:
            e, est = row.entry, row.estimate
            pub = primary_published(row)
            cells = [
                view.benchmark.label,
                e.publication.date.isoformat(),
                e.name,
                e.publication.url,
                format_sig(from_flop(est.flop, "tfs-day", view.benchmark.seed_convention)),
                format_sig(row.reduction.value) if row.reduction else "",
                e.analysis.name,
                e.analysis.url or "",
                view.benchmark.seed_convention,
                view.benchmark.id,
                e.id,
                f"{est.flop:.4e}",
                f"{est.flop_low:.4e}",
                f"{est.flop_high:.4e}",
                est.method,
                f"{pub.value:g}" if pub else "",
                pub.unit if pub else "",
                pub.convention if pub else "",
                row.tier,
            ]
            writer.writerow([csv_safe(c) for c in cells])
    return out.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|<>#!~])")


def md(text: str) -> str:
    """Escape Markdown and HTML in untrusted text for a table cell."""
    return _MD_SPECIAL.sub(r"\\\1", plain_text(text).replace("&", "&amp;"))


# Characters that end or escape a link target, or the table cell around it ("|").
_URL_DELIMITERS = frozenset(" ()<>|`\\")


def md_url(url: str) -> str:
    """A URL safe inside a Markdown link target (the schema already requires http(s)):
    delimiters, whitespace, controls and bidi characters are percent-encoded (UTF-8)."""
    # isprintable() is false for every control, format (bidi) and separator character
    # except the ASCII space, which is a delimiter.
    return "".join(
        quote(c, safe="") if c in _URL_DELIMITERS or not c.isprintable() else c for c in url
    )


def _range(row: Row) -> str:
    est = row.estimate
    if est.flop_low == est.flop_high:
        # No input carried a low-high range: the figure is not thereby exact (GNMT's
        # 1.4e20 FLOP is itself an estimate), its source just gave no bounds.
        return "no stated range"
    low, high = flop_to_tfs_days(est.flop_low), flop_to_tfs_days(est.flop_high)
    return f"{format_sig(low)}–{format_sig(high)}"


def _published(row: Row) -> str:
    pub = primary_published(row)
    if pub is None:
        return "—"
    mark = " (1 multiply-add = 1)" if pub.convention == "multiply-add=1" else ""
    scope = " (one model, whole run)" if pub.scope == "run" else ""
    # As the source printed it (17, 0.75, 2.661e+17), not rounded to our precision.
    return f"{pub.value:g} {pub.unit}{mark}{scope}"


def benchmark_title(b: Benchmark) -> str:
    """'79.1 % top-5 accuracy on ImageNet (AlexNet-level)'."""
    # "34.8 BLEU BLEU" would repeat itself: a unit equal to the metric name is said once.
    unit = "" if b.metric.unit == b.metric.name else f" {b.metric.unit}"
    return f"{b.threshold:g}{unit} {b.metric.name} on {b.dataset} ({b.label}-level)"


def headline(view: BenchmarkView, trend: Trend) -> str:
    """One sentence on a benchmark's trend, for the top of the README tables."""
    b = view.benchmark
    text = (
        f"**{md(b.label)}-level:** the compute to reach it fell "
        f"{format_sig(trend.reduction_factor)}x from {trend.first_date.year} to "
        f"{trend.last_date.year} ({trend.span_years:.1f} years; "
        f"{format_sig(trend.reduction_factor_min)}–{format_sig(trend.reduction_factor_max)} "
        f"over the entries' input ranges)"
    )
    if trend.halving_months is not None and math.isfinite(trend.halving_months):
        text += f", halving every {format_sig(trend.halving_months)} months"
        if trend.halving_months_low is not None and trend.halving_months_high is not None:
            text += (
                f" (95 % {format_sig(trend.halving_months_low)}–"
                f"{format_sig(trend.halving_months_high)})"
            )
        if trend.endpoint_halving_months is not None:
            text += f", or {format_sig(trend.endpoint_halving_months)} from the two endpoints alone"
    return (
        f"{text}. Moore's law (2x every 2 years) would have given "
        f"{format_sig(trend.moore_factor)}x over the same span. "
        "How these are fitted: [docs/trends.md](docs/trends.md)."
    )


def _months(value: float | None) -> str:
    return format_sig(value) if value is not None and math.isfinite(value) else "—"


def halving_table(views: list[BenchmarkView], trends: Mapping[str, Trend | None]) -> str:
    """Every benchmark's fitted halving time with its interval, one row each."""
    lines = [
        "| Benchmark | Span | Frontier entries | Reduction | Halving time (months) "
        "| 95 % interval | Moore's law over the span |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for view in views:
        trend = trends.get(view.benchmark.id)
        if trend is None:
            continue
        if trend.halving_months_low is not None and trend.halving_months_high is not None:
            # An infinite upper end: the interval of the slope reaches zero, so the data
            # do not rule out that the compute stopped falling.
            high = trend.halving_months_high
            high_text = "∞" if math.isinf(high) else _months(high)
            interval = f"{_months(trend.halving_months_low)}–{high_text}"
        else:
            # A line through two points leaves no scatter to estimate an interval from.
            interval = "none (two points)" if trend.n_points == 2 else "—"
        lines.append(
            f"| {md(view.benchmark.label)}-level | {trend.first_date.year}–{trend.last_date.year} "
            f"| {trend.n_points} | {format_sig(trend.reduction_factor)}x "
            f"| {_months(trend.halving_months)} | {interval} | {format_sig(trend.moore_factor)}x |"
        )
    lines.append(
        "\n![Every benchmark's frontier as a reduction factor against date]"
        "(docs/img/frontiers.svg)\n"
    )
    return "\n".join(lines) + "\n"


def markdown_tables(views: list[BenchmarkView]) -> str:
    """One Markdown table per benchmark: its frontier, with derived reduction factors."""
    parts: list[str] = []
    for view in views:
        b = view.benchmark
        parts.append(f"### {md(benchmark_title(b))}\n")
        parts.append(
            "| Publication | Date | Compute (tfs-days) | Range | Reduction factor "
            "| Published figure | Method | Tier | Analysis |"
        )
        parts.append("|---|---|---:|---|---:|---|---|---|---|")
        for row in view.frontier:
            e = row.entry
            analysis = md(e.analysis.name)
            if e.analysis.url:
                analysis = f"[{analysis}]({md_url(e.analysis.url)})"
            reduction = f"{format_sig(row.reduction.value)}x" if row.reduction else "—"
            parts.append(
                f"| [{md(e.name)}]({md_url(e.publication.url)}) | {e.publication.date.isoformat()} "
                f"| {format_sig(row.estimate.tfs_days)} | {_range(row)} | {reduction} "
                f"| {_published(row)} | {row.estimate.method} | {row.tier} | {analysis} |"
            )
        parts.append("")
    return "\n".join(parts)
