"""Learning curves: read from CSV or inline, checked at the exact boundaries, interpolated."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from algoeff.core.errors import ProblemsError
from algoeff.dataset.checks import check_dataset
from algoeff.dataset.curves import CurvePoint, crossing_flop, first_reached, read_curve
from algoeff.dataset.load import load_dataset
from toy_dataset import entry_dict

WriteDataset = Callable[..., Path]  # the write_dataset fixture of tests/conftest.py

# The toy baseline states 6.0e16 FLOP with the default tolerance of 1 %; the toy
# benchmark's level is 90 % accuracy, higher is better.
STATED = 6.0e16
LIMIT = STATED * (1 + 0.01)
LEVEL = 90.0


def _write(write_dataset: WriteDataset, curve: dict[str, Any], csv_text: str | None = None) -> Path:
    root = write_dataset({"base": entry_dict("base", curve=curve)})
    if csv_text is not None:
        folder = root / "analysis" / "toy-level" / "curves"
        folder.mkdir()
        (folder / "base.csv").write_text(csv_text)
    return root


def _csv(rows: list[tuple[float, float]]) -> str:
    return "epoch,training_flop,value\n" + "".join(
        f"{i + 1},{flop!r},{value!r}\n" for i, (flop, value) in enumerate(rows)
    )


FILE_CURVE = {"file": "curves/base.csv", "source": "paper", "where": "Figure 2"}


def _curve_problems(root: Path) -> list[str]:
    return [str(p) for p in check_dataset(root) if p.field.startswith("curve")]


def test_curve_reaching_the_level_exactly_at_the_stated_compute_passes(
    write_dataset: WriteDataset,
) -> None:
    """The metric equals the level (equality reaches it) at exactly the stated compute."""
    root = _write(write_dataset, FILE_CURVE, _csv([(1e16, 50.0), (3e16, 85.0), (STATED, LEVEL)]))
    assert _curve_problems(root) == []
    (loaded,) = load_dataset(root).entries
    assert read_curve(loaded) == (
        CurvePoint(1e16, 50.0),
        CurvePoint(3e16, 85.0),
        CurvePoint(STATED, LEVEL),
    )


def test_curve_one_ulp_short_of_the_level_never_reaches_it(write_dataset: WriteDataset) -> None:
    """The last point one ulp below 90 %: the curve never reaches the level, an error."""
    short = math.nextafter(LEVEL, 0.0)
    root = _write(write_dataset, FILE_CURVE, _csv([(1e16, 50.0), (STATED, short)]))
    (problem,) = _curve_problems(root)
    assert "curve.file: never reaches the level 90 (best 90)" in problem
    assert "(expected a point at 90 or above)" in problem


def test_level_reached_at_the_tolerance_limit_passes_one_ulp_beyond_fails(
    write_dataset: WriteDataset,
) -> None:
    """The first point at the level may lie at the stated compute x (1 + tolerance), not
    one ulp beyond it."""
    at_limit = _write(write_dataset, FILE_CURVE, _csv([(1e16, 50.0), (LIMIT, 91.0)]))
    assert _curve_problems(at_limit) == []
    beyond = math.nextafter(LIMIT, math.inf)
    (at_limit / "analysis" / "toy-level" / "curves" / "base.csv").write_text(
        _csv([(1e16, 50.0), (beyond, 91.0)])
    )
    (problem,) = _curve_problems(at_limit)
    assert "first reaches the level 90 at 6.06e+16 FLOP, beyond the stated 6e+16" in problem
    assert "expected at most 6.06e+16 (the stated compute within its tolerance of 1.0%)" in problem


@pytest.mark.parametrize("second", [1e16, 5e15])
def test_compute_must_strictly_increase(write_dataset: WriteDataset, second: float) -> None:
    """A point with the same or less compute than the one before it is an error at its line."""
    root = _write(write_dataset, FILE_CURVE, _csv([(1e16, 50.0), (second, 60.0), (STATED, 91.0)]))
    (problem,) = _curve_problems(root)
    assert f"curves/base.csv line 3: training_flop {second:.6g} does not exceed" in problem
    assert "compute strictly increasing along the run" in problem


def test_inline_points_are_checked_the_same_way(write_dataset: WriteDataset) -> None:
    """Inline pairs: read in order, an unreached level reported on curve.points."""
    curve = {"points": [[1e16, 50.0], [STATED, 91.0]], "source": "paper"}
    root = _write(write_dataset, curve)
    assert _curve_problems(root) == []
    (loaded,) = load_dataset(root).entries
    assert read_curve(loaded) == (CurvePoint(1e16, 50.0), CurvePoint(STATED, 91.0))
    curve["points"] = [[1e16, 50.0], [STATED, 89.0]]
    (problem,) = _curve_problems(_write(write_dataset, curve))
    assert "curve.points: never reaches the level 90 (best 89)" in problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("epoch,flop,value\n1,1e16,91\n", "the header 'epoch,flop,value' lacks a column"),
        ("training_flop,value\n1e16,nan\n2e16,91\n", "line 2: '1e16,nan' is not a point"),
        ("training_flop,value\n-1e16,50\n2e16,91\n", "line 2: '-1e16,50' is not a point"),
        ("training_flop,value\n6e16\n", "line 2: '6e16' is not a point"),
        ("training_flop,value\n6e16,91\n", "has 1 point(s)"),
    ],
)
def test_unusable_files_are_one_problem_each(
    write_dataset: WriteDataset, text: str, message: str
) -> None:
    """A header without the columns, a non-finite, non-positive or missing number, and a
    single point are each reported, not raised."""
    (problem,) = _curve_problems(_write(write_dataset, FILE_CURVE, text))
    assert message in problem


def test_missing_outside_and_oversized_files(write_dataset: WriteDataset) -> None:
    """A missing file, a path out of the entry's folder and a file over 256 KiB are refused."""
    root = _write(write_dataset, FILE_CURVE)
    assert any("cannot be read" in p for p in _curve_problems(root))
    curve = {"file": "curves/../../elsewhere.csv", "source": "paper"}
    problems = [str(p) for p in check_dataset(_write(write_dataset, curve))]
    assert any(
        "curve.file" in p and "relative path inside the entry's folder" in p for p in problems
    )
    big = _csv([(1e16, 50.0), (STATED, 91.0)]) + "# padding\n" * 30_000
    assert len(big.encode()) > 256 * 1024
    root = _write(write_dataset, FILE_CURVE, big)
    assert any("at most 262144 bytes" in p for p in _curve_problems(root))
    (loaded,) = load_dataset(root).entries
    with pytest.raises(ProblemsError):
        read_curve(loaded)


