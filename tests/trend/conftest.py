"""Fixtures of the trend and chart tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from trend_fixtures import MakeDataset, Spec, write_dataset


@pytest.fixture
def make_dataset(tmp_path: Path) -> MakeDataset:
    """A function writing ``{benchmark_id: specs}`` (default: Table 3) under tmp_path."""

    def make(benchmarks: dict[str, Sequence[Spec]] | None = None) -> Path:
        return write_dataset(tmp_path / "dataset", benchmarks)

    return make
