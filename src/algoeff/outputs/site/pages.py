"""The site's pages as HTML strings: home, one per benchmark, downloads (entries: entry_page.py).

Plain string building over already-derived rows: each page costs one pass over
its own data, never a re-derivation, which keeps 10,000 entry pages fast.
Every piece of entry text passes through ``esc`` or ``ext_link`` (templates.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from algoeff.dataset.derive import Row
from algoeff.model.schema import Benchmark
from algoeff.outputs.site.chart import figure, frontiers_figure
from algoeff.outputs.site.citation import BuildInfo, cite_block
from algoeff.outputs.site.curves_section import ThresholdCharts, threshold_section
from algoeff.outputs.site.summary import (
    DASH,
    Headline,
    factor,
    factor_range,
    interval,
    months,
    months_value,
    sort_number,
    tfs,
    tfs_range,
    years,
)
from algoeff.outputs.site.templates import (
    FEED_NAME,
    METHODS,
    Cell,
    TableRow,
    definitions,
    esc,
    link,
    page,
    script_json,
    table,
)

DOWNLOADS = "downloads/index.html"
CSV_NAME = "efficiency_sota.csv"
JSON_NAME = "algoeff.json"
SCHEMA_NAMES = ("entry.schema.json", "benchmarks.schema.json")
META_NAME = "efficiency_sota.meta.json"
PLOTLY = "assets/plotly-basic.min.js"
# Plotly, then the chart; tables.js sorts and filters the tables.
PAGE_SCRIPTS = (PLOTLY, "assets/chart.js", "assets/tables.js")


def benchmark_href(benchmark_id: str) -> str:
    return f"benchmarks/{benchmark_id}/index.html"


def entry_href(benchmark_id: str, entry_id: str) -> str:
    return f"entries/{benchmark_id}/{entry_id}/index.html"


BENCHMARK_BASE = "../../"
ENTRY_BASE = "../../../"


def _entry_link(base: str, row: Row) -> str:
    return link(base + entry_href(row.entry.benchmark, row.entry.id), row.entry.name)


def _reduction(row: Row) -> str:
    if row.reduction is None:
        return DASH
    return factor(row.reduction.value)


def reduction_range(row: Row) -> str:
    if row.reduction is None:
        return DASH
    return factor_range(row.reduction.low, row.reduction.high)


def target(b: Benchmark) -> str:
    sign = "≥" if b.direction == "higher" else "≤"
    return f"{b.metric.name} {sign} {b.threshold:g} {b.metric.unit}"


# -- home --------------------------------------------------------------------------


def _with_range(value: str, spread: str) -> str:
    """A figure with its range in muted brackets, the range left out when there is none."""
    return value if spread == DASH else f'{value} <span class="range">({spread})</span>'


HOW = METHODS + "#"  # anchors of the methods page that explain each headline number


def home_page(headlines: list[Headline], info: BuildInfo) -> str:
    rows = []
    for h in headlines:
        b = h.view.benchmark
        if h.best is None:
            rows.append([link(benchmark_href(b.id), b.name), DASH, DASH, DASH, DASH, DASH, DASH])
            continue
        best = h.best
        reduction = DASH
        if best.reduction is not None:
            spread = factor_range(best.reduction.low, best.reduction.high)
            reduction = _with_range(esc(factor(best.reduction.value)), esc(spread))
        moore = DASH
        if h.moore_factor is not None and h.span_years is not None:
            moore = _with_range(esc(factor(h.moore_factor)), esc(f"over {years(h.span_years)}"))
        date = best.entry.publication.date.isoformat()
        rows.append(
            [
                link(benchmark_href(b.id), b.name),
                f'{_entry_link("", best)} <span class="range">({esc(date)})</span>',
                esc(best.tier),
                esc(tfs(best.estimate.flop)),
                reduction,
                esc(months(h.trend)),
                moore,
            ]
        )
    caption = (
        "The current best entry of each benchmark. Ranges in brackets come from the low and "
        "high ends of every input; the halving time's is a 95 % interval."
    )
    headers = [
        "Benchmark",
        "Best entry",
        "Tier",
        "Compute (tfs-days)",
        "Reduction vs baseline",
        "Compute halving time",
        "Moore's law, same span",
    ]
    links = {
        2: HOW + "tiers",
        3: HOW + "convention",
        4: HOW + "reduction",
        5: HOW + "halving",
        6: HOW + "moore",
    }
    summary = table(
        caption, headers, rows, numeric=(3,), css="home", stack=True, header_links=links
    )
    chart = frontiers_chart(headlines)
    body = f"""<h1>Algorithmic efficiency: compute to reach a fixed performance</h1>
