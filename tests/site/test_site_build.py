"""The built site as files: deterministic, escaped, local, linked, with its downloads."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner
from site_fixtures import (
    BENCHMARK,
    BENCHMARK_ID,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    BuiltSite,
    browser_unavailable,
    entries,
    serving,
    write_dataset,
    write_large_dataset,
)

from algoeff.cli import cli
from algoeff.core.errors import InputError, ProblemsError
from algoeff.dataset.checks import clean_audit
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import fit_trends
from algoeff.model.schema import json_schemas
from algoeff.outputs.site import build, build_site, chart, entry_page, write_site
from algoeff.outputs.site.serve import make_server
from algoeff.outputs.site.templates import esc, safe_url, script_json


class Links(HTMLParser):
    """Every URL-bearing attribute of a page, and the text of its script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: set[str] = set()
        self.handlers: list[str] = []  # on* attributes: event handlers
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "srcset") and value is not None:
                self.urls.append((tag, name, value))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_build_is_deterministic(tmp_path: Path) -> None:
    """Two builds of the same dataset, in different folders, are byte-identical."""
    root = write_dataset(tmp_path / "data-set")
    first = tree(build_site(root, tmp_path / "one").out)
    second = tree(build_site(root, tmp_path / "two").out)
    assert first == second
    assert len(first) > 10
    # Nothing from this machine leaks in: no absolute path of the dataset or of the output.
    for name, data in first.items():
        if name.endswith((".html", ".json", ".csv")):
            assert str(tmp_path).encode() not in data, name


def test_large_dataset_builds_the_same_bytes_with_every_page(tmp_path: Path) -> None:
    """240 entries over three benchmarks: two builds are byte-identical, every entry has its
    page, the file count is what is on disk, and each trend is the one `algoeff trend` fits
    (same draws, same seed)."""
    root = write_large_dataset(tmp_path / "data-set")
    first = build_site(root, tmp_path / "one")
    second = build_site(root, tmp_path / "two")
    files = tree(first.out)
    assert files == tree(second.out)
    assert first.files == second.files == len(files)
    assert (first.benchmarks, first.entries) == (3, 240)
    views = derive(load_dataset(root))
    data = json.loads(files["downloads/algoeff.json"])
    for view, item in zip(views, data["benchmarks"], strict=True):
        for row in view.rows:
            assert f"entries/{view.benchmark.id}/{row.entry.id}/index.html" in files
        fitted = fit_trends([view])[view.benchmark.id]
        assert fitted is not None
        assert item["trend"] == json.loads(json.dumps(fitted.as_dict()))


def test_write_site_from_one_load_is_build_site(tmp_path: Path) -> None:
    """write_site on the dataset and views of one clean_audit gives the bytes of build_site,
    and refuses what build_site refuses."""
    root = write_dataset(tmp_path / "data-set")
    built = build_site(root, tmp_path / "built")
    audit = clean_audit(root)
    written = write_site(audit.dataset, audit.views, tmp_path / "written")
    assert tree(written.out) == tree(built.out)
    assert (written.benchmarks, written.entries, written.files) == (
        built.benchmarks,
        built.entries,
        built.files,
    )
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="was not built"):
        write_site(audit.dataset, audit.views, precious)
    with pytest.raises(InputError, match="--repo-url"):
        write_site(audit.dataset, audit.views, tmp_path / "x", repo_url="ftp://example.org/")
    assert (precious / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "x").exists()


def test_failed_build_leaves_the_previous_site_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that fails half-way through the entry pages leaves the previous site byte for
    byte, and no half-written folder beside it."""
    root = write_dataset(tmp_path / "data-set")
    out = tmp_path / "site"
    build_site(root, out)
    before = tree(out)
    render = entry_page.EntryPages.__call__
    calls = []

    def fail_on_the_third(self: entry_page.EntryPages, *args: object) -> str:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return render(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(entry_page.EntryPages, "__call__", fail_on_the_third)
    with pytest.raises(OSError, match="disk full"):
        build_site(root, out)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data-set", "site"]


def test_every_table_sits_in_a_scroll_box(any_site: BuiltSite) -> None:
    """Every table of every page is the only child of a div.table-wrap, which the stylesheet
    lets scroll sideways, so a wide table never widens the page on a phone."""
    tables = 0
    for page in html_files(any_site.out):
        text = page.read_text(encoding="utf-8")
        count = text.count("<table")
        assert len(re.findall(r'<div class="table-wrap"><table[ >]', text)) == count, page
        assert text.count("</table></div>") == count, page
        tables += count
    assert tables > 0
    css = (any_site.out / "assets" / "style.css").read_text()
    rule = re.search(r"\.table-wrap \{([^}]*)\}", css)
    assert rule is not None and "overflow-x: auto" in rule.group(1)


def _chart(page: Path) -> dict[str, Any]:
    """The compute chart's figure (a page with learning curves has two more charts)."""
    (island,) = [text for attrs, text in parse(page).scripts if attrs.get("id") == "chart-data"]
    figure: dict[str, Any] = json.loads(island)
    return figure


