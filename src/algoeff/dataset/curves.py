"""Learning curves: the metric of an entry's run at each evaluation, against training FLOP.

An entry may carry its curve (``curve`` in model/schema.py): inline points, or a CSV file
beside the entry, conventionally ``analysis/<benchmark>/curves/<entry>.csv``, whose header
names at least ``training_flop`` and ``value`` (other columns, such as ``step``, ``tokens``
or ``epoch``, say where each point comes from and are not read). Compute is canonical FLOP
(one multiply-add = 2) from the start of training, counted with the entry's own formula.

    read_curve(loaded) -> tuple[CurvePoint, ...]     the points; ProblemsError when unusable
    first_reached(points, level, direction)          the first logged point at the level
    crossing_flop(points, level, direction)          the compute at which the level is first
                                                     reached, interpolated in log compute
    curve_problems(loaded, benchmark, stated_flop)   what `algoeff check` reports

Interpolation: between the last point short of the level, (c0, v0), and the first at it,
(c1, v1), the crossing is at log c = log c0 + (level - v0) / (v1 - v0) * (log c1 - log c0):
the metric is taken as linear in log compute between evaluations, as learning curves
roughly are. A level met at the first point is reached at that point's compute (no point
before it to interpolate from); a level never met has no crossing.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import NamedTuple

from algoeff.core.errors import Problem, ProblemsError
from algoeff.core.files import read_text
from algoeff.core.units import Direction, reached
from algoeff.dataset.load import LoadedEntry
from algoeff.model.schema import Benchmark

FLOP_COLUMN = "training_flop"
VALUE_COLUMN = "value"
CURVE_SUFFIX = ".csv"
MIN_POINTS = 2


class CurvePoint(NamedTuple):
    """One evaluation: training FLOP up to it (multiply-add = 2) and the metric there."""

    flop: float
    value: float


def _parse_number(text: str | None) -> float | None:
    try:
        number = float(text or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _read_file(loaded: LoadedEntry, name: str) -> tuple[list[CurvePoint], list[int]]:
    """The points of a curve file and their line numbers; ProblemsError listing bad rows."""
    shown = loaded.shown
    base = loaded.path.parent.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise ProblemsError(
            [Problem(shown, "curve.file", f"{name!r} lies outside the entry's folder", "")]
        )
    if not name.endswith(CURVE_SUFFIX):
        raise ProblemsError(
            [Problem(shown, "curve.file", f"{name!r} is not a CSV file", f"a {CURVE_SUFFIX} file")]
        )
    try:
        text = read_text(Path(path))
    except ProblemsError as exc:  # reported on the entry, where the curve is named
        raise ProblemsError(
            [Problem(shown, "curve.file", f"{name}: {p.message}", p.expected) for p in exc.problems]
        ) from None
    reader = csv.reader(text.splitlines())
    try:
        parsed = list(reader)
    except csv.Error as exc:  # e.g. a cell over csv's field size limit
        message = f"{name} line {reader.line_num}: {exc}"
        raise ProblemsError([Problem(shown, "curve.file", message, "valid CSV")]) from None
    rows = iter(parsed)
    header = [h.strip() for h in next(rows, [])]
    if FLOP_COLUMN not in header or VALUE_COLUMN not in header:
        raise ProblemsError(
            [
                Problem(
                    shown,
                    "curve.file",
                    f"{name}: the header {','.join(header)!r} lacks a column",
                    f"a first line naming the columns, with {FLOP_COLUMN} and {VALUE_COLUMN}",
                )
            ]
        )
    at_flop, at_value = header.index(FLOP_COLUMN), header.index(VALUE_COLUMN)
    points: list[CurvePoint] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        cells = [c.strip() for c in row]
        flop = _parse_number(cells[at_flop]) if at_flop < len(cells) else None
        value = _parse_number(cells[at_value]) if at_value < len(cells) else None
        if flop is None or flop <= 0 or value is None:
            problems.append(
                Problem(
                    shown,
                    "curve.file",
                    f"{name} line {line}: {','.join(cells)!r} is not a point",
                    f"a positive finite {FLOP_COLUMN} and a finite {VALUE_COLUMN}",
                )
            )
            continue
        points.append(CurvePoint(flop, value))
        lines.append(line)
    if problems:
        raise ProblemsError(problems)
    return points, lines


def read_curve(loaded: LoadedEntry) -> tuple[CurvePoint, ...]:
    """The entry's curve in the order given (empty without one); ProblemsError when unusable."""
    curve = loaded.entry.curve
    if curve is None:
        return ()
    if curve.points is not None:
        return tuple(CurvePoint(flop, value) for flop, value in curve.points)
    assert curve.file is not None  # the schema requires one of the two
    return tuple(_read_file(loaded, curve.file)[0])