<p class="lead">Each benchmark fixes a level of performance. Each entry is an analysis of
one model that reached it: how much training compute it took, recomputed from named
inputs with their sources and ranges. The reduction factor divides the baseline's
compute by the entry's; the halving time fits the whole frontier; Moore's law shows
what cheaper hardware alone would have given over the same years (2× every 2 years).
<a href="{HOW}convention">How every number is computed</a>.</p>
<section id="benchmarks">
<h2>Benchmarks</h2>
{summary}</section>
{chart}<section>
<h2>Data</h2>
<p>Everything on this site can be downloaded: <a href="downloads/{CSV_NAME}">CSV</a>,
<a href="downloads/{JSON_NAME}">JSON</a> and the
<a href="{DOWNLOADS}">JSON Schema</a> of an analysis file. Dataset version
{esc(info.version)}; new entries in the <a href="{FEED_NAME}">Atom feed</a>.</p>
</section>
"""
    return page(
        title="algoeff: algorithmic efficiency",
        base="",
        body=body,
        scripts=PAGE_SCRIPTS,
        footer=cite_block(info, ""),
    )


def frontiers_chart(headlines: list[Headline]) -> str:
    """The home page's section across benchmarks: every frontier as a reduction factor
    against date, and every benchmark's halving time with its 95 % interval."""
    rows: list[list[str | Cell]] = []
    for h in headlines:
        trend = h.trend
        if trend is None:
            continue
        b = h.view.benchmark
        rows.append(
            [
                link(benchmark_href(b.id), b.name),
                esc(f"{trend.first_date.year}–{trend.last_date.year}"),
                str(trend.n_points),
                Cell(esc(factor(trend.reduction_factor)), sort_number(trend.reduction_factor)),
                Cell(esc(months_value(trend)), sort_number(trend.halving_months)),
                esc(interval(trend)),
                Cell(esc(factor(trend.moore_factor)), sort_number(trend.moore_factor)),
            ]
        )
    headers = [
        "Benchmark",
        "Span",
        "Frontier entries",
        "Reduction",
        "Halving time (months)",
        "95 % interval",
        "Moore's law over the span",
    ]
    halving = table(
        "Compute halving time of each benchmark's frontier, fitted over all its frontier "
        "entries, with its 95 % interval; a line through two points has no interval",
        headers,
        rows,
        numeric=(2, 3, 4, 6),
        css="halving",
        stack=True,
        sortable=True,
        header_links={4: HOW + "halving", 5: HOW + "two-points", 6: HOW + "moore"},
    )
    views = [h.view for h in headlines]
    label = (
        "Every benchmark's frontier as its reduction factor against the baseline, log scale, "
        "against publication date; the table below holds the halving times"
    )
    return f"""<section id="across">
<h2>Across benchmarks</h2>
<figure class="chart-figure">
<div id="frontiers" class="chart" role="img" aria-label="{esc(label)}"></div>
<script type="application/json" id="frontiers-data" data-chart="frontiers">
{script_json(frontiers_figure(views))}
</script>
<figcaption>Each line is one benchmark's frontier: every entry that needed less compute than
all before it, as its <a href="{HOW}reduction">reduction factor</a> (the baseline's compute
divided by the entry's; log scale, so equal heights are equal factors). Levels whose compute
differs by orders of magnitude share one picture this way. Hover a point for its entry; click
it to open the entry.</figcaption>
</figure>
<noscript><p>The chart needs JavaScript; each benchmark's page has the same numbers.</p></noscript>
{halving}</section>
"""


