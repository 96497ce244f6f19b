"""MLPerf Training result logs: compute-to-target from `:::MLLOG` lines. No torch.

An MLPerf log (MLCommons mlperf_logging, ``mllog``) holds one event per line after
the marker ``:::MLLOG``: a JSON object with ``namespace``, ``time_ms``,
``event_type``, ``key``, ``value`` and ``metadata``. Anything before the marker (a
rank prefix such as ``0: ``) is ignored. The events used here:

    run_start, run_stop           time_ms of the timed region (run_stop metadata.status)
    eval_accuracy                 value; metadata.epoch_num, metadata.samples_count
    train_samples                 examples per epoch (used when samples_count is absent)
    global_batch_size             recorded for the report
    submission_platform           "N x SYSTEM" (N nodes), recorded for the report
    submission_benchmark          the benchmark's name
    number_of_nodes, accelerators_per_node, accelerator_model_name
                                  rarely logged; normally read from the submission's
                                  system description JSON (--system-json)
    target_accuracy               not a standard key: the quality target is fixed by the
                                  MLPerf rules, so it usually comes from --threshold; a
                                  ``target``/``target_accuracy`` in eval_accuracy's
                                  metadata or a ``target_accuracy`` event is used if present

Two ways to compute-to-target, from the first eval_accuracy at or beyond the target
(the same first-crossing rule as algoeff's own run logs):

    counted   training FLOP per example (forward + backward, e.g. from a metered run or
              `algoeff flops`) x samples trained up to that evaluation
    hardware  accelerators x seconds from run_start to that evaluation x dense peak FLOP/s
              (algoeff's hardware table) x utilization (default: the hardware method's)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.files import display_path, read_bytes, read_text
from algoeff.core.units import Direction
from algoeff.model.hardware import HardwareTable
from algoeff.model.runlog import MAX_LOG_BYTES, Crossing, Point, Rule, first_crossing

MARKER = ":::MLLOG"
_REQUIRED = ("time_ms", "key")


class MlperfLogError(InputError, ValueError):
    """An MLPerf log is unreadable or lacks what the computation needs (one line)."""


@dataclass(frozen=True)
class Event:
    line: int
    time_ms: float
    key: str
    value: Any
    metadata: Mapping[str, Any]
    event_type: str = ""


@dataclass
class MlperfLog:
    """The events of one MLPerf log, by key, in order."""

    path: Path
    events: list[Event] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return display_path(self.path)

    def all(self, key: str) -> list[Event]:
        return [e for e in self.events if e.key == key]

    def first(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)

    def value(self, key: str) -> Any:
        event = self.first(key)
        return None if event is None else event.value


_SNIFF_LINES = 1000
_SNIFF_BYTES = 1024 * 1024


def is_mlperf_log(path: Path) -> bool:
    """Whether ``path`` looks like an MLPerf log: not a JSON Lines file (an algoeff run log
    starts with a JSON object), and a ``:::MLLOG`` marker within its first 1,000 lines
    (launchers often print other lines first) and first MiB."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    seen_text = False
    for line in head.split("\n")[:_SNIFF_LINES]:
        if MARKER in line:
            return True
        if not seen_text and line.strip():
            seen_text = True
            if line.lstrip().startswith("{"):
                return False
    return False


def read_mlperf(path: Path) -> MlperfLog:
    """Read the ``:::MLLOG`` events of ``path``; other lines are skipped."""
    try:
        # Launchers interleave other output: bytes that are not UTF-8 are replaced, not refused.
        text = read_bytes(path, MAX_LOG_BYTES).decode("utf-8", errors="replace")
    except ProblemsError as exc:
        raise MlperfLogError(str(exc.problems[0])) from None
    shown = display_path(path)
    log = MlperfLog(path)
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        at = line.find(MARKER)
        if at < 0:
            continue
        payload = line[at + len(MARKER) :].strip()
        try:
            data = json.loads(payload)
        except json.JSONDecodeError as exc:
            if number == len(lines) and not text.endswith("\n"):
                break  # a truncated last line of a run that was cut off
            raise MlperfLogError(
                f"{shown}: line {number}: the event after {MARKER} is not JSON ({exc.msg})"
            ) from None
        if not isinstance(data, dict):
            raise MlperfLogError(f"{shown}: line {number}: the event is not a JSON object")
        for key in _REQUIRED:
            if key not in data:
                raise MlperfLogError(f"{shown}: line {number}: {key}: is missing")
        time_ms = data["time_ms"]
        if not isinstance(time_ms, (int, float)) or isinstance(time_ms, bool):
            raise MlperfLogError(f"{shown}: line {number}: time_ms: {time_ms!r} is not a number")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise MlperfLogError(f"{shown}: line {number}: metadata: is not a JSON object")
        log.events.append(
            Event(
                number,
                float(time_ms),
                str(data["key"]),
                data.get("value"),
                metadata,
                str(data.get("event_type", "")),
            )
        )
    if not log.events:
        raise MlperfLogError(f"{shown}: has no {MARKER} lines (expected an MLPerf Training log)")
    return log


