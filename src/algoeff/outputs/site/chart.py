"""The Plotly figure of one benchmark, as plain JSON-ready data (no plotly import needed).

Compute (tfs-days, log scale) against publication date: every entry as a point
with its low-high range as an error bar, the frontier as a step line (a new
best holds until the next one: Plotly's line shape 'hv'), and Moore's law from
the baseline: the baseline's compute divided by 2 ** (years / 2).

Hover text goes through Plotly's pseudo-HTML renderer, which turns tags such as
<br> or <a> into markup; entry text is therefore HTML-escaped before it goes in,
and Plotly shows the escaped characters as the original text.
"""

from __future__ import annotations

import html
import math
from typing import Any

from algoeff.core.units import flop_to_tfs_days
from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.dataset.trend import decimal_year, moore_factor
from algoeff.outputs.frontiers_chart import COLOURS, charted
from algoeff.outputs.site.summary import factor, factor_range, tfs, tfs_range

POINT_COLOUR = "#1f5fa8"
FRONTIER_COLOUR = "#c2410c"
MOORE_COLOUR = "#6b7280"
MAJOR_GRID = "#d8dde3"
MINOR_GRID = "#f1f3f5"
EDGE_ROOM = 0.05  # decades of room beyond the lowest and highest value (12 %)
REDUCTION_FLOOR_LOG10 = math.log10(0.7)  # the home chart's floor, a little below a factor of 1


def _plain(text: str) -> str:
    return html.escape(text, quote=False)


def decade_range(values: list[float]) -> list[int] | None:
    """The y range in whole decades (powers of 10, as log10) around every positive value,
    with a little room so that no point sits on the edge; None without values.

    Whole decades at both ends mean at least two labelled ticks, however close
    together the values are.
    """
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    if not positive:
        return None
    low = math.floor(math.log10(min(positive)) - EDGE_ROOM)
    high = math.ceil(math.log10(max(positive)) + EDGE_ROOM)
    return [low, high]


def log_axis(title: str, values: list[float]) -> dict[str, Any]:
    """A log axis labelled at the decades only (1, 10, 10², 10⁻¹ ...), with unlabelled minor
    ticks and faint grid lines at 2, 3, ... 9 times each decade.

    Plotly's default labels a log axis at 2, 5 or every digit as well ("10, 8, 7, ...,
    2, 1, 9, 8 ..."), where 0.5 and 5 read the same; ``dtick: 1`` puts the labels on
    the decades alone and ``exponentformat: "power"`` writes each as a power of ten.
    """
    axis: dict[str, Any] = {
        "title": {"text": title},
        "type": "log",
        "dtick": 1,
        "exponentformat": "power",
        "showexponent": "all",
        "ticks": "outside",
        "ticklen": 6,
        "showgrid": True,
        "gridcolor": MAJOR_GRID,
        "minor": {
            "dtick": "D1",
            "ticks": "outside",
            "ticklen": 3,
            "showgrid": True,
            "gridcolor": MINOR_GRID,
        },
    }
    span = decade_range(values)
    if span is not None:
        axis["range"] = span
    return axis


def _reduction(r: Row) -> str:
    if r.reduction is None:
        return "—"
    spread = factor_range(r.reduction.low, r.reduction.high)
    return factor(r.reduction.value) + ("" if spread == "—" else f" ({spread})")


def _compute(r: Row) -> str:
    spread = tfs_range(r.estimate.flop_low, r.estimate.flop_high)
    return tfs(r.estimate.flop) + ("" if spread == "—" else f" ({spread})")


# customdata of an entry point: name, date, compute with range, reduction with range, method,
# the entry page's href relative to the page (chart.js opens it on a click: always last).
HOVER = (
    "<b>%{customdata[0]}</b><br>date: %{customdata[1]}<br>"
    "compute: %{customdata[2]} tfs-days<br>reduction: %{customdata[3]}<br>"
    "method: %{customdata[4]}<extra></extra>"
)


def _custom(r: Row, base: str) -> list[str]:
    e = r.entry
    return [
        _plain(e.name),
        e.publication.date.isoformat(),
        _compute(r),
        _plain(_reduction(r)),
        _plain(r.estimate.method),
        f"{base}entries/{e.benchmark}/{e.id}/index.html",
    ]


