"""Run logs of metered training: the JSON Lines schema, its writer and reader, compute-to-target.

A run log (``"schema": "algoeff.model.runlog/1"``) is written by
``algoeff.measure.ComputeMeter`` and read back by ``algoeff measure`` and, through
the ``measured`` compute method, by ``algoeff check``. This module never imports
torch, so logs can be checked anywhere.

One JSON object per line, each with a ``record`` kind, in this order:

    header       once: schema, torch version, device, world size, rank, seed, model summary
    signature    the first time a step (or evaluation forward) of a new shape is counted
    steps        a group of consecutive training steps of one signature, with running totals
    evaluation   the metrics passed to ``meter.evaluate()``, with the totals at that point
    final        once, when the meter is closed

Every line is flushed as written, so a run cut off mid-way leaves a readable
log; the reader ignores a truncated last line with a warning. FLOP counts are
integers (one multiply-add = 2 FLOP) so that totals are exact.

Compute-to-target follows the efficiency paper (Hernandez & Brown 2020): the
training compute at the FIRST evaluation whose metric reaches the threshold.
Optionally it is interpolated between the two evaluations that straddle the
threshold, linearly in FLOP or linearly in log FLOP.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from algoeff.core.errors import InputError, Problem, ProblemsError
from algoeff.core.files import display_path, read_text
from algoeff.core.units import Direction, reached

SCHEMA_ID: Literal["algoeff.model.runlog/1"] = "algoeff.model.runlog/1"
# A log holds one line per group of steps (default 100) and per evaluation; even
# a million-step run stays far below this. The cap stops a runaway file early.
MAX_LOG_BYTES = 256 * 1024 * 1024

Rule = Literal["first", "linear", "log"]
RULES: tuple[str, ...] = ("first", "linear", "log")

RULE_TEXT: dict[str, str] = {
    "first": "first evaluation at or beyond the threshold",
    "linear": "interpolated linearly in FLOP between the evaluations straddling the threshold",
    "log": "interpolated linearly in log FLOP between the evaluations straddling the threshold",
}

Flop = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class RunLogError(InputError, ValueError):
    """A run log is unreadable or inconsistent; the message names file, line and field.

    Also a ValueError, so that dataset derivation reports it as a problem with the
    entry that cites the log rather than stopping.
    """


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class ModelSummary(_Record):
    class_name: Name
    parameters: Count


class Header(_Record):
    record: Literal["header"]
    schema_id: Literal["algoeff.model.runlog/1"] = Field(alias="schema")
    started_at: Name = Field(description="ISO 8601 time, UTC")
    algoeff_version: Name
    torch_version: Name
    device: Name
    world_size: Annotated[int, Field(ge=1)]
    rank: Count
    seed: int | None
    model: ModelSummary
    metric: Name = Field(description="the metric the meter watches for the first crossing")
    threshold: float = Field(allow_inf_nan=False)
    direction: Direction
    counter: Name = Field(description="the FLOP counter that produced the counts")
    flop_convention: Literal["multiply-add=2"]
    flush_every: Annotated[int, Field(ge=1)]


class Signature(_Record):
    """One distinct step (or evaluation forward), counted once and reused."""

    record: Literal["signature"]
    id: Name
    kind: Literal["train", "eval"]
    inputs: Annotated[str, Field(max_length=2000)]
    training: bool
    grad_enabled: bool
    forward_flop: Flop
    backward_flop: Flop
    recompute_flop: Flop = Field(description="forward work recomputed in backward (hardware only)")
    model_flop: Flop = Field(description="forward + backward: what training_flop counts")
    hardware_flop: Flop = Field(description="model_flop + recompute_flop: what the hardware ran")


class Steps(_Record):
    """A group of consecutive training steps of one signature; totals are this rank's."""

    record: Literal["steps"]
    signature: Name
    steps: Annotated[int, Field(ge=1)]
    examples: Count
    training_flop_per_step: Flop
    hardware_flop_per_step: Flop
    training_flop: Flop = Field(description="running total on this rank after the group")
    hardware_flop: Flop
    total_steps: Count
    total_examples: Count
    wall_seconds: Seconds


class Evaluation(_Record):
    """Metrics at one evaluation; totals summed over ranks."""

    record: Literal["evaluation"]
    index: Annotated[int, Field(ge=1)]
    metrics: dict[Name, Annotated[float, Field(allow_inf_nan=False)]]
    training_flop: Flop
    hardware_flop: Flop
    examples: Count
    steps: Count
    eval_flop: Flop
    wall_seconds: Seconds
    crossed: bool = Field(description="the header's metric reached its threshold here first")