def test_schema_wants_exactly_one_of_file_and_points(write_dataset: WriteDataset) -> None:
    """Both, or neither, is a schema error on curve."""
    both = {"file": "curves/base.csv", "points": [[1.0, 2.0], [2.0, 3.0]], "source": "paper"}
    for curve in (both, {"source": "paper"}):
        problems = [str(p) for p in check_dataset(_write(write_dataset, curve))]
        assert any("give exactly one of file and points" in p for p in problems)


POINTS = (CurvePoint(1e16, 4.0), CurvePoint(1e17, 3.5), CurvePoint(1e18, 3.0))


def test_crossing_is_interpolated_in_log_compute() -> None:
    """Halfway in the metric between two points is their geometric mean in compute; a level
    met exactly at a point is that point; at the first point, that point's compute."""
    assert crossing_flop(POINTS, 3.25, "lower") == pytest.approx(math.sqrt(1e17 * 1e18))
    assert crossing_flop(POINTS, 3.5, "lower") == pytest.approx(1e17)
    assert crossing_flop(POINTS, 3.75, "lower") == pytest.approx(math.sqrt(1e16 * 1e17))
    assert crossing_flop(POINTS, 4.5, "lower") == 1e16
    assert crossing_flop(POINTS, 2.99, "lower") is None
    rising = tuple(CurvePoint(p.flop, 100 - 10 * p.value) for p in POINTS)  # 60, 65, 70 %
    assert crossing_flop(rising, 67.5, "higher") == pytest.approx(math.sqrt(1e17 * 1e18))
    assert first_reached(rising, 65.0, "higher") == rising[1]
    assert first_reached(rising, math.nextafter(70.0, math.inf), "higher") is None


def test_crossing_takes_the_first_time_the_level_is_reached() -> None:
    """A noisy curve that dips to the level and back counts from its first arrival."""
    noisy = (CurvePoint(1e16, 4.0), CurvePoint(2e16, 3.2), CurvePoint(4e16, 3.4))
    assert crossing_flop(noisy, 3.3, "lower") < 2e16
    assert first_reached(noisy, 3.3, "lower") == noisy[1]