def test_chart_log_axis_labels_decades_only(any_site: BuiltSite) -> None:
    """The compute axis of every chart is labelled at whole decades only (dtick 1, written as
    powers of ten), with unlabelled minor ticks between; its range is whole decades that
    hold every point and error bar, so at least two labelled ticks always show."""
    for item in any_site.benchmarks():
        bench_id = item["benchmark"]["id"]
        layout = _chart(any_site.out / "benchmarks" / bench_id / "index.html")["layout"]
        y = layout["yaxis"]
        assert y["type"] == "log"
        assert y["dtick"] == 1  # one label per decade; no "D1"/"D2" digit labels
        assert y["exponentformat"] == "power"
        assert "tickvals" not in y and "ticktext" not in y
        minor = y["minor"]
        assert minor["ticks"] == "outside" and minor["dtick"] in ("D1", "D2")
        assert "showticklabels" not in minor  # Plotly never labels minor ticks
        if not item["entries"]:
            continue
        low, high = y["range"]
        assert isinstance(low, int) and isinstance(high, int) and high - low >= 1
        tfs_day = 8.64e16
        lows = [r["estimate"]["flop_low"] / tfs_day for r in item["entries"]]
        highs = [r["estimate"]["flop_high"] / tfs_day for r in item["entries"]]
        assert 10**low < min(lows) and max(highs) < 10**high, bench_id


def test_chart_range_spans_a_decade_for_close_values() -> None:
    """Values within one decade still get a whole decade on each side of them."""
    assert chart.decade_range([3.0, 4.0, 8.0]) == [0, 1]
    assert chart.decade_range([1.0, 10.0]) == [-1, 2]  # room around exact decades
    assert chart.decade_range([0.02, 300.0]) == [-2, 3]
    assert chart.decade_range([]) is None
    axis = chart.log_axis("compute", [3.0, 8.0])
    assert axis["range"] == [0, 1] and axis["dtick"] == 1
    assert all(math.isfinite(v) for v in axis["range"])


def test_rebuild_replaces_its_own_folder_but_no_other(tmp_path: Path) -> None:
    """A second build replaces the first (stale pages go); a folder of other files is refused."""
    root = write_dataset(tmp_path / "data-set")
    out = tmp_path / "site"
    build_site(root, out)
    stale = out / "entries" / BENCHMARK_ID / "gone" / "index.html"
    stale.parent.mkdir()
    stale.write_text("stale")
    build_site(root, out)
    assert not stale.exists()
    assert (out / "index.html").is_file()

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    with pytest.raises(InputError, match="was not built by `algoeff site build`"):
        build_site(root, precious)
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_every_page_exists(synthetic_site: BuiltSite) -> None:
    """Home, methods, downloads, one page per benchmark and one per entry, each an index.html."""
    out = synthetic_site.out
    expected = {"index.html", "downloads/index.html", f"benchmarks/{BENCHMARK_ID}/index.html"}
    expected.add("methods/index.html")
    expected |= {f"entries/{BENCHMARK_ID}/{eid}/index.html" for eid in entries()}
    assert {p.relative_to(out).as_posix() for p in html_files(out)} == expected


