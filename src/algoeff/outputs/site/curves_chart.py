"""The threshold charts of a benchmark whose entries carry learning curves, as JSON-ready data.

- ``halving_figure``: the frontier's compute halving time at each level of
  ``algoeff.dataset.sensitivity`` (the numbers of `algoeff sensitivity`), with its 95 %
  interval as a shaded band and error bars; a level whose fit has no finite interval (two
  points, or an upper end at a slope of zero) is an open circle without band; a level with
  no halving time (one point, or compute that did not fall) is left out of the line and
  stays in the table beside the chart. The official threshold is a dashed vertical line.
- ``curves_figure``: the learning curves of the frontier entries, the metric against
  training compute (tfs-days, log x axis labelled at decades only, as every chart of the
  site), one line per entry, later entries darker; the threshold is a dashed horizontal line.

Plotly reads hover text, trace names and annotations as pseudo-HTML, so entry text is
HTML-escaped before it goes in. JSON has no Infinity or NaN: only finite numbers go in.
"""

from __future__ import annotations

import html
import math
from typing import Any

from algoeff.core.units import flop_to_tfs_days
from algoeff.dataset.curves import CurvePoint
from algoeff.dataset.derive import Row
from algoeff.dataset.sensitivity import LevelTrend, Sensitivity
from algoeff.model.schema import Benchmark
from algoeff.outputs.site.chart import (
    CONFIG,
    FRONTIER_COLOUR,
    MAJOR_GRID,
    POINT_COLOUR,
    layout,
    log_axis,
)
from algoeff.outputs.site.summary import factor, interval

BAND_COLOUR = "rgba(31, 95, 168, 0.18)"  # POINT_COLOUR, faint
# Curves run from light (earliest frontier entry) to dark (latest): RGB end points.
OLDEST_RGB = (147, 197, 253)
NEWEST_RGB = (30, 58, 138)
LEGEND_MAX = 8  # more curves than this: no legend (hover names each line)
TOP_MARGIN = 34  # room above the plot for the threshold's label

LevelCurve = tuple[Row, tuple[CurvePoint, ...]]


def _plain(text: str) -> str:
    return html.escape(text, quote=False)


def level_text(level: float, benchmark: Benchmark) -> str:
    """A level with the metric's unit, e.g. '3.28 nats' or '94 %'."""
    return f"{level:g} {benchmark.metric.unit}"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def has_band(level: LevelTrend) -> bool:
    """Whether the level has a finite halving time with a finite 95 % interval."""
    t = level.trend
    return (
        t is not None
        and _finite(t.halving_months)
        and _finite(t.halving_months_low)
        and _finite(t.halving_months_high)
    )


def charted(level: LevelTrend) -> bool:
    """Whether the level has a finite halving time to draw (a fit through two dates or more,
    and compute that fell)."""
    return level.trend is not None and _finite(level.trend.halving_months)


# customdata of a level: level (with '(threshold)'), halving time, its interval, entries,
# of them from curves, frontier entries, reduction factor over the frontier.
HALVING_HOVER = (
    "<b>level %{customdata[0]}</b><br>halving time: %{customdata[1]} months<br>"
    "95 %: %{customdata[2]}<br>entries: %{customdata[3]} (%{customdata[4]} from curves)<br>"
    "frontier: %{customdata[5]}<br>reduction: %{customdata[6]}<extra></extra>"
)


def _level_custom(level: LevelTrend, benchmark: Benchmark) -> list[str]:
    t = level.trend
    assert t is not None and t.halving_months is not None  # charted() levels only
    name = level_text(level.level, benchmark) + (" (threshold)" if level.is_threshold else "")
    return [
        _plain(name),
        f"{t.halving_months:.3g}",
        _plain(interval(t)),
        str(level.n_entries),
        str(level.n_from_curves),
        str(len(level.frontier)),
        _plain(factor(t.reduction_factor)),
    ]


