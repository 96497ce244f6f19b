"""`algoeff site build`: the dataset as a static website that needs no server.

Layout of the output folder (every link relative, every page an index.html, so
it works from GitHub Pages, any static host, or straight from the disk):

    index.html                                  home: each benchmark's headline, all frontiers
    benchmarks/<benchmark>/index.html           frontier, all entries, the chart (and, with
                                                learning curves, the halving time by level)
    entries/<benchmark>/<entry>/index.html      one analysis in full
    methods/index.html                          how every number is computed
    downloads/index.html                        CSV (and its .meta.json), JSON, JSON Schemas
    feed.xml                                    Atom feed of the entries by date added
    assets/                                     style.css, chart.js, tables.js, plotly-basic.min.js

Two ways in:

- ``build_site(root, out)`` loads and checks the dataset at ``root``, then writes;
- ``write_site(dataset, views, out)`` writes a dataset that the caller has already
  loaded and derived (one load shared with other commands).

Both write the whole site into a new folder beside ``out`` and swap it in at
the end, so a failed build leaves the previous site whole; a folder that was
not built by this command is never replaced. The same dataset gives the same
bytes: no wall-clock time (the build date is the commit's, citation.py), fixed orders,
sorted JSON keys, seeded trend fits.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from algoeff.core.errors import InputError, Problem, ProblemsError
from algoeff.core.files import display_path
from algoeff.dataset.derive import BenchmarkView, derive
from algoeff.dataset.load import Dataset, load_dataset
from algoeff.dataset.trend import Trends, fit_trends
from algoeff.outputs.site import downloads, entry_page, pages
from algoeff.outputs.site.citation import BuildInfo, build_info
from algoeff.outputs.site.curves_section import threshold_charts
from algoeff.outputs.site.feed import dates_added, feed_xml
from algoeff.outputs.site.methods_page import methods_page
from algoeff.outputs.site.summary import headline
from algoeff.outputs.site.templates import FEED_NAME, METHODS, safe_url

DEFAULT_OUT = Path("_site")
DEFAULT_REPO_URL = "https://github.com/algoeff/algoeff/blob/main/"
MARKER = ".algoeff-site"
MARKER_TEXT = b"Built by `algoeff site build`; the whole folder is replaced on every build.\n"
ASSETS = ("style.css", "chart.js", "tables.js")
# Plotly's "basic" partial bundle (scatter, bar, pie; error bars, log and date axes), 1.2 MB
# against the full plotly.min.js's 4.8 MB: npm's plotly.js-basic-dist-min, the same
# plotly.js version that the plotly Python package ships; MIT (plotly-basic.LICENSE).
PLOTLY_BUNDLE = "plotly-basic.min.js"
PLOTLY_LICENCE = "plotly-basic.LICENSE"


@dataclass(frozen=True)
class SiteResult:
    """What a build wrote: the site's folder and how many benchmarks, entries and files."""

    out: Path
    benchmarks: int
    entries: int
    files: int


def plotly_js() -> bytes:
    """Plotly's basic bundle, shipped with algoeff (served locally, no CDN)."""
    bundle = resources.files("algoeff.outputs.site") / "assets" / PLOTLY_BUNDLE
    if not bundle.is_file():  # a broken install: the wheel always carries it
        raise InputError(f"algoeff's site assets are missing ({PLOTLY_BUNDLE}); reinstall algoeff")
    return bundle.read_bytes()


def asset(name: str) -> bytes:
    return (resources.files("algoeff.outputs.site") / "assets" / name).read_bytes()


def check_repo_url(repo_url: str) -> str:
    """The repository base URL, ending in '/'; a one-line error unless it is http(s)."""
    if safe_url(repo_url) is None:
        raise InputError(
            f"--repo-url: {repo_url!r} is not an http(s) URL (expected e.g. {DEFAULT_REPO_URL})"
        )
    return repo_url if repo_url.endswith("/") else repo_url + "/"