def figure(view: BenchmarkView, base: str = "../../") -> dict[str, Any]:
    """Plotly's {data, layout, config} for ``view``; ``base`` leads from the page to the site
    root (for the entry links a click follows)."""
    rows = view.rows
    dates = [r.entry.publication.date.isoformat() for r in rows]
    values = [flop_to_tfs_days(r.estimate.flop) for r in rows]
    pairs = list(zip(rows, values, strict=True))
    points: dict[str, Any] = {
        "type": "scatter",
        "mode": "markers",
        "name": "entries",
        "x": dates,
        "y": values,
        "customdata": [_custom(r, base) for r in rows],
        "hovertemplate": HOVER,
        "marker": {"color": POINT_COLOUR, "size": 9},
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [flop_to_tfs_days(r.estimate.flop_high) - v for r, v in pairs],
            "arrayminus": [v - flop_to_tfs_days(r.estimate.flop_low) for r, v in pairs],
            "color": POINT_COLOUR,
            "thickness": 1,
            "width": 3,
        },
    }
    data: list[dict[str, Any]] = [points]
    last_date = max(r.entry.publication.date for r in rows) if rows else None
    front = view.frontier
    if front and last_date is not None:
        fx = [r.entry.publication.date.isoformat() for r in front]
        fy = [flop_to_tfs_days(r.estimate.flop) for r in front]
        # Carry the last best to the newest entry so the step shows how long it has held.
        fx.append(last_date.isoformat())
        fy.append(fy[-1])
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "frontier (best so far)",
                "x": fx,
                "y": fy,
                "line": {"shape": "hv", "color": FRONTIER_COLOUR, "width": 2},
                "hoverinfo": "skip",
            }
        )
    if view.baseline is not None and last_date is not None:
        start = view.baseline.entry.publication.date
        base_tfs = flop_to_tfs_days(view.baseline.estimate.flop)
        span = decimal_year(last_date) - decimal_year(start)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Moore's law from the baseline",
                "x": [start.isoformat(), last_date.isoformat()],
                "y": [base_tfs, base_tfs / moore_factor(span)],
                "line": {"dash": "dash", "color": MOORE_COLOUR, "width": 1.5},
                "hoverinfo": "skip",
            }
        )
    shown = [
        v
        for r in rows
        for v in (flop_to_tfs_days(r.estimate.flop_low), flop_to_tfs_days(r.estimate.flop_high))
    ]
    shown += [y for trace in data for y in trace["y"]]
    yaxis = log_axis("training compute (tfs-days, log scale)", shown)
    return {"data": data, "layout": _layout(yaxis), "config": CONFIG}


CONFIG = {"displaylogo": False, "responsive": True, "showLink": False, "showSendToCloud": False}


def _layout(yaxis: dict[str, Any]) -> dict[str, Any]:
    return layout({"title": {"text": "publication date"}, "type": "date"}, yaxis)


def layout(xaxis: dict[str, Any], yaxis: dict[str, Any]) -> dict[str, Any]:
    """The layout every chart of the site shares (font, margins, legend), for two axes."""
    return {
        "xaxis": xaxis,
        "yaxis": yaxis,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
        "margin": {"l": 70, "r": 20, "t": 20, "b": 60},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }


FRONTIER_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[4]}<br>date: %{customdata[1]}<br>"
    "compute: %{customdata[2]} tfs-days<br>reduction: %{customdata[3]}<extra></extra>"
)


def frontiers_figure(views: list[BenchmarkView]) -> dict[str, Any]:
    """The home page's chart: every benchmark's frontier as its reduction factor (baseline
    compute / entry compute, log scale, decade labels only) against date, one step trace
    per benchmark (the README's docs/img/frontiers.svg, interactive)."""
    data: list[dict[str, Any]] = []
    for i, view in enumerate(charted(views)):
        front = view.frontier
        label = _plain(f"{view.benchmark.label}-level")
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": [r.entry.publication.date.isoformat() for r in front],
                "y": [r.reduction.value if r.reduction else 1.0 for r in front],
                "customdata": [[*_custom(r, "")[:4], label, _custom(r, "")[-1]] for r in front],
                "hovertemplate": FRONTIER_HOVER,
                "line": {"shape": "hv", "color": COLOURS[i % len(COLOURS)], "width": 2},
                "marker": {"color": COLOURS[i % len(COLOURS)], "size": 7},
            }
        )
    values = [y for trace in data for y in trace["y"]]
    yaxis = log_axis("reduction factor against the baseline (log scale)", values)
    if "range" in yaxis and min(values) >= 1:
        # Every factor is at least 1 (the baseline): start just below 1, as the README's
        # chart does, not a whole empty decade lower; the top decade labels the upper end.
        yaxis["range"] = [REDUCTION_FLOOR_LOG10, max(yaxis["range"][1], 1)]
    return {"data": data, "layout": _layout(yaxis), "config": CONFIG}
