"""MLPerf Training result logs: samples and compute to the quality target. No torch.

An MLPerf log (MLCommons ``mllog``, rounds v0.7 on) holds one event per line after
``:::MLLOG``: JSON with ``time_ms``, ``key``, ``value`` and ``metadata``; round v0.6 wrote
``:::MLL <seconds> <key>: {"value": ..., "metadata": ...}``. Both are read; text before
the marker (a rank prefix such as ``0: ``) and other lines are ignored, except
``:::SYSJSON {...}``, the system description (accelerator count and model) that logs
of v3.1 on print. A log may be gzip-compressed (``.gz``). Events used: run_start and
run_stop (the timed region; no run_stop: the log was cut off, reported incomplete),
eval_accuracy (the quality metric, a loss for some benchmarks; metadata.samples_count or
.epoch_num), train_samples, max_sequence_length, global_batch_size, submission_benchmark
(which sets what epoch_num counts and the metric's direction: BENCHMARKS),
submission_division, submission_org, submission_platform.

What ``epoch_num`` counts differs by benchmark (docs/measuring-training.md): epochs for
ResNet, SSD, Mask R-CNN, U-Net3D, RNN-T; samples for BERT; tokens for GPT-3. Where
``metadata.samples_count`` is present (DLRM, Llama 2 LoRA, Stable Diffusion, GNN) it is
used. Two runs concatenated in one file are split (``split_runs``).

Compute-to-target at the first eval_accuracy at or beyond the target: counted = training
FLOP per sample x samples; hardware = accelerators x seconds from run_start x dense peak
FLOP/s x utilization. ``scored_runs`` picks the runs MLPerf scores: of 3 or more, all but
the fastest and the slowest by run_stop - run_start (MLPerf Training rules).
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.files import display_path, read_bytes
from algoeff.core.units import Direction
from algoeff.model.hardware import HardwareTable
from algoeff.model.runlog import (
    MAX_LOG_BYTES,
    Crossing,
    Point,
    Rule,
    first_crossing,
    json_fault,
)

MARKER = ":::MLLOG"
SYSJSON = ":::SYSJSON"
# Round v0.6 (mlperf_compliance): ":::MLL 1558659951.246 run_start: {"value": null, ...}"
_MLL = re.compile(r":::MLL\s+(-?[0-9.]+)\s+([A-Za-z0-9_]+):\s*(\{.*\})\s*$")
_REQUIRED = ("time_ms", "key")

Counts = Literal["epochs", "samples", "tokens"]


@dataclass(frozen=True)
class BenchmarkRule:
    """How to read one benchmark's eval_accuracy: its direction, what epoch_num counts,
    and the quality target of the MLPerf Training rules (None: not tabled here)."""

    direction: Direction
    epoch_num: Counts
    target: float | None = None
    target_note: str = ""
    # Examples per epoch when the log has no train_samples (v0.6 logs never do).
    samples_per_epoch: float | None = None


# submission_benchmark -> rule. Targets from the MLPerf Training rules
# (github.com/mlcommons/training_policies, training_rules.adoc, "Quality targets");
# only those this project has checked against the rounds' logs carry one.
BENCHMARKS: dict[str, BenchmarkRule] = {
    "resnet": BenchmarkRule(
        "higher",
        "epochs",
        0.759,
        "top-1, since v0.6 (v0.5: 0.749)",
        1_281_167,  # ImageNet-1k
    ),
    "bert": BenchmarkRule("higher", "samples", 0.720, "masked-LM accuracy, v4.0 rules"),
    "llama2_70b_lora": BenchmarkRule("lower", "samples", 0.925, "eval loss, since v4.0"),
    "gpt3": BenchmarkRule("lower", "tokens", 2.69, "log perplexity, since v3.0"),
    "ssd": BenchmarkRule("higher", "epochs"),
    "maskrcnn": BenchmarkRule("higher", "epochs"),
    "unet3d": BenchmarkRule("higher", "epochs"),
    "rnnt": BenchmarkRule("lower", "epochs"),  # word error rate
    "transformer": BenchmarkRule("higher", "epochs"),
    "gnmt": BenchmarkRule("higher", "epochs"),
    "minigo": BenchmarkRule("higher", "epochs"),
    "dlrm": BenchmarkRule("higher", "samples"),
    "dlrm_dcnv2": BenchmarkRule("higher", "samples"),
    "gnn": BenchmarkRule("higher", "samples"),
    "stable_diffusion": BenchmarkRule("lower", "samples"),  # FID
}


class MlperfLogError(InputError, ValueError):
    """An MLPerf log is unreadable or lacks what the computation needs (one line)."""


class MissingTargetError(MlperfLogError):
    """No quality target: neither --threshold, nor the log, nor BENCHMARKS give one."""


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
    """The events of one MLPerf run, by key, in order; ``part`` of ``parts`` in its file."""

    path: Path
    events: list[Event] = field(default_factory=list)
    sysjson: dict[str, Any] | None = None
    part: int = 1
    parts: int = 1

    @property
    def shown(self) -> str:
        name = display_path(self.path)
        return name if self.parts == 1 else f"{name} (run {self.part} of {self.parts})"

    def all(self, key: str) -> list[Event]:
        return [e for e in self.events if e.key == key]

    def first(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)

    def value(self, key: str) -> Any:
        event = self.first(key)
        return None if event is None else event.value


_SNIFF_LINES = 1000
_SNIFF_BYTES = 1024 * 1024


def _is_gzip(path: Path) -> bool:
    return path.suffix == ".gz"


def is_mlperf_log(path: Path) -> bool:
    """Whether ``path`` looks like an MLPerf log: not a JSON Lines file (an algoeff run log
    starts with a JSON object), and a ``:::MLLOG`` or ``:::MLL`` marker within its first
    1,000 lines (launchers often print other lines first) and first MiB."""
    try:
        opener = gzip.open if _is_gzip(path) else open
        with opener(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
    except (OSError, EOFError, zlib.error):
        return False
    seen_text = False
    for line in head.split("\n")[:_SNIFF_LINES]:
        if MARKER in line or _MLL.search(line):
            return True
        if not seen_text and line.strip():
            seen_text = True
            if line.lstrip().startswith("{"):
                return False
    return False


def _log_text(path: Path) -> str:
    try:
        data = read_bytes(path, MAX_LOG_BYTES)
    except ProblemsError as exc:
        raise MlperfLogError(str(exc.problems[0])) from None
    if _is_gzip(path):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
                data = handle.read(MAX_LOG_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a damaged deflate stream
            raise MlperfLogError(f"{display_path(path)}: is not gzip data ({exc})") from None
        if len(data) > MAX_LOG_BYTES:
            raise MlperfLogError(
                f"{display_path(path)}: decompresses to more than {MAX_LOG_BYTES} bytes"
            )
    # Launchers interleave other output: bytes that are not UTF-8 are replaced, not refused.
    return data.decode("utf-8", errors="replace")


def _parse(line: str, shown: str, number: int) -> dict[str, Any] | None:
    """The event on ``line`` as a dict with time_ms and key, or None for other lines."""
    at = line.find(MARKER)
    match = None if at >= 0 else _MLL.search(line)
    if at < 0 and match is None:
        return None
    marker, payload = (MARKER, line[at + len(MARKER) :]) if match is None else (":::MLL", "")
    try:
        data = json.loads(payload.strip() if match is None else match.group(3))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise MlperfLogError(
            f"{shown}: line {number}: the event after {marker} is not JSON ({json_fault(exc)})"
        ) from None
    if not isinstance(data, dict):
        raise MlperfLogError(f"{shown}: line {number}: the event is not a JSON object")
    if match is None:
        return data
    time_ms = float(match.group(1)) * 1000.0  # v0.6 logged seconds
    return {"time_ms": time_ms, "key": match.group(2), **data}


def read_mlperf(path: Path) -> MlperfLog:
    """Read the events of ``path`` (all runs in it; ``split_runs`` separates them)."""
    text = _log_text(path)
    shown = display_path(path)
    log = MlperfLog(path)
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        last = number == len(lines) and not text.endswith("\n")
        if SYSJSON in line and MARKER not in line:
            if log.sysjson is None:
                try:
                    system = json.loads(line[line.find(SYSJSON) + len(SYSJSON) :].strip())
                except (ValueError, RecursionError):
                    continue  # a cut-off description only loses the hardware figure
                log.sysjson = system if isinstance(system, dict) else None
            continue
        try:
            data = _parse(line, shown, number)
        except MlperfLogError:
            if last:
                break  # a truncated last line of a run that was cut off
            raise
        if data is None:
            continue
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
        what = "is empty" if not text.strip() else f"has no {MARKER} (or v0.6 :::MLL) lines"
        raise MlperfLogError(f"{shown}: {what} (expected an MLPerf Training result log)")
    return log


_RUN_HEAD = {"init_start", "cache_clear", "submission_benchmark"}


def split_runs(log: MlperfLog) -> list[MlperfLog]:
    """The runs in one file: a new run starts after a run_stop when another run_start
    follows, or at a second init_start/submission_benchmark/run_start once a run started."""
    segments: list[list[Event]] = [[]]
    started = stopped = False
    for i, event in enumerate(log.events):
        later_start = any(e.key == "run_start" for e in log.events[i:])
        new = (stopped and later_start) or (
            started and not stopped and (event.key in _RUN_HEAD or event.key == "run_start")
        )
        if new and segments[-1]:
            segments.append([])
            started = stopped = False
        segments[-1].append(event)
        started = started or event.key == "run_start"
        stopped = stopped or (started and event.key == "run_stop")
    if len(segments) == 1:
        return [log]
    n = len(segments)
    return [
        replace(log, events=events, part=i, parts=n) for i, events in enumerate(segments, start=1)
    ]


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


def system_of(
    log: MlperfLog,
    system_json: Mapping[str, Any] | None = None,
    accelerators: int | None = None,
) -> System:
    """Accelerator count and model: ``accelerators`` (an option) first, then the system
    description given (``--system-json``), the log's own ``:::SYSJSON``, its events."""
    platform = log.value("submission_platform")
    platform = str(platform) if platform is not None else None
    if system_json:
        source, where = system_json, "system description (--system-json)"
    elif log.sysjson:
        source, where = log.sysjson, "the log's :::SYSJSON"
    else:
        source, where = {}, "log events"
    nodes = _as_int(source.get("number_of_nodes", log.value("number_of_nodes")))
    per_node = _as_int(source.get("accelerators_per_node", log.value("accelerators_per_node")))
    chip = source.get("accelerator_model_name", log.value("accelerator_model_name"))
    if nodes is None and platform and (match := _PLATFORM.match(platform)):
        nodes = int(match.group(1))
        where += ", nodes from submission_platform"
    count = nodes * per_node if nodes is not None and per_node is not None else None
    if accelerators is not None:
        count, where = accelerators, f"--accelerators; chip from {where}"
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
            f"accelerator {model_name!r} matches no chip in the hardware table; pass --chip "
            "or --peak-tflop-per-s"
        )
    return best[1]


