"""Compute-to-target reports of run logs, algoeff's or MLPerf's, as data. No torch.

``runlog_report`` reduces algoeff run logs (one per seed) to the crossing of each
and their spread; ``mlperf_report`` reduces MLPerf Training logs to samples and
seconds to the target and the counted and hardware figures. Both return plain
data (``as_dict()`` for JSON); `algoeff measure` prints them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.files import display_path, read_text
from algoeff.core.units import Direction
from algoeff.model.hardware import load_hardware
from algoeff.model.methods.hardware import DEFAULT_UTILIZATION
from algoeff.model.mlperf import (
    analyse_files,
    counted_flop,
    hardware_flop,
    match_chip,
    scored_runs,
)
from algoeff.model.runlog import (
    RULE_TEXT,
    Crossing,
    Rule,
    RunLog,
    Spread,
    log_crossing,
    read_runlog,
    spread,
)


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


class HeadersDisagreeError(InputError):
    """The logs' headers name different metrics, thresholds or directions; ``name`` says which."""

    def __init__(self, name: str, values: set[Any]) -> None:
        self.name = name
        shown = ", ".join(sorted(str(v) for v in values))
        super().__init__(f"the logs' headers disagree on {name} ({shown})")


def spread_dict(stats: Spread | None, n_logs: int) -> dict[str, Any]:
    """A spread as JSON-ready data, with the number of logs it was taken over."""
    if stats is None:
        return {"n": 0, "logs": n_logs, "mean": None, "std": None, "min": None, "max": None}
    return {
        "n": stats.n,
        "logs": n_logs,
        "mean": stats.mean,
        "std": stats.std,
        "min": stats.min,
        "max": stats.max,
    }


# --- algoeff run logs -----------------------------------------------------------------


@dataclass(frozen=True)
class RunLogReport:
    """Compute-to-target of several run logs under one metric, threshold and rule."""

    runlogs: list[RunLog]
    crossings: list[Crossing]
    stats: Spread | None  # over the logs that reached the threshold
    metric: str
    threshold: float
    direction: Direction
    rule: Rule

    @property
    def never(self) -> list[RunLog]:
        """The logs that never reached the threshold."""
        return [log for log, c in zip(self.runlogs, self.crossings, strict=True) if not c.reached]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "threshold": self.threshold,
            "direction": self.direction,
            "rule": self.rule,
            "rule_text": RULE_TEXT[self.rule],
            "runs": [
                _run_dict(log, c) for log, c in zip(self.runlogs, self.crossings, strict=True)
            ],
            "training_flop": spread_dict(self.stats, len(self.runlogs)),
        }


def trained_flop(log: RunLog) -> tuple[int, str]:
    """Every training FLOP the run logged, and where the figure comes from.

    The final record's total (all ranks) when the run closed its meter; otherwise the sum
    of the logged step groups (rank 0's steps; steps after the last flush are not in the
    log). ``Crossing.total_training_flop`` is the total at the last evaluation instead.
    """
    if log.final is not None:
        return log.final.training_flop, "final record"
    total = sum(group.steps * group.training_flop_per_step for group in log.steps)
    where = "sum of the logged steps, no final record"
    if log.header.world_size > 1:
        where += ", rank 0 only"
    return total, where


def _run_dict(log: RunLog, c: Crossing) -> dict[str, Any]:
    trained, trained_from = trained_flop(log)
    return {
        "log": display_path(log.path),
        "reached": c.reached,
        "evaluation": c.evaluation,
        "metric_value": c.metric_value,
        "training_flop": c.training_flop,
        "hardware_flop": c.hardware_flop,
        "examples": c.examples,
        "steps": c.steps,
        "wall_seconds": c.wall_seconds,
        "flop_per_example": c.flop_per_example,
        "flop_per_step": c.flop_per_step,
        "best_metric": c.best_metric,
        "evaluations": c.evaluations,
        "total_training_flop": c.total_training_flop,
        "trained_flop": trained,
        "trained_flop_from": trained_from,
        "complete": log.final is not None,
        "note": c.note or None,
        "seed": log.header.seed,
        "model": log.header.model.class_name,
        "parameters": log.header.model.parameters,
    }