# -- benchmark ---------------------------------------------------------------------


def _row_cells(row: Row, base: str, *, frontier_column: bool) -> TableRow:
    est = row.estimate
    date = row.entry.publication.date.isoformat()
    reduction = row.reduction.value if row.reduction is not None else None
    cells: list[str | Cell] = [
        _entry_link(base, row),
        Cell(esc(date), date),
        Cell(esc(tfs(est.flop)), sort_number(est.flop)),
        esc(tfs_range(est.flop_low, est.flop_high)),
        Cell(esc(_reduction(row)), sort_number(reduction)),
        esc(reduction_range(row)),
        esc(est.method),
        esc(row.tier),
    ]
    if frontier_column:
        cells.append("yes" if row.on_frontier else "")
    return TableRow(cells, {"data-tier": row.tier})


_ROW_HEADERS = [
    "Entry",
    "Date",
    "Compute (tfs-days)",
    "Range",
    "Reduction",
    "Reduction range",
    "Method",
    "Tier",
]
_ROW_LINKS = {
    2: "../../" + HOW + "convention",
    3: "../../" + HOW + "error-bars",
    4: "../../" + HOW + "reduction",
    7: "../../" + HOW + "tiers",
}
TIERS = ("reported", "estimated", "counted", "measured")


def tier_filter(rows: Iterable[Row]) -> str:
    """The tier filter: one checkbox per tier present, hidden until tables.js shows it (it
    does nothing without JavaScript)."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.tier] = counts.get(row.tier, 0) + 1
    boxes = "".join(
        f'<label><input type="checkbox" name="tier" value="{esc(tier)}" checked> '
        f'{esc(tier)} <span class="range">({counts[tier]})</span></label>\n'
        for tier in TIERS
        if tier in counts
    )
    return f"""<div class="tier-filter" hidden>