class Final(_Record):
    record: Literal["final"]
    training_flop: Flop
    hardware_flop: Flop
    examples: Count
    steps: Count
    eval_flop: Flop
    evaluations: Count
    wall_seconds: Seconds
    flop_to_target: Flop | None
    ended_at: Name


AnyRecord = Annotated[
    Header | Signature | Steps | Evaluation | Final, Field(discriminator="record")
]
_RECORD = TypeAdapter(AnyRecord)


@dataclass
class RunLog:
    """A run log as read: its records by kind, and warnings about its state."""

    path: Path
    header: Header
    signatures: dict[str, Signature] = field(default_factory=dict)
    steps: list[Steps] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    final: Final | None = None
    warnings: list[str] = field(default_factory=list)
    # line number of each evaluation, for messages
    evaluation_lines: list[int] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return display_path(self.path)


def _problem(
    shown: str, line: int, fieldname: str, message: str, expected: str = ""
) -> RunLogError:
    where = f"line {line}" + (f": {fieldname}" if fieldname else "")
    return RunLogError(str(Problem(shown, where, message, expected)))


def _validation_error(shown: str, line: int, exc: ValidationError) -> RunLogError:
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    # The discriminated union puts the record kind first; it is not a field.
    if loc and loc[0] in ("header", "signature", "steps", "evaluation", "final"):
        loc = loc[1:]
    name = ".".join(loc) or "record"
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "is missing"
    elif "input" in err and err["type"] != "union_tag_invalid":
        message = f"{json.dumps(err['input'])[:60]}: {message}"
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''} on this line)"
    return _problem(shown, line, name, message)


