"""algoeff sensitivity: planted halving times recovered at every level; counts; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.cli.sensitivity import sensitivity_command
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.sensitivity import default_levels, sensitivity
from algoeff.dataset.trend import MIN_DRAWS, decimal_year
from toy_dataset import entry_dict

WriteDataset = Callable[..., Path]  # the write_dataset fixture of tests/conftest.py
REPO = Path(__file__).resolve().parents[1]
START = dt.date(2014, 9, 10)  # the toy baseline's date
STATED = 6.0e16  # the toy baseline's compute
# Planted: the compute to reach accuracy level L halves every HALVING[L] months.
HALVING = {88.0: 12.0, 89.0: 18.0, 90.0: 24.0}
SHARE = {88.0: 0.25, 89.0: 0.5, 90.0: 1.0}  # of the compute to 90 %, at START


def _flop(level: float, date: dt.date) -> float:
    years = decimal_year(date) - decimal_year(START)
    return STATED * SHARE[level] * 2.0 ** (-years * 12 / HALVING[level])


def _curve(date: dt.date) -> list[list[float]]:
    """Accuracy 88, 89 and 90 reached at the planted compute for this date (and 80 before)."""
    points = [[_flop(88.0, date) / 10, 80.0]]
    points += [[_flop(level, date), level] for level in sorted(HALVING)]
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    return points


def _entry(entry_id: str, date: dt.date, *, curve: bool = True) -> dict[str, Any]:
    data = entry_dict(entry_id, name=entry_id, model=entry_id)
    data["publication"] = {
        "title": f"Paper {entry_id}",
        "url": f"https://example.org/{entry_id}",
        "date": date.isoformat(),
    }
    data["sources"] = [
        {"id": "paper", "title": f"Paper {entry_id}", "url": f"https://example.org/{entry_id}"}
    ]
    flop = _flop(90.0, date)
    data["compute"] = {
        "method": "reported",
        "flop": {"value": flop, "unit": "FLOP", "source": "paper"},
        "convention": "multiply-add=2",
        "training_flop": flop,
    }
    data["published"] = []
    data["result"] = {"value": 90.0, "source": "paper"}
    if curve:
        data["curve"] = {"points": _curve(date), "source": "paper", "where": "Figure 1"}
    return data


DATES = [START + dt.timedelta(days=d) for d in (0, 300, 700, 1100, 1500, 2000)]


def _planted(write_dataset: WriteDataset, without_curve: tuple[str, ...] = ()) -> Path:
    entries = {
        f"e{i}": _entry(f"e{i}", d, curve=f"e{i}" not in without_curve) for i, d in enumerate(DATES)
    }
    entries["base"] = _entry(
        "base", START - dt.timedelta(days=1), curve="base" not in without_curve
    )
    return write_dataset(entries)


def test_planted_halving_times_are_recovered_at_each_level(write_dataset: WriteDataset) -> None:
    """Exact planted curves: each level's fit gives that level's halving time, on every entry."""
    view = derive(load_dataset(_planted(write_dataset)))[0]
    result = sensitivity(view, (88.0, 89.0, 90.0), draws=MIN_DRAWS)
    assert [lv.level for lv in result.levels] == [90.0, 89.0, 88.0]  # hardest first
    for level in result.levels:
        assert level.trend is not None
        assert level.trend.halving_months == pytest.approx(HALVING[level.level], rel=1e-6)
        assert level.n_entries == level.n_from_curves == 7
        assert len(level.frontier) == 7
    assert result.n_curves == result.n_entries == 7


def test_entries_without_curves_count_only_at_the_threshold(write_dataset: WriteDataset) -> None:
    """Two entries lose their curves: they count at 90 (the threshold, stated compute) and
    nowhere else, and the counts say so; the planted times are still recovered."""
    root = _planted(write_dataset, without_curve=("e1", "e4"))
    view = derive(load_dataset(root))[0]
    result = sensitivity(view, (88.0, 90.0), draws=MIN_DRAWS)
    at = {lv.level: lv for lv in result.levels}
    assert at[90.0].is_threshold and not at[88.0].is_threshold
    assert (at[90.0].n_entries, at[90.0].n_from_curves) == (7, 5)
    assert (at[88.0].n_entries, at[88.0].n_from_curves) == (5, 5)
    assert "e1" not in {e.entry_id for e in at[88.0].entries}
    for level in (88.0, 90.0):
        trend = at[level].trend
        assert trend is not None
        assert trend.halving_months == pytest.approx(HALVING[level], rel=1e-6)


def test_a_level_no_curve_reaches_has_no_trend(write_dataset: WriteDataset) -> None:
    """91 % is beyond every curve and is not the threshold: no entries, no trend."""
    view = derive(load_dataset(_planted(write_dataset)))[0]
    (level,) = sensitivity(view, (91.0,), draws=MIN_DRAWS).levels
    assert level.n_entries == 0 and level.trend is None
    assert level.as_dict()["trend"] is None


def test_default_grids() -> None:
    """Losses: 3.28 to 3.50 in steps of 0.02; accuracies: 93 to 94.5 in quarter points."""
    views = {v.benchmark.id: v for v in derive(load_dataset(REPO))}
    loss = default_levels(views["fineweb-gpt2-small-level"].benchmark)
    assert loss[0] == 3.28 and loss[-1] == 3.5 and len(loss) == 12
    assert default_levels(views["cifar10-94"].benchmark) == (
        93.0,
        93.25,
        93.5,
        93.75,
        94.0,
        94.25,
        94.5,
    )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sensitivity", *args])
    return result.exit_code, result.output


def test_cli_json_and_table(write_dataset: WriteDataset) -> None:
    """--json gives every level with its counts and trend; the table marks the threshold."""
    root = str(_planted(write_dataset, without_curve=("e2",)))
    code, out = run("toy-level", "--root", root, "--levels", "88,90", "--json", "--draws", "100")
    assert code == 0, out
    data = json.loads(out)
    assert [lv["level"] for lv in data["levels"]] == [90.0, 88.0]
    assert data["levels"][0]["n_entries"] == 7 and data["levels"][1]["n_entries"] == 6
    assert data["levels"][1]["trend"]["halving_months"] == pytest.approx(12.0, rel=1e-6)
    assert math.isfinite(data["levels"][0]["trend"]["halving_months_high"])
    code, out = run("toy-level", "--root", root, "--levels", "88,90", "--draws", "100")
    assert code == 0
    assert "90 *" in out and "12.0" in out


def test_cli_usage_errors(write_dataset: WriteDataset) -> None:
    """An unknown benchmark and a level that is not a number are usage errors (exit 2)."""
    root = str(_planted(write_dataset))
    code, out = run("nope", "--root", root)
    assert code == 2 and "unknown benchmark 'nope'" in out
    code, out = run("toy-level", "--root", root, "--levels", "88,x")
    assert code == 2 and "'x' is not a number" in out


def test_help_ends_with_an_example() -> None:
    """The help text ends with a runnable example."""
    code, out = run("--help")
    assert code == 0 and "Example:" in out and "--levels" in out
    assert sensitivity_command.help is not None
    last = sensitivity_command.help.rstrip().splitlines()[-1].strip()
    assert last.startswith("algoeff sensitivity ")


def test_bundled_gpt2_level_has_five_levels_with_intervals() -> None:
    """The bundled speedrun curves: at least five default levels with a 95 % interval, each
    resting on at least 40 entries."""
    view = {v.benchmark.id: v for v in derive(load_dataset(REPO))}["fineweb-gpt2-small-level"]
    result = sensitivity(view, draws=MIN_DRAWS)
    with_interval = [
        lv
        for lv in result.levels
        if lv.trend is not None and lv.trend.halving_months_low is not None
    ]
    assert len(with_interval) >= 5
    assert all(lv.n_entries >= 40 for lv in with_interval)