def check_out(out: Path) -> None:
    """Refuse an ``out`` that is a file, or a folder of other things that this command did
    not build (so that `--out .` or a typo cannot delete anyone's work)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{display_path(out)}: is a file (expected a folder for the site)")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(
            f"{display_path(out)}: is not empty and was not built by `algoeff site build` "
            "(expected an empty or new folder); choose another --out or empty it"
        )


def relative_path(path: Path, root: Path) -> str | None:
    """``path`` below ``root`` as a POSIX path (analysis/<benchmark>/<entry>.yaml), else None."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def entry_paths(dataset: Dataset, views: list[BenchmarkView]) -> downloads.Paths:
    """(benchmark id, entry id) -> the entry's file in the repository, for every row."""
    return {
        (row.entry.benchmark, row.entry.id): relative_path(row.loaded.path, dataset.root)
        for view in views
        for row in view.rows
    }


def site_files(
    dataset: Dataset,
    views: list[BenchmarkView],
    info: BuildInfo,
    plotly: bytes,
    trends: Trends | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (POSIX path inside the site, bytes), in a fixed order.

    The trends are fitted first (seeded, so always the same); each page is
    rendered only when it is asked for, so the whole site is never in memory.
    Links to the repository go to ``info.repo_url``, pinned to the built commit.
    """
    paths = entry_paths(dataset, views)
    fitted = trends if trends is not None else fit_trends(views)
    headlines = [headline(view, fitted[view.benchmark.id]) for view in views]
    # The sensitivity of each benchmark with curves, once: seeded like the trends.
    thresholds = [threshold_charts(view) for view in views]

    yield MARKER, MARKER_TEXT
    yield ".nojekyll", b""  # GitHub Pages: serve the folder as it is
    for name in ASSETS:
        yield f"assets/{name}", asset(name)
    yield pages.PLOTLY, plotly
    yield f"assets/{PLOTLY_LICENCE}", asset(PLOTLY_LICENCE)
    yield "index.html", pages.home_page(headlines, info).encode()
    for h, threshold in zip(headlines, thresholds, strict=True):
        href = pages.benchmark_href(h.view.benchmark.id)
        yield href, pages.benchmark_page(h, info, threshold).encode()
    hrefs = {}
    for view in views:
        render = entry_page.EntryPages(view, info)
        for row in view.rows:
            rel = paths[row.entry.benchmark, row.entry.id]
            shown = rel or f"analysis/{row.entry.benchmark}/{row.entry.id}.yaml"
            url = info.repo_url + rel if rel is not None else None
            href = pages.entry_href(row.entry.benchmark, row.entry.id)
            hrefs[row.entry.benchmark, row.entry.id] = href
            yield href, render(row, url, shown).encode()
    yield METHODS, methods_page(info).encode()
    yield pages.DOWNLOADS, pages.downloads_page(info).encode()
    yield f"downloads/{pages.CSV_NAME}", downloads.csv_bytes(views)
    yield f"downloads/{pages.META_NAME}", downloads.csv_meta(info, pages.CSV_NAME)
    yield f"downloads/{pages.JSON_NAME}", downloads.everything_json(headlines, paths, info)
    for name, data in downloads.schema_files().items():
        yield f"downloads/{name}", data
    added = dates_added(dataset.root) if info.commit != "unknown" else {}
    yield FEED_NAME, feed_xml(views, paths, added, info, hrefs)


def replace_folder(out: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write ``files`` into a new folder beside ``out``, then swap it in; the files written.

    Until the swap, ``out`` is untouched: an error while writing (a failing
    page, a full disk, Ctrl-C) removes the new folder and leaves ``out`` as it
    was. The swap is two renames in one folder: the old site aside, the new one
    in (the old one back if that fails), then the old one deleted.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    count = 0
    try:
        for rel, data in files:
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            count += 1
        staging.chmod(0o755)  # mkdtemp makes it private; a published site must be readable
        old = staging.with_name(staging.name + ".old")
        if out.exists():
            out.rename(old)
        try:
            staging.rename(out)
        except BaseException:
            if old.exists():
                old.rename(out)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return count


def write_site(
    dataset: Dataset,
    views: list[BenchmarkView],
    out: Path = DEFAULT_OUT,
    *,
    repo_url: str = DEFAULT_REPO_URL,
    version: str | None = None,
    commit: str | None = None,
    date: str | None = None,
    trends: Trends | None = None,
) -> SiteResult:
    """Write the site of an already-loaded ``dataset`` into ``out``; nothing is loaded again.

    For a caller that has loaded and derived the dataset once for other work
    (check, render) and builds the site from the same objects::

        audit = clean_audit(root)   # algoeff.dataset.checks; raises on errors
        result = write_site(audit.dataset, audit.views, Path("_site"))

    Contract:

    - ``views`` is ``derive(dataset)``: one BenchmarkView per benchmark of
      ``dataset``, in its order (``Audit.views`` is). The pages, the JSON and
      the trends come from ``views``; ``dataset`` gives the root, against which
      each entry's repository path is taken.
    - ``trends``, when given, is ``fit_trends(views)`` already fitted (`algoeff build`
      fits them once for the README and the site); otherwise they are fitted here.
    - Checking is the caller's: the checks of `algoeff check` are not run here.
      Only errors recorded by the load (``dataset.problems``) are refused, with
      ProblemsError, before anything is written.
    - ``out`` is replaced as a whole, and only once every file is written: the
      site goes into a new folder beside ``out`` that is swapped in at the end,
      so on any error ``out`` is left as it was. A non-empty ``out`` without the
      marker file of an earlier build is refused (InputError), as is a
      ``repo_url`` that is not http(s); both before any work.
    - Needs the ``site`` extra for Plotly's JavaScript (MissingExtraError).
    - Deterministic: the same dataset at the same commit gives the same bytes, wherever
      it lies. The commit is ``git rev-parse HEAD`` in ``dataset.root`` ('unknown' outside
      git) and the build date that commit's date; ``version``, ``commit`` and ``date``
      (or ALGOEFF_DATA_VERSION, ALGOEFF_BUILD_COMMIT, ALGOEFF_BUILD_DATE) override them
      and the version of data/dataset.yaml (citation.build_info).

    Returns the absolute ``out`` and the counts of benchmarks, entries and files.
    """
    repo_url = check_repo_url(repo_url)
    plotly = plotly_js()
    check_out(out)
    errors = [p for p in dataset.problems if p.severity == "error"]
    if errors:
        raise ProblemsError([*errors, _not_built(dataset.root)])
    info = build_info(dataset, repo_url, version=version, commit=commit, date=date)
    files = replace_folder(out, site_files(dataset, views, info, plotly, trends))
    entries = sum(len(view.rows) for view in views)
    return SiteResult(out.absolute(), len(views), entries, files)


def build_site(
    root: Path,
    out: Path = DEFAULT_OUT,
    *,
    repo_url: str = DEFAULT_REPO_URL,
    version: str | None = None,
    commit: str | None = None,
    date: str | None = None,
) -> SiteResult:
    """Load and derive the dataset at ``root``, then ``write_site`` it into ``out``.

    Raises ProblemsError, and writes nothing, when an entry cannot be loaded or
    its compute cannot be recomputed: what a page needs. The wider checks of
    `algoeff check` (stated compute within tolerance, URLs, baselines present)
    are not repeated here; a benchmark without entries or without its baseline
    still gets a page, with dashes. The options are checked before the dataset
    is loaded, so a bad ``out`` or ``repo_url`` fails fast.
    """
    check_repo_url(repo_url)
    plotly_js()
    check_out(out)
    dataset = load_dataset(root)
    problems = [p for p in dataset.problems if p.severity == "error"]
    views = derive(dataset, problems)
    if problems:
        raise ProblemsError([*problems, _not_built(root)])
    return write_site(
        dataset, views, out, repo_url=repo_url, version=version, commit=commit, date=date
    )


def _not_built(root: Path) -> Problem:
    return Problem(
        display_path(root),
        "(dataset)",
        "the site was not built",
        "no errors; `algoeff check` lists them all",
    )