def test_entry_text_is_escaped_everywhere(synthetic_site: BuiltSite) -> None:
    """Hostile text never appears raw in a page and makes no element or handler; its escaped
    form is in every page that shows it."""
    raw = [HOSTILE_NAME, HOSTILE_TITLE, HOSTILE_NOTE, "<img", "</script><script>"]
    shown: set[str] = set()
    for page in html_files(synthetic_site.out):
        text = page.read_text(encoding="utf-8")
        for needle in raw:
            assert needle not in text, (page, needle)
        links = parse(page)
        assert links.handlers == [], page
        assert "img" not in links.tags, page
        if esc(HOSTILE_NAME) in text:
            shown.add(page.relative_to(synthetic_site.out).as_posix())
    assert {
        "index.html",
        f"benchmarks/{BENCHMARK_ID}/index.html",
        f"entries/{BENCHMARK_ID}/hostile/index.html",
    } <= shown
    entry_page = synthetic_site.out / "entries" / BENCHMARK_ID / "hostile" / "index.html"
    text = entry_page.read_text(encoding="utf-8")
    assert esc(HOSTILE_NOTE) in text and esc(HOSTILE_TITLE) in text


def test_chart_json_cannot_close_its_script(synthetic_site: BuiltSite) -> None:
    """The charts' JSON islands hold no '<', '>' or '&' and parse back to the entry names."""
    page = synthetic_site.out / "benchmarks" / BENCHMARK_ID / "index.html"
    islands = {
        str(attrs.get("id")): text
        for attrs, text in parse(page).scripts
        if attrs.get("type") == "application/json"
    }
    assert sorted(islands) == ["chart-data", "curves-data", "halving-data"]
    assert not any(c in text for text in islands.values() for c in "<>&")
    island = islands["chart-data"]
    figure = json.loads(island)
    names = [row[0] for row in figure["data"][0]["customdata"]]
    # Plotly renders hover text as pseudo-HTML, so names go in escaped and come out as text.
    assert esc(HOSTILE_NAME).replace("&#x27;", "'").replace("&quot;", '"') in names
    assert len(figure["data"][0]["x"]) == len(entries())


def test_script_json_escapes_markup() -> None:
    """script_json output has no characters that HTML would read inside a script element."""
    text = script_json({"a": "</script><!-- & \u2028", "b": [1, 2.5]})
    assert not any(c in text for c in "<>&\u2028")
    assert json.loads(text) == {"a": "</script><!-- & \u2028", "b": [1, 2.5]}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://arxiv.org/abs/1905.11946", True),
        ("http://example.org/a?b=c&d=e", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/x", False),
        ('https://x.org/"onmouseover="alert(1)', False),
        ("ftp://example.org/file", False),
        (None, False),
    ],
)
def test_only_http_urls_become_links(url: str | None, ok: bool) -> None:
    """safe_url passes plain http(s) URLs (escaped) and refuses every other scheme."""
    result = safe_url(url)
    assert (result is not None) == ok
    if result is not None:
        assert result == esc(url)


def test_links_are_http_or_relative_and_resolve(any_site: BuiltSite) -> None:
    """Every link is http(s) or relative; every relative link and asset exists in the site."""
    out = any_site.out.resolve()
    for page in html_files(out):
        for tag, attr, value in parse(page).urls:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https"):
                assert tag == "a" and attr == "href", (page, value)  # never a remote asset
                assert parts.netloc, (page, value)
                continue
            if value == "data:,":  # the empty favicon, which stops a request for /favicon.ico
                continue
            assert parts.scheme == "" and parts.netloc == "", (page, value)
            assert not value.startswith("/"), (page, value)  # relative, so any base path works
            if parts.path == "":
                continue  # a fragment on the same page
            target = (page.parent / parts.path).resolve()
            assert target.is_relative_to(out), (page, value)
            assert target.is_file(), (page, value)


def test_fragment_links_have_targets(synthetic_site: BuiltSite) -> None:
    """Source citations (#source-id) point at an element with that id on the same page."""
    for page in html_files(synthetic_site.out):
        text = page.read_text(encoding="utf-8")
        for _, _, value in parse(page).urls:
            if value.startswith("#"):
                assert f'id="{value[1:]}"' in text, (page, value)


def test_assets_are_local_and_nothing_loads_from_elsewhere(any_site: BuiltSite) -> None:
    """Scripts and stylesheets are files of the site; no page names a CDN or a web font."""
    for page in html_files(any_site.out):
        text = page.read_text(encoding="utf-8")
        for word in ("cdn.", "fonts.googleapis", "@import", "integrity="):
            assert word not in text, (page, word)
        for attrs, _ in parse(page).scripts:
            src = attrs.get("src")
            assert src is None or not urlsplit(src).scheme, (page, src)
    css = (any_site.out / "assets" / "style.css").read_text()
    assert "url(" not in css and "@import" not in css
    plotly = (any_site.out / "assets" / "plotly-basic.min.js").read_bytes()
    assert plotly.startswith(b"/**") and b"plotly.js (basic - minified)" in plotly[:200]
    assert b"MIT License" in (any_site.out / "assets" / "plotly-basic.LICENSE").read_bytes()