def _number(log: MlperfLog, event: Event, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MlperfLogError(f"{log.shown}: line {event.line}: {name}: {value!r} is not a number")
    return float(value)


@dataclass(frozen=True)
class System:
    """The accelerators a run used, and where each figure came from."""

    accelerators: int | None
    chip: str | None
    nodes: int | None
    platform: str | None
    provenance: str


_PLATFORM = re.compile(r"^\s*(\d+)\s*x\s*(.+)$", re.IGNORECASE)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def system_of(log: MlperfLog, system_json: Mapping[str, Any] | None = None) -> System:
    """Accelerator count and model from the system description JSON, else from the log."""
    platform = log.value("submission_platform")
    platform = str(platform) if platform is not None else None
    source: Mapping[str, Any] = system_json or {}
    where = "system description" if system_json else "log"
    nodes = _as_int(source.get("number_of_nodes", log.value("number_of_nodes")))
    per_node = _as_int(source.get("accelerators_per_node", log.value("accelerators_per_node")))
    chip = source.get("accelerator_model_name", log.value("accelerator_model_name"))
    if nodes is None and platform and (match := _PLATFORM.match(platform)):
        nodes = int(match.group(1))
        where += ", nodes from submission_platform"
    count = nodes * per_node if nodes is not None and per_node is not None else None
    return System(count, str(chip) if chip else None, nodes, platform, where)


def match_chip(table: HardwareTable, model_name: str) -> str:
    """The table's chip whose name or alias appears in ``model_name`` (longest match wins)."""
    text = " " + re.sub(r"[-_/]+", " ", model_name.casefold()) + " "
    best: tuple[int, str] | None = None
    for chip in table.chips:
        for name in (chip.name, *chip.aliases):
            needle = " " + re.sub(r"[-_/]+", " ", name.casefold()) + " "
            if needle in text and (best is None or len(needle) > best[0]):
                best = (len(needle), chip.name)
    if best is None:
        raise MlperfLogError(
            f"accelerator {model_name!r} matches no chip in the hardware table; pass --chip"
        )
    return best[1]


@dataclass(frozen=True)
class MlperfRun:
    """One MLPerf log reduced to compute-to-target."""

    path: Path
    benchmark: str | None
    crossing: Crossing
    samples_to_target: float | None
    seconds_to_target: float | None
    run_seconds: float | None  # run_stop - run_start: MLPerf's own time-to-train
    status: str | None
    global_batch_size: float | None
    system: System


def target_of(log: MlperfLog) -> float | None:
    """A quality target written in the log, if any (not a standard mllog key)."""
    for event in log.all("eval_accuracy"):
        for name in ("target", "target_accuracy"):
            if name in event.metadata:
                return _number(log, event, f"metadata.{name}", event.metadata[name])
    logged = log.first("target_accuracy")
    return None if logged is None else _number(log, logged, "value", logged.value)


def analyse(
    log: MlperfLog,
    threshold: float | None = None,
    direction: Direction = "higher",
    rule: Rule = "first",
    train_samples: float | None = None,
    system_json: Mapping[str, Any] | None = None,
) -> MlperfRun:
    """Samples and seconds from run_start to the first eval_accuracy at the target."""
    target = threshold if threshold is not None else target_of(log)
    if target is None:
        raise MlperfLogError(
            f"{log.shown}: no quality target in the log; pass --threshold (the MLPerf rules "
            "fix it per benchmark, e.g. 0.759 top-1 for ResNet-50)"
        )
    start = log.first("run_start")
    if start is None:
        raise MlperfLogError(f"{log.shown}: run_start: is missing (expected the timed region)")
    stop = log.first("run_stop")
    per_epoch = train_samples
    if per_epoch is None and (logged := log.first("train_samples")) is not None:
        per_epoch = _number(log, logged, "train_samples", logged.value)
    points: list[Point] = []
    for i, event in enumerate(log.all("eval_accuracy"), start=1):
        accuracy = _number(log, event, "eval_accuracy value", event.value)
        samples = event.metadata.get("samples_count")
        if samples is None:
            epoch = event.metadata.get("epoch_num")
            if epoch is None:
                raise MlperfLogError(
                    f"{log.shown}: line {event.line}: metadata: has neither samples_count nor "
                    "epoch_num (expected one, to know how much was trained)"
                )
            if per_epoch is None:
                raise MlperfLogError(
                    f"{log.shown}: line {event.line}: metadata.epoch_num needs train_samples "
                    "(a log key) or --train-samples to become a sample count"
                )
            samples = _number(log, event, "metadata.epoch_num", epoch) * per_epoch
        samples_f = _number(log, event, "metadata.samples_count", samples)
        seconds = (event.time_ms - start.time_ms) / 1000.0
        # The crossing rule runs on samples; seconds ride along as "wall_seconds".
        points.append(Point(i, accuracy, samples_f, samples_f, 0.0, 0.0, seconds))
    crossing = first_crossing(points, target, direction, rule)
    batch = log.value("global_batch_size")
    return MlperfRun(
        path=log.path,
        benchmark=str(log.value("submission_benchmark") or "") or None,
        crossing=crossing,
        samples_to_target=crossing.training_flop,
        seconds_to_target=crossing.wall_seconds,
        run_seconds=(stop.time_ms - start.time_ms) / 1000.0 if stop is not None else None,
        status=str(stop.metadata.get("status")) if stop is not None and stop.metadata else None,
        global_batch_size=float(batch) if isinstance(batch, (int, float)) else None,
        system=system_of(log, system_json),
    )


def counted_flop(run: MlperfRun, flop_per_example: float) -> float | None:
    """Training FLOP per example x samples to the target."""
    if run.samples_to_target is None:
        return None
    return flop_per_example * run.samples_to_target


def hardware_flop(
    run: MlperfRun, accelerators: int, peak_flop_per_s: float, utilization: float
) -> float | None:
    """accelerators x seconds to the target x peak FLOP/s x utilization."""
    if run.seconds_to_target is None:
        return None
    return accelerators * run.seconds_to_target * peak_flop_per_s * utilization


def read_system_json(path: Path) -> dict[str, Any]:
    """An MLPerf system description (systems/<name>.json); its number_of_nodes and so on."""
    shown = display_path(path)
    try:
        data = json.loads(read_text(path))
    except ProblemsError as exc:
        raise InputError(str(exc.problems[0])) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{shown}: line {exc.lineno}: is not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{shown}: is not a JSON object (expected a system description)")
    return data
