"""The built site in a real Chromium: navigation, the chart, hover labels, and safety."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from site_fixtures import (
    BENCHMARK_ID,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    SYNTHETIC_BUILD,
    BuiltSite,
    Watch,
)

pytestmark = pytest.mark.browser

Serve = Callable[[BuiltSite], str]

# The compute chart's points (a page with learning curves has two more charts).
POINTS = "#chart .scatterlayer .trace .point"


def _draw_chart(page: Any) -> int:
    """Wait for Plotly to draw; the number of entry points on the chart."""
    page.wait_for_selector(POINTS, state="attached", timeout=20_000)
    count: int = page.locator(POINTS).count()
    return count


def _hover_label_at(page: Any, index: int) -> str:
    """Move the real mouse onto entry point ``index``; the hover label's text."""
    point = page.locator(POINTS).nth(index)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    label = page.locator(".hoverlayer .hovertext")
    label.first.wait_for(state="attached", timeout=5_000)
    text: str = label.first.text_content() or ""
    return text


def test_navigation_home_to_benchmark_to_entry(
    any_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve, tmp_path: Path
) -> None:
    """Home -> first benchmark -> its best entry by clicking links; hovering its point names it."""
    page, watch = watched
    first = any_site.benchmarks()[0]
    bench = first["benchmark"]
    best = next(e["entry"] for e in first["entries"] if e["entry"]["id"] == first["best_entry"])
    url = serve(any_site)
    page.goto(url)
    page.screenshot(path=tmp_path / "home.png", full_page=True)
    page.get_by_role("link", name=bench["name"], exact=True).first.click()
    page.wait_for_url(re.compile(rf"/benchmarks/{bench['id']}/index\.html$"))
    assert page.locator("h1").inner_text() == bench["name"]
    _draw_chart(page)
    # The label under the mouse on the best entry's point names that entry.
    index = [e["entry"]["id"] for e in first["entries"]].index(best["id"])
    assert best["name"] in _hover_label_at(page, index)
    page.screenshot(path=tmp_path / "benchmark.png", full_page=True)
    page.locator("table").first.get_by_role("link", name=best["name"], exact=True).click()
    page.wait_for_url(re.compile(rf"/entries/{bench['id']}/{best['id']}/index\.html$"))
    assert page.locator("h1").inner_text() == best["name"]
    page.screenshot(path=tmp_path / "entry.png", full_page=True)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=bench["name"]
    ).click()
    page.wait_for_url(re.compile(rf"/benchmarks/{bench['id']}/index\.html$"))
    assert watch.problems() == {}


def test_hover_shows_each_entry(
    synthetic_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve, tmp_path: Path
) -> None:
    """Hovering each point shows a label with that entry's name (as text), its publication
    date, compute and method."""
    page, watch = watched
    item = synthetic_site.benchmarks()[0]
    url = serve(synthetic_site)
    page.goto(f"{url}benchmarks/{BENCHMARK_ID}/index.html")
    _draw_chart(page)
    for index, row in enumerate(item["entries"]):
        label = _hover_label_at(page, index)
        assert row["entry"]["name"] in label
        assert "tfs-days" in label
        assert row["estimate"]["method"] in label
        assert f"date: {row['entry']['publication']['date']}" in label
        if row["entry"]["name"] == HOSTILE_NAME:
            page.screenshot(path=tmp_path / "hover-hostile.png")
        page.mouse.move(0, 0)
    assert watch.problems() == {}


def test_hostile_entry_is_shown_as_text_and_runs_nothing(
    synthetic_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve, tmp_path: Path
) -> None:
    """The entry named <script>alert(1)</script> shows that text; no dialog, no extra script."""
    page, watch = watched
    url = serve(synthetic_site)
    for path in (
        "index.html",
        f"benchmarks/{BENCHMARK_ID}/index.html",
        f"entries/{BENCHMARK_ID}/hostile/index.html",
    ):
        page.goto(url + path)
        page.wait_for_load_state("load")
        assert page.get_by_text(HOSTILE_NAME, exact=True).first.is_visible()
        # Only the site's own scripts exist: local files and the charts' JSON islands.
        scripts = page.evaluate(
            "() => [...document.scripts].map(s => s.getAttribute('src') || s.type)"
        )
        for script in scripts:
            local = re.fullmatch(r"(\.\./)*assets/[a-z.-]+\.js", script)
            assert script == "application/json" or local, script
        assert page.locator("img").count() == 0
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.get_by_text(HOSTILE_NOTE).first.is_visible()
    page.screenshot(path=tmp_path / "hostile-entry.png", full_page=True)
    page.wait_for_timeout(200)  # give any injected handler a chance to fire
    assert watch.dialogs == []
    assert watch.problems() == {}


