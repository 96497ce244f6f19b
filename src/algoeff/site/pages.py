"""The site's pages as HTML strings: home, one per benchmark, one per entry, downloads.

Plain string building over already-derived rows: each page costs one pass over
its own data, never a re-derivation, which keeps 10,000 entry pages fast.
Every piece of entry text passes through ``esc`` or ``ext_link`` (templates.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from algoeff.derive import BenchmarkView, Row
from algoeff.fields import Quantity
from algoeff.methods.base import fmt
from algoeff.schema import Benchmark, Entry, PublishedFigure
from algoeff.site.chart import figure
from algoeff.site.summary import (
    DASH,
    Headline,
    factor,
    factor_range,
    months,
    tfs,
    tfs_range,
    years,
)
from algoeff.site.templates import definitions, esc, ext_link, link, page, script_json, table
from algoeff.units import FLOP_PER_MULTIPLY_ADD, format_flop, to_flop

DOWNLOADS = "downloads/index.html"
CSV_NAME = "efficiency_sota.csv"
JSON_NAME = "algoeff.json"
SCHEMA_NAMES = ("entry.schema.json", "benchmarks.schema.json")
ARXIV_ABS = "https://arxiv.org/abs/"


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


def _reduction_range(row: Row) -> str:
    if row.reduction is None:
        return DASH
    return factor_range(row.reduction.low, row.reduction.high)


def _reduction_text(row: Row, view: BenchmarkView) -> str:
    if row.reduction is None:
        return DASH
    if row is view.baseline:
        return "1× (this entry is the baseline)"
    spread = _reduction_range(row)
    value = factor(row.reduction.value)
    return value if spread == DASH else f"{value} ({spread})"


def target(b: Benchmark) -> str:
    sign = "≥" if b.direction == "higher" else "≤"
    return f"{b.metric.name} {sign} {b.threshold:g} {b.metric.unit}"


# -- home --------------------------------------------------------------------------


def _with_range(value: str, spread: str) -> str:
    """A figure with its range in muted brackets, the range left out when there is none."""
    return value if spread == DASH else f'{value} <span class="range">({spread})</span>'


def home_page(headlines: list[Headline], has_csv: bool) -> str:
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
    csv_link = f' <a href="downloads/{CSV_NAME}">CSV</a>,' if has_csv else ""
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
<p>Everything on this site can be downloaded:{csv_link}
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
        esc(_reduction_range(row)),
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


# -- entry -------------------------------------------------------------------------


def _source_ref(source_id: str | None, known: set[str]) -> str:
    if source_id is None:
        return ""
    if source_id in known:
        return f'<a href="#source-{esc(source_id)}">{esc(source_id)}</a>'
    return esc(source_id)


def _quantity_range(q: Quantity) -> str:
    if q.low is None and q.high is None:
        return ""
    low = fmt(q.value if q.low is None else q.low)
    high = fmt(q.value if q.high is None else q.high)
    return f"{low}–{high}"


# Shown in their own rows rather than among the method's settings.
_SHOWN_APART = frozenset({"method", "training_flop", "tolerance"})


def _inputs(entry: Entry, known: set[str]) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Rows of the inputs table (quantities) and the method's other settings."""
    compute = entry.compute
    quantities: list[list[str]] = []
    settings: list[tuple[str, str]] = []
    for name, info in type(compute).model_fields.items():
        value = getattr(compute, name)
        if name in _SHOWN_APART or value is None:
            continue
        if isinstance(value, Quantity):
            quantities.append(
                [
                    esc(name),
                    esc(fmt(value.value)),
                    esc(_quantity_range(value)),
                    esc(value.unit),
                    _source_ref(value.source, known),
                    esc(value.where or ""),
                    esc(value.note or ""),
                ]
            )
        else:
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            about = ""
            if info.description:
                about = f' <span class="range">({esc(info.description)})</span>'
            settings.append((name, esc(text) + about))
    return quantities, settings


def _stated(entry: Entry, flop: float) -> str:
    """The compute the entry states against the recomputation, and the tolerance."""
    stated = entry.compute.training_flop
    if stated is None:
        return "not stated"
    diff = stated / flop - 1
    verdict = "within" if abs(diff) <= entry.compute.tolerance else "outside"
    return esc(
        f"{format_flop(stated)} FLOP, {diff:+.1%} from the recomputation "
        f"({verdict} the tolerance of {entry.compute.tolerance:.1%})"
    )


def conversion(p: PublishedFigure) -> tuple[str, float]:
    """How a published figure becomes canonical FLOP, written out, and the result."""
    flop = to_flop(p.value, p.unit, p.convention)
    text = f"{fmt(p.value)} {p.unit}"
    if p.unit != "FLOP":
        text += f" × {fmt(to_flop(1.0, p.unit))} FLOP/{p.unit}"
    if p.convention == "multiply-add=1":
        text += f" × {FLOP_PER_MULTIPLY_ADD} (the source counted a multiply-add once)"
    return f"{text} = {format_flop(flop)} FLOP", flop


