"""HTML building blocks of the site: escaping, safe links, the page layout, tables.

Every string that comes from an entry is untrusted. It reaches HTML only through
``esc`` (``html.escape`` with quotes), a URL only through ``safe_url`` (http(s)
only, re-checked here although the schema already enforces it), and a JSON
island only through ``script_json``, which escapes ``<``, ``>`` and ``&`` so that
no text can close the ``<script>`` element it sits in (the HTML standard's
"restrictions for contents of script elements").
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

# Same shape as the schema's URL rule (algoeff.core.fields), applied again at output time.
_URL_RE = re.compile(r"^https?://[^\s<>\"'`\\]+$")

# Defence in depth: pages may run only the site's own scripts and load nothing remote.
# Plotly adds <style> elements and inline style attributes, hence 'unsafe-inline' for styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)


FEED_NAME = "feed.xml"
METHODS = "methods/index.html"


def _head(base: str) -> str:
    """The document up to ``<title>`` and from ``</title>`` to the content, for one ``base``."""
    return f"""</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}assets/style.css">
<link rel="alternate" type="application/atom+xml" title="algoeff: new entries"
 href="{base}{FEED_NAME}">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="site-header">
<nav aria-label="Site">
<a class="brand" href="{base}index.html">algoeff</a>
<a href="{base}index.html#benchmarks">Benchmarks</a>
<a href="{base}{METHODS}">Methods</a>
<a href="{base}downloads/index.html">Downloads</a>
<a href="{base}{FEED_NAME}">Feed</a>
</nav>
</header>
<main id="main">
"""


_DOCTYPE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP, quote=True)}">
<meta name="referrer" content="no-referrer">
<title>"""
_FOOT = """
</main>
<footer class="site-footer">
<p>Training compute to reach a fixed level of performance, recomputed from each
analysis' inputs. One multiply-add counts as 2 FLOP; 1 tfs-day = 8.64e16 FLOP.</p>
"""


NUM = ' class="num"'
TABLE_WRAP = "table-wrap"  # the scroll box around every table (style.css)
STACK = "stack"  # a table whose rows become blocks on a phone (style.css)
SORTABLE = "sortable"  # a table whose columns sort on a click (assets/tables.js)