@dataclass(frozen=True)
class MlperfRun:
    """One MLPerf run reduced to compute-to-target."""

    path: Path
    shown: str
    benchmark: str | None
    direction: Direction
    direction_from: str  # "--direction", "submission_benchmark resnet", "default"
    threshold: float
    threshold_from: str
    counts: Counts  # what the log's epoch_num counts
    crossing: Crossing
    samples_to_target: float | None
    epochs_to_target: float | None  # samples / train_samples, where train_samples is known
    tokens_to_target: float | None  # gpt3: epoch_num is a token count
    seconds_to_target: float | None
    run_seconds: float | None  # run_stop - run_start: MLPerf's own time-to-train
    complete: bool  # run_stop logged
    status: str | None
    global_batch_size: float | None
    train_samples: float | None
    division: str | None
    submitter: str | None
    system: System

    @property
    def reached(self) -> bool:
        return self.crossing.reached


def target_of(log: MlperfLog) -> float | None:
    """A quality target written in the log, if any (not a standard mllog key)."""
    for event in log.all("eval_accuracy"):
        for name in ("target", "target_accuracy"):
            if name in event.metadata:
                return _number(log, event, f"metadata.{name}", event.metadata[name])
    logged = log.first("target_accuracy")
    return None if logged is None else _number(log, logged, "value", logged.value)


