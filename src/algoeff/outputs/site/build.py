"""`algoeff site build`: the dataset as a static website that needs no server.

Layout of the output folder (every link relative, every page an index.html, so
it works from GitHub Pages, any static host, or straight from the disk):

    index.html                                  home: each benchmark's headline
    benchmarks/<benchmark>/index.html           frontier, all entries, the chart
    entries/<benchmark>/<entry>/index.html      one analysis in full
    downloads/index.html                        CSV, JSON, JSON Schemas
    assets/                                     style.css, chart.js, plotly.min.js

The folder is built beside the target and swapped in at the end, so a failed
build leaves the previous site whole; a folder that was not built by this
command is never deleted. The entry pages and the trend fits, the bulk of the
work, are shared with a worker process when a second CPU is free
(site/parallel.py); everything that shows a trend is written after both.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from algoeff.core.errors import InputError, MissingExtraError, Problem, ProblemsError
from algoeff.core.files import display_path
from algoeff.dataset.derive import BenchmarkView, derive
from algoeff.dataset.load import Dataset, load_dataset
from algoeff.outputs.site import downloads, entry_page, pages
from algoeff.outputs.site.parallel import PageJob, SplitBuild, page_jobs
from algoeff.outputs.site.summary import Headline, headline
from algoeff.outputs.site.templates import safe_url

DEFAULT_OUT = Path("_site")
DEFAULT_REPO_URL = "https://github.com/algoeff/algoeff/blob/main/"
MARKER = ".algoeff-site"
MARKER_TEXT = b"Built by `algoeff site build`; the whole folder is replaced on every build.\n"
ASSETS = ("style.css", "chart.js")


@dataclass(frozen=True)
class SiteResult:
    out: Path
    benchmarks: int
    entries: int
    files: int


def plotly_js() -> bytes:
    """The plotly.min.js that ships inside the plotly Python package (served locally, no CDN)."""
    try:
        bundle = resources.files("plotly") / "package_data" / "plotly.min.js"
    except ModuleNotFoundError:
        raise MissingExtraError("plotly", "site", "algoeff site build") from None
    if not bundle.is_file():
        raise MissingExtraError("plotly", "site", "algoeff site build")
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


def _prepare(out: Path) -> None:
    """Refuse to replace a folder that this command did not build."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{display_path(out)}: is a file (expected a folder for the site)")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(
            f"{display_path(out)}: is not empty and was not built by `algoeff site build` "
            "(expected an empty or new folder); choose another --out or empty it"
        )


class _Writer:
    """Writes files under one folder, creating each folder once.

    Plain os calls on strings: with 10,000 entry pages in 10,000 folders,
    pathlib's and open()'s per-call overhead was a visible share of the build.
    A file is written whole over any earlier copy, and a folder that exists is
    fine: a build's worker process may have made it (site/parallel.py).
    """

    _FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.made: set[str] = {""}
        self.count = 0

    def folder(self, rel: str) -> None:
        """Create the folder ``rel`` (POSIX, relative) and any missing parents."""
        parent = rel.rpartition("/")[0]
        if parent not in self.made:
            self.folder(parent)
        with contextlib.suppress(FileExistsError):
            os.mkdir(os.path.join(self.root, rel))
        self.made.add(rel)

    def write(self, rel: str, data: bytes | str) -> None:
        folder = rel.rpartition("/")[0]
        if folder not in self.made:
            self.folder(folder)
        raw = memoryview(data.encode() if isinstance(data, str) else data)
        fd = os.open(os.path.join(self.root, rel), self._FLAGS, 0o666)
        try:
            while raw:  # a regular file takes it in one call; the loop is for safety
                raw = raw[os.write(fd, raw) :]
        finally:
            os.close(fd)
        self.count += 1


