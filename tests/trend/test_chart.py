"""The README chart: deterministic bytes, valid SVG, a marker per entry, a helpful missing extra."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from trend_fixtures import TABLE3, TABLE3_FRONTIER, write_dataset

from algoeff.core.errors import MissingExtraError
from algoeff.dataset.derive import BenchmarkView, derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import MIN_DRAWS, fit_trend
from algoeff.outputs.chart import frontier_svg

pytest.importorskip("matplotlib")

SVG = "{http://www.w3.org/2000/svg}"


def _view(root: Path) -> BenchmarkView:
    return derive(load_dataset(root))[0]


def _group(svg: str, gid: str) -> ET.Element:
    found = ET.fromstring(svg).find(f".//{SVG}g[@id='{gid}']")
    assert found is not None, f"no group {gid!r} in the SVG"
    return found


def test_two_calls_give_identical_bytes(tmp_path: Path) -> None:
    """Rendering twice in one process gives the same SVG, byte for byte."""
    view = _view(write_dataset(tmp_path))
    trend = fit_trend(view, draws=MIN_DRAWS)
    assert frontier_svg(view, trend) == frontier_svg(view, trend)


def test_another_process_gives_identical_bytes(tmp_path: Path) -> None:
    """A separate interpreter with another hash seed renders the same bytes (no random ids)."""
    root = write_dataset(tmp_path)
    script = (
        "import sys; from pathlib import Path;"
        "from algoeff.dataset.load import load_dataset; from algoeff.dataset.derive import derive;"
        "from algoeff.dataset.trend import fit_trend; from algoeff.outputs.chart import frontier_svg;"
        "v = derive(load_dataset(Path(sys.argv[1])))[0];"
        "sys.stdout.write(frontier_svg(v, fit_trend(v, draws=100)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    view = _view(root)
    assert other == frontier_svg(view, fit_trend(view, draws=100))


def test_svg_parses_and_has_one_marker_per_entry(tmp_path: Path) -> None:
    """Valid XML; a marker per entry in group "entries", per frontier entry in "frontier"."""
    view = _view(write_dataset(tmp_path))
    svg = frontier_svg(view, fit_trend(view, draws=MIN_DRAWS))
    assert ET.fromstring(svg).tag == f"{SVG}svg"
    assert len(_group(svg, "entries").findall(f".//{SVG}use")) == len(TABLE3)
    assert len(_group(svg, "frontier").findall(f".//{SVG}use")) == len(TABLE3_FRONTIER)
    # Ranges are drawn for the entries that have one.
    assert _group(svg, "ranges") is not None


def test_svg_carries_no_date_or_version(tmp_path: Path) -> None:
    """No creation date or matplotlib version that would change the bytes between machines."""
    import matplotlib

    svg = frontier_svg(_view(write_dataset(tmp_path)))
    assert "<dc:date>" not in svg
    assert matplotlib.__version__ not in svg
    assert "<title>Synthetic synthetic-alexnet</title>" in svg


def test_trend_line_changes_the_chart(tmp_path: Path) -> None:
    """The fitted line and its legend appear only when a trend is given."""
    view = _view(write_dataset(tmp_path))
    plain = frontier_svg(view)
    with_fit = frontier_svg(view, fit_trend(view, draws=MIN_DRAWS))
    assert plain != with_fit
    assert "halves every" not in plain


def test_missing_matplotlib_is_a_friendly_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without matplotlib the error names the package and the extra to install."""
    view = _view(write_dataset(tmp_path))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r"'matplotlib'.*algoeff\[site\]"):
        frontier_svg(view)


def test_bundled_alexnet_chart_has_every_entry() -> None:
    """The README chart of the repository's AlexNet-level data: all 16 entries, 6 on the frontier."""
    root = Path(__file__).resolve().parents[2]
    view = next(v for v in derive(load_dataset(root)) if v.benchmark.id == "imagenet-alexnet-level")
    svg = frontier_svg(view, fit_trend(view, draws=MIN_DRAWS))
    assert len(_group(svg, "entries").findall(f".//{SVG}use")) == len(view.rows) == 16
    assert len(_group(svg, "frontier").findall(f".//{SVG}use")) == len(view.frontier) == 6