def _logged_number(log: MlperfLog, key: str) -> float | None:
    event = log.first(key)
    return None if event is None else _number(log, event, key, event.value)


def _samples(
    log: MlperfLog, event: Event, counts: Counts, per_epoch: float | None, seq: float | None
) -> float:
    """Samples trained at ``event``, by what this benchmark's epoch_num counts."""
    if "samples_count" in event.metadata:
        return _number(log, event, "metadata.samples_count", event.metadata["samples_count"])
    epoch = event.metadata.get("epoch_num")
    if epoch is None:
        raise MlperfLogError(
            f"{log.shown}: line {event.line}: metadata: has neither samples_count nor "
            "epoch_num (expected one, to know how much was trained)"
        )
    value = _number(log, event, "metadata.epoch_num", epoch)
    if counts == "samples":
        return value
    if counts == "tokens":
        if seq is None:
            raise MlperfLogError(
                f"{log.shown}: line {event.line}: metadata.epoch_num counts tokens here and "
                "needs max_sequence_length (a log key) to become a sample count"
            )
        return value / seq
    if per_epoch is None:
        raise MlperfLogError(
            f"{log.shown}: line {event.line}: metadata.epoch_num needs train_samples "
            "(a log key) or --train-samples to become a sample count"
        )
    return value * per_epoch


