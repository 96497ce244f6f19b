"""The README chart's stamp: check knows whether the chart is current without drawing it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from algoeff.cli import cli

Write = Callable[..., Path]


def _rendered(write_dataset: Write, faster_entry: dict[str, Any]) -> tuple[Path, Path]:
    root = write_dataset({"faster": faster_entry})
    assert CliRunner().invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    return root, root / "docs" / "img" / "toy-level.svg"


def _check(root: Path) -> Any:
    return CliRunner().invoke(cli, ["check", "--root", str(root)])


def test_current_chart_passes_without_matplotlib(
    write_dataset: Write, faster_entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stamped, unedited chart of the same inputs is current; check never imports matplotlib."""
    root, _ = _rendered(write_dataset, faster_entry)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # any import of it now fails
    assert _check(root).exit_code == 0


def test_hand_edited_chart_is_stale(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """Editing the SVG by hand, even keeping the stamp, makes it out of date."""
    root, svg = _rendered(write_dataset, faster_entry)
    svg.write_text(svg.read_text().replace("</svg>", "<text>edited</text></svg>"))
    result = _check(root)
    assert result.exit_code == 1 and "toy-level.svg: (file): is out of date" in result.output


def test_changed_data_makes_chart_stale(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """A changed entry name (a label on the chart) makes it out of date; render redraws it."""
    root, svg = _rendered(write_dataset, faster_entry)
    path = root / "analysis" / "toy-level" / "faster.yaml"
    path.write_text(path.read_text().replace("Faster net", "Renamed net"))
    assert "toy-level.svg: (file): is out of date" in _check(root).output
    before = svg.read_bytes()
    assert CliRunner().invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    assert svg.read_bytes() != before
    assert _check(root).exit_code == 0


def test_dollar_signs_in_names_are_text(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """A name with $ signs is drawn literally, never parsed as mathtext (which could fail)."""
    faster_entry["name"] = r"Cheap $\frac{ net $"
    root, svg = _rendered(write_dataset, faster_entry)
    assert svg.is_file()
    assert _check(root).exit_code == 0