def first_reached(
    points: tuple[CurvePoint, ...], level: float, direction: Direction
) -> CurvePoint | None:
    """The first point whose metric is at ``level`` or beyond it in ``direction``."""
    return next((p for p in points if reached(p.value, level, direction)), None)


def crossing_flop(
    points: tuple[CurvePoint, ...], level: float, direction: Direction
) -> float | None:
    """The compute at which the curve first reaches ``level``, interpolated in log compute
    (module docstring); None when it never does."""
    for i, point in enumerate(points):
        if not reached(point.value, level, direction):
            continue
        if i == 0:
            return point.flop
        before = points[i - 1]
        share = (level - before.value) / (point.value - before.value)
        log_flop = math.log(before.flop) + share * (math.log(point.flop) - math.log(before.flop))
        return min(math.exp(log_flop), point.flop)  # never past the point that reached it
    return None


def curve_problems(loaded: LoadedEntry, benchmark: Benchmark, stated_flop: float) -> list[Problem]:
    """The checks of an entry's curve: readable, at least two points, compute strictly
    increasing, and the benchmark's level reached at a logged point no later than the
    entry's stated compute (within the entry's compute tolerance)."""
    curve = loaded.entry.curve
    if curve is None:
        return []
    shown = loaded.shown
    field = "curve.file" if curve.file is not None else "curve.points"
    try:
        if curve.file is not None:
            points, lines = _read_file(loaded, curve.file)
        else:
            points, lines = list(read_curve(loaded)), []
    except ProblemsError as exc:
        return exc.problems

    def where(i: int) -> str:
        return f"{curve.file} line {lines[i]}" if curve.file else f"point {i}"

    problems: list[Problem] = []
    if len(points) < MIN_POINTS:
        return [
            Problem(shown, field, f"has {len(points)} point(s)", f"at least {MIN_POINTS} points")
        ]
    for i in range(1, len(points)):
        if points[i].flop <= points[i - 1].flop:
            problems.append(
                Problem(
                    shown,
                    field,
                    f"{where(i)}: training_flop {points[i].flop:.6g} does not exceed the "
                    f"previous point's {points[i - 1].flop:.6g}",
                    "compute strictly increasing along the run",
                )
            )
    level, direction = benchmark.threshold, benchmark.direction
    first = first_reached(tuple(points), level, direction)
    limit = stated_flop * (1 + loaded.entry.compute.tolerance)
    if first is None:
        best = min if direction == "lower" else max
        problems.append(
            Problem(
                shown,
                field,
                f"never reaches the level {level:g} (best {best(p.value for p in points):g})",
                f"a point at {level:g} or {'below' if direction == 'lower' else 'above'}",
            )
        )
    elif first.flop > limit:
        problems.append(
            Problem(
                shown,
                field,
                f"first reaches the level {level:g} at {first.flop:.6g} FLOP, beyond the "
                f"stated {stated_flop:.6g}",
                f"at most {limit:.6g} (the stated compute within its tolerance of "
                f"{loaded.entry.compute.tolerance:.1%})",
            )
        )
    return problems