def _published(row: Row, known: set[str]) -> str:
    if not row.entry.published:
        return "<p>No source published a compute figure for this entry.</p>\n"
    cells = []
    for p in row.entry.published:
        text, canonical = conversion(p)
        compared = row.estimate.flop if p.scope == "to-target" else row.estimate.run_flop
        diff = canonical / compared - 1
        verdict = "within" if abs(diff) <= p.tolerance else "outside"
        source = _source_ref(p.source, known)
        if p.where:
            source += f", {esc(p.where)}"
        cells.append(
            [
                esc(f"{fmt(p.value)} {p.unit}"),
                esc(p.convention),
                esc(p.scope),
                esc(text),
                esc(f"{diff:+.1%} ({verdict} tolerance {p.tolerance:.0%})"),
                source,
                esc(p.discrepancy or ""),
            ]
        )
    headers = [
        "Published",
        "Convention",
        "Scope",
        "Conversion to canonical FLOP",
        "Difference from recomputation",
        "Source",
        "Why it differs",
    ]
    if not any(p.discrepancy for p in row.entry.published):
        headers.pop()
        cells = [c[:-1] for c in cells]
    return table(
        "Published figures against the recomputation (to-target figures compare with the "
        "entry's compute; run figures with one model's whole run)",
        headers,
        cells,
        css="published",
    )


def _paragraphs(text: str | None, css: str = "prose") -> str:
    if not text:
        return ""
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    return "".join(f'<p class="{css}">{esc(b)}</p>\n' for b in blocks)


def entry_page(row: Row, view: BenchmarkView, file_url: str | None, file_shown: str) -> str:
    e = row.entry
    b = view.benchmark
    est = row.estimate
    base = ENTRY_BASE
    known = {s.id for s in e.sources}
    pub = e.publication
    pub_items = [
        ("Title", ext_link(pub.url, pub.title)),
        ("Date", esc(pub.date.isoformat())),
    ]
    if pub.arxiv:
        pub_items.append(("arXiv", ext_link(ARXIV_ABS + pub.arxiv, pub.arxiv)))
    if pub.venue:
        pub_items.append(("Venue", esc(pub.venue)))
    model = e.model + (f" ({e.variant})" if e.variant else "")
    result = e.result
    result_text = f"{result.value:g} {b.metric.unit} ({b.metric.name}); target {target(b)}"
    result_items = [
        ("Model", esc(model)),
        ("Result", esc(result_text)),
        (
            "Result source",
            _source_ref(result.source, known) + (f", {esc(result.where)}" if result.where else ""),
        ),
    ]
    if result.note:
        result_items.append(("Result note", esc(result.note)))
    td = e.training_data
    data_items = [("Datasets", esc(", ".join(td.datasets)))]
    if td.augmentation:
        data_items.append(("Augmentation", esc(td.augmentation)))
    if td.note:
        data_items.append(("Note", esc(td.note)))
    data_items.append(("Benchmark rule", esc(b.training_data.rule)))

    quantities, settings = _inputs(e, known)
    inputs = (
        table(
            f"Inputs of the {est.method} method, each with its unit, range and source",
            ["Input", "Value", "Range", "Unit", "Source", "Where", "Note"],
            quantities,
            css="inputs",
        )
        if quantities
        else "<p>This method has no numeric inputs.</p>\n"
    )
    compute_items = [
        ("Canonical compute", esc(f"{format_flop(est.flop)} FLOP = {tfs(est.flop)} tfs-days")),
        (
            "Range",
            esc(
                "none: every input is exact"
                if est.flop_low == est.flop_high
                else f"{format_flop(est.flop_low)}–{format_flop(est.flop_high)} FLOP "
                f"({tfs_range(est.flop_low, est.flop_high)} tfs-days)"
            ),
        ),
        ("Reduction vs baseline", esc(_reduction_text(row, view))),
        ("Stated in the entry", _stated(e, est.flop)),
        ("On the frontier", "yes" if row.on_frontier else "no"),
    ]
    compute_items += [(name, value) for name, value in settings]
    terms = ""
    if est.terms:
        terms = "<h3>Terms of the formula</h3>\n" + definitions(
            (name, esc(value)) for name, value in est.terms
        )
    analysis = ext_link(e.analysis.url, e.analysis.name)
    sources = "".join(
        f'<li id="source-{esc(s.id)}">{ext_link(s.url, s.title)}'
        f'{f" — {esc(s.where)}" if s.where else ""} <span class="id">[{esc(s.id)}]</span></li>'
        for s in e.sources
    )
    repo = (
        f'<a href="{esc(file_url)}" rel="noopener noreferrer"><code>{esc(file_shown)}</code></a>'
        if file_url
        else f"<code>{esc(file_shown)}</code>"
    )
    body = f"""<h1>{esc(e.name)}</h1>
<p class="lead">{esc(b.name)}: {esc(tfs(est.flop))} tfs-days by the
<strong>{esc(est.method)}</strong> method; analysis by {analysis}. Source file: {repo}.</p>
<section><h2>Publication</h2>
{definitions(pub_items)}</section>
<section><h2>Result and training data</h2>
{definitions(result_items)}{definitions(data_items)}</section>
<section><h2>Compute</h2>
<p>Formula with the inputs filled in (one multiply-add = 2 FLOP):</p>
<pre class="formula"><code>{esc(est.formula)}</code></pre>
{terms}{inputs}{definitions(compute_items)}</section>
<section><h2>Published figures</h2>
{_published(row, known)}</section>
{f"<section><h2>Notes</h2>{_paragraphs(e.notes)}</section>" if e.notes else ""}
<section><h2>Sources</h2>
<ol class="sources">{sources}</ol>
</section>
"""
    return page(
        title=f"{e.name} · {b.name} · algoeff",
        base=base,
        body=body,
        trail=[("index.html", "Home"), (benchmark_href(b.id), b.name), (None, e.name)],
    )


# -- downloads ---------------------------------------------------------------------


def downloads_page(has_csv: bool) -> str:
    items: Iterable[str] = [
        *(
            [
                f'<li><a href="{CSV_NAME}">{CSV_NAME}</a>: the frontier of every benchmark in the '
                "original tracker's columns, then ids, FLOP with range and method.</li>"
            ]
            if has_csv
            else []
        ),
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