def analyse(
    log: MlperfLog,
    threshold: float | None = None,
    direction: Direction | None = None,
    rule: Rule = "first",
    train_samples: float | None = None,
    system_json: Mapping[str, Any] | None = None,
    accelerators: int | None = None,
) -> MlperfRun:
    """Samples and seconds from run_start to the first eval_accuracy at the target."""
    benchmark = str(log.value("submission_benchmark") or "") or None
    known = BENCHMARKS.get(benchmark or "")
    target, target_from = threshold, "--threshold"
    if target is None and (target := target_of(log)) is not None:
        target_from = "the log"
    if target is None and known is not None and known.target is not None:
        target, target_from = known.target, f"MLPerf rules for {benchmark} ({known.target_note})"
    if target is None:
        raise MissingTargetError(
            f"{log.shown}: no quality target for benchmark {benchmark or '(not logged)'}; pass "
            "--threshold (the MLPerf rules fix it per benchmark, e.g. 0.759 top-1 for ResNet-50)"
        )
    if direction is not None:
        sense, sense_from = direction, "--direction"
    elif known is not None:
        sense, sense_from = known.direction, f"submission_benchmark {benchmark}"
    else:
        sense, sense_from = "higher", "default (benchmark not known; pass --direction)"
    counts: Counts = known.epoch_num if known is not None else "epochs"
    start = log.first("run_start")
    if start is None:
        raise MlperfLogError(f"{log.shown}: run_start: is missing (expected the timed region)")
    stop = next((e for e in log.all("run_stop") if e.time_ms >= start.time_ms), None)
    per_epoch = train_samples if train_samples is not None else _logged_number(log, "train_samples")
    if per_epoch is None and known is not None:
        per_epoch = known.samples_per_epoch
    seq = _logged_number(log, "max_sequence_length")
    points: list[Point] = []
    for i, event in enumerate(log.all("eval_accuracy"), start=1):
        accuracy = _number(log, event, "eval_accuracy value", event.value)
        samples = _samples(log, event, counts, per_epoch, seq)
        seconds = (event.time_ms - start.time_ms) / 1000.0
        # The crossing rule runs on samples; seconds ride along as "wall_seconds".
        points.append(Point(i, accuracy, samples, samples, 0.0, 0.0, seconds))
    crossing = first_crossing(points, target, sense, rule)
    samples_to_target = crossing.training_flop
    batch = log.value("global_batch_size")
    division = log.value("submission_division")
    submitter = log.value("submission_org")
    epochs = None
    if samples_to_target is not None and per_epoch and counts == "epochs":
        epochs = samples_to_target / per_epoch
    tokens = None
    if samples_to_target is not None and counts == "tokens" and seq:
        tokens = samples_to_target * seq
    return MlperfRun(
        path=log.path,
        shown=log.shown,
        benchmark=benchmark,
        direction=sense,
        direction_from=sense_from,
        threshold=target,
        threshold_from=target_from,
        counts=counts,
        crossing=crossing,
        samples_to_target=samples_to_target,
        epochs_to_target=epochs,
        tokens_to_target=tokens,
        seconds_to_target=crossing.wall_seconds,
        run_seconds=(stop.time_ms - start.time_ms) / 1000.0 if stop is not None else None,
        complete=stop is not None,
        status=str(stop.metadata.get("status")) if stop is not None and stop.metadata else None,
        global_batch_size=float(batch) if isinstance(batch, (int, float)) else None,
        train_samples=per_epoch,
        division=str(division) if division is not None else None,
        submitter=str(submitter) if submitter is not None else None,
        system=system_of(log, system_json, accelerators),
    )