def json_fault(exc: Exception) -> str:
    """Why ``json.loads`` refused a line, for a message: its own reason, or for what Python
    cannot read (RecursionError; ValueError for an int of over 4,300 digits) what it was."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    return "nested too deeply or a number too long to read"


def read_runlog(path: Path) -> RunLog:
    """Read and check a run log; raises RunLogError naming file, line and field."""
    shown = display_path(path)
    try:
        text = read_text(path, MAX_LOG_BYTES)
    except ProblemsError as exc:
        raise RunLogError(str(exc.problems[0])) from None
    lines = text.split("\n")
    complete = text.endswith("\n")
    if complete:
        lines.pop()
    log: RunLog | None = None
    warnings: list[str] = []
    state = _Totals()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last = number == len(lines)
        try:
            data = json.loads(line)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            if is_last and not complete:
                warnings.append(
                    f"{shown}: line {number}: ignored a truncated last line (the run was cut off)"
                )
                break
            raise _problem(
                shown, number, "", f"is not JSON ({json_fault(exc)})", "one JSON object"
            ) from None
        if not isinstance(data, dict):
            raise _problem(shown, number, "", "is not a JSON object", "one JSON object")
        if number == 1 or log is None:
            _check_schema_id(data, shown, number)
        try:
            record = _RECORD.validate_python(data)
        except ValidationError as exc:
            raise _validation_error(shown, number, exc) from None
        if log is None:
            if not isinstance(record, Header):
                raise _problem(shown, number, "record", f"{data.get('record')!r}", "a header first")
            log = RunLog(path=path, header=record)
            continue
        _add(log, record, number, shown, state)
    if log is None:
        raise RunLogError(f"{shown}: is empty (expected a header record)")
    if log.final is None:
        warnings.append(f"{shown}: no final record (the run was cut off or is still running)")
    log.warnings = warnings
    return log


_CACHE: dict[Path, tuple[tuple[int, int], RunLog]] = {}
_CACHE_SIZE = 64


def cached_runlog(path: Path) -> RunLog:
    """``read_runlog`` memoized on the file's size and modification time.

    An entry's estimate reads each log several times (value, low, high, formula);
    an edited log is read afresh because its size or mtime changes.
    """
    try:
        stat = path.stat()
    except OSError:
        return read_runlog(path)  # raises the RunLogError that says why
    stamp = (stat.st_size, stat.st_mtime_ns)
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    log = read_runlog(path)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[path] = (stamp, log)
    return log


def _check_schema_id(data: dict[str, Any], shown: str, number: int) -> None:
    found = data.get("schema")
    if data.get("record") == "header" and found != SCHEMA_ID:
        raise _problem(shown, number, "schema", f"{found!r} is not supported", f"{SCHEMA_ID!r}")


@dataclass
class _Totals:
    training_flop: int = 0
    hardware_flop: int = 0
    steps: int = 0
    examples: int = 0


def _add(log: RunLog, record: Any, number: int, shown: str, totals: _Totals) -> None:
    """File one record, checking that it agrees with what came before it."""
    if log.final is not None:
        raise _problem(shown, number, "record", "follows the final record", "nothing after final")
    if isinstance(record, Header):
        raise _problem(shown, number, "record", "a second header", "one header")
    if isinstance(record, Signature):
        if record.id in log.signatures:
            raise _problem(shown, number, "id", f"signature {record.id!r} is defined twice")
        forward, backward = record.forward_flop, record.backward_flop
        wanted = {
            "model_flop": (forward + backward, "forward_flop + backward_flop"),
            "hardware_flop": (
                record.model_flop + record.recompute_flop,
                "model_flop + recompute_flop",
            ),
        }
        _expect(shown, number, record, wanted)
        log.signatures[record.id] = record
    elif isinstance(record, Steps):
        sig = log.signatures.get(record.signature)
        if sig is None or sig.kind != "train":
            raise _problem(
                shown,
                number,
                "signature",
                f"{record.signature!r} is not a training signature defined above",
            )
        totals.training_flop += record.steps * record.training_flop_per_step
        totals.hardware_flop += record.steps * record.hardware_flop_per_step
        totals.steps += record.steps
        totals.examples += record.examples
        previous = "the previous total + "
        wanted = {
            "training_flop_per_step": (sig.model_flop, f"model_flop of signature {sig.id}"),
            "hardware_flop_per_step": (sig.hardware_flop, f"hardware_flop of signature {sig.id}"),
            "training_flop": (totals.training_flop, previous + "steps x training_flop_per_step"),
            "hardware_flop": (totals.hardware_flop, previous + "steps x hardware_flop_per_step"),
            "total_steps": (totals.steps, previous + "steps"),
            "total_examples": (totals.examples, previous + "examples"),
        }
        _expect(shown, number, record, wanted)
        log.steps.append(record)
    elif isinstance(record, Evaluation):
        _expect(shown, number, record, {"index": (len(log.evaluations) + 1, "the next index")})
        if log.evaluations and record.training_flop < log.evaluations[-1].training_flop:
            raise _problem(
                shown,
                number,
                "training_flop",
                "is lower than at the previous evaluation",
                "a running total",
            )
        if log.header.world_size == 1:
            # One process: the evaluation's totals are exactly the steps logged before it.
            before = "the total of the steps logged before it"
            wanted = {
                "training_flop": (totals.training_flop, before),
                "hardware_flop": (totals.hardware_flop, before),
                "examples": (totals.examples, before),
                "steps": (totals.steps, before),
            }
            _expect(shown, number, record, wanted)
        log.evaluations.append(record)
        log.evaluation_lines.append(number)
    elif isinstance(record, Final):
        count = len(log.evaluations)
        _expect(shown, number, record, {"evaluations": (count, "the number of evaluation records")})
        log.final = record


def _expect(shown: str, number: int, record: Any, wanted: dict[str, tuple[int, str]]) -> None:
    """Each named field of ``record`` equals its wanted value (the text says what that is)."""
    for name, (value, what) in wanted.items():
        found = getattr(record, name)
        if found != value:
            raise _problem(shown, number, name, f"{found} does not match", f"{value}, {what}")


class RunLogWriter:
    """Append records to a run log, one validated JSON object per line, flushed as written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("w", encoding="utf-8")

    def write(self, record: _Record) -> None:
        """Write one record; validating it first keeps writer and reader in agreement."""
        if self._file is None:
            raise RuntimeError(f"{self.path}: the run log is closed")
        data = record.model_dump(by_alias=True, mode="json")
        _RECORD.validate_python(data)
        self._file.write(json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None


# --- compute-to-target ---------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One evaluation reduced to what the crossing rule needs."""

    index: int  # 1-based
    metric: float
    training_flop: float
    examples: float
    steps: float
    hardware_flop: float = 0.0
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Crossing:
    """Where one run reached (or failed to reach) the threshold."""

    reached: bool
    rule: Rule
    evaluation: int | None  # index of the first evaluation at or beyond the threshold
    metric_value: float | None  # the metric there
    training_flop: float | None  # compute-to-target (interpolated when the rule says so)
    hardware_flop: float | None
    examples: float | None
    steps: float | None
    wall_seconds: float | None
    best_metric: float | None  # best value seen, for a run that never reached the threshold
    total_training_flop: float  # at the last evaluation
    evaluations: int
    note: str = ""

    @property
    def flop_per_example(self) -> float | None:
        if self.training_flop is None or not self.examples:
            return None
        return self.training_flop / self.examples

    @property
    def flop_per_step(self) -> float | None:
        if self.training_flop is None or not self.steps:
            return None
        return self.training_flop / self.steps


def first_crossing(
    points: Sequence[Point], threshold: float, direction: Direction, rule: Rule = "first"
) -> Crossing:
    """Compute-to-target by the first-crossing rule over evaluations in order."""
    best: float | None = None
    for i, p in enumerate(points):
        if best is None or (p.metric > best if direction == "higher" else p.metric < best):
            best = p.metric
        if not reached(p.metric, threshold, direction):
            continue
        flop, examples, steps = p.training_flop, p.examples, p.steps
        hardware, wall = p.hardware_flop, p.wall_seconds
        note = ""
        if rule != "first":
            if i == 0:
                note = "the first evaluation already reached the threshold; not interpolated"
            else:
                q = points[i - 1]
                t = (threshold - q.metric) / (p.metric - q.metric)
                use_log = rule == "log" and q.training_flop > 0
                if rule == "log" and not use_log:
                    note = "no FLOP before the previous evaluation; interpolated linearly"
                if use_log:
                    flop = math.exp(
                        math.log(q.training_flop)
                        + t * (math.log(p.training_flop) - math.log(q.training_flop))
                    )
                else:
                    flop = q.training_flop + t * (p.training_flop - q.training_flop)
                # Examples, steps and time move in step with FLOP between two evaluations.
                span = p.training_flop - q.training_flop
                s = (flop - q.training_flop) / span if span > 0 else 1.0
                examples = q.examples + s * (p.examples - q.examples)
                steps = q.steps + s * (p.steps - q.steps)
                hardware = q.hardware_flop + s * (p.hardware_flop - q.hardware_flop)
                wall = q.wall_seconds + s * (p.wall_seconds - q.wall_seconds)
        return Crossing(
            reached=True,
            rule=rule,
            evaluation=p.index,
            metric_value=p.metric,
            training_flop=flop,
            hardware_flop=hardware,
            examples=examples,
            steps=steps,
            wall_seconds=wall,
            best_metric=best,
            total_training_flop=points[-1].training_flop,
            evaluations=len(points),
            note=note,
        )
    return Crossing(
        reached=False,
        rule=rule,
        evaluation=None,
        metric_value=None,
        training_flop=None,
        hardware_flop=None,
        examples=None,
        steps=None,
        wall_seconds=None,
        best_metric=best,
        total_training_flop=points[-1].training_flop if points else 0.0,
        evaluations=len(points),
    )


def points_of(log: RunLog, metric: str) -> list[Point]:
    """The evaluations of ``log`` that report ``metric``; an error when none does."""
    points = [
        Point(
            e.index,
            e.metrics[metric],
            float(e.training_flop),
            float(e.examples),
            float(e.steps),
            float(e.hardware_flop),
            e.wall_seconds,
        )
        for e in log.evaluations
        if metric in e.metrics
    ]
    if not points and log.evaluations:
        found = sorted({k for e in log.evaluations for k in e.metrics})
        line = log.evaluation_lines[0]
        raise _problem(
            log.shown,
            line,
            "metrics",
            f"no evaluation reports {metric!r}",
            f"one of {', '.join(found)}",
        )
    return points


def log_crossing(
    log: RunLog,
    metric: str | None = None,
    threshold: float | None = None,
    direction: Direction | None = None,
    rule: Rule = "first",
) -> Crossing:
    """Compute-to-target of one log; metric, threshold and direction default to its header's."""
    return first_crossing(
        points_of(log, metric or log.header.metric),
        log.header.threshold if threshold is None else threshold,
        direction or log.header.direction,
        rule,
    )


@dataclass(frozen=True)
class Spread:
    """Compute-to-target over several runs (seeds)."""

    n: int
    mean: float
    std: float | None  # sample standard deviation; None for one run
    min: float
    max: float


def spread(values: Iterable[float]) -> Spread | None:
    """Mean, sample standard deviation, min and max; None for no values."""
    xs = list(values)
    if not xs:
        return None
    return Spread(
        n=len(xs),
        mean=statistics.fmean(xs),
        std=statistics.stdev(xs) if len(xs) > 1 else None,
        min=min(xs),
        max=max(xs),
    )
