"""feed.xml: an Atom feed (RFC 4287) of the dataset's entries, newest addition first.

An entry's date of addition is the date its analysis file was first committed
(one ``git log --diff-filter=A`` over analysis/), so a record published years
ago but added today is news today; an entry not yet committed, or a dataset
outside git, falls back to its publication date. Both come from the inputs, never
the clock, so the same commit gives the same feed.

Links are relative (Atom resolves them against the feed's own address), so the
feed works wherever the site is published. Text goes through ElementTree, which
escapes it.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.dataset.load import ANALYSIS_DIR
from algoeff.outputs.site.citation import TITLE, BuildInfo, git
from algoeff.outputs.site.summary import factor, tfs

ATOM = "http://www.w3.org/2005/Atom"
TAG_AUTHORITY = "tag:algoeff.github.io,2024:"  # RFC 4151 tag URIs: ids that never move
_MARK = "\x00"  # starts each commit's record in the git log output (git's %x00)
# Characters XML 1.0 forbids (section 2.2) that the text policy lets through: the
# noncharacters U+FFFE and U+FFFF. ElementTree writes them as they are, and one would make
# the whole feed ill-formed; the schema already refuses the controls.
_NOT_XML = re.compile("[\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def dates_added(root: Path) -> dict[str, str]:
    """Analysis file (POSIX path relative to ``root``) -> the ISO date-time of the commit
    that first added it; empty outside git."""
    log = git(
        root,
        "log",
        "--diff-filter=A",
        "--no-renames",
        "--relative",
        "--format=%x00%cI",
        "--name-only",
        "--",
        ANALYSIS_DIR.as_posix(),
    )
    added: dict[str, str] = {}
    for record in (log or "").split(_MARK)[1:]:
        when, *files = record.strip().splitlines()
        for name in files:
            if name:
                added[name] = when  # the log runs newest first: the oldest addition stays
    return added


def _rfc3339(value: str) -> str:
    """An ISO date or date-time as an Atom date in UTC (RFC 3339), so that the stamps of
    commits made in different time zones sort as text."""
    if len(value) == 10:
        return value + "T00:00:00Z"
    stamp = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(row: Row, view: BenchmarkView) -> str:
    text = (
        f"{view.benchmark.name}: {tfs(row.estimate.flop)} tfs-days by the "
        f"{row.estimate.method} method (tier: {row.tier})"
    )
    if row.reduction is not None:
        text += f", {factor(row.reduction.value)} less compute than the baseline"
    if row.on_frontier:
        text += "; on the frontier"
    return text + f". Published {row.entry.publication.date.isoformat()}."


def feed_xml(
    views: list[BenchmarkView],
    paths: Mapping[tuple[str, str], str | None],
    added: Mapping[str, str],
    info: BuildInfo,
    entry_href: Mapping[tuple[str, str], str],
) -> bytes:
    """The Atom feed of every entry by date of addition (newest first), as UTF-8 bytes.

    ``paths``: (benchmark, entry) -> the analysis file; ``added``: file -> date first
    committed (``dates_added``); ``entry_href``: (benchmark, entry) -> the entry page.
    """
    items = []
    for view in views:
        for row in view.rows:
            key = (row.entry.benchmark, row.entry.id)
            rel = paths.get(key)
            when = added.get(rel) if rel else None
            stamp = _rfc3339(when or row.entry.publication.date.isoformat())
            items.append((stamp, key, row, view))
    # Newest first; ties by benchmark and entry id so the order never depends on anything else.
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "algoeff: new entries"
    ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = (
        f"{TITLE}; dataset version {info.version}. Each entry is one analysis, by the date "
        "it was added to the dataset."
    )
    ET.SubElement(feed, f"{{{ATOM}}}id").text = TAG_AUTHORITY + "feed"
    fallback = info.date if info.date != "unknown" else "1970-01-01"
    newest = items[0][0] if items else _rfc3339(fallback)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = newest
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "algoeff contributors"
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": "feed.xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": "index.html"})
    ET.SubElement(feed, f"{{{ATOM}}}rights").text = "Data: CC BY 4.0"
    for stamp, (bench_id, entry_id), row, view in items:
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}title").text = _xml(
            f"{row.entry.name} ({view.benchmark.name})"
        )
        ET.SubElement(item, f"{{{ATOM}}}id").text = f"{TAG_AUTHORITY}entries/{bench_id}/{entry_id}"
        ET.SubElement(item, f"{{{ATOM}}}updated").text = stamp
        ET.SubElement(item, f"{{{ATOM}}}published").text = stamp
        href = entry_href[bench_id, entry_id]
        ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "alternate", "href": href})
        ET.SubElement(item, f"{{{ATOM}}}summary").text = _xml(_summary(row, view))
    ET.indent(feed)
    text: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
