"""A site build's trend fits and entry pages, shared with one forked worker when a CPU is spare.

Two kinds of work in a build can be done in any order: fitting each
benchmark's trend (algoeff.dataset.trend: a pure-Python Monte Carlo, about 0.1 s for a
16-point frontier) and writing the entry pages (a few tenths of a millisecond
each, half of it in the file system). On Linux with two or more usable CPUs
and enough work to pay for a process, a forked worker fits trends from the
first benchmark on and, when none are left, writes chunks of entry pages from
the last chunk back; this process writes chunks from the first on, then what
needs no trend, then fits from the last benchmark back. Each list is shared
out through two integers in shared memory (``_Ends``), so both processes stay
busy until the work is done, whichever kind is larger on this machine.

Everything the worker does can be done again: the fits are seeded, and a page
is written whole over any earlier copy. When the worker fails in any way,
this process redoes whatever the worker had taken, so the figures and the
site's bytes are the same with or without a worker (tests/site checks that).

    with SplitBuild(views, write_chunk) as split:
        split.write_pages()          # this process's share of the entry pages
        ...                          # work that needs no trend
        trends = split.finish()      # one Trend (None: no entries) per view
    split.entry_files                # entry-page files written, by both processes
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from algoeff.dataset.derive import BenchmarkView
from algoeff.dataset.trend import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    Trend,
    TrendPoint,
    fit_points,
    trend_points,
)

# Below both of these a worker costs more than it saves: forking and collecting
# take a few tens of milliseconds, a point-draw about 0.3 us, a page about 0.3 ms.
MIN_FIT_WORK = 2_000_000  # frontier points x draws
MIN_PAGES = 2_000
PAGE_CHUNK = 250  # entry pages per job: fine enough to share out, coarse enough to be cheap

FitJob = tuple[str, list[TrendPoint]]  # benchmark id and its frontier points
PageJob = tuple[int, int, int]  # view index, first row, row after the last
WriteChunk = Callable[[PageJob], int]  # writes those pages; returns the files written


def fit_job(job: FitJob, draws: int) -> Trend | None:
    """What site.summary.try_fit_trend gives: None for a benchmark without entries."""
    benchmark_id, points = job
    if not points:
        return None
    return fit_points(points, draws=draws, seed=DEFAULT_SEED, benchmark_id=benchmark_id)


def page_jobs(views: Sequence[BenchmarkView]) -> list[PageJob]:
    """Every view's rows in chunks of PAGE_CHUNK, in order."""
    return [
        (i, start, min(start + PAGE_CHUNK, len(view.rows)))
        for i, view in enumerate(views)
        for start in range(0, len(view.rows), PAGE_CHUNK)
    ]


class _Ends:
    """What is left of a job list: one process takes from the first end, the other from the last.

    Two integers in shared memory, each written by one process only, so no lock
    is needed (a process killed while holding a lock would stall the other). A
    job can be taken by both when they meet (each reads the other's end just
    before it moves); both then do it, to the same result. None is ever left
    out: each stops only once the ends have crossed.
    """

    def __init__(self, context: Any, count: int) -> None:
        self.first = context.RawValue("i", 0)  # the next job from the front
        self.last = context.RawValue("i", count)  # one past the next job from the back

    def take_first(self) -> int | None:
        i: int = self.first.value
        if i >= self.last.value:
            return None
        self.first.value = i + 1
        return i

    def take_last(self) -> int | None:
        i: int = self.last.value - 1
        if i < self.first.value:
            return None
        self.last.value = i
        return i


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_pays(fits: Sequence[FitJob], pages: int, draws: int) -> bool:
    """A worker only on Linux (fork is cheap and safe there), with a spare CPU and real work."""
    fit_work = sum(len(points) for _, points in fits) * draws
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and _usable_cpus() >= 2
        and (fit_work >= MIN_FIT_WORK or pages >= MIN_PAGES)
    )