def test_every_page_is_clean_and_every_chart_complete(
    any_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """Every page loads without console or page errors or requests leaving localhost, and each
    benchmark's chart draws one point per entry, a step ('hv') frontier and Moore's law."""
    page, watch = watched
    url = serve(any_site)
    for path in ("index.html", "downloads/index.html"):
        response = page.goto(url + path)
        assert response is not None and response.status == 200, path
    for item in any_site.benchmarks():
        bench_id = item["benchmark"]["id"]
        page.goto(f"{url}benchmarks/{bench_id}/index.html")
        if not item["entries"]:  # a benchmark still without entries: empty axes, no point
            page.wait_for_selector("#chart .main-svg", state="attached", timeout=20_000)
            assert page.locator(POINTS).count() == 0, bench_id
            continue
        assert _draw_chart(page) == len(item["entries"]), bench_id
        # Plotly's own data agrees with the drawing.
        traces = page.evaluate(
            "() => document.getElementById('chart').data.map("
            "t => ({name: t.name, n: t.x.length, shape: t.line && t.line.shape}))"
        )
        assert traces[0]["n"] == len(item["entries"])
        assert any(t["shape"] == "hv" for t in traces)
        assert any("Moore" in t["name"] for t in traces)
        y_type = page.evaluate("() => document.getElementById('chart').layout.yaxis.type")
        assert y_type == "log"
        for row in item["entries"]:
            path = f"entries/{bench_id}/{row['entry']['id']}/index.html"
            response = page.goto(url + path)
            assert response is not None and response.status == 200, path
    assert watch.problems() == {}
    assert all(r.startswith((url, "data:")) for r in watch.requests)


def test_site_works_from_the_disk_without_a_server(
    synthetic_site: BuiltSite, watched: tuple[Any, Watch]
) -> None:
    """Opened as file:// pages, links resolve and the chart still draws (no server needed)."""
    page, watch = watched
    page.goto((synthetic_site.out / "index.html").as_uri())
    page.get_by_role("link", name="Toy-level accuracy", exact=True).first.click()
    page.wait_for_url(re.compile(r"benchmarks/toy-level/index\.html$"))
    assert _draw_chart(page) == len(synthetic_site.benchmarks()[0]["entries"])
    assert watch.problems() == {}
    assert all(r.startswith(("file://", "data:")) for r in watch.requests)


def test_the_watch_sees_what_it_must(watched: tuple[Any, Watch]) -> None:
    """The harness itself: a dialog, a console error, a thrown error and a remote request are
    all recorded, so the clean-page assertions above can fail."""
    page, watch = watched
    page.set_content(
        "<script>console.error('boom'); alert('hi');</script>"
        "<img src='https://example.org/pixel.png'>"
        "<script>setTimeout(() => { throw new Error('thrown'); }, 0);</script>"
    )
    page.wait_for_timeout(300)
    assert watch.dialogs == ["alert: hi"]
    assert watch.console_errors[:1] == ["boom"]
    assert any("thrown" in e for e in watch.page_errors)
    assert "https://example.org/pixel.png" in watch.outside_requests


PHONE = {"width": 360, "height": 740}


def _site_pages(site: BuiltSite) -> list[str]:
    """Every page of ``site``, as paths relative to its root."""
    return sorted(p.relative_to(site.out).as_posix() for p in site.out.rglob("*.html"))


def test_phone_width_pages_never_overflow(
    any_site: BuiltSite, browser: Any, serve: Serve, tmp_path: Path
) -> None:
    """At 360 px no page is wider than the screen: every table sits in a box that scrolls
    sideways (overflow-x: auto) and a benchmark's entries table, wider than a phone, scrolls
    there. The
    inputs and published-figures tables turn each row into a block of labelled lines, so a
    row is as tall as what it shows and no taller."""
    url = serve(any_site)
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = context.new_page()
    try:
        for path in _site_pages(any_site):
            page.goto(url + path)
            page.wait_for_load_state("load")
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], (path, widths)
            boxes = page.evaluate(
                """() => [...document.querySelectorAll('table')].map(t => {
                    const box = t.parentElement;
                    return [box.className, getComputedStyle(box).overflowX,
                            box.getBoundingClientRect().right <= window.innerWidth];
                })"""
            )
            assert all(b == ["table-wrap", "auto", True] for b in boxes), (path, boxes)
            # A stacked row: its height is that of its visible cells, no blank space.
            slack = page.evaluate(
                """() => [...document.querySelectorAll('table.stack tbody tr')].map(tr => {
                    const cells = [...tr.children].filter(c => c.offsetParent !== null);
                    const used = cells.reduce((s, c) => s + c.getBoundingClientRect().height, 0);
                    return tr.getBoundingClientRect().height - used;
                })"""
            )
            assert all(s < 20 for s in slack), (path, slack)
        page.goto(url + f"benchmarks/{any_site.benchmarks()[0]['benchmark']['id']}/index.html")
        scrolls = page.evaluate(
            "() => { const b = document.querySelector('table.data').parentElement;"
            " return b.scrollWidth > b.clientWidth; }"
        )
        assert scrolls  # the entries table is wider than a phone: it scrolls in its box
    finally:
        context.close()