def _agreed(runlogs: list[RunLog], name: str) -> Any:
    values = {getattr(log.header, name) for log in runlogs}
    if len(values) > 1:
        raise HeadersDisagreeError(name, values)
    return values.pop()


def runlog_report(
    paths: list[Path],
    metric: str | None = None,
    threshold: float | None = None,
    direction: Direction | None = None,
    rule: Rule = "first",
) -> RunLogReport:
    """Read ``paths`` and reduce each to its crossing; metric, threshold and direction default
    to the headers' (HeadersDisagreeError when the headers differ). Warnings about each log's
    state (cut off, truncated last line) are in ``report.runlogs[i].warnings``."""
    runlogs = [read_runlog(p) for p in paths]
    metric = metric or _agreed(runlogs, "metric")
    threshold = threshold if threshold is not None else _agreed(runlogs, "threshold")
    direction = direction or _agreed(runlogs, "direction")
    crossings = [log_crossing(log, metric, threshold, direction, rule) for log in runlogs]
    stats = spread(c.training_flop for c in crossings if c.training_flop is not None)
    return RunLogReport(runlogs, crossings, stats, metric, threshold, direction, rule)


# --- MLPerf logs ----------------------------------------------------------------------


@dataclass(frozen=True)
class MlperfRow:
    """One MLPerf run: where it reached the target and the figures computed from it."""

    log: str
    benchmark: str | None
    direction: Direction
    direction_from: str
    threshold: float
    threshold_from: str
    counts: str  # what the log's epoch_num counts: epochs, samples or tokens
    reached: bool
    complete: bool  # run_stop logged; False: the log was cut off
    scored: bool  # among the runs MLPerf averages (fastest and slowest dropped)
    evaluation: int | None
    eval_accuracy: float | None
    best_accuracy: float | None
    samples_to_target: float | None
    epochs_to_target: float | None
    tokens_to_target: float | None
    seconds_to_target: float | None
    run_seconds: float | None
    status: str | None
    global_batch_size: float | None
    train_samples: float | None
    division: str | None
    platform: str | None
    accelerators: int | None
    accelerator: str | None
    system_from: str
    peak: str | None  # label of the peak used, e.g. "A100 bf16 312 TFLOP/s"
    peak_flop_per_s: float | None
    utilization: float
    counted_flop: float | None
    hardware_flop: float | None
    hardware_missing: str | None  # why the hardware figure is missing, for a run that reached