class _Paths:
    """Entry files as repository paths (analysis/<benchmark>/<entry>.yaml), else None.

    The dataset's files sit under its root, so a string prefix decides almost
    every case; Path.resolve() (two system calls per path) is the fallback for
    paths that reach the root through a link or ``..``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = os.path.join(str(root), "")

    def __call__(self, path: Path) -> str | None:
        text = str(path)
        if text.startswith(self.prefix) and ".." not in text:
            rel = text[len(self.prefix) :]
            return rel if os.sep == "/" else rel.replace(os.sep, "/")
        return relative_path(path, self.root)


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
    relative = _Paths(dataset.root)
    return {
        (row.entry.benchmark, row.entry.id): relative(row.loaded.path)
        for view in views
        for row in view.rows
    }


def write_entry_pages(
    views: list[BenchmarkView],
    paths: downloads.Paths,
    writer: _Writer,
    repo_url: str,
    chunk: PageJob | None = None,
) -> int:
    """The entry pages of every view, or of one ``chunk`` of rows; returns the files written.

    They need no trend, so a build writes them while the trends are fitted.
    """
    before = writer.count
    jobs = page_jobs(views) if chunk is None else [chunk]
    for index, start, stop in jobs:
        view = views[index]
        render = entry_page.EntryPages(view)
        for row in view.rows[start:stop]:
            rel = paths[row.entry.benchmark, row.entry.id]
            shown = rel or f"analysis/{row.entry.benchmark}/{row.entry.id}.yaml"
            url = repo_url + rel if rel is not None else None
            writer.write(
                pages.entry_href(row.entry.benchmark, row.entry.id), render(row, url, shown)
            )
    return writer.count - before


def write_fixed_files(
    dataset: Dataset, views: list[BenchmarkView], writer: _Writer, plotly: bytes
) -> bool:
    """What needs no trend: marker, assets, CSV, JSON Schemas, downloads page. True with a CSV."""
    csv = downloads.csv_bytes(dataset, views)
    writer.write(MARKER, MARKER_TEXT)
    writer.write(".nojekyll", b"")  # GitHub Pages: serve the folder as is
    for name in ASSETS:
        writer.write(f"assets/{name}", asset(name))
    writer.write("assets/plotly.min.js", plotly)
    writer.write(pages.DOWNLOADS, pages.downloads_page(csv is not None))
    if csv is not None:
        writer.write(f"downloads/{pages.CSV_NAME}", csv)
    for name, data in downloads.schema_files().items():
        writer.write(f"downloads/{name}", data)
    return csv is not None


def write_trend_pages(
    headlines: list[Headline],
    paths: downloads.Paths,
    writer: _Writer,
    has_csv: bool,
    entries_json: dict[str, str] | None = None,
) -> None:
    """What shows the trends: home, benchmark pages, the JSON download."""
    writer.write("index.html", pages.home_page(headlines, has_csv))
    writer.write(
        f"downloads/{pages.JSON_NAME}", downloads.everything_json(headlines, paths, entries_json)
    )
    for h in headlines:
        writer.write(pages.benchmark_href(h.view.benchmark.id), pages.benchmark_page(h))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while (reference counting still frees).

    A build holds the whole dataset (about 40 objects per entry) until it ends and
    allocates millions more; each full collection rescans all of them, about a third
    of the load and a tenth of the page time at 10,000 entries. Nothing here needs a
    cycle freed before the build returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_site(
    root: Path, out: Path = DEFAULT_OUT, *, repo_url: str = DEFAULT_REPO_URL
) -> SiteResult:
    """Build the site of the dataset at ``root`` into ``out``; raises ProblemsError on bad data."""
    with _no_cyclic_gc():
        return _build_site(root, out, repo_url)


def _build_site(root: Path, out: Path, repo_url: str) -> SiteResult:
    repo_url = check_repo_url(repo_url)
    plotly = plotly_js()
    _prepare(out)
    dataset = load_dataset(root)
    problems: list[Problem] = list(dataset.problems)
    views = derive(dataset, problems)
    if problems:
        raise ProblemsError(
            [
                *problems,
                Problem(
                    display_path(root),
                    "(dataset)",
                    "the site was not built",
                    "no errors; `algoeff check` lists them all",
                ),
            ]
        )

    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        writer = _Writer(staging)
        entry_writer = _Writer(staging)  # shared with a worker process, if there is one
        entry_writer.folder("entries")
        paths = entry_paths(dataset, views)

        def write_chunk(chunk: PageJob) -> int:
            return write_entry_pages(views, paths, entry_writer, repo_url, chunk)

        with SplitBuild(views, write_chunk) as split:
            # Everything that needs no trend first, while the worker fits them.
            split.write_pages()
            has_csv = write_fixed_files(dataset, views, writer, plotly)
            entries = {v.benchmark.id: downloads.entries_json(v, paths) for v in views}
            trends = split.finish()
        headlines = [headline(v, t) for v, t in zip(views, trends, strict=True)]
        write_trend_pages(headlines, paths, writer, has_csv, entries)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # mkdtemp creates the folder private (0700); a published site must be readable.
    out.chmod(0o755)
    files = writer.count + split.entry_files
    return SiteResult(out, len(views), sum(len(v.rows) for v in views), files)
