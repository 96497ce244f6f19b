"""A benchmark page's section on its threshold, for a benchmark whose entries carry curves.

    threshold_charts(view) -> ThresholdCharts | None    once per benchmark, during the build
    threshold_section(charts, base) -> str              the HTML: two charts, captions, table

The halving times come from ``algoeff.dataset.sensitivity`` at its default levels, draws
and seed, so they are the numbers of `algoeff sensitivity BENCHMARK`. The curves drawn are
those of the frontier entries (dataset/curves.py). Figures are curves_chart.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from algoeff.dataset.curves import read_curve
from algoeff.dataset.derive import BenchmarkView
from algoeff.dataset.sensitivity import Sensitivity, sensitivity
from algoeff.model.schema import Benchmark
from algoeff.outputs.site.curves_chart import (
    LevelCurve,
    curves_figure,
    halving_figure,
    level_text,
)
from algoeff.outputs.site.summary import DASH, factor, interval, months_value, sort_number
from algoeff.outputs.site.templates import METHODS, Cell, esc, script_json, table

ANCHOR = "threshold"  # the methods page's section on it (methods_page.py)


@dataclass(frozen=True)
class ThresholdCharts:
    """What a benchmark page needs to draw its threshold section."""

    benchmark: Benchmark
    sensitivity: Sensitivity  # at default_levels(benchmark), hardest level first
    curves: tuple[LevelCurve, ...]  # the frontier entries with a curve, by date


def threshold_charts(view: BenchmarkView) -> ThresholdCharts | None:
    """The sensitivity and the frontier's curves of ``view``; None when no entry has a curve.

    InputError or ProblemsError when a curve cannot be read (`algoeff check` reports it)."""
    if not any(row.entry.curve is not None for row in view.rows):
        return None
    result = sensitivity(view)
    curves = []
    for row in view.frontier:
        points = read_curve(row.loaded)
        if points:
            curves.append((row, points))
    return ThresholdCharts(view.benchmark, result, tuple(curves))


def _level_rows(charts: ThresholdCharts) -> list[list[str | Cell]]:
    rows: list[list[str | Cell]] = []
    for lv in charts.sensitivity.levels:
        t = lv.trend
        name = esc(level_text(lv.level, charts.benchmark))
        if lv.is_threshold:
            name += " (threshold)"
        rows.append(
            [
                Cell(name, sort_number(lv.level)),
                str(lv.n_entries),
                str(lv.n_from_curves),
                str(len(lv.frontier)),
                esc(factor(t.reduction_factor)) if t is not None else DASH,
                esc(months_value(t)),
                esc(interval(t)),
            ]
        )
    return rows


def threshold_section(charts: ThresholdCharts, base: str) -> str:
    """The section: the halving time against the level, the table of the levels, the
    frontier's learning curves; ``base`` leads from the page to the site root."""
    b = charts.benchmark
    result = charts.sensitivity
    how = f"{base}{METHODS}#"
    levels = tuple(lv.level for lv in result.levels)
    threshold = esc(level_text(b.threshold, b))
    table_html = table(
        f"Compute halving time of the frontier at each level of {b.name}: the entries that "
        "reach the level, how many of them count with their learning curve, the frontier "
        "entries fitted, the reduction factor over the frontier, the halving time and its "
        "95 % interval",
        [
            f"Level ({b.metric.unit})",
            "Entries",
            "From curves",
            "Frontier",
            "Reduction",
            "Halving time (months)",
            "95 % interval",
        ],
        _level_rows(charts),
        numeric=(1, 2, 3, 4, 5),
        css="levels",
        stack=True,
        header_links={4: how + "reduction", 5: how + "halving", 6: how + "two-points"},
    )
    halving_label = (
        f"Compute halving time of the frontier of {b.name} at each level from "
        f"{min(levels):g} to {max(levels):g} {b.metric.unit}, with its 95 % interval; "
        "the table below holds the same numbers"
    )
    curves_label = (
        f"Learning curves of the {len(charts.curves)} frontier entries of {b.name} that have "
        f"one: {b.metric.name} against training compute, log scale"
    )
    n_curves = result.n_curves
    return f"""<section id="threshold">
<h2>How the halving time depends on the threshold</h2>
<p class="prose">{n_curves} of the {result.n_entries} entries carry a learning curve, the
metric at each evaluation of their run, so their compute to reach other levels than the
official {threshold} is known too (<a href="{how}{ANCHOR}">how, and its limits</a>).</p>
<figure class="chart-figure">
<div id="halving" class="chart" role="img" aria-label="{esc(halving_label)}"></div>
<script type="application/json" id="halving-data" data-chart="halving">
{script_json(halving_figure(result, b))}
</script>
<figcaption>The <a href="{how}halving">compute halving time</a> of the frontier, recomputed at
each level of a grid around the threshold (the dashed line marks the official one). At each
level an entry with a curve counts with the compute at which its curve first reached the
level, an entry without one only at the official threshold. The band and bars are the 95 %
interval; an open circle has none (<a href="{how}two-points">two points</a>, or an interval
without upper end). Limits: the records were tuned for, and selected at, the official level,
so at an easier level a curve gives an upper bound on what a run tuned for it would need, and
a method that reaches only easier levels is not in the data; each curve is one run.
The table below gives the entries each level rests on; <code>algoeff sensitivity
{esc(b.id)}</code> gives the same numbers.</figcaption>
</figure>
{table_html}<figure class="chart-figure">
<div id="curves" class="chart" role="img" aria-label="{esc(curves_label)}"></div>
<script type="application/json" id="curves-data" data-chart="curves">
{script_json(curves_figure(b, list(charts.curves), levels))}
</script>
<figcaption>The learning curves of the <a href="{how}frontier">frontier</a> entries that have
one: the metric at each evaluation against the training compute up to it (log scale), one
line per entry, later entries darker; hover a line for its entry and date. The dashed line is
the threshold. The view spans the levels of the chart above; early evaluations run off its
edge (the autoscale button shows whole runs). Each curve is a single run from the entry's
log: where a record states a mean over several runs, the curve is one of them, and a run
built to stop at the official level is not the cheapest run to an easier one.</figcaption>
</figure>
<noscript><p>The charts need JavaScript; the table above holds the halving times.</p></noscript>
</section>
"""
