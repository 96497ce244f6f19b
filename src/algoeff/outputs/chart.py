"""The README chart: a benchmark's entries, frontier and Moore's law as a static SVG.

    frontier_svg(view, trend=None) -> str

Compute (teraflop/s-days, log scale) against publication date: every entry as
a point with its low-high range, the frontier (best so far) as a step line
with labelled points, Moore's law (2x cheaper FLOP every 2 years) drawn down
from the baseline, and the fitted trend when ``trend`` is given.

The output is byte-for-byte deterministic so that `algoeff render --check` can
compare it: matplotlib's SVG ids are salted with a fixed string, metadata that
would carry a date or a version is removed, the size and fonts are fixed
(DejaVu Sans, shipped with matplotlib, drawn as paths). matplotlib is an
optional extra, imported only here and only when called. The SVG groups
``entries`` and ``frontier`` hold one marker per entry and per frontier entry.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from algoeff.core.errors import MissingExtraError
from algoeff.core.units import flop_to_tfs_days, format_sig
from algoeff.dataset.trend import MOORE_DOUBLING_YEARS, decimal_year

if TYPE_CHECKING:
    from algoeff.dataset.derive import BenchmarkView, Row
    from algoeff.dataset.trend import Trend

FIGURE_INCHES = (8.0, 4.8)
ENTRY_COLOUR = "#9aa5b1"
FRONTIER_COLOUR = "#1f5fa8"
MOORE_COLOUR = "#c0392b"
FIT_COLOUR = "#2e7d32"
# Keys typed Any: matplotlib types rc_context with a Literal of every rc name.
RC_PARAMS: dict[Any, Any] = {
    "svg.hashsalt": "algoeff",  # ids of clip paths and glyphs derive from it, not from random
    "svg.fonttype": "path",  # glyphs as paths: the same picture whatever fonts a viewer has
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": False,
}


def _literal(text: str) -> str:
    """Entry text drawn as written: matplotlib would read $...$ as mathematics (and fail on a
    stray one)."""
    return text.replace("$", r"\$")


def _tfs(flop: float) -> float:
    return flop_to_tfs_days(flop)


def _year(row: Row) -> float:
    return decimal_year(row.entry.publication.date)


def _ranges(rows: list[Row]) -> tuple[list[float], list[float], list[list[float]]]:
    """x, y and the (below, above) error-bar lengths of the rows that carry a range."""
    xs, ys, below, above = [], [], [], []
    for r in rows:
        est = r.estimate
        if est.flop_low < est.flop_high:
            xs.append(_year(r))
            ys.append(_tfs(est.flop))
            below.append(_tfs(est.flop) - _tfs(est.flop_low))
            above.append(_tfs(est.flop_high) - _tfs(est.flop))
    return xs, ys, [below, above]


def _draw(fig: Any, view: BenchmarkView, trend: Trend | None) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    ax = fig.add_axes((0.1, 0.12, 0.86, 0.76))
    bench = view.benchmark
    rows = list(view.rows)
    frontier = list(view.frontier)
    xs = [_year(r) for r in rows]
    first_x, last_x = min(xs), max(xs)

    ex, ey, err = _ranges(rows)
    if ex:
        ax.errorbar(
            ex, ey, yerr=err, fmt="none", ecolor=ENTRY_COLOUR, elinewidth=1, capsize=2, gid="ranges"
        )
    ax.plot(
        xs,
        [_tfs(r.estimate.flop) for r in rows],
        "o",
        color=ENTRY_COLOUR,
        markersize=4,
        label="entries",
        gid="entries",
        zorder=2,
    )

    fx = [_year(r) for r in frontier]
    fy = [_tfs(r.estimate.flop) for r in frontier]
    ax.step([*fx, last_x], [*fy, fy[-1]], where="post", color=FRONTIER_COLOUR, linewidth=1.5)
    ax.plot(
        fx,
        fy,
        "o",
        color=FRONTIER_COLOUR,
        markersize=5,
        label="frontier (least compute so far)",
        gid="frontier",
        zorder=3,
    )
    for r, x, y in zip(frontier, fx, fy, strict=True):
        # Below and to the right of a point the step line leaves a free corner;
        # the last point gets its label below and to the left, away from the edge.
        near_end = r is frontier[-1] and x > first_x + 0.8 * (last_x - first_x)
        ax.annotate(
            _literal(r.entry.name),
            (x, y),
            xytext=(-5 if near_end else 5, -4),
            textcoords="offset points",
            ha="right" if near_end else "left",
            va="top",
            fontsize=8,
            color=FRONTIER_COLOUR,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
            zorder=4,
        )

    if view.baseline is not None:
        x0 = _year(view.baseline)
        y0 = _tfs(view.baseline.estimate.flop)
        moore_y = y0 / 2.0 ** ((last_x - x0) / MOORE_DOUBLING_YEARS)
        ax.plot(
            [x0, last_x],
            [y0, moore_y],
            linestyle="--",
            color=MOORE_COLOUR,
            linewidth=1.2,
            label=f"Moore's law from the baseline (2× per {MOORE_DOUBLING_YEARS:g} years)",
        )

    if trend is not None and trend.slope_log2_flop_per_year is not None:
        assert trend.fit_start_flop is not None  # set together with the slope
        tx0 = decimal_year(trend.first_date)
        tx1 = decimal_year(trend.last_date)
        start = _tfs(trend.fit_start_flop)
        end = start * 2.0 ** (trend.slope_log2_flop_per_year * (tx1 - tx0))
        label = f"fit: halves every {format_sig(trend.halving_months or math.inf, 3)} months"
        if trend.halving_months_low is not None and trend.halving_months_high is not None:
            low, high = trend.halving_months_low, trend.halving_months_high
            label += f" (95 %: {format_sig(low, 3)}–{format_sig(high, 3)})"
        ax.plot(
            [tx0, tx1], [start, end], linestyle=":", color=FIT_COLOUR, linewidth=1.4, label=label
        )

    ax.set_yscale("log")
    # 1-2-5 ticks, so that even a frontier spanning less than a decade has labels.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    # Room below the lowest range for the labels that hang under their points.
    lowest = min(_tfs(r.estimate.flop_low) for r in rows)
    highest = max(_tfs(r.estimate.flop_high) for r in rows)
    ax.set_ylim(lowest / 2.0, highest * 1.5)
    years = range(math.floor(first_x), math.ceil(last_x) + 1)
    ax.xaxis.set_major_locator(FixedLocator([float(y) for y in years]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))
    ax.set_xlim(first_x - 0.4, last_x + 0.4)
    ax.set_xlabel("publication date")
    ax.set_ylabel("training compute to reach the level (tfs-days, log scale)")
    ax.set_title(_literal(bench.name), loc="left", fontsize=10)
    ax.grid(True, which="major", axis="y", color="#e5e5e5", linewidth=0.6)
    # Frontiers fall from top left to bottom right, which leaves the lower left free.
    headline = None
    if trend is not None and trend.n_points > 1:
        headline = (
            f"{format_sig(trend.reduction_factor, 2)}× less compute over "
            f"{format_sig(trend.span_years, 2)} years; Moore's law: "
            f"{format_sig(trend.moore_factor, 2)}×"
        )
    ax.legend(
        loc="lower left",
        fontsize=8,
        frameon=False,
        title=headline,
        title_fontsize=9,
        alignment="left",
    )


def frontier_svg(view: BenchmarkView, trend: Trend | None = None) -> str:
    """The chart of ``view`` (with ``trend``'s fitted line when given) as SVG text."""
    if not view.rows:
        raise ValueError(f"benchmark {view.benchmark.id!r} has no entries to chart")
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("matplotlib", "site", "the README chart") from None
    with matplotlib.rc_context(RC_PARAMS):
        # A bare Figure, not pyplot: no global figure registry, no GUI backend.
        fig = Figure(figsize=FIGURE_INCHES)
        _draw(fig, view, trend)
        out = io.StringIO()
        fig.savefig(
            out,
            format="svg",
            metadata={"Creator": None, "Date": None, "Title": view.benchmark.name},
        )
    return out.getvalue()


# The chart is stamped with a digest of everything it is drawn from (the rows, the
# trend, this module's code) and a digest of the SVG itself, so `algoeff check` can
# tell whether it is current without matplotlib: same inputs, same drawing code,
# untouched file -> the same bytes. matplotlib's version is pinned by the `site`
# extra (pyproject.toml), so it is not an input: with only the core installed, the
# check reads the same stamp and passes on a clean repository.
_STAMP = re.compile(r"<!-- algoeff-chart inputs=([0-9a-f]{32}) svg=([0-9a-f]{32}) -->\n")


def digest(text: str) -> str:
    """A short hex digest of ``text``, for the stamps."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def chart_inputs(view: BenchmarkView, trend: Trend | None) -> str:
    """A digest of what the chart of ``view`` is drawn from."""
    b = view.benchmark
    rows = [
        (
            r.entry.id,
            r.entry.name,
            r.entry.publication.date.isoformat(),
            r.estimate.flop,
            r.estimate.flop_low,
            r.estimate.flop_high,
            r.on_frontier,
        )
        for r in view.rows
    ]
    parts = [
        Path(__file__).read_text(encoding="utf-8"),
        repr((b.id, b.name, b.label)),
        repr(rows),
        repr(sorted(trend.as_dict().items()) if trend else None),
    ]
    return digest("\n".join(parts))


def stamp_svg(svg: str, inputs: str) -> str:
    """``svg`` with the stamp that ``is_stamped`` reads, after the XML declaration."""
    head, _, body = svg.partition("\n")
    return f"{head}\n<!-- algoeff-chart inputs={inputs} svg={digest(svg)} -->\n{body}"


def is_stamped(text: str, inputs: str) -> bool:
    """Whether ``text`` is a chart drawn from ``inputs`` (a digest), unedited since."""
    match = _STAMP.search(text)
    if match is None or match.group(1) != inputs:
        return False
    return digest(text[: match.start()] + text[match.end() :]) == match.group(2)


def stamped_svg(view: BenchmarkView, trend: Trend | None = None) -> str:
    """frontier_svg() with its stamp."""
    return stamp_svg(frontier_svg(view, trend), chart_inputs(view, trend))


def is_current(text: str, view: BenchmarkView, trend: Trend | None) -> bool:
    """Whether ``text`` is the stamped chart of these inputs, unedited since it was drawn."""
    return is_stamped(text, chart_inputs(view, trend))