def analyse_files(
    paths: Sequence[Path],
    threshold: float | None = None,
    direction: Direction | None = None,
    rule: Rule = "first",
    train_samples: float | None = None,
    system_json: Mapping[str, Any] | None = None,
    accelerators: int | None = None,
) -> list[MlperfRun]:
    """Every run in ``paths`` (a file holding two runs gives two); the runs must all be of
    one benchmark, since they are read as seeds of one measurement."""
    runs = [
        analyse(part, threshold, direction, rule, train_samples, system_json, accelerators)
        for path in paths
        for part in split_runs(read_mlperf(path))
    ]
    names = {r.benchmark for r in runs}
    if len(names) > 1:
        shown = ", ".join(f"{r.shown}: {r.benchmark or '(not logged)'}" for r in runs)
        raise MlperfLogError(
            f"the logs are of different benchmarks ({shown}); measure one benchmark at a time"
        )
    return runs


@functools.lru_cache(maxsize=256)
def _cached_runs(
    paths: tuple[Path, ...],
    stamps: tuple[tuple[int, int], ...],
    threshold: float,
    direction: Direction,
    rule: Rule,
) -> tuple[MlperfRun, ...]:
    del stamps  # part of the cache key only: an edited log is read again
    return tuple(analyse_files(paths, threshold, direction, rule))


def cached_mlperf_runs(
    paths: tuple[Path, ...], threshold: float, direction: Direction, rule: Rule = "first"
) -> list[MlperfRun]:
    """``analyse_files`` cached per (path, size, mtime): `algoeff check` asks several times
    per entry (value, range, formula)."""
    stamps = tuple(
        (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else (-1, -1) for p in paths
    )
    return list(_cached_runs(paths, stamps, threshold, direction, rule))


def scored_runs(runs: Sequence[MlperfRun]) -> list[bool]:
    """Which runs MLPerf scores: with 3 or more, all but the fastest and the slowest by
    run_stop - run_start (a run that did not finish at the target counts as slowest;
    ties keep file order); with fewer, all."""
    if len(runs) < 3:
        return [True] * len(runs)

    def seconds(run: MlperfRun) -> float:
        ok = run.reached and run.run_seconds is not None
        return run.run_seconds if ok and run.run_seconds is not None else math.inf

    order = sorted(range(len(runs)), key=lambda i: seconds(runs[i]))
    dropped = {order[0], order[-1]}
    return [i not in dropped for i in range(len(runs))]


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