def test_log_axis_shows_decade_labels_only(
    any_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """As Plotly draws it: the compute axis has at least two labels, each a power of ten
    (1, 10, 10², 10⁻¹ ...), never 2, 5 or 0.5, and carries unlabelled minor ticks."""
    page, watch = watched
    url = serve(any_site)
    for item in any_site.benchmarks():
        if not item["entries"]:
            continue
        page.goto(f"{url}benchmarks/{item['benchmark']['id']}/index.html")
        _draw_chart(page)
        labels = page.evaluate(
            "() => [...document.querySelectorAll('#chart .yaxislayer-above .ytick text')]"
            ".map(t => t.textContent)"
        )
        labels = [label.replace("\u200b", "") for label in labels]
        assert len(labels) >= 2, labels
        assert all(re.fullmatch(r"1|10|10\u2212?\d+", label) for label in labels), labels
        minor = page.evaluate(
            "() => document.getElementById('chart')._fullLayout.yaxis.minor.ticks"
        )
        assert minor == "outside"
    assert watch.problems() == {}


def _cite(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """() => { const c = document.querySelector('footer .cite');
            return c && {visible: c.offsetParent !== null, text: c.innerText,
                         bibtex: c.querySelector('pre.bibtex').innerText,
                         links: [...c.querySelectorAll('a')].map(a => a.href)}; }"""
    )
    return result


def test_citation_block_on_every_page(
    synthetic_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """Every page shows "Cite this" with the dataset version and build date as text and as
    BibTeX; an entry page adds a permalink to its analysis file at the built commit."""
    page, watch = watched
    url = serve(synthetic_site)
    commit = SYNTHETIC_BUILD["commit"]
    for path in _site_pages(synthetic_site):
        page.goto(url + path)
        cite = _cite(page)
        assert cite and cite["visible"], path
        assert "Cite this" in cite["text"], path
        assert "Dataset version 2.3.4, built 2025-06-01" in cite["text"], path
        assert "version = {2.3.4}" in cite["bibtex"] and "year = {2025}" in cite["bibtex"]
        assert "CC BY 4.0" in cite["text"]
    page.goto(url + f"entries/{BENCHMARK_ID}/quarter/index.html")
    cite = _cite(page)
    permalink = (
        f"https://github.com/algoeff/algoeff/blob/{commit}/analysis/{BENCHMARK_ID}/quarter.yaml"
    )
    assert permalink in cite["links"]
    assert permalink in cite["bibtex"]
    assert watch.problems() == {}


def _click_point(page: Any, selector: str, index: int) -> None:
    point = page.locator(selector).nth(index)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_point_opens_its_entry(
    any_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """Clicking a point of a benchmark's chart lands on that entry's page; so does a point of
    the home page's chart of every frontier."""
    page, watch = watched
    url = serve(any_site)
    item = next(b for b in any_site.benchmarks() if b["entries"])
    bench_id = item["benchmark"]["id"]
    row = item["entries"][-1]
    page.goto(f"{url}benchmarks/{bench_id}/index.html")
    _draw_chart(page)
    _click_point(page, POINTS, len(item["entries"]) - 1)
    page.wait_for_url(re.compile(rf"/entries/{bench_id}/{row['entry']['id']}/index\.html$"))
    assert page.locator("h1").inner_text() == row["entry"]["name"]
    # Home: the first benchmark's trace, its first frontier point (the baseline).
    page.goto(url + "index.html")
    home_points = "#frontiers .scatterlayer .trace:first-child .point"
    page.wait_for_selector(home_points, state="attached", timeout=20_000)
    first = next(b for b in any_site.benchmarks() if b["entries"])
    baseline = next(e for e in first["entries"] if e["on_frontier"])
    _click_point(page, home_points, 0)
    page.wait_for_url(
        re.compile(
            rf"/entries/{first['benchmark']['id']}/"
            rf"{baseline['entry']['id']}/index\.html$"
        )
    )
    assert watch.problems() == {}


def test_home_at_390px_has_no_horizontal_scroll(
    any_site: BuiltSite, browser: Any, serve: Serve, tmp_path: Path
) -> None:
    """At 390 px the home page never scrolls sideways: the benchmark summary and the halving
    times are one card per benchmark, with nothing hidden in a scroll box either."""
    url = serve(any_site)
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    page = context.new_page()
    try:
        page.goto(url + "index.html")
        page.wait_for_selector("#frontiers .main-svg", state="attached", timeout=20_000)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('.table-wrap')].map(
                b => [b.scrollWidth, b.clientWidth, getComputedStyle(b.firstElementChild).display])"""
        )
        assert boxes and all(w <= c and d == "block" for w, c, d in boxes), boxes
        # Each card's figures carry their column's name as a label.
        labels = page.evaluate(
            """() => [...document.querySelectorAll('table.home tbody tr:first-child td')]
                .map(td => getComputedStyle(td, '::before').content)"""
        )
        assert '"Compute halving time: "' in labels, labels
        page.screenshot(path=tmp_path / "home-390.png", full_page=True)
    finally:
        context.close()


def test_sortable_column_and_tier_filter(
    synthetic_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """Clicking "Compute" sorts the entries by compute, again reverses them; unticking a tier
    hides its rows and says how many are shown."""
    page, watch = watched
    url = serve(synthetic_site)
    page.goto(f"{url}benchmarks/{BENCHMARK_ID}/index.html")
    table = page.locator("table.data").nth(1)  # all entries
    rows = synthetic_site.benchmarks()[0]["entries"]
    by_flop = sorted(rows, key=lambda r: r["estimate"]["flop"])

    def names() -> list[str]:
        cells: list[str] = table.locator("tbody tr th").all_inner_texts()
        return cells

    assert names() == [r["entry"]["name"] for r in rows]  # built by date
    button = table.get_by_role("button", name=re.compile(r"^Compute"))
    button.click()
    assert names() == [r["entry"]["name"] for r in by_flop]
    header = table.locator("thead th").nth(2)
    assert header.get_attribute("aria-sort") == "ascending"
    button.click()
    assert names() == [r["entry"]["name"] for r in reversed(by_flop)]
    assert header.get_attribute("aria-sort") == "descending"
    # Date sorts back to the built order.
    table.get_by_role("button", name="Date").click()
    assert names() == [r["entry"]["name"] for r in rows]

    tiers = {r["tier"] for r in rows}
    tier = sorted(tiers)[0]
    box = page.locator(f'.tier-filter input[value="{tier}"]')
    assert box.is_visible()
    box.uncheck()
    hidden = [r for r in rows if r["tier"] == tier]
    visible = table.locator("tbody tr:visible").count()
    assert visible == len(rows) - len(hidden)
    assert (
        f"Showing {visible} of {len(rows)} entries." in page.locator(".filter-status").inner_text()
    )
    box.check()
    assert table.locator("tbody tr:visible").count() == len(rows)
    assert watch.problems() == {}


def test_feed_is_atom_and_linked_from_every_page(
    any_site: BuiltSite, watched: tuple[Any, Watch], serve: Serve
) -> None:
    """feed.xml, as the browser fetches it, parses as Atom (xml.etree) with one entry per
    dataset entry, each linking to its page; every page's head links to it."""
    page, watch = watched
    url = serve(any_site)
    for path in ("index.html", "methods/index.html", "downloads/index.html"):
        page.goto(url + path)
        href = page.evaluate(
            "() => document.querySelector('link[rel=alternate][type=\"application/atom+xml\"]').href"
        )
        assert href == url + "feed.xml", (path, href)
    response = page.request.get(url + "feed.xml")
    assert response.ok
    root = ET.fromstring(response.body())
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed"
    items = root.findall(f"{atom}entry")
    count = sum(len(b["entries"]) for b in any_site.benchmarks())
    assert len(items) == count
    stamps = [item.findtext(f"{atom}updated") or "" for item in items]
    assert stamps == sorted(stamps, reverse=True)  # newest addition first
    ids = {item.findtext(f"{atom}id") for item in items}
    assert len(ids) == count
    for item in items:
        link = item.find(f"{atom}link")
        assert link is not None
        assert (any_site.out / link.attrib["href"]).is_file()
    assert watch.problems() == {}
