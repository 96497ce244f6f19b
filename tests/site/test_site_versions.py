"""Versioned, citable builds: the dataset version, the commit and its date, pinned links, the
feed, the methods page, the cross-benchmark chart and the tier column, as built files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from site_fixtures import BENCHMARK_ID, SYNTHETIC_BUILD, BuiltSite, write_dataset

from algoeff.core.errors import InputError, ProblemsError
from algoeff.dataset.load import load_dataset, load_version
from algoeff.outputs.site import build_site
from algoeff.outputs.site.chart import frontiers_figure
from algoeff.outputs.site.citation import BuildInfo, bibtex, build_info, pin

ATOM = "{http://www.w3.org/2005/Atom}"
COMMIT_DATE = "2025-03-04T05:06:07+00:00"


def _git(root: Path, *args: str, date: str = COMMIT_DATE) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    config = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    config += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
    done = subprocess.run(
        ["git", "-C", str(root), *config, *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The synthetic dataset as a git checkout with one commit at COMMIT_DATE (version 1.2.3)."""
    root = write_dataset(tmp_path / "repo")
    (root / "data" / "dataset.yaml").write_text("version: 1.2.3\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "dataset")
    return root


def _feed(out: Path) -> list[ET.Element]:
    return ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")


def test_version_file(tmp_path: Path) -> None:
    """data/dataset.yaml gives the version; without it there is none; a version that is not
    major.minor.patch is a load problem, and the site is refused."""
    root = write_dataset(tmp_path / "data-set")
    assert load_version(root) is None
    (root / "data" / "dataset.yaml").write_text("version: 1.10.0\n")
    assert load_version(root) == "1.10.0"
    assert load_dataset(root).version == "1.10.0"
    for bad in ("version: 1.2\n", "version: v1.2.3\n", "version: 01.2.3\n", "other: 1\n"):
        (root / "data" / "dataset.yaml").write_text(bad)
        problems = load_dataset(root).problems
        assert any("dataset.yaml" in str(p) for p in problems), bad
    with pytest.raises(ProblemsError, match=r"dataset\.yaml"):
        build_site(root, tmp_path / "site")


def test_repository_version_is_semantic() -> None:
    """The bundled dataset carries a semantic version."""
    repo = Path(__file__).resolve().parents[2]
    version = load_version(repo)
    assert version is not None and re.fullmatch(r"\d+\.\d+\.\d+", version)


def test_outside_git_the_commit_and_date_are_unknown(tmp_path: Path) -> None:
    """A dataset that is no git checkout builds with commit and date 'unknown' (never the
    clock), links to the unpinned repo_url, and says so in the downloads and the citation."""
    root = write_dataset(tmp_path / "data-set")
    out = build_site(root, tmp_path / "site").out
    data = json.loads((out / "downloads" / "algoeff.json").read_text())
    assert (data["dataset_version"], data["build_commit"], data["build_date"]) == (
        "unversioned",
        "unknown",
        "unknown",
    )
    meta = json.loads((out / "downloads" / "efficiency_sota.meta.json").read_text())
    assert meta["build_commit"] == "unknown" and meta["file"] == "efficiency_sota.csv"
    page = (out / "entries" / BENCHMARK_ID / "quarter" / "index.html").read_text()
    assert "blob/main/analysis/toy-level/quarter.yaml" in page
    assert "built unknown from commit unknown" in page
    # Without git, the feed dates each entry by its publication.
    stamps = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated") for e in _feed(out)}
    assert stamps[f"tag:algoeff.github.io,2024:entries/{BENCHMARK_ID}/quarter"] == (
        "2016-03-01T00:00:00Z"
    )


def test_git_checkout_pins_commit_and_date(checkout: Path, tmp_path: Path) -> None:
    """In a git checkout the build carries HEAD and its commit date, links to files at that
    commit, and dates each feed entry by the commit that added its file; an entry not yet
    committed falls back to its publication date. Two builds of one commit are identical."""
    head = _git(checkout, "rev-parse", "HEAD")
    # An entry added after the commit, not committed.
    src = checkout / "analysis" / BENCHMARK_ID / "half.yaml"
    (src.parent / "later.yaml").write_text(
        src.read_text().replace("id: half", "id: later").replace("name: Half net", "name: Later")
    )
    one = build_site(checkout, tmp_path / "one").out
    two = build_site(checkout, tmp_path / "two").out
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    data = json.loads((one / "downloads" / "algoeff.json").read_text())
    assert data["build_commit"] == head
    assert data["build_date"] == "2025-03-04"
    assert data["dataset_version"] == "1.2.3"
    page = (one / "entries" / BENCHMARK_ID / "quarter" / "index.html").read_text()
    assert f"https://github.com/algoeff/algoeff/blob/{head}/analysis/toy-level/quarter.yaml" in page
    assert "blob/main/" not in page
    stamps = {e.findtext(f"{ATOM}id", "").rsplit("/", 1)[1]: e for e in _feed(one)}
    assert stamps["quarter"].findtext(f"{ATOM}updated") == "2025-03-04T05:06:07Z"
    assert stamps["later"].findtext(f"{ATOM}updated") == "2017-05-01T00:00:00Z"


def test_overrides_and_their_checks(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment overrides version, commit and date; a malformed one is a one-line error."""
    monkeypatch.setenv("ALGOEFF_DATA_VERSION", "9.8.7")
    monkeypatch.setenv("ALGOEFF_BUILD_DATE", "2030-01-02")
    info = build_info(load_dataset(checkout), "https://github.com/o/r/blob/main/")
    assert (info.version, info.date) == ("9.8.7", "2030-01-02")
    assert info.repo_url == f"https://github.com/o/r/blob/{info.commit}/"
    monkeypatch.setenv("ALGOEFF_DATA_VERSION", "nine")
    with pytest.raises(InputError, match="ALGOEFF_DATA_VERSION"):
        build_info(load_dataset(checkout), "https://github.com/o/r/blob/main/")
    monkeypatch.delenv("ALGOEFF_DATA_VERSION")
    monkeypatch.setenv("ALGOEFF_BUILD_COMMIT", "not-a-commit")
    with pytest.raises(InputError, match="ALGOEFF_BUILD_COMMIT"):
        build_info(load_dataset(checkout), "https://github.com/o/r/blob/main/")
    monkeypatch.setenv("ALGOEFF_BUILD_COMMIT", "abcdef0")
    monkeypatch.setenv("ALGOEFF_BUILD_DATE", "yesterday")
    with pytest.raises(InputError, match="ALGOEFF_BUILD_DATE"):
        build_info(load_dataset(checkout), "https://github.com/o/r/blob/main/")


def test_pin() -> None:
    """Only a .../blob/<ref>/ URL is pinned, and only to a known commit."""
    assert pin("https://github.com/o/r/blob/main/", "abc1234") == (
        "https://github.com/o/r/blob/abc1234/"
    )
    assert pin("https://github.com/o/r/blob/main/", "unknown") == (
        "https://github.com/o/r/blob/main/"
    )
    assert pin("https://example.org/files/", "abc1234") == "https://example.org/files/"


def test_every_page_cites_and_links_feed_and_methods(synthetic_site: BuiltSite) -> None:
    """Every page has the citation with version and date, BibTeX, the data licence, the feed in
    its head and a link to the methods page; every methods anchor linked exists."""
    out = synthetic_site.out
    methods = (out / "methods" / "index.html").read_text()
    anchors = set(re.findall(r'id="([^"]+)"', methods))
    for page in sorted(out.rglob("*.html")):
        text = page.read_text()
        assert '<section class="cite" id="cite"' in text, page
        assert "Dataset version 2.3.4, built 2025-06-01 from commit 0123456789ab" in text, page
        assert "@misc{algoeff_2_3_4" in text and "CC BY 4.0" in text, page
        assert 'type="application/atom+xml"' in text, page
        for anchor in re.findall(r'methods/index\.html#([a-z-]+)"', text):
            assert anchor in anchors, (page, anchor)
    home = (out / "index.html").read_text()
    for anchor in ("tiers", "convention", "reduction", "halving", "moore", "two-points"):
        assert f'methods/index.html#{anchor}"' in home, anchor
    for needle in ("2× the original tracker", "7.4×", "10×", "none (two points)", "error bars"):
        assert needle in methods, needle
    assert SYNTHETIC_BUILD["commit"] in (out / "downloads" / "algoeff.json").read_text()


def test_bibtex_fields() -> None:
    """The BibTeX entry carries the version, the year and date of the build, and the commit."""
    info = BuildInfo(
        "1.2.3", "a" * 40, "2026-02-03T04:05:06+00:00", "https://x.org/", "https://x.org"
    )
    text = bibtex(info, "https://x.org/analysis/b/e.yaml", "_b_e")
    assert text.startswith("@misc{algoeff_1_2_3_b_e,")
    assert "year = {2026}" in text and "version = {1.2.3}" in text
    assert f"built 2026-02-03 from commit {'a' * 40}" in text
    assert "\\url{https://x.org/analysis/b/e.yaml}" in text


def test_home_chart_and_halving_table(bundled_site: BuiltSite) -> None:
    """The home page charts every benchmark's frontier as reduction factors (one trace each,
    log axis labelled at decades) and tabulates every halving time with its interval; the
    two-point benchmark says "none (two points)"."""
    home = (bundled_site.out / "index.html").read_text()
    island = home.split('data-chart="frontiers">\n', 1)[1].split("\n</script>", 1)[0]
    figure = json.loads(island)
    charted = [b for b in bundled_site.benchmarks() if b["entries"]]
    assert len(figure["data"]) == len(charted)
    for trace, item in zip(figure["data"], charted, strict=True):
        frontier = [e for e in item["entries"] if e["on_frontier"]]
        assert trace["y"] == pytest.approx([e["reduction"]["value"] for e in frontier])
        assert trace["line"]["shape"] == "hv"
        assert all(c[-1].startswith("entries/") for c in trace["customdata"])
    yaxis = figure["layout"]["yaxis"]
    assert (yaxis["type"], yaxis["dtick"], yaxis["exponentformat"]) == ("log", 1, "power")
    assert "halving" in home
    two = [b for b in bundled_site.benchmarks() if b["trend"] and b["trend"]["n_points"] == 2]
    if two:
        assert "none (two points)" in home


def test_every_entries_table_shows_the_tier(any_site: BuiltSite) -> None:
    """Each benchmark page's two tables have a Tier column and every row its data-tier (the
    filter's hook); the home table names the best entry's tier."""
    assert ">Tier</a></th>" in (any_site.out / "index.html").read_text()
    for item in any_site.benchmarks():
        if not item["entries"]:
            continue
        page = any_site.out / "benchmarks" / item["benchmark"]["id"] / "index.html"
        text = page.read_text()
        assert text.count(">Tier</a></th>") == 2
        tiers = re.findall(r'<tr data-tier="([a-z]+)">', text)
        frontier = sum(e["on_frontier"] for e in item["entries"])
        assert len(tiers) == len(item["entries"]) + frontier
        assert set(tiers) == {e["tier"] for e in item["entries"]}
        assert '<div class="tier-filter" hidden>' in text


def test_frontiers_figure_without_entries() -> None:
    """No benchmark to chart: an empty figure, not an error."""
    figure = frontiers_figure([])
    assert figure["data"] == []


def test_citation_cff_names_the_dataset_version() -> None:
    """CITATION.cff cites the dataset at the version of data/dataset.yaml, under CC BY 4.0,
    and the data licence file exists."""
    repo = Path(__file__).resolve().parents[2]
    cff = yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["type"] == "dataset"
    assert cff["version"] == load_version(repo)
    assert "CC-BY-4.0" in cff["license"]
    assert "CC BY 4.0" in (repo / "LICENSE-DATA.md").read_text(encoding="utf-8")
