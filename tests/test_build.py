"""`algoeff build`: the main job, check + render + site from one load of the dataset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import algoeff.dataset.load
import algoeff.dataset.trend
from algoeff.cli import cli


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_build_writes_what_render_and_site_build_write(
    write_dataset: Callable[..., Path], faster_entry: dict[str, Any], tmp_path: Path
) -> None:
    """The derived files and the site equal those of the three separate commands."""
    runner = CliRunner()
    root = write_dataset({"faster": faster_entry})
    result = runner.invoke(cli, ["build", "--root", str(root), "--out", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert "wrote the site: " in result.output and "2 entries" in result.output
    after_build = _files(root)
    assert "efficiency_sota.csv" in after_build

    assert runner.invoke(cli, ["check", "--root", str(root)]).exit_code == 0
    assert runner.invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    assert _files(root) == after_build
    separate = ["site", "build", "--root", str(root), "--out", str(tmp_path / "two")]
    assert runner.invoke(cli, separate).exit_code == 0
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_build_loads_each_file_once(
    write_dataset: Callable[..., Path],
    faster_entry: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One load: every analysis file is read and parsed exactly once."""
    root = write_dataset({"faster": faster_entry})
    loaded: list[Path] = []
    real = algoeff.dataset.load.load_entry

    def counting(path: Path) -> Any:
        loaded.append(path)
        return real(path)

    monkeypatch.setattr(algoeff.dataset.load, "load_entry", counting)
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in loaded) == ["base.yaml", "faster.yaml"]


def test_build_with_an_error_writes_nothing(
    write_dataset: Callable[..., Path], faster_entry: dict[str, Any], tmp_path: Path
) -> None:
    """Every error is listed, exit 1, no derived file and no site written."""
    faster_entry["compute"]["training_flop"] = 9e99  # far from the recomputation
    root = write_dataset({"faster": faster_entry})
    before = _files(root)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 1
    assert "faster.yaml: compute.training_flop" in result.output
    assert "Traceback" not in result.output
    assert _files(root) == before
    assert not out.exists()


def test_build_refuses_a_bad_repo_url_before_loading(
    write_dataset: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_dataset()
    args = [
        "build",
        "--root",
        str(root),
        "--out",
        str(tmp_path / "s"),
        "--repo-url",
        "javascript:x",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_build_fits_each_trend_once(
    write_dataset: Callable[..., Path],
    faster_entry: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README and the site share one fit per benchmark."""
    root = write_dataset({"faster": faster_entry})
    fitted: list[str] = []
    real = algoeff.dataset.trend.fit_trend

    def counting(view: Any, **options: Any) -> Any:
        fitted.append(view.benchmark.id)
        return real(view, **options)

    monkeypatch.setattr(algoeff.dataset.trend, "fit_trend", counting)
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert fitted == ["toy-level"]
