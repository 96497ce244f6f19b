"""The README chart across benchmarks: every frontier as a reduction factor against date.

    frontiers_svg(views) -> str

Each benchmark's frontier (its state-of-the-art progression) is drawn as a step
line of reduction factors, baseline compute / entry compute, on a log scale, so
that levels whose compute differs by orders of magnitude share one picture:
2012-2026 at a glance. The drawing is deterministic and stamped like the
single-benchmark chart (outputs.chart), so `algoeff check` verifies it without
matplotlib. matplotlib is imported only when drawing.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from algoeff.core.errors import MissingExtraError
from algoeff.dataset.derive import BenchmarkView
from algoeff.dataset.trend import decimal_year
from algoeff.outputs.chart import RC_PARAMS, digest

FIGURE_INCHES = (8.0, 4.8)
# One colour per benchmark, in the benchmarks file's order (colour-blind safe, Okabe-Ito).
COLOURS = ("#0072b2", "#56b4e9", "#d55e00", "#e69f00", "#009e73", "#cc79a7", "#000000")


def charted(views: list[BenchmarkView]) -> list[BenchmarkView]:
    """The benchmarks that have a baseline and a frontier to draw."""
    return [v for v in views if v.baseline is not None and v.frontier]


def frontiers_inputs(views: list[BenchmarkView]) -> str:
    """A digest of what the chart is drawn from: this module, and every frontier point."""
    points = [
        (
            v.benchmark.id,
            v.benchmark.label,
            [
                (r.entry.publication.date.isoformat(), r.reduction.value if r.reduction else None)
                for r in v.frontier
            ],
        )
        for v in charted(views)
    ]
    return digest(Path(__file__).read_text(encoding="utf-8") + "\n" + repr(points))


def _draw(fig: Any, views: list[BenchmarkView]) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    ax = fig.add_axes((0.1, 0.12, 0.62, 0.78))
    last_x = max(decimal_year(r.entry.publication.date) for v in views for r in v.frontier)
    first_x = min(decimal_year(r.entry.publication.date) for v in views for r in v.frontier)
    highest = 1.0
    for i, view in enumerate(views):
        xs = [decimal_year(r.entry.publication.date) for r in view.frontier]
        ys = [r.reduction.value if r.reduction else 1.0 for r in view.frontier]
        highest = max(highest, *ys)
        colour = COLOURS[i % len(COLOURS)]
        label = view.benchmark.label.replace("$", r"\$")
        ax.step([*xs, last_x], [*ys, ys[-1]], where="post", color=colour, linewidth=1.5)
        ax.plot(xs, ys, "o", color=colour, markersize=3.5, label=f"{label}-level")
    ax.set_yscale("log")
    # Labelled decades only (1, 10, 100 ...), unlabelled minor ticks between them.
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(0.7, 10 ** math.ceil(math.log10(highest * 1.2)))
    years = range(math.floor(first_x), math.ceil(last_x) + 1)
    ax.xaxis.set_major_locator(FixedLocator([float(y) for y in years if y % 2 == 0]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))
    ax.set_xlim(first_x - 0.4, last_x + 0.4)
    ax.set_xlabel("publication date")
    ax.set_ylabel("reduction factor against the baseline (log scale)")
    ax.set_title("Less compute to reach a fixed level, per benchmark", loc="left", fontsize=10)
    ax.grid(True, which="major", axis="y", color="#e5e5e5", linewidth=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)


def frontiers_svg(views: list[BenchmarkView]) -> str:
    """The chart of every benchmark's frontier as SVG text."""
    drawn = charted(views)
    if not drawn:
        raise ValueError("no benchmark has a baseline and a frontier to chart")
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("matplotlib", "site", "the README chart") from None
    with matplotlib.rc_context(RC_PARAMS):
        fig = Figure(figsize=FIGURE_INCHES)
        _draw(fig, drawn)
        out = io.StringIO()
        fig.savefig(
            out,
            format="svg",
            metadata={"Creator": None, "Date": None, "Title": "Frontiers of every benchmark"},
        )
    return out.getvalue()
