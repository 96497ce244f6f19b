"""Verification tiers are derived from the method and its inputs, never typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.model.methods.base import TIERS
from algoeff.outputs.tables import csv_text, markdown_tables
from toy_dataset import entry_dict


def _tiers(
    write_dataset: Callable[..., Path], entries: dict[str, dict[str, Any]]
) -> dict[str, str]:
    views = derive(load_dataset(write_dataset(entries)))
    return {row.entry.id: row.tier for row in views[0].rows}


def test_tiers_are_ordered_weakest_first() -> None:
    assert TIERS == ("reported", "estimated", "counted", "measured")


def test_recomputed_from_published_inputs_is_estimated(write_dataset: Callable[..., Path]) -> None:
    assert _tiers(write_dataset, {}) == {"base": "estimated"}


def test_one_counted_input_makes_it_counted(write_dataset: Callable[..., Path]) -> None:
    counted = entry_dict(
        "counted", publication=dict(entry_dict("x")["publication"], date="2015-01-01")
    )
    counted["compute"]["forward_macs"] = dict(
        counted["compute"]["forward_macs"],
        counted="algoeff flops models/net.py:Net --input-shape 1,3,32,32",
    )
    assert _tiers(write_dataset, {"counted": counted})["counted"] == "counted"


def test_a_figure_taken_as_published_is_reported(write_dataset: Callable[..., Path]) -> None:
    reported = entry_dict(
        "taken", publication=dict(entry_dict("x")["publication"], date="2015-01-01")
    )
    reported["compute"] = {
        "method": "reported",
        "flop": {"value": 5.0e16, "unit": "FLOP", "source": "paper"},
        "convention": "multiply-add=2",
        "training_flop": 5.0e16,
    }
    assert _tiers(write_dataset, {"taken": reported})["taken"] == "reported"


@pytest.mark.parametrize("output", ["csv", "markdown"])
def test_tier_is_shown_in_the_tables(write_dataset: Callable[..., Path], output: str) -> None:
    views = derive(load_dataset(write_dataset()))
    if output == "csv":
        rows = list(csv.DictReader(io.StringIO(csv_text(views))))
        assert [r["tier"] for r in rows] == ["estimated"]
    else:
        header, _, first = markdown_tables(views).splitlines()[2:5]
        assert "| Tier |" in header and "| estimated |" in first
