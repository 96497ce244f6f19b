"""Shared fixtures: the repository's own dataset, and small synthetic datasets written to tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from toy_dataset import BENCHMARK, entry_dict

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files under tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def repo_root() -> Path:
    return REPO


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


WriteDataset = Callable[..., Path]


@pytest.fixture
def write_dataset(tmp_path: Path) -> WriteDataset:
    """Write a dataset to tmp_path/data-set: a toy benchmark, a baseline and ``entries``.

    ``entries`` maps an entry id to a full entry dict (see ``entry_dict``); the
    baseline ``base`` is always written unless given. A README with the table
    markers is written so that ``algoeff render`` has somewhere to put its tables.
    """

    def write(
        entries: dict[str, dict[str, Any]] | None = None, benchmark: dict[str, Any] | None = None
    ) -> Path:
        from algoeff.outputs.render import TABLES_END, TABLES_START

        root = tmp_path / "data-set"
        bench = benchmark or BENCHMARK
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "data" / "benchmarks.yaml").write_text(_dump({"benchmarks": [bench]}))
        folder = root / "analysis" / bench["id"]
        folder.mkdir(parents=True, exist_ok=True)
        all_entries = {"base": entry_dict("base", benchmark=bench["id"])}
        all_entries.update(entries or {})
        for name, data in all_entries.items():
            (folder / f"{name}.yaml").write_text(_dump(data))
        (root / "README.md").write_text(f"# Toy\n\n{TABLES_START}\n{TABLES_END}\n")
        return root

    return write


@pytest.fixture
def faster_entry() -> dict[str, Any]:
    """A valid later entry that needs 1/4 of the baseline's compute."""
    data = entry_dict("faster", name="Faster net", model="Faster net")
    data["publication"] = {
        "title": "A faster network",
        "url": "https://arxiv.org/abs/1706.00002",
        "arxiv": "1706.00002",
        "date": "2017-06-01",
    }
    data["sources"] = [
        {"id": "paper", "title": "A faster network", "url": "https://arxiv.org/abs/1706.00002"}
    ]
    data["compute"] = dict(
        data["compute"],
        epochs={"value": 2.5, "unit": "epoch", "source": "paper"},
        training_flop=1.5e16,
    )
    data["published"] = []
    return data
