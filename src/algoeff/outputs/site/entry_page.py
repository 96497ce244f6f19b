"""The page of one entry: the whole analysis, recomputed and set beside its published figures.

Publication, result, training data, the method's formula with the numbers
filled in, every input with unit, range and source, the canonical compute and
its reduction factor, each published figure with its conversion to canonical
FLOP (a figure counted with multiply-add = 1 is doubled), notes and sources.
"""

from __future__ import annotations

from algoeff.core.fields import Quantity
from algoeff.core.units import FLOP_PER_MULTIPLY_ADD, format_flop, to_flop
from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.model.methods.base import fmt
from algoeff.model.schema import Entry, PublishedFigure
from algoeff.outputs.site.citation import BuildInfo, cite_block
from algoeff.outputs.site.pages import ENTRY_BASE, benchmark_href, reduction_range, target
from algoeff.outputs.site.summary import DASH, factor, tfs, tfs_range
from algoeff.outputs.site.templates import (
    METHODS,
    breadcrumbs_from,
    crumb,
    definitions,
    esc,
    ext_link,
    page,
    table,
)

ARXIV_ABS = "https://arxiv.org/abs/"


def _reduction_text(row: Row, view: BenchmarkView) -> str:
    if row.reduction is None:
        return DASH
    if row is view.baseline:
        return "1× (this entry is the baseline)"
    spread = reduction_range(row)
    value = factor(row.reduction.value)
    return value if spread == DASH else f"{value} ({spread})"


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


_INPUT_HEADERS = ("Input", "Value", "Range", "Unit", "Source", "Where", "Note")


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
                    fmt(value.value),  # numbers: nothing to escape
                    _quantity_range(value),
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
        stack=True,
    )


def _paragraphs(text: str | None, css: str = "prose") -> str:
    if not text:
        return ""
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    return "".join(f'<p class="{css}">{esc(b)}</p>\n' for b in blocks)


class EntryPages:
    """Renders the entry pages of one benchmark; what they all share is built once.

    A site has thousands of entry pages over a few benchmarks: the benchmark's
    escaped name, rule and target and the breadcrumbs' first links are the same
    on each of them.
    """

    def __init__(self, view: BenchmarkView, info: BuildInfo) -> None:
        b = view.benchmark
        self.view = view
        self.info = info
        self.benchmark_name = esc(b.name)
        # esc works character by character, so the parts of a text can be escaped apart.
        self.result_tail = esc(f" {b.metric.unit} ({b.metric.name}); target {target(b)}")
        self.rule = esc(b.training_data.rule)
        self.title_tail = f" · {b.name} · algoeff"
        self.crumbs_head = crumb(ENTRY_BASE, "index.html", "Home") + crumb(
            ENTRY_BASE, benchmark_href(b.id), b.name
        )

    def __call__(self, row: Row, file_url: str | None, file_shown: str) -> str:
        """The page of ``row``, linking its file at ``file_url`` (shown as ``file_shown``)."""
        e = row.entry
        view = self.view
        est = row.estimate
        known = {s.id for s in e.sources}
        pub = e.publication
        pub_items = [
            ("Title", ext_link(pub.url, pub.title)),
            ("Date", pub.date.isoformat()),  # digits and dashes: nothing to escape
        ]
        if pub.arxiv:
            pub_items.append(("arXiv", ext_link(ARXIV_ABS + pub.arxiv, pub.arxiv)))
        if pub.venue:
            pub_items.append(("Venue", esc(pub.venue)))
        model = e.model + (f" ({e.variant})" if e.variant else "")
        result = e.result
        result_source = _source_ref(result.source, known)
        if result.where:
            result_source += f", {esc(result.where)}"
        result_items = [
            ("Model", esc(model)),
            ("Result", esc(f"{result.value:g}") + self.result_tail),
            ("Result source", result_source),
        ]
        if result.note:
            result_items.append(("Result note", esc(result.note)))
        td = e.training_data
        data_items = [("Datasets", esc(", ".join(td.datasets)))]
        if td.augmentation:
            data_items.append(("Augmentation", esc(td.augmentation)))
        if td.note:
            data_items.append(("Note", esc(td.note)))
        data_items.append(("Benchmark rule", self.rule))

        quantities, settings = _inputs(e, known)
        inputs = (
            table(
                f"Inputs of the {est.method} method, each with its unit, range and source",
                _INPUT_HEADERS,
                quantities,
                css="inputs",
                stack=True,
            )
            if quantities
            else "<p>This method has no numeric inputs.</p>\n"
        )
        compute_tfs = esc(tfs(est.flop))
        compute_items = [
            (
                "Canonical compute",
                esc(f"{format_flop(est.flop)} FLOP = ") + compute_tfs + " tfs-days",
            ),
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
            (
                "Verification tier",
                f'{esc(row.tier)} <a href="{ENTRY_BASE}{METHODS}#tiers">(what the tiers are)</a>',
            ),
        ]
        compute_items += settings
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
        repo = f"<code>{esc(file_shown)}</code>"
        if file_url:
            repo = f'<a href="{esc(file_url)}" rel="noopener noreferrer">{repo}</a>'

        notes = f"<section><h2>Notes</h2>{_paragraphs(e.notes)}</section>" if e.notes else ""
        body = f"""<h1>{esc(e.name)}</h1>
<p class="lead">{self.benchmark_name}: <a href="{ENTRY_BASE}{METHODS}#convention">{compute_tfs}
tfs-days</a> by the
<strong>{esc(est.method)}</strong> method; analysis by {analysis}. Source file: {repo}.</p>
<section><h2>Publication</h2>
{definitions(pub_items)}</section>
<section><h2>Result and training data</h2>
{definitions(result_items)}{definitions(data_items)}</section>
<section><h2>Compute</h2>
<p>Formula with the inputs filled in (<a href="{ENTRY_BASE}{METHODS}#convention">one
multiply-add = 2 FLOP</a>):</p>
<pre class="formula"><code>{esc(est.formula)}</code></pre>
{terms}{inputs}{definitions(compute_items)}</section>
<section><h2>Published figures</h2>
{_published(row, known)}</section>
{notes}
<section><h2>Sources</h2>
<ol class="sources">{sources}</ol>
</section>
"""
        crumbs = breadcrumbs_from(self.crumbs_head + crumb(ENTRY_BASE, None, e.name))
        cite = cite_block(self.info, ENTRY_BASE, (e.benchmark, e.id, file_shown))
        return page(
            title=e.name + self.title_tail, base=ENTRY_BASE, body=body, crumbs=crumbs, footer=cite
        )


def entry_page(
    row: Row, view: BenchmarkView, info: BuildInfo, file_url: str | None, file_shown: str
) -> str:
    """The page of one entry (EntryPages renders many of one benchmark faster)."""
    return EntryPages(view, info)(row, file_url, file_shown)
