"""A small synthetic dataset on disk for the trend and chart tests.

A plain module, not a conftest.py: a second module named ``conftest`` would
shadow the top-level one that other tests import from.

Entries use the ``reported`` method in tfs-days, so their compute is exactly
the figure written. The default benchmark holds ten models of the efficiency
paper's Table 3 (Hernandez & Brown 2020; 1e15 multiply-adds / 86.4 = tfs-days
with a multiply-add counted once, hence ``convention: multiply-add=1``), with
made-up ranges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import yaml


class Spec(NamedTuple):
    """One synthetic entry: tfs-days counted with multiply-add = 1, optional range."""

    id: str
    date: dt.date
    tfs_days: float
    low: float | None = None
    high: float | None = None


# Table 3 of the efficiency paper: 1e15 multiply-adds / 86.4 -> tfs-days (multiply-add = 1).
# Dates as in the original tracker's CSV; non-frontier models included so the
# frontier has to be found, not assumed.
TABLE3: tuple[Spec, ...] = (
    Spec("alexnet", dt.date(2012, 6, 1), 266.1 / 86.4, 250 / 86.4, 280 / 86.4),
    Spec("vgg-11", dt.date(2014, 9, 4), 367.7 / 86.4),
    Spec("googlenet", dt.date(2014, 9, 17), 61.4 / 86.4, 55 / 86.4, 70 / 86.4),
    Spec("resnet-18", dt.date(2015, 12, 10), 97.9 / 86.4),
    Spec("squeezenet-v1-1", dt.date(2016, 2, 24), 73.1 / 86.4),
    Spec("mobilenet-v1", dt.date(2017, 4, 17), 24.0 / 86.4, 21 / 86.4, 27 / 86.4),
    Spec("shufflenet-v1", dt.date(2017, 7, 3), 12.9 / 86.4, 11 / 86.4, 15 / 86.4),
    Spec("mobilenet-v2", dt.date(2018, 1, 13), 20.2 / 86.4),
    Spec("shufflenet-v2", dt.date(2018, 6, 30), 10.8 / 86.4, 9.5 / 86.4, 12 / 86.4),
    Spec("efficientnet-b0", dt.date(2019, 5, 28), 6.0 / 86.4, 5 / 86.4, 7.5 / 86.4),
)
TABLE3_FRONTIER = (
    "alexnet",
    "googlenet",
    "mobilenet-v1",
    "shufflenet-v1",
    "shufflenet-v2",
    "efficientnet-b0",
)
FLOP_PER_TFS_DAY = 8.64e16


def _benchmark(bench_id: str, baseline: str) -> dict[str, object]:
    return {
        "id": bench_id,
        "name": f"Synthetic {bench_id}",
        "label": "Synthetic",
        "task": "image classification",
        "dataset": "ImageNet",
        "metric": {"name": "top-5 accuracy", "unit": "%"},
        "threshold": 79.1,
        "direction": "higher",
        "training_data": {"allowed": ["imagenet"], "rule": "ImageNet only"},
        "baseline": baseline,
    }


def _entry(bench_id: str, spec: Spec) -> dict[str, object]:
    figure: dict[str, object] = {"value": spec.tfs_days, "unit": "tfs-day", "source": "src"}
    if spec.low is not None:
        figure["low"] = spec.low
    if spec.high is not None:
        figure["high"] = spec.high
    url = f"https://example.org/{bench_id}/{spec.id}"
    return {
        "id": spec.id,
        "benchmark": bench_id,
        "name": spec.id,
        "model": spec.id,
        "publication": {"title": f"Paper {spec.id}", "url": url, "date": spec.date},
        "result": {"value": 80.0, "source": "src"},
        "training_data": {"datasets": ["imagenet"]},
        "compute": {
            "method": "reported",
            "tfs_days": figure,
            "convention": "multiply-add=1",
            "training_flop": spec.tfs_days * FLOP_PER_TFS_DAY * 2,
        },
        "analysis": {"name": "test fixture"},
        "sources": [{"id": "src", "title": f"Paper {spec.id}", "url": url}],
    }


def write_dataset(root: Path, benchmarks: dict[str, Sequence[Spec]] | None = None) -> Path:
    """Write ``{benchmark_id: specs}`` (default: Table 3) as a dataset at ``root``."""
    chosen = benchmarks if benchmarks is not None else {"synthetic-alexnet": TABLE3}
    (root / "data").mkdir(parents=True)
    defs = [_benchmark(b, specs[0].id) for b, specs in chosen.items()]
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": defs}, sort_keys=False), encoding="utf-8"
    )
    for bench_id, specs in chosen.items():
        folder = root / "analysis" / bench_id
        folder.mkdir(parents=True)
        for spec in specs:
            (folder / f"{spec.id}.yaml").write_text(
                yaml.safe_dump(_entry(bench_id, spec), sort_keys=False), encoding="utf-8"
            )
    return root