def esc(text: object) -> str:
    """Text for HTML content or a quoted attribute (html.escape with quotes)."""
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` escaped for an href when it is a plain http(s) URL; otherwise None."""
    if url is None or not _URL_RE.match(url):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return esc(url)


def ext_link(url: str | None, text: str) -> str:
    """A link to an outside page, or the bare (escaped) text when the URL is not http(s)."""
    href = safe_url(url)
    if href is None:
        return esc(text)
    return f'<a href="{href}" rel="noopener noreferrer">{esc(text)}</a>'


def link(href: str, text: str) -> str:
    """A link inside the site; ``href`` is built from ids, which the schema keeps path-safe."""
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def script_json(data: object) -> str:
    """JSON safe to place inside <script type="application/json">: no '<', '>' or '&' left."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def crumb(base: str, href: str | None, label: str) -> str:
    """One breadcrumb: a link (``href`` relative to the site root), or the current page."""
    if href is None:
        return f'<li aria-current="page">{esc(label)}</li>'
    return f"<li>{link(base + href, label)}</li>"


def breadcrumbs_from(items: str) -> str:
    """The breadcrumb list around already-rendered ``crumb`` items."""
    return f'<nav class="crumbs" aria-label="Breadcrumb"><ol>{items}</ol></nav>\n'


def breadcrumbs(base: str, trail: Sequence[tuple[str | None, str]]) -> str:
    """A breadcrumb list; ``trail`` holds (href relative to the site root, or None, label)."""
    return breadcrumbs_from("".join(crumb(base, href, label) for href, label in trail))


def page(
    *,
    title: str,
    base: str,
    body: str,
    trail: Sequence[tuple[str | None, str]] = (),
    scripts: Iterable[str] = (),
    crumbs: str | None = None,
    footer: str = "",
) -> str:
    """A whole HTML document; ``base`` leads back to the site root ('' or '../../').

    ``crumbs``, when given, is the breadcrumb list already rendered, in place of ``trail``.
    ``footer`` is rendered HTML for the end of the footer (the citation block).
    """
    tags = "".join(f'<script src="{esc(base + s)}" defer></script>\n' for s in scripts)
    if crumbs is None:
        crumbs = breadcrumbs(base, trail) if trail else ""
    parts = (
        _DOCTYPE,
        esc(title),
        _head(base),
        crumbs,
        body,
        _FOOT,
        footer,
        "</footer>\n",
        tags,
        "</body>\n</html>\n",
    )
    return "".join(parts)


class Cell(NamedTuple):
    """A rendered cell with the key a sortable table orders it by (a number or ISO date)."""

    html: str
    sort: str


class TableRow(NamedTuple):
    """A row with attributes for its ``<tr>`` (e.g. ``data-tier``, read by tables.js)."""

    cells: Sequence[str | Cell]
    attrs: Mapping[str, str]


def table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str | Cell] | TableRow],
    *,
    row_header: bool = True,
    numeric: Sequence[int] = (),
    css: str = "",
    stack: bool = False,
    sortable: bool = False,
    header_links: Mapping[int, str] | None = None,
) -> str:
    """An accessible table inside its own scroll box: caption, scoped header cells, the
    first cell a row header.

    Every table of the site goes through here, so every table sits in a
    ``<div class="table-wrap">`` (style.css: ``overflow-x: auto``): on a narrow
    screen a wide table scrolls sideways inside that box, with a shadow at the
    edge that has more to show, and the page itself never grows wider than the
    screen. ``headers`` and ``caption`` are escaped here; ``rows`` hold cells
    already rendered (escaped text or links). ``numeric`` columns are right-aligned.

    ``stack``: on a phone each row becomes a block of "header: value" lines, empty
    cells left out (style.css, class ``stack``; each cell carries its header in
    ``data-label``). For tables with long text beside short numbers, whose rows
    would otherwise grow tall and mostly blank on a narrow screen.

    ``sortable``: assets/tables.js turns each column header into a button that sorts the
    rows; a ``Cell`` gives the key (``data-sort``), other cells sort by their text.
    ``header_links``: column index -> a link (relative) that explains that column.
    """
    classes = " ".join(c for c in (css, STACK if stack else "", SORTABLE if sortable else "") if c)
    cls = f' class="{esc(classes)}"' if classes else ""
    labels = [f' data-label="{esc(h)}"' if stack else "" for h in headers]
    links = header_links or {}
    head = "".join(
        f'<th scope="col"{NUM if i in numeric else ""}>'
        + (link(links[i], h) if i in links else esc(h))
        + "</th>"
        for i, h in enumerate(headers)
    )
    lines = [
        f'<div class="{TABLE_WRAP}"><table{cls}>\n<caption>{esc(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>"
    ]
    for row in rows:
        tr = "<tr>"
        if isinstance(row, TableRow):
            tr = "<tr" + "".join(f' {k}="{esc(v)}"' for k, v in row.attrs.items()) + ">"
            row = row.cells
        cells = []
        for i, cell in enumerate(row):
            attrs = (NUM if i in numeric else "") + (labels[i] if i < len(labels) else "")
            if isinstance(cell, Cell):
                attrs += f' data-sort="{esc(cell.sort)}"'
                cell = cell.html
            if i == 0 and row_header:
                cells.append(f'<th scope="row"{attrs}>{cell}</th>')
            else:
                cells.append(f"<td{attrs}>{cell}</td>")
        lines.append(f"{tr}{''.join(cells)}</tr>")
    lines.append("</tbody></table></div>\n")
    return "\n".join(lines)


def definitions(items: Iterable[tuple[str, str]]) -> str:
    """A description list of (term, already-rendered value)."""
    inner = "".join(f"<dt>{esc(term)}</dt><dd>{value}</dd>" for term, value in items)
    return f"<dl>{inner}</dl>\n"