def band(levels: list[LevelTrend]) -> tuple[list[float | None], list[float | None]]:
    """The 95 % band as polygons, one per run of neighbouring levels with an interval, split
    by nulls (Plotly's fill 'toself' closes each segment of a trace on its own)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    runs: list[list[LevelTrend]] = [[]]
    for level in levels:
        if has_band(level):
            runs[-1].append(level)
        elif runs[-1]:
            runs.append([])
    for run in (r for r in runs if len(r) >= 2):  # a lone level keeps its error bar
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [lv.level for lv in run] + [lv.level for lv in reversed(run)]
        ys += [lv.trend.halving_months_high for lv in run if lv.trend]
        ys += [lv.trend.halving_months_low for lv in reversed(run) if lv.trend]
    return xs, ys


def halving_figure(result: Sensitivity, benchmark: Benchmark) -> dict[str, Any]:
    """Halving time (months) against the level, hardest level on the left."""
    drawn = [lv for lv in result.levels if charted(lv)]
    data: list[dict[str, Any]] = []
    band_x, band_y = band(drawn)
    if band_x:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "95 % interval",
                "x": band_x,
                "y": band_y,
                "fill": "toself",
                "fillcolor": BAND_COLOUR,
                "line": {"width": 0},
                "hoverinfo": "skip",
            }
        )
    if drawn:
        plus, minus = [], []
        for lv in drawn:
            t = lv.trend
            assert t is not None and t.halving_months is not None  # charted() levels only
            low, high = t.halving_months_low, t.halving_months_high
            if has_band(lv) and low is not None and high is not None:
                plus.append(high - t.halving_months)
                minus.append(t.halving_months - low)
            else:
                plus.append(0.0)
                minus.append(0.0)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "halving time (open circle: no interval)",
                "x": [lv.level for lv in drawn],
                "y": [lv.trend.halving_months for lv in drawn if lv.trend],
                "customdata": [_level_custom(lv, benchmark) for lv in drawn],
                "hovertemplate": HALVING_HOVER,
                "line": {"color": POINT_COLOUR, "width": 2},
                "marker": {
                    "color": POINT_COLOUR,
                    "size": 9,
                    "symbol": ["circle" if has_band(lv) else "circle-open" for lv in drawn],
                },
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": plus,
                    "arrayminus": minus,
                    "color": POINT_COLOUR,
                    "thickness": 1,
                    "width": 0,
                },
            }
        )
    metric = benchmark.metric
    xaxis: dict[str, Any] = {
        "title": {"text": _plain(f"level: {metric.name} ({metric.unit}); easier to the right")},
        "ticks": "outside",
        "showgrid": True,
        "gridcolor": MAJOR_GRID,
        "zeroline": False,
    }
    if benchmark.direction == "higher":
        xaxis["autorange"] = "reversed"  # easier levels are lower accuracies
    yaxis = {
        "title": {"text": "compute halving time (months)"},
        "rangemode": "tozero",
        "ticks": "outside",
        "showgrid": True,
        "gridcolor": MAJOR_GRID,
    }
    return {
        "data": data,
        "layout": _with_threshold(benchmark, xaxis, yaxis, vertical=True),
        "config": CONFIG,
    }


def _with_threshold(
    benchmark: Benchmark, xaxis: dict[str, Any], yaxis: dict[str, Any], *, vertical: bool
) -> dict[str, Any]:
    """The site's layout for two axes with the official threshold as a dashed line across
    the plot (a layout shape), labelled above it (vertical) or at its right end."""
    t = benchmark.threshold
    label = _plain(f"official threshold, {level_text(t, benchmark)}")
    line = {"color": FRONTIER_COLOUR, "width": 1.5, "dash": "dash"}
    if vertical:
        shape = {"type": "line", "xref": "x", "yref": "paper", "x0": t, "x1": t, "y0": 0, "y1": 1}
        note = {"xref": "x", "yref": "paper", "x": t, "y": 1, "yanchor": "bottom"}
    else:
        shape = {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": t, "y1": t}
        note = {"xref": "paper", "yref": "y", "x": 1, "y": t, "xanchor": "right"}
        note["yanchor"] = "top" if benchmark.direction == "lower" else "bottom"
    note |= {"text": label, "showarrow": False, "font": {"color": FRONTIER_COLOUR, "size": 12}}
    out = layout(xaxis, yaxis)
    out["margin"] = {**out["margin"], "t": TOP_MARGIN}
    shape |= {"line": line, "layer": "below"}  # under the error bar drawn at the threshold
    return out | {"shapes": [shape], "annotations": [note], "showlegend": True}


def _colour(i: int, n: int) -> str:
    share = i / (n - 1) if n > 1 else 1.0
    rgb = (round(a + (b - a) * share) for a, b in zip(OLDEST_RGB, NEWEST_RGB, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


CURVE_HOVER = (
    "<b>%{meta[0]}</b><br>date: %{meta[1]}<br>compute: %{x:.3g} tfs-days<br>"
    "%{meta[2]}: %{y}<extra></extra>"
)


def value_window(
    benchmark: Benchmark, levels: tuple[float, ...], values: list[float]
) -> list[float]:
    """The metric axis's range: the levels of the sensitivity grid with one grid's span of
    room on each side, widened to the best value any curve reached, so the part of each
    run that decides the halving times fills the chart (early evaluations run off it)."""
    low, high = min(levels), max(levels)
    span = (high - low) or abs(benchmark.threshold) * 0.01 or 1.0
    low, high = low - span, high + span
    if values:
        best = min(values) if benchmark.direction == "lower" else max(values)
        low, high = min(low, best - 0.05 * span), max(high, best + 0.05 * span)
    return [round(low, 10), round(high, 10)]


def in_window(points: tuple[CurvePoint, ...], window: list[float]) -> list[float]:
    """The compute (tfs-days) of the points drawn inside the metric's ``window``, with each
    neighbour of one outside it, where the line crosses the edge: what the x axis spans."""
    inside = [window[0] <= p.value <= window[1] for p in points]
    return [
        flop_to_tfs_days(p.flop) for i, p in enumerate(points) if any(inside[max(i - 1, 0) : i + 2])
    ]


def curves_figure(
    benchmark: Benchmark, curves: list[LevelCurve], levels: tuple[float, ...]
) -> dict[str, Any]:
    """One line per frontier entry with a curve (``curves``, by date): the metric against
    its training compute, tfs-days on a log axis; ``levels`` set the metric's window."""
    metric = _plain(benchmark.metric.name)
    data: list[dict[str, Any]] = []
    for i, (row, points) in enumerate(curves):
        colour = _colour(i, len(curves))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _plain(row.entry.name),
                "x": [flop_to_tfs_days(p.flop) for p in points],
                "y": [p.value for p in points],
                "meta": [_plain(row.entry.name), row.entry.publication.date.isoformat(), metric],
                "hovertemplate": CURVE_HOVER,
                "line": {"color": colour, "width": 1.5},
                "showlegend": len(curves) <= LEGEND_MAX,
            }
        )
    values = [y for trace in data for y in trace["y"]]
    window = value_window(benchmark, levels, values)
    shown = [x for _, points in curves for x in in_window(points, window)]
    xaxis = log_axis("training compute (tfs-days, log scale)", shown)
    yaxis = {
        "title": {"text": _plain(f"{benchmark.metric.name} ({benchmark.metric.unit})")},
        "range": window,
        "ticks": "outside",
        "showgrid": True,
        "gridcolor": MAJOR_GRID,
        "zeroline": False,
    }
    fig_layout = _with_threshold(benchmark, xaxis, yaxis, vertical=False)
    return {"data": data, "layout": fig_layout, "config": CONFIG}
