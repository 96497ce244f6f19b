"""The site's trend fits: a worker process gives what fitting in-process gives, and a failed
worker costs nothing but time."""

from __future__ import annotations

import multiprocessing
import os
import random
from pathlib import Path

import pytest
from site_fixtures import write_dataset

from algoeff.dataset import load_dataset
from algoeff.derive import BenchmarkView, derive
from algoeff.site import build_site, trends
from algoeff.site.summary import try_fit_trend
from algoeff.site.trends import TrendFits

REPO = Path(__file__).resolve().parents[2]
DRAWS = 300


def _views() -> list[BenchmarkView]:
    return derive(load_dataset(REPO))


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fits go to a worker whatever the machine (fork is Linux-only here)."""
    if not trends.sys.platform.startswith("linux"):
        pytest.skip("the worker is used on Linux only")
    monkeypatch.setattr(trends, "worker_pays", lambda jobs, draws: True)


def test_serial_fits_are_try_fit_trend() -> None:
    """Without a worker each view gets exactly summary.try_fit_trend's trend."""
    views = _views()
    with TrendFits(views, draws=DRAWS) as fits:
        assert fits._process is None  # the bundled data is too little work for a worker
        got = fits.result()
    assert got == [try_fit_trend(v, draws=DRAWS) for v in views]
    assert any(t is not None and t.halving_months_low is not None for t in got)


def test_the_two_ends_share_out_every_job_once() -> None:
    """Taking jobs from the front and the back in any order covers each job exactly once,
    and once one end finds nothing left, so does the other."""
    rng = random.Random(1)
    for count in (0, 1, 2, 7, 50):
        ends = trends._Ends(multiprocessing.get_context(), count)
        taken: list[int] = []
        while (i := ends.take_front() if rng.random() < 0.5 else ends.take_back()) is not None:
            taken.append(i)
        assert ends.take_front() is None and ends.take_back() is None
        assert sorted(taken) == list(range(count))


@pytest.mark.usefixtures("worker")
def test_worker_gives_the_same_trends() -> None:
    """Fitted partly in a forked worker, the trends equal the in-process ones, field for field."""
    views = _views()
    with TrendFits(views, draws=DRAWS) as fits:
        assert fits._process is not None
        got = fits.result()
        assert fits._process is None  # collected and joined
    assert got == [try_fit_trend(v, draws=DRAWS) for v in views]


@pytest.mark.usefixtures("worker")
def test_a_dead_worker_falls_back_to_fitting_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that exits without an answer leaves the fits to the main process."""
    monkeypatch.setattr(trends, "_worker", lambda *args: os._exit(3))
    views = _views()
    with TrendFits(views, draws=DRAWS) as fits:
        got = fits.result()
    assert got == [try_fit_trend(v, draws=DRAWS) for v in views]


@pytest.mark.usefixtures("worker")
def test_failing_pages_stop_the_worker() -> None:
    """An error while the pages are written stops the worker and propagates unchanged."""
    views = _views()
    started = []

    def write_pages() -> None:
        with TrendFits(views, draws=DRAWS) as fits:
            started.append(fits._process)
            raise KeyError("pages failed")

    with pytest.raises(KeyError, match="pages failed"):
        write_pages()
    assert started[0] is not None and not started[0].is_alive()


def test_site_is_the_same_with_and_without_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building with the fits in a worker and in-process gives byte-identical sites."""
    root = write_dataset(tmp_path / "data-set")
    monkeypatch.setattr(trends, "worker_pays", lambda jobs, draws: False)
    serial = _tree(build_site(root, tmp_path / "serial").out)
    if trends.sys.platform.startswith("linux"):
        monkeypatch.setattr(trends, "worker_pays", lambda jobs, draws: True)
    forked = _tree(build_site(root, tmp_path / "forked").out)
    assert serial == forked
    assert any(name.startswith("entries/") for name in serial)
