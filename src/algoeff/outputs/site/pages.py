"""The site's pages as HTML strings: home, one per benchmark, downloads (entries: entry_page.py).

Plain string building over already-derived rows: each page costs one pass over
its own data, never a re-derivation, which keeps 10,000 entry pages fast.
Every piece of entry text passes through ``esc`` or ``ext_link`` (templates.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from algoeff.dataset.derive import Row
from algoeff.model.schema import Benchmark
from algoeff.outputs.site.chart import figure
from algoeff.outputs.site.summary import (
    DASH,
    Headline,
    factor,
    factor_range,
    months,
    tfs,
    tfs_range,
    years,
)
from algoeff.outputs.site.templates import definitions, esc, link, page, script_json, table

DOWNLOADS = "downloads/index.html"
CSV_NAME = "efficiency_sota.csv"
JSON_NAME = "algoeff.json"
SCHEMA_NAMES = ("entry.schema.json", "benchmarks.schema.json")


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


def home_page(headlines: list[Headline]) -> str:
    rows = []
    for h in headlines:
        b = h.view.benchmark
        if h.best is None:
            rows.append([link(benchmark_href(b.id), b.name), DASH, DASH, DASH, DASH, DASH])
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
        "Compute (tfs-days)",
        "Reduction vs baseline",
        "Compute halving time",
        "Moore's law, same span",
    ]
    body = f"""<h1>Algorithmic efficiency: compute to reach a fixed performance</h1>
<p class="lead">Each benchmark fixes a level of performance. Each entry is an analysis of
one model that reached it: how much training compute it took, recomputed from named
inputs with their sources and ranges. The reduction factor divides the baseline's
compute by the entry's; the halving time fits the whole frontier; Moore's law shows
what cheaper hardware alone would have given over the same years (2× every 2 years).</p>
<section id="benchmarks">
<h2>Benchmarks</h2>
{table(caption, headers, rows, numeric=(2,), css="home")}</section>
<section>
<h2>Data</h2>
<p>Everything on this site can be downloaded: <a href="downloads/{CSV_NAME}">CSV</a>,
<a href="downloads/{JSON_NAME}">JSON</a> and the
<a href="{DOWNLOADS}">JSON Schema</a> of an analysis file.</p>
</section>
"""
    return page(title="algoeff: algorithmic efficiency", base="", body=body)


# -- benchmark ---------------------------------------------------------------------


def _row_cells(row: Row, base: str, *, frontier_column: bool) -> list[str]:
    est = row.estimate
    cells = [
        _entry_link(base, row),
        esc(row.entry.publication.date.isoformat()),
        esc(tfs(est.flop)),
        esc(tfs_range(est.flop_low, est.flop_high)),
        esc(_reduction(row)),
        esc(reduction_range(row)),
        esc(est.method),
    ]
    if frontier_column:
        cells.append("yes" if row.on_frontier else "")
    return cells


_ROW_HEADERS = [
    "Entry",
    "Date",
    "Compute (tfs-days)",
    "Range",
    "Reduction",
    "Reduction range",
    "Method",
]


def benchmark_page(h: Headline) -> str:
    view = h.view
    b = view.benchmark
    base = BENCHMARK_BASE
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
            f"{esc(tfs(best.estimate.flop))} tfs-days"
        ]
        if best.reduction is not None and view.baseline is not None:
            parts.append(
                f", {esc(factor(best.reduction.value))} less compute than the baseline "
                f"(range {esc(factor_range(best.reduction.low, best.reduction.high))})"
            )
        parts.append(".")
        if h.moore_factor is not None and h.span_years is not None:
            parts.append(
                f" Over the same {esc(years(h.span_years))}, Moore's law alone would have given "
                f"{esc(factor(h.moore_factor))}."
            )
        parts.append(f" Compute halving time of the frontier: {esc(months(h.trend))}.")
        summary = f'<p class="lead">{"".join(parts)}</p>\n'
    description = f'<p class="prose">{esc(b.description)}</p>\n' if b.description else ""
    label = (
        f"Training compute of each entry of {b.name} against its publication date, "
        "log scale; the tables below hold the same numbers"
    )
    chart = f"""<section>
<h2>Compute against time</h2>
<div id="chart" class="chart" role="img" aria-label="{esc(label)}"></div>
<noscript><p>The chart needs JavaScript; the tables below hold the same numbers.</p></noscript>
<script type="application/json" id="chart-data" data-chart="chart">
{script_json(figure(view))}
</script>
</section>
"""
    frontier = table(
        "Frontier: entries that needed less compute than every earlier one",
        _ROW_HEADERS,
        (_row_cells(r, base, frontier_column=False) for r in view.frontier),
        numeric=(2, 4),
        css="data",
    )
    everything = table(
        "All entries, by publication date",
        [*_ROW_HEADERS, "Frontier"],
        (_row_cells(r, base, frontier_column=True) for r in view.rows),
        numeric=(2, 4),
        css="data",
    )
    body = (
        f"<h1>{esc(b.name)}</h1>\n{summary}{description}{definitions(facts)}{chart}"
        f"<section><h2>Frontier</h2>\n{frontier}</section>\n"
        f"<section><h2>All entries</h2>\n{everything}</section>\n"
    )
    return page(
        title=f"{b.name} · algoeff",
        base=base,
        body=body,
        trail=[("index.html", "Home"), (None, b.name)],
        scripts=["assets/plotly.min.js", "assets/chart.js"],
    )


# -- downloads ---------------------------------------------------------------------


def downloads_page() -> str:
    items: Iterable[str] = [
        f'<li><a href="{CSV_NAME}">{CSV_NAME}</a>: the frontier of every benchmark in the '
        "original tracker's columns, then ids, FLOP with range and method.</li>",
        f'<li><a href="{JSON_NAME}">{JSON_NAME}</a>: every benchmark and entry as validated, '
        "with the derived estimate, reduction factor and frontier flag of each entry.</li>",
        *(
            f'<li><a href="{name}">{name}</a>: JSON Schema of '
            f"{'one analysis file' if name.startswith('entry') else 'data/benchmarks.yaml'}, "
            "for editors and validators.</li>"
            for name in SCHEMA_NAMES
        ),
    ]
    body = f"""<h1>Downloads</h1>
<p>All files are generated from the dataset by <code>algoeff site build</code>;
compute is in FLOP with one multiply-add counted as 2.</p>
<ul class="downloads">
{chr(10).join(items)}
</ul>
"""
    return page(
        title="Downloads · algoeff",
        base="../",
        body=body,
        trail=[("index.html", "Home"), (None, "Downloads")],
    )
