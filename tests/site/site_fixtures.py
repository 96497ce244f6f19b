"""A small synthetic dataset for the site tests, with hostile text in every free-text field.

The hostile entry tries the usual ways out of HTML text and attributes and out
of a JSON island: a script element, an event handler, a quote that ends an
attribute, and '</script>' inside notes. None of it may run or render as markup.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

import toy_dataset
from algoeff.outputs.site.serve import make_server, url_of

BENCHMARK_ID = "toy-level"
# The synthetic site is built as if from this commit of a dataset at this version, so that
# its citation and pinned links can be checked (the tmp folder is no git checkout).
SYNTHETIC_BUILD = {
    "version": "2.3.4",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "date": "2025-06-01T10:00:00+02:00",
}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TITLE = '<img src=x onerror="alert(2)"> & "quoted"'
HOSTILE_NOTE = "ends </script><script>alert(3)</script> here' onmouseover='alert(4)"

# The shared toy dataset (tests/toy_dataset.py), with a description, an epoch range (so
# the chart draws error bars) and a publication outside arXiv.
BENCHMARK: dict[str, Any] = {**toy_dataset.BENCHMARK, "description": "A toy level for tests."}

_BASE: dict[str, Any] = toy_dataset.entry_dict("base")
_BASE["publication"] = {
    "title": "A base network",
    "url": "https://example.org/base",
    "date": "2014-09-10",
}
_BASE["compute"]["epochs"] = {"value": 10, "low": 8, "high": 12, "unit": "epoch", "source": "paper"}
_BASE["sources"] = [{"id": "paper", "title": "A base network", "url": "https://example.org/base"}]

# (id, name, date, epochs): epochs set the compute; 1/4, 1/2 and 1/10 of the baseline.
_LATER = [
    ("quarter", "Quarter net", "2016-03-01", 2.5),
    ("half", "Half net", "2017-05-01", 5.0),
    ("hostile", HOSTILE_NAME, "2018-01-15", 1.0),
]


# Inline learning curves, [training FLOP, accuracy %], each reaching 90 % at its entry's
# stated compute: the baseline's and the hostile entry's are on the frontier; the half net's
# is not (the quarter net, without a curve, came earlier with less). At the default levels
# (89-90.5 in quarter points) 89-90 rest on three frontier entries (a band), 90.25 on two
# (no interval: an open circle) and 90.5 on one (no halving time).
CURVES: dict[str, list[list[float]]] = {
    "base": [[6e15, 70.0], [1.2e16, 82.0], [2.4e16, 88.5], [4.8e16, 89.6], [6e16, 90.3]],
    "half": [[3e15, 75.0], [7.5e15, 86.0], [1.5e16, 89.4], [3e16, 90.2]],
    "hostile": [[1e15, 80.0], [2e15, 88.0], [4e15, 89.8], [6e15, 90.6]],
}


def entries() -> dict[str, dict[str, Any]]:
    """Every entry of the synthetic dataset by id; the baseline first."""
    out = {"base": copy.deepcopy(_BASE)}
    for entry_id, name, date, epochs in _LATER:
        data = copy.deepcopy(_BASE)
        url = f"https://example.org/{entry_id}"
        title = HOSTILE_TITLE if entry_id == "hostile" else f"The {name}"
        data.update(id=entry_id, name=name, model=name, published=[])
        data["publication"] = {"title": title, "url": url, "date": date}
        data["sources"] = [{"id": "paper", "title": title, "url": url}]
        data["compute"]["epochs"] = {"value": epochs, "unit": "epoch", "source": "paper"}
        data["compute"]["training_flop"] = 6.0e15 * epochs
        out[entry_id] = data
    for entry_id, points in CURVES.items():
        out[entry_id]["curve"] = {"points": points, "source": "paper", "where": HOSTILE_NOTE}
    hostile = out["hostile"]
    hostile["notes"] = HOSTILE_NOTE
    hostile["result"]["where"] = HOSTILE_NOTE
    hostile["compute"]["epochs"]["note"] = HOSTILE_NOTE
    return out


def write_dataset(root: Path) -> Path:
    """Write the synthetic dataset under ``root`` and return ``root``."""
    (root / "data").mkdir(parents=True)
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": [BENCHMARK]}, sort_keys=False), encoding="utf-8"
    )
    folder = root / "analysis" / BENCHMARK_ID
    folder.mkdir(parents=True)
    for entry_id, data in entries().items():
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        (folder / f"{entry_id}.yaml").write_text(text, encoding="utf-8")
    return root


def write_large_dataset(root: Path, benchmarks: int = 3, per_benchmark: int = 80) -> Path:
    """A bigger synthetic dataset under ``root``: ``benchmarks`` copies of the toy benchmark,
    each with the baseline and ``per_benchmark - 1`` later entries of seeded random compute
    (so frontiers, ranges and trend fits of every shape); returns ``root``."""
    rng = random.Random(7)
    (root / "data").mkdir(parents=True)
    defs = []
    start = dt.date(2014, 9, 10)
    for k in range(benchmarks):
        bench_id = f"toy-{k}"
        defs.append(copy.deepcopy({**BENCHMARK, "id": bench_id, "name": f"Toy level {k}"}))
        folder = root / "analysis" / bench_id
        folder.mkdir(parents=True)
        for i in range(per_benchmark):
            data = copy.deepcopy(_BASE)
            data["benchmark"] = bench_id
            if i:
                epochs = round(10 * 2 ** rng.uniform(-6, 1), 3)
                entry_id = f"net-{i:03d}"
                url = f"https://example.org/{bench_id}/{entry_id}"
                title = f"Net {i} of level {k}"
                data.update(id=entry_id, name=f"Net {i}", model=f"Net {i}", published=[])
                date = start + dt.timedelta(days=7 * i + rng.randrange(7))
                data["publication"] = {"title": title, "url": url, "date": date.isoformat()}
                data["sources"] = [{"id": "paper", "title": title, "url": url}]
                low = round(epochs * rng.uniform(0.5, 1), 3)
                data["compute"]["epochs"] = {
                    "value": epochs,
                    "low": low,
                    "high": round(epochs * rng.uniform(1, 2), 3),
                    "unit": "epoch",
                    "source": "paper",
                }
                data["compute"]["training_flop"] = 6.0e15 * epochs
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            (folder / f"{data['id']}.yaml").write_text(text, encoding="utf-8")
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": defs}, sort_keys=False), encoding="utf-8"
    )
    return root


@dataclass(frozen=True)
class BuiltSite:
    """A site built into ``out``, with its JSON download parsed."""

    name: str
    out: Path
    data: dict[str, Any]

    def benchmarks(self) -> list[dict[str, Any]]:
        return list(self.data["benchmarks"])


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (the test server, a file, inline data)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "file"):
        return True
    return parts.scheme in ("http", "https", "ws") and parts.hostname in LOCAL_HOSTS


@dataclass
class Watch:
    """What a page did that a clean page must not do."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "dialogs": self.dialogs,
            "requests leaving localhost": self.outside_requests,
        }
        return {k: v for k, v in found.items() if v}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def browser_unavailable(reason: str) -> None:
    """Skip with ``reason``; fail instead when CI is set."""
    if in_ci():
        pytest.fail(f"{reason}, and CI is set: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@contextmanager
def serving(out: Path) -> Iterator[str]:
    """Serve the built site in ``out`` from a thread; yields its base URL."""
    server = make_server(out, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
