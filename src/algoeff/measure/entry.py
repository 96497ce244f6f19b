"""A `measured` analysis entry from run logs, written atomically once validated. No torch.

``write_measured_entry`` turns the compute-to-target of one or more run logs (seeds)
into a YAML entry whose ``measured`` method `algoeff check` recomputes from the logs;
``entry_data`` is the same entry as plain data. Both serve `algoeff measure
--emit-analysis` and scripts such as examples/digits_efficiency.py.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import Any

import yaml

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.fields import ID_PATTERN
from algoeff.core.files import display_path, write_atomic
from algoeff.core.parsing import parse_yaml, validate
from algoeff.core.units import Direction
from algoeff.measure.report import MlperfReport
from algoeff.model.methods import MethodContext
from algoeff.model.runlog import RULE_TEXT, Crossing, Rule, RunLog
from algoeff.model.schema import Entry

PLACEHOLDER_URL = "https://example.org/edit-me"
PLACEHOLDER_ID = "edit-me"
_PLACEHOLDER_TITLE = "EDIT ME"


class _Picker:
    """An option's value when given, else the default; defaults that are placeholders are
    noted, so the command can list the fields a person must still fill."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.placeholders: list[str] = []

    def pick(self, name: str, default: Any, field: str) -> Any:
        value = self.options.get(name)
        if value is not None:
            return value
        if default in (PLACEHOLDER_ID, PLACEHOLDER_URL) or str(default).startswith(
            _PLACEHOLDER_TITLE
        ):
            self.placeholders.append(field)
        return default


def _whole(value: float | None) -> float | int | None:
    """Whole numbers as int, so that the YAML reads 72 rather than 72.0."""
    return int(value) if value is not None and float(value).is_integer() else value


def write_measured_entry(
    path: Path,
    runlogs: list[RunLog],
    crossings: list[Crossing],
    metric: str,
    threshold: float,
    direction: Direction,
    rule: Rule,
    *,
    force: bool = False,
    **options: Any,
) -> tuple[Entry, list[str]]:
    """Write a `measured` entry for ``runlogs`` atomically, after validating and recomputing it.

    ``options`` fill the entry's other fields (entry_id, benchmark, name, model, title,
    url, date, dataset, percent); returns the entry and the fields left as placeholders
    to edit. Every run must have reached the threshold; the logs must lie in the
    entry's folder or below. Problems raise InputError (one line).
    """
    shown = display_path(path)
    if path.suffix != ".yaml":
        raise InputError(f"{shown}: must end in .yaml (an analysis entry)")
    never = [log for log, c in zip(runlogs, crossings, strict=True) if not c.reached]
    if never:
        sign = ">=" if direction == "higher" else "<="
        raise InputError(
            f"{never[0].shown}: never reached {metric} {sign} {threshold:g}; a measured entry "
            "needs every run to reach it (drop the log or lower the threshold)"
        )
    if path.exists() and not force:
        raise InputError(f"{shown}: exists; pass --force to overwrite it")
    folder = path.parent.resolve()
    rel_logs = []
    for log in runlogs:
        rel = Path(os.path.relpath(log.path.resolve(), folder))
        if ".." in rel.parts:
            raise InputError(
                f"{display_path(log.path)}: lies outside {display_path(folder)}; an entry "
                "reads its logs from its own folder or below (move the logs or the entry)"
            )
        rel_logs.append(rel.as_posix())
    data, placeholders = entry_data(
        path, runlogs, crossings, rel_logs, metric, threshold, direction, rule, options
    )
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # Validate exactly what will be on disk, and recompute it as `algoeff check` will.
    try:
        entry = validate(parse_yaml(text, shown), Entry, shown)
    except ProblemsError as exc:
        raise InputError(f"the entry would not validate: {exc.problems[0]}") from None
    estimate = entry.compute.estimate(MethodContext(entry_dir=folder))
    stated = entry.compute.training_flop
    if stated is None or not math.isclose(estimate.flop, stated, rel_tol=1e-9):
        raise InputError(f"{shown}: recomputation {estimate.flop:g} != stated {stated:g}")
    write_atomic(path, text.encode("utf-8"))
    return entry, placeholders