<fieldset><legend>Show entries of the tiers (<a href="../../{HOW}tiers">what the tiers
are</a>)</legend>
{boxes}</fieldset>
<p class="filter-status" role="status" aria-live="polite"></p>
</div>
"""


def benchmark_page(h: Headline, info: BuildInfo, threshold: ThresholdCharts | None = None) -> str:
    """A benchmark's page; ``threshold`` (curves_section.threshold_charts), when the
    benchmark's entries carry learning curves, adds the section on its threshold."""
    view = h.view
    b = view.benchmark
    base = BENCHMARK_BASE
    how = base + HOW
    facts = [
        ("Task", esc(b.task)),
        ("Dataset", esc(b.dataset)),
        ("Target", esc(target(b))),
        ("Training data", esc(b.training_data.rule)),
        ("Baseline", _entry_link(base, view.baseline) if view.baseline else esc(b.baseline)),
        ("Entries", str(len(view.rows))),
    ]
    summary = ""
    if h.best is not None:
        best = h.best
        parts = [
            f"The current best is {_entry_link(base, best)} "
            f"({esc(best.entry.publication.date.isoformat())}) at "
            f'<a href="{how}convention">{esc(tfs(best.estimate.flop))} tfs-days</a>'
        ]
        if best.reduction is not None and view.baseline is not None:
            parts.append(
                f', <a href="{how}reduction">{esc(factor(best.reduction.value))} less compute'
                f"</a> than the baseline "
                f"(range {esc(factor_range(best.reduction.low, best.reduction.high))})"
            )
        parts.append(".")
        if h.moore_factor is not None and h.span_years is not None:
            parts.append(
                f" Over the same {esc(years(h.span_years))}, "
                f'<a href="{how}moore">Moore\'s law</a> alone would have given '
                f"{esc(factor(h.moore_factor))}."
            )
        parts.append(
            f' <a href="{how}halving">Compute halving time</a> of the frontier: '
            f"{esc(months(h.trend))}."
        )
        summary = f'<p class="lead">{"".join(parts)}</p>\n'
    description = f'<p class="prose">{esc(b.description)}</p>\n' if b.description else ""
    label = (
        f"Training compute of each entry of {b.name} against its publication date, "
        "log scale; the tables below hold the same numbers"
    )
    chart = f"""<section>
<h2>Compute against time</h2>
<figure class="chart-figure">
<div id="chart" class="chart" role="img" aria-label="{esc(label)}"></div>
<script type="application/json" id="chart-data" data-chart="chart">
{script_json(figure(view))}
</script>
<figcaption>Each point is an entry at its publication date. Its
<a href="{how}error-bars">error bar</a> runs from the compute with every input at its low end
to the compute with every input at its high end: the spread of the inputs' stated ranges, not
a statistical interval. The solid step line is the <a href="{how}frontier">frontier</a>: the
least compute reached so far, held until a later entry needs less. The dashed line is
<a href="{how}moore">Moore's law</a> from the baseline: its compute halving every 2 years,
what cheaper hardware alone would have bought. Hover a point for its entry; click it to open
the entry's page.</figcaption>
</figure>
<noscript><p>The chart needs JavaScript; the tables below hold the same numbers.</p></noscript>
</section>
"""
    frontier = table(
        "Frontier: entries that needed less compute than every earlier one",
        _ROW_HEADERS,
        (_row_cells(r, base, frontier_column=False) for r in view.frontier),
        numeric=(2, 4),
        css="data",
        sortable=True,
        header_links=_ROW_LINKS,
    )
    everything = table(
        "All entries, by publication date",
        [*_ROW_HEADERS, "Frontier"],
        (_row_cells(r, base, frontier_column=True) for r in view.rows),
        numeric=(2, 4),
        css="data",
        sortable=True,
        header_links=_ROW_LINKS,
    )
    body = (
        f"<h1>{esc(b.name)}</h1>\n{summary}{description}{definitions(facts)}{chart}"
        f"{tier_filter(view.rows) if view.rows else ''}"
        f"<section><h2>Frontier</h2>\n{frontier}</section>\n"
        f"<section><h2>All entries</h2>\n{everything}</section>\n"
        f"{threshold_section(threshold, base) if threshold is not None else ''}"
    )
    return page(
        title=f"{b.name} · algoeff",
        base=base,
        body=body,
        trail=[("index.html", "Home"), (None, b.name)],
        scripts=PAGE_SCRIPTS,
        footer=cite_block(info, base),
    )


# -- downloads ---------------------------------------------------------------------


def downloads_page(info: BuildInfo) -> str:
    items: Iterable[str] = [
        f'<li><a href="{CSV_NAME}">{CSV_NAME}</a>: the frontier of every benchmark in the '
        "original tracker's columns, then ids, FLOP with range, method and tier.</li>",
        f'<li><a href="{META_NAME}">{META_NAME}</a>: what the CSV is: the dataset version, '
        "the commit it was built from and its date, and the data licence.</li>",
        f'<li><a href="{JSON_NAME}">{JSON_NAME}</a>: every benchmark and entry as validated, '
        "with the derived estimate, reduction factor, frontier flag and tier of each entry, "
        "and the dataset version, build commit and build date.</li>",
        *(
            f'<li><a href="{name}">{name}</a>: JSON Schema of '
            f"{'one analysis file' if name.startswith('entry') else 'data/benchmarks.yaml'}, "
            "for editors and validators.</li>"
            for name in SCHEMA_NAMES
        ),
    ]
    body = f"""<h1>Downloads</h1>
<p>All files are generated from the dataset by <code>algoeff site build</code>;
compute is in FLOP with <a href="../{HOW}convention">one multiply-add counted as 2</a>.
This is dataset version {esc(info.version)}, built {esc(info.date)} from commit
<code>{esc(info.short_commit)}</code>.</p>
<ul class="downloads">
{chr(10).join(items)}
</ul>
"""
    return page(
        title="Downloads · algoeff",
        base="../",
        body=body,
        trail=[("index.html", "Home"), (None, "Downloads")],
        footer=cite_block(info, "../"),
    )
