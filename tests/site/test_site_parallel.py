"""The build's work shared with a forked worker: the same trends and pages as without one,
every piece done, and a failed worker costing nothing but time."""

from __future__ import annotations

import multiprocessing
import os
import random
from pathlib import Path
from typing import Any

import pytest
from site_fixtures import write_dataset

from algoeff.dataset.derive import BenchmarkView, derive
from algoeff.dataset.load import load_dataset
from algoeff.outputs.site import build_site, parallel
from algoeff.outputs.site.build import _Writer
from algoeff.outputs.site.parallel import PageJob, SplitBuild
from algoeff.outputs.site.summary import try_fit_trend

REPO = Path(__file__).resolve().parents[2]
DRAWS = 300


def _views() -> list[BenchmarkView]:
    return derive(load_dataset(REPO))


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


class Chunks:
    """A write_chunk that leaves one marker file per chunk and process, in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, job: PageJob) -> int:
        index, start, stop = job
        (self.folder / f"{index}-{start}-{os.getpid()}").write_text("")
        return stop - start

    def done(self) -> dict[tuple[int, int], set[int]]:
        """(view index, first row) -> the processes that wrote that chunk."""
        out: dict[tuple[int, int], set[int]] = {}
        for marker in self.folder.iterdir():
            index, start, pid = map(int, marker.name.split("-"))
            out.setdefault((index, start), set()).add(pid)
        return out


def one_chunk_then_die(self: SplitBuild, send: Any) -> None:
    """A worker's work that writes one chunk of pages and exits without a word."""
    assert self._page_ends is not None
    j = self._page_ends.take_last()
    if j is not None:
        self.write_chunk(self.page_jobs[j])
    os._exit(3)


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work goes to a worker whatever the amount (fork is used on Linux only)."""
    if not parallel.sys.platform.startswith("linux"):
        pytest.skip("the worker is used on Linux only")
    monkeypatch.setattr(parallel, "worker_pays", lambda fits, pages, draws: True)
    monkeypatch.setattr(parallel, "PAGE_CHUNK", 2)  # several chunks even in a small dataset


def _check(split: SplitBuild, chunks: Chunks, views: list[BenchmarkView], got: Any) -> None:
    assert got == [try_fit_trend(v, draws=DRAWS) for v in views]
    assert set(chunks.done()) == {(i, start) for i, start, _ in split.page_jobs}
    assert split.entry_files == sum(len(v.rows) for v in views)


def test_without_worker_everything_is_done_here(tmp_path: Path) -> None:
    """The bundled data is too little work for a worker: all fits and pages in this process."""
    views = _views()
    chunks = Chunks(tmp_path)
    with SplitBuild(views, chunks, draws=DRAWS) as split:
        assert split._process is None
        split.write_pages()
        got = split.finish()
    _check(split, chunks, views, got)
    assert {pid for pids in chunks.done().values() for pid in pids} == {os.getpid()}
    assert any(t is not None and t.halving_months_low is not None for t in got)


@pytest.mark.usefixtures("worker")
def test_worker_shares_the_work(tmp_path: Path) -> None:
    """With a worker the trends equal the in-process ones field for field, and every chunk
    of pages is written (by one process or, where the two met, by both)."""
    views = _views()
    chunks = Chunks(tmp_path)
    with SplitBuild(views, chunks, draws=DRAWS) as split:
        assert split._process is not None
        got = split.finish()  # no pages of its own first: the worker takes them all
        assert split._process is None  # collected and joined
    _check(split, chunks, views, got)
    assert {pid for pids in chunks.done().values() for pid in pids} - {os.getpid()}


@pytest.mark.usefixtures("worker")
def test_a_dead_worker_leaves_its_share_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that writes one chunk and dies leaves the rest, and that chunk again, here."""

    monkeypatch.setattr(SplitBuild, "_work", one_chunk_then_die)
    views = _views()
    chunks = Chunks(tmp_path)
    with SplitBuild(views, chunks, draws=DRAWS) as split:
        split.write_pages()
        got = split.finish()
    _check(split, chunks, views, got)
    assert all(os.getpid() in pids for pids in chunks.done().values())


@pytest.mark.usefixtures("worker")
def test_a_failure_here_stops_the_worker(tmp_path: Path) -> None:
    """An error in this process stops the worker and propagates unchanged."""
    started = []

    def write_pages() -> None:
        with SplitBuild(_views(), Chunks(tmp_path), draws=DRAWS) as split:
            started.append(split._process)
            raise KeyError("pages failed")

    with pytest.raises(KeyError, match="pages failed"):
        write_pages()
    assert started[0] is not None and not started[0].is_alive()


def test_the_two_ends_share_out_every_job_once() -> None:
    """Taking jobs from the two ends in any order covers each job exactly once, and once one
    end finds nothing left, so does the other."""
    rng = random.Random(1)
    for count in (0, 1, 2, 7, 50):
        ends = parallel._Ends(multiprocessing.get_context(), count)
        taken: list[int] = []
        while (i := ends.take_first() if rng.random() < 0.5 else ends.take_last()) is not None:
            taken.append(i)
        assert ends.take_first() is None and ends.take_last() is None
        assert sorted(taken) == list(range(count))


def test_writer_writes_over_and_into_existing_folders(tmp_path: Path) -> None:
    """Pages redone after a worker failed replace partial files; existing folders are fine."""
    writer = _Writer(tmp_path)
    writer.write("entries/b/e/index.html", "a partial page that is longer")
    again = _Writer(tmp_path)
    again.write("entries/b/e/index.html", "whole")
    assert (tmp_path / "entries/b/e/index.html").read_text() == "whole"


@pytest.mark.parametrize("mode", ["worker", "dying worker"])
def test_site_is_the_same_with_and_without_worker(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site built with a worker, or with one that dies half-way through its pages, is
    byte-identical to one built in a single process and reports the same file count."""
    if not parallel.sys.platform.startswith("linux"):
        pytest.skip("the worker is used on Linux only")
    root = write_dataset(tmp_path / "data-set")
    monkeypatch.setattr(parallel, "worker_pays", lambda fits, pages, draws: False)
    serial = build_site(root, tmp_path / "serial")
    monkeypatch.setattr(parallel, "worker_pays", lambda fits, pages, draws: True)
    monkeypatch.setattr(parallel, "PAGE_CHUNK", 1)
    if mode == "dying worker":
        monkeypatch.setattr(SplitBuild, "_work", one_chunk_then_die)
    forked = build_site(root, tmp_path / "forked")
    assert _tree(serial.out) == _tree(forked.out)
    assert serial.files == forked.files == len(_tree(serial.out))