def entry_data(
    path: Path,
    runlogs: list[RunLog],
    crossings: list[Crossing],
    rel_logs: list[str],
    metric: str,
    threshold: float,
    direction: Direction,
    rule: Rule,
    options: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """The entry as plain data, and the fields left as placeholders for a person to fill."""
    picker = _Picker(options)
    pick, placeholders = picker.pick, picker.placeholders

    first = runlogs[0].header
    model = pick("model", first.model.class_name, "model")
    folder_name = path.parent.name
    benchmark = pick(
        "benchmark",
        folder_name if re.match(ID_PATTERN, folder_name) else PLACEHOLDER_ID,
        "benchmark",
    )
    entry_id = options.get("entry_id") or path.stem
    if not re.match(ID_PATTERN, entry_id):
        raise InputError(
            f"{entry_id!r} is not an id (lower-case words joined by '-' or '.'); pass --id"
        )
    started = dt.date.fromisoformat(first.started_at[:10])
    date = options.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    values = [c.training_flop or 0.0 for c in crossings]
    mean = sum(values) / len(values)
    scale = 100.0 if options.get("percent") else 1.0
    url = pick("url", PLACEHOLDER_URL, "publication.url")
    title = pick("title", f"{_PLACEHOLDER_TITLE}: the publication of {model}", "publication.title")
    runs = [
        {
            "log": rel,
            "evaluation": c.evaluation,
            "metric_value": c.metric_value,
            "examples": _whole(c.examples),
            "steps": _whole(c.steps),
            "training_flop": _whole(c.training_flop),
            "flop_per_example": c.flop_per_example,
        }
        for rel, c in zip(rel_logs, crossings, strict=True)
    ]
    seeds = [log.header.seed for log in runlogs]
    seed_text = (
        "seeds " + ", ".join(str(s) for s in seeds)
        if all(s is not None for s in seeds)
        else "seeds not all recorded"
    )
    notes = (
        f"Measured with algoeff's ComputeMeter ({first.counter}, torch {first.torch_version}, "
        f"{first.device}); {len(runlogs)} run(s), {seed_text}. training_flop is the mean over "
        "the runs of the training FLOP (model FLOP, multiply-add = 2) up to the "
        f"{RULE_TEXT[rule]}; the range is their min and max. Evaluation compute is not included."
    )
    data: dict[str, Any] = {
        "id": entry_id,
        "benchmark": benchmark,
        "name": pick("name", model, "name"),
        "model": model,
        "publication": {
            "title": title,
            "url": url,
            "date": date if date is not None else started,
        },
        "result": {
            "value": min(c.metric_value or 0.0 for c in crossings) * scale,
            "source": "runs",
            "where": f"evaluation records of the run logs ({metric}, lowest over runs"
            + (", x 100 as a percentage)" if scale != 1 else ")"),
        },
        "training_data": {"datasets": [pick("dataset", PLACEHOLDER_ID, "training_data.datasets")]},
        "compute": {
            "method": "measured",
            "training_flop": mean,
            "logs": rel_logs,
            "metric": metric,
            "threshold": threshold,
            "direction": direction,
            "rule": rule,
            "runs": runs,
        },
        "analysis": {"name": "algoeff measure (ComputeMeter run logs)"},
        "notes": notes,
        "sources": [
            {
                # `algoeff check` wants one title per URL: the runs are cited as the publication.
                "id": "runs",
                "title": title,
                "url": url,
                "where": ("run logs (algoeff.model.runlog/1): " + ", ".join(rel_logs))[:500],
            }
        ],
    }
    if date is None:
        placeholders.append("publication.date")
    return data, placeholders


# --- MLPerf logs ----------------------------------------------------------------------


def write_mlperf_entry(
    path: Path,
    report: MlperfReport,
    paths: list[Path],
    *,
    flop_source: str | None,
    force: bool = False,
    **options: Any,
) -> tuple[Entry, list[str]]:
    """Write a `measured` entry (format mlperf) for the result logs of one submission.

    ``report`` must have been made with ``flop_per_example`` (training FLOP per sample) and
    hold one run per file; the runs MLPerf scores must have reached the target. Options as
    for ``write_measured_entry``; ``flop_source`` says how the FLOP per sample was counted.
    """
    shown = display_path(path)
    if path.suffix != ".yaml":
        raise InputError(f"{shown}: must end in .yaml (an analysis entry)")
    if report.flop_per_example is None or not flop_source:
        raise InputError(
            "an MLPerf entry needs --flop-per-example (training FLOP per sample) and "
            "--flop-source (how it was counted): the logs count samples, not FLOP"
        )
    if len(report.rows) != len(paths):
        raise InputError(f"the {len(paths)} logs hold {len(report.rows)} runs; one run per file")
    failed = [r for r in report.rows if r.scored and not r.reached]
    if failed:
        raise InputError(
            f"{failed[0].log}: never reached the target, and MLPerf would score it; an entry "
            "needs every scored run to reach it"
        )
    if path.exists() and not force:
        raise InputError(f"{shown}: exists; pass --force to overwrite it")
    folder = path.parent.resolve()
    rel_logs = []
    for log in paths:
        rel = Path(os.path.relpath(log.resolve(), folder))
        if ".." in rel.parts:
            raise InputError(
                f"{display_path(log)}: lies outside {display_path(folder)}; an entry "
                "reads its logs from its own folder or below (move the logs or the entry)"
            )
        rel_logs.append(rel.as_posix())
    data, placeholders = mlperf_entry_data(path, report, rel_logs, flop_source, options)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        entry = validate(parse_yaml(text, shown), Entry, shown)
    except ProblemsError as exc:
        raise InputError(f"the entry would not validate: {exc.problems[0]}") from None
    estimate = entry.compute.estimate(MethodContext(entry_dir=folder))
    stated = entry.compute.training_flop
    if stated is None or not math.isclose(estimate.flop, stated, rel_tol=1e-9):
        raise InputError(f"{shown}: recomputation {estimate.flop:g} != stated {stated:g}")
    write_atomic(path, text.encode("utf-8"))
    return entry, placeholders


def _hardware_note(report: MlperfReport) -> str:
    """The hardware figure and the time to target, as a cross-check of the counted one."""
    scored = [r for r in report.rows if r.scored]
    seconds = [r.seconds_to_target for r in scored if r.seconds_to_target is not None]
    first = scored[0]
    system = (
        f"{first.accelerators} x {first.accelerator or 'accelerator not named'}"
        if first.accelerators
        else (first.accelerator or "accelerators not stated")
    )
    time = f"{sum(seconds) / len(seconds):.1f} s from run_start to the target" if seconds else ""
    if report.hardware is not None and report.counted is not None:
        ratio = report.hardware.mean / report.counted.mean
        hw = (
            f"hardware figure {report.hardware.mean:.3g} FLOP ({first.peak} x "
            f"{first.utilization:g} utilization), {ratio:.2f}x the counted figure"
        )
    else:
        hw = f"no hardware figure ({first.hardware_missing or 'not asked for'})"
    return f"Cross-check: {system} (from {first.system_from}); mean {time}; {hw}."


def mlperf_entry_data(
    path: Path,
    report: MlperfReport,
    rel_logs: list[str],
    flop_source: str,
    options: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """The MLPerf entry as plain data, and the fields left as placeholders."""
    picker = _Picker(options)
    pick, placeholders = picker.pick, picker.placeholders

    first = report.rows[0]
    scored = [r for r in report.rows if r.scored]
    fpe = report.flop_per_example or 0.0
    values = [(r.samples_to_target or 0.0) * fpe for r in scored]
    folder_name = path.parent.name
    entry_id = options.get("entry_id") or path.stem
    if not re.match(ID_PATTERN, entry_id):
        raise InputError(
            f"{entry_id!r} is not an id (lower-case words joined by '-' or '.'); pass --id"
        )
    model = pick("model", f"{first.benchmark or 'MLPerf'} reference model", "model")
    date = options.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    url = pick("url", PLACEHOLDER_URL, "publication.url")
    title = pick("title", f"{_PLACEHOLDER_TITLE}: the MLPerf Training round", "publication.title")
    scale = 100.0 if options.get("percent") else 1.0
    sign = ">=" if first.direction == "higher" else "<="
    worst = (min if first.direction == "higher" else max)(r.eval_accuracy or 0.0 for r in scored)
    runs = []
    for rel, r in zip(rel_logs, report.rows, strict=True):
        run: dict[str, Any] = {"log": rel}
        if r.reached:
            run |= {
                "evaluation": r.evaluation,
                "metric_value": r.eval_accuracy,
                "examples": _whole(r.samples_to_target),
                "training_flop": _whole((r.samples_to_target or 0.0) * fpe),
                "flop_per_example": fpe,
            }
            if r.epochs_to_target is not None:
                run["epochs"] = _whole(round(r.epochs_to_target, 6))
            if r.seconds_to_target:
                run["seconds_to_target"] = round(r.seconds_to_target, 3)
        if r.run_seconds:
            run["run_seconds"] = round(r.run_seconds, 3)
        run["scored"] = r.scored
        runs.append(run)
    stated_runs = [run for run in runs if "evaluation" in run]
    if len(stated_runs) != len(runs):
        # A run that never reached the target has no crossing to state; it is listed in
        # the notes, and the check still reads its log to know it is not scored.
        runs = stated_runs
    dropped = [rel for rel, r in zip(rel_logs, report.rows, strict=True) if not r.scored]
    notes = (
        f"Measured from {len(report.rows)} MLPerf Training result logs of one submission "
        f"({first.division or 'division not logged'} division, benchmark "
        f"{first.benchmark}, global batch {_whole(first.global_batch_size)}). As MLPerf "
        f"scores a submission, the fastest and slowest runs are dropped ({', '.join(dropped)}) "
        f"and training_flop is the mean over the other {len(scored)}, the range their min and "
        f"max: samples to the first eval_accuracy {sign} {first.threshold:g} x "
        f"{fpe:.4g} training FLOP per sample. {_hardware_note(report)}"
    )
    data: dict[str, Any] = {
        "id": entry_id,
        "benchmark": pick(
            "benchmark",
            folder_name if re.match(ID_PATTERN, folder_name) else PLACEHOLDER_ID,
            "benchmark",
        ),
        "name": pick("name", model, "name"),
        "model": model,
        "publication": {"title": title, "url": url, "date": date or dt.date(2000, 1, 1)},
        "result": {
            "value": worst * scale,
            "runs": len(scored),
            "source": "runs",
            "where": "eval_accuracy of the scored runs at the target (the worst of them"
            + (", x 100 as a percentage)" if scale != 1 else ")"),
        },
        "training_data": {"datasets": [pick("dataset", PLACEHOLDER_ID, "training_data.datasets")]},
        "compute": {
            "method": "measured",
            "training_flop": sum(values) / len(values),
            "format": "mlperf",
            "logs": rel_logs,
            "metric": "eval_accuracy",
            "threshold": first.threshold,
            "direction": first.direction,
            "rule": report.rule,
            "flop_per_example": fpe,
            "flop_per_example_source": flop_source,
            "runs": runs,
        },
        "analysis": {"name": "algoeff measure (MLPerf Training result logs)"},
        "notes": notes,
        "sources": [
            {
                "id": "runs",
                "title": title,
                "url": url,
                "where": ("MLPerf result logs: " + ", ".join(rel_logs))[:500],
            }
        ],
    }
    if date is None:
        placeholders.append("publication.date")
    return data, placeholders