def test_downloads(synthetic_site: BuiltSite) -> None:
    """The JSON holds every entry with its derived numbers; the CSV and the schemas are there."""
    downloads = synthetic_site.out / "downloads"
    data = synthetic_site.data
    (bench,) = data["benchmarks"]
    assert bench["benchmark"]["id"] == BENCHMARK_ID
    rows = {row["entry"]["id"]: row for row in bench["entries"]}
    assert set(rows) == set(entries())
    assert rows["base"]["reduction"]["value"] == pytest.approx(1.0)
    assert rows["quarter"]["reduction"]["value"] == pytest.approx(4.0)
    assert rows["hostile"]["reduction"]["value"] == pytest.approx(10.0)
    assert rows["hostile"]["entry"]["name"] == HOSTILE_NAME
    assert rows["half"]["on_frontier"] is False  # 1/2 came after 1/4
    assert rows["quarter"]["path"] == f"analysis/{BENCHMARK_ID}/quarter.yaml"
    assert rows["base"]["estimate"]["flop"] == pytest.approx(6.0e16)
    assert bench["best_entry"] == "hostile"

    with (downloads / "efficiency_sota.csv").open(newline="", encoding="utf-8") as handle:
        frontier = [r["entry_id"] for r in csv.DictReader(handle)]
    assert frontier == ["base", "quarter", "hostile"]
    for name, schema in json_schemas().items():
        assert json.loads((downloads / f"{name}.schema.json").read_text()) == schema


def test_entry_page_shows_the_analysis(bundled_site: BuiltSite) -> None:
    """An entry page holds the formula with numbers, each input, the conversion and the file link."""
    item = bundled_site.benchmarks()[0]
    row = next(r for r in item["entries"] if r["entry"]["published"])
    entry = row["entry"]
    page = bundled_site.out / "entries" / entry["benchmark"] / entry["id"] / "index.html"
    text = page.read_text(encoding="utf-8")
    assert esc(row["estimate"]["formula"]) in text
    for name in row["estimate"]["terms"]:
        assert esc(name) in text
    for published in entry["published"]:
        assert esc(published["convention"]) in text
    if any(p["convention"] == "multiply-add=1" for p in entry["published"]):
        assert "× 2 (the source counted a multiply-add once)" in text
    # Pinned to the built commit, not to the moving main branch.
    commit = bundled_site.data["build_commit"]
    ref = "main" if commit == "unknown" else commit  # 'unknown' only where git cannot run
    pinned = build.DEFAULT_REPO_URL.replace("/main/", f"/{ref}/")
    assert f'href="{pinned}{row["path"]}"' in text
    for source in entry["sources"]:
        assert f'id="source-{source["id"]}"' in text
        assert esc(source["url"]) in text


def test_home_page_headline(synthetic_site: BuiltSite) -> None:
    """The home page names the best entry, its reduction factor and Moore's law over the span."""
    text = (synthetic_site.out / "index.html").read_text(encoding="utf-8")
    assert esc(HOSTILE_NAME) in text
    assert "10×" in text  # 6e16 / 6e15
    # 2014-09-10 to 2018-01-15 is 3.35 years: 2 ** (3.35 / 2) = 3.2x from Moore's law.
    assert "3.2×" in text
    assert "months" in text  # four frontier points give a halving time with an interval


def test_bad_dataset_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    """A dataset with an invalid entry gives every problem, one per line, and no site."""
    root = write_dataset(tmp_path / "data-set")
    bad = root / "analysis" / BENCHMARK_ID / "half.yaml"
    bad.write_text(bad.read_text().replace("epoch\n", "epochs\n", 1))
    out = tmp_path / "site"
    with pytest.raises(ProblemsError) as caught:
        build_site(root, out)
    assert "half.yaml" in str(caught.value)
    assert not out.exists()


