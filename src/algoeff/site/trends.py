"""The site's trend fits, run beside the writing of the entry pages when there is a spare CPU.

A site build fits every benchmark's trend (algoeff.trend: a pure-Python Monte
Carlo of 10,000 draws, about 0.1 s for a 16-point frontier), and writes one
page per entry, which needs no trend. On Linux with two or more usable CPUs and
enough fitting to pay for a process, a forked worker fits benchmarks from the
first on while the main process writes the entry pages and then fits from the
last back until the two meet; otherwise, or for whatever a failed worker left,
the fits run here. Each fit is seeded, so the figures and the site's
bytes are the same either way (tests/site checks that).

Usage:

    with TrendFits(views) as fits:
        ...                       # write the entry pages
        trends = fits.result()    # one Trend (or None: no entries) per view
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from algoeff.derive import BenchmarkView
from algoeff.trend import DEFAULT_DRAWS, DEFAULT_SEED, Trend, TrendPoint, fit_points, trend_points

# Points x draws below which a worker process costs more than it saves: forking
# and collecting take a few tens of milliseconds, a point-draw about 0.3 us.
MIN_WORK_FOR_WORKER = 2_000_000

Job = tuple[str, list[TrendPoint]]  # benchmark id and its frontier points


def fit_jobs(jobs: Sequence[Job], draws: int) -> list[Trend | None]:
    """What site.summary.try_fit_trend gives for each view: None for a benchmark without entries."""
    return [_fit(job, draws) for job in jobs]


def _fit(job: Job, draws: int) -> Trend | None:
    benchmark_id, points = job
    if not points:
        return None
    return fit_points(points, draws=draws, seed=DEFAULT_SEED, benchmark_id=benchmark_id)


class _Ends:
    """Which jobs are left: the worker takes them from the front, the main process from the back.

    Two integers in shared memory, each written by one process only, so no lock
    is needed (a process killed while holding a lock would stall the other). A
    job can be taken by both when they meet (each reads the other's end just
    before it moves); both then fit it, to the same result. None is ever skipped:
    each stops only once the ends have crossed.
    """

    def __init__(self, context: Any, count: int) -> None:
        self.front = context.RawValue("i", 0)  # next job of the worker
        self.back = context.RawValue("i", count)  # one past the next job of the main process

    def take_front(self) -> int | None:
        i: int = self.front.value
        if i >= self.back.value:
            return None
        self.front.value = i + 1
        return i

    def take_back(self) -> int | None:
        i: int = self.back.value - 1
        if i < self.front.value:
            return None
        self.back.value = i
        return i


def _worker(jobs: list[Job], draws: int, ends: _Ends, send: Connection) -> None:
    # Ctrl-C belongs to the main process, which stops this one; no second traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    done: dict[int, Trend | None] = {}
    while (i := ends.take_front()) is not None:
        done[i] = _fit(jobs[i], draws)
    send.send(done)  # once, at the end: the main process reads only when its pages are written
    send.close()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_pays(jobs: Sequence[Job], draws: int) -> bool:
    """A worker only on Linux (fork is cheap and safe there), with a spare CPU and real work."""
    work = sum(len(points) for _, points in jobs) * draws
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and _usable_cpus() >= 2
        and work >= MIN_WORK_FOR_WORKER
    )


class TrendFits:
    """The trends of ``views``, fitted partly in a worker process when it pays (module doc)."""

    def __init__(self, views: Sequence[BenchmarkView], *, draws: int = DEFAULT_DRAWS) -> None:
        self.jobs: list[Job] = [(v.benchmark.id, trend_points(v)) for v in views]
        self.draws = draws
        self._process: Any = None  # multiprocessing's fork Process; its type is private
        self._receive: Connection | None = None
        self._ends: _Ends | None = None

    def __enter__(self) -> TrendFits:
        if worker_pays(self.jobs, self.draws):
            self._start()
        return self

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        ends = _Ends(context, len(self.jobs))
        receive, send = context.Pipe(duplex=False)
        # Whatever sits in these buffers would otherwise be written twice, once by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        process = context.Process(
            target=_worker, args=(self.jobs, self.draws, ends, send), daemon=True
        )
        try:
            process.start()
        except OSError:  # no process to be had (limits, memory): fit here instead
            receive.close()
            return
        finally:
            send.close()
        self._process, self._receive, self._ends = process, receive, ends

    def result(self) -> list[Trend | None]:
        """One trend per view, in order. With a worker, this process fits the jobs the worker
        has not reached yet, from the back, then collects the worker's."""
        done: dict[int, Trend | None] = {}
        if self._receive is not None and self._ends is not None:
            while (i := self._ends.take_back()) is not None:
                done[i] = _fit(self.jobs[i], self.draws)
            try:
                done.update(self._receive.recv())
            except (EOFError, OSError):
                self._stop(kill=True)  # the worker died; its jobs are fitted below
            else:
                self._stop(kill=False)
        for i, job in enumerate(self.jobs):
            if i not in done:
                done[i] = _fit(job, self.draws)
        return [done[i] for i in range(len(self.jobs))]

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
        self._stop(kill=True)  # only left running when the pages failed