class SplitBuild:
    """The trends of ``views`` and their entry pages, shared with a worker when it pays."""

    def __init__(
        self,
        views: Sequence[BenchmarkView],
        write_chunk: WriteChunk,
        *,
        draws: int = DEFAULT_DRAWS,
    ) -> None:
        self.fit_jobs: list[FitJob] = [(v.benchmark.id, trend_points(v)) for v in views]
        self.page_jobs = page_jobs(views)
        self.write_chunk = write_chunk
        self.draws = draws
        self._fitted: dict[int, Trend | None] = {}
        self._written: dict[int, int] = {}  # page job -> files written
        self._process: Any = None  # multiprocessing's fork Process; its type is private
        self._receive: Connection | None = None
        self._fit_ends: _Ends | None = None
        self._page_ends: _Ends | None = None

    @property
    def entry_files(self) -> int:
        """Files written for the entry pages, each chunk counted once."""
        return sum(self._written.values())

    def __enter__(self) -> SplitBuild:
        if worker_pays(self.fit_jobs, len(self.page_jobs) * PAGE_CHUNK, self.draws):
            self._start()
        return self

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._fit_ends = _Ends(context, len(self.fit_jobs))
        self._page_ends = _Ends(context, len(self.page_jobs))
        receive, send = context.Pipe(duplex=False)
        # Whatever sits in these buffers would otherwise be written twice, once by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        process = context.Process(target=self._work, args=(send,), daemon=True)
        try:
            process.start()
        except OSError:  # no process to be had (limits, memory): all of it here instead
            receive.close()
            self._fit_ends = self._page_ends = None
            return
        finally:
            send.close()
        self._process, self._receive = process, receive

    def _work(self, send: Connection) -> None:
        """The worker: fits from the first benchmark, then pages from the last chunk."""
        # Ctrl-C belongs to the main process, which stops this one.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        assert self._fit_ends is not None and self._page_ends is not None
        try:
            while (i := self._fit_ends.take_first()) is not None:
                self._fitted[i] = fit_job(self.fit_jobs[i], self.draws)
            while (j := self._page_ends.take_last()) is not None:
                self._written[j] = self.write_chunk(self.page_jobs[j])
            # Once, at the end: the main process reads when its own share is done.
            send.send((self._fitted, self._written))
        except BaseException:
            # Quietly: the main process redoes this share and reports what goes wrong.
            os._exit(1)
        send.close()

    def write_pages(self) -> None:
        """This process's share of the entry pages: all of them without a worker."""
        if self._page_ends is None:
            for index, job in enumerate(self.page_jobs):
                self._written[index] = self.write_chunk(job)
            return
        while (j := self._page_ends.take_first()) is not None:
            self._written[j] = self.write_chunk(self.page_jobs[j])

    def finish(self) -> list[Trend | None]:
        """The rest of the work, then one trend per view, in order. With a worker, this
        process fits from the last benchmark back, then collects the worker's share, or
        does it again if the worker failed (its pages included)."""
        if self._receive is not None and self._fit_ends is not None:
            while (i := self._fit_ends.take_last()) is not None:
                self._fitted[i] = fit_job(self.fit_jobs[i], self.draws)
            try:
                fitted, written = self._receive.recv()
            except (EOFError, OSError):
                self._stop(kill=True)  # the worker died; its share is done below
            else:
                self._stop(kill=False)
                self._fitted.update(fitted)
                self._written.update(written)
        for j, job in enumerate(self.page_jobs):
            if j not in self._written:
                self._written[j] = self.write_chunk(job)
        for i, fit in enumerate(self.fit_jobs):
            if i not in self._fitted:
                self._fitted[i] = fit_job(fit, self.draws)
        return [self._fitted[i] for i in range(len(self.fit_jobs))]

    def _stop(self, *, kill: bool) -> None:
        if self._receive is not None:
            self._receive.close()
            self._receive = None
        if self._process is not None:
            if kill:
                self._process.terminate()
            self._process.join()
            self._process = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop(kill=True)  # only left running when this process failed first