@dataclass(frozen=True)
class MlperfReport:
    rows: list[MlperfRow]
    counted: Spread | None  # over the scored runs
    hardware: Spread | None  # over the scored runs
    samples: Spread | None  # samples to target over the scored runs
    epochs: Spread | None  # epochs to target over the scored runs
    rule: Rule
    flop_per_example: float | None

    @property
    def all_reached(self) -> bool:
        return all(r.reached for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        n = sum(r.scored for r in self.rows)
        return {
            "format": "mlperf",
            "rule": self.rule,
            "flop_per_example": self.flop_per_example,
            "runs": [asdict(r) for r in self.rows],
            "scored": "MLPerf's: all runs but the fastest and the slowest (of 3 or more)",
            "samples_to_target": spread_dict(self.samples, n),
            "epochs_to_target": spread_dict(self.epochs, n),
            "counted_flop": spread_dict(self.counted, n),
            "hardware_flop": spread_dict(self.hardware, n),
        }


def mlperf_peak(
    logged: str | None, chip: str | None, precision: str | None, peak_tflop_per_s: float | None
) -> tuple[float | None, str | None, str]:
    """Peak FLOP/s per accelerator and its label, or None, None and why it is unknown
    (an accelerator missing from the hardware table only loses this figure)."""
    if peak_tflop_per_s is not None:
        return peak_tflop_per_s * 1e12, f"stated {peak_tflop_per_s:g} TFLOP/s", ""
    name = chip or logged
    if name is None:
        return None, None, "accelerator model unknown: pass --chip or --system-json"
    if precision is None:
        return None, None, "pass --precision (the log does not say which tensor-core rate ran)"
    table = load_hardware()
    found = table.find(chip).name if chip else None  # a mistyped --chip is the user's to fix
    try:
        found = found or match_chip(table, name)
        peak = table.peak_flop_per_s(found, precision)
    except InputError as exc:
        return None, None, str(exc)
    return peak, f"{found} {precision} {peak / 1e12:g} TFLOP/s", ""


def mlperf_report(
    paths: list[Path],
    threshold: float | None = None,
    direction: Direction | None = None,
    rule: Rule = "first",
    *,
    flop_per_example: float | None = None,
    train_samples: float | None = None,
    system_json: Path | None = None,
    accelerators: int | None = None,
    chip: str | None = None,
    precision: str | None = None,
    peak_tflop_per_s: float | None = None,
    utilization: float | None = None,
) -> MlperfReport:
    """Compute-to-target of MLPerf logs: the counted figure (``flop_per_example`` x samples)
    and the hardware one (accelerators x seconds x peak x utilization) where known. Spreads
    are over the runs MLPerf scores (``scored_runs``); every run is a row."""
    system = read_system_json(system_json) if system_json is not None else None
    runs = analyse_files(paths, threshold, direction, rule, train_samples, system, accelerators)
    scored = scored_runs(runs)
    util = DEFAULT_UTILIZATION if utilization is None else utilization
    rows: list[MlperfRow] = []
    for run, kept in zip(runs, scored, strict=True):
        c = run.crossing
        count = run.system.accelerators
        peak, peak_label, why = mlperf_peak(run.system.chip, chip, precision, peak_tflop_per_s)
        hardware = None
        if c.reached and count is not None and peak is not None:
            hardware = hardware_flop(run, count, peak, util)
        elif count is None:
            why = "accelerator count unknown: pass --accelerators or --system-json"
        rows.append(
            MlperfRow(
                log=run.shown,
                benchmark=run.benchmark,
                direction=run.direction,
                direction_from=run.direction_from,
                threshold=run.threshold,
                threshold_from=run.threshold_from,
                counts=run.counts,
                reached=c.reached,
                complete=run.complete,
                scored=kept,
                evaluation=c.evaluation,
                eval_accuracy=c.metric_value,
                best_accuracy=c.best_metric,
                samples_to_target=run.samples_to_target,
                epochs_to_target=run.epochs_to_target,
                tokens_to_target=run.tokens_to_target,
                seconds_to_target=run.seconds_to_target,
                run_seconds=run.run_seconds,
                status=run.status,
                global_batch_size=run.global_batch_size,
                train_samples=run.train_samples,
                division=run.division,
                platform=run.system.platform,
                accelerators=count,
                accelerator=run.system.chip,
                system_from=run.system.provenance,
                peak=peak_label,
                peak_flop_per_s=peak,
                utilization=util,
                counted_flop=counted_flop(run, flop_per_example) if flop_per_example else None,
                hardware_flop=hardware,
                hardware_missing=None if hardware is not None or not c.reached else why,
            )
        )
    kept_rows = [r for r in rows if r.scored]
    return MlperfReport(
        rows=rows,
        counted=spread(r.counted_flop for r in kept_rows if r.counted_flop is not None),
        hardware=spread(r.hardware_flop for r in kept_rows if r.hardware_flop is not None),
        samples=spread(r.samples_to_target for r in kept_rows if r.samples_to_target is not None),
        epochs=spread(r.epochs_to_target for r in kept_rows if r.epochs_to_target is not None),
        rule=rule,
        flop_per_example=flop_per_example,
    )