def test_plotly_bundle_ships_with_algoeff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart bundle is Plotly's basic partial bundle inside algoeff, under 1.3 MB (the full
    plotly.min.js is 4.8 MB), so the site needs no plotly package; a broken install that lost
    it says to reinstall."""
    bundle = build.plotly_js()
    assert len(bundle) < 1_300_000
    assert b"plotly.js (basic - minified) v" in bundle[:200]

    class Missing:
        def __truediv__(self, _name: str) -> Missing:
            return self

        def is_file(self) -> bool:
            return False

    monkeypatch.setattr(build.resources, "files", lambda _package: Missing())
    with pytest.raises(InputError, match=r"plotly-basic.min.js\); reinstall algoeff"):
        build.plotly_js()


def test_cli_build_and_usage_errors(tmp_path: Path) -> None:
    """`algoeff site build` writes the site; a non-http repository URL is a one-line error."""
    root = write_dataset(tmp_path / "data-set")
    out = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(cli, ["site", "build", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and (out / "index.html").is_file()
    with pytest.raises(InputError, match="--repo-url"):
        build_site(root, out, repo_url="javascript:alert(1)")


def test_repo_url_is_configurable(tmp_path: Path) -> None:
    """--repo-url sets the base of each entry's file link."""
    root = write_dataset(tmp_path / "data-set")
    out = build_site(root, tmp_path / "site", repo_url="https://example.org/fork/blob/dev").out
    page = (out / "entries" / BENCHMARK_ID / "base" / "index.html").read_text()
    assert f'href="https://example.org/fork/blob/dev/analysis/{BENCHMARK_ID}/base.yaml"' in page


@pytest.mark.parametrize("command", [["site"], ["site", "build"], ["site", "serve"]])
def test_help_ends_with_examples(command: list[str]) -> None:
    """Each site command's help ends with copy-pasteable examples."""
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    description = result.output.split("Options:")[0].rstrip()
    assert description.splitlines()[-1].strip().startswith("algoeff site")


def test_serve_serves_the_site(synthetic_site: BuiltSite, tmp_path: Path) -> None:
    """The preview server answers on 127.0.0.1; a folder without a site is a one-line error."""
    with serving(synthetic_site.out) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
            assert b"<title>" in response.read()
    with pytest.raises(InputError, match="no site here"):
        make_server(tmp_path / "nothing")


def test_csv_download_is_the_render_csv(synthetic_site: BuiltSite) -> None:
    """The CSV download is what `algoeff render` writes for the same views."""
    from algoeff.outputs.tables import CSV_COLUMNS

    text = (synthetic_site.out / "downloads" / "efficiency_sota.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == CSV_COLUMNS


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", "skip"), ("0", "skip"), ("1", "fail"), ("true", "fail")]
)
def test_missing_browser_skips_except_in_ci(
    ci: str, outcome: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Chromium the browser tests skip, but with CI set they fail."""
    monkeypatch.setenv("CI", ci)
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected):
        browser_unavailable("no browser")


def test_benchmark_without_entries_or_baseline(tmp_path: Path) -> None:
    """A benchmark with no entries, and one whose baseline is absent, still get pages with dashes."""
    root = write_dataset(tmp_path / "data-set")
    defs = [
        BENCHMARK,
        {**BENCHMARK, "id": "empty-level", "name": "Empty level"},
        {**BENCHMARK, "id": "orphan-level", "name": "Orphan level", "baseline": "absent"},
    ]
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": [copy.deepcopy(d) for d in defs]}, sort_keys=False)
    )
    orphan = root / "analysis" / "orphan-level"
    orphan.mkdir()
    quarter = (root / "analysis" / BENCHMARK_ID / "quarter.yaml").read_text()
    (orphan / "quarter.yaml").write_text(quarter.replace(BENCHMARK_ID, "orphan-level"))
    out = build_site(root, tmp_path / "site").out
    home = (out / "index.html").read_text()
    empty_row = home.split('href="benchmarks/empty-level/index.html"')[1].split("</tr>")[0]
    assert empty_row.count("—") == 6
    orphan_row = home.split('href="benchmarks/orphan-level/index.html"')[1].split("</tr>")[0]
    assert "Quarter net" in orphan_row and "×" not in orphan_row
    for bench in ("empty-level", "orphan-level"):
        assert (out / "benchmarks" / bench / "index.html").is_file()
