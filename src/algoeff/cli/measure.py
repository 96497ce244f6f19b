"""`algoeff measure RUNLOG...`: compute-to-target from run logs (algoeff's or MLPerf's). No torch.

Run logs come from ``algoeff.measure.ComputeMeter``; the rule is the efficiency
paper's: the training FLOP at the first evaluation at or beyond the threshold,
optionally interpolated between the two evaluations that straddle it. Several
logs (seeds) give mean, sample standard deviation, min, max and n.
``--emit-analysis`` writes a ``measured`` analysis entry that `algoeff check`
recomputes from the logs. MLPerf Training logs (``:::MLLOG`` lines) are
detected and reduced by ``algoeff.model.mlperf``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

import click
import yaml

from algoeff.cli.common import json_option, print_json
from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.fields import ID_PATTERN
from algoeff.core.files import display_path, write_atomic
from algoeff.core.parsing import parse_yaml, validate
from algoeff.core.units import Direction, format_flop, format_sig
from algoeff.model.methods import MethodContext
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
from algoeff.model.schema import Entry

PLACEHOLDER_URL = "https://example.org/edit-me"
PLACEHOLDER_ID = "edit-me"


def _sign(direction: str) -> str:
    return ">=" if direction == "higher" else "<="


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else format_sig(value)


def _whole(value: float | None) -> float | int | None:
    """Whole numbers as int, so that the YAML reads 72 rather than 72.0."""
    return int(value) if value is not None and float(value).is_integer() else value


@click.command("measure")
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--metric", help="Metric in the evaluation records. Default: the log header's.")
@click.option("--threshold", type=float, help="Level to reach. Default: the log header's.")
@click.option(
    "--direction",
    type=click.Choice(["higher", "lower"]),
    help="higher: metric >= threshold (default: the log header's).",
)
@click.option(
    "--interpolate",
    type=click.Choice(["log", "linear"]),
    is_flag=False,
    flag_value="log",
    default=None,
    help="Interpolate between the evaluations straddling the threshold, in log FLOP "
    "(--interpolate, or =log) or in FLOP (=linear). Default: the first evaluation "
    "at the threshold.",
)
@json_option
@click.option(
    "--emit-analysis",
    "emit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a `measured` analysis entry (YAML) here; the logs must lie in its folder or below.",
)
@click.option("--force", is_flag=True, help="Overwrite the --emit-analysis file.")
@click.option("--id", "entry_id", help="Entry id. Default: the --emit-analysis file name.")
@click.option("--benchmark", help="Benchmark id. Default: the entry's folder name.")
@click.option("--name", help="Display name. Default: the model class in the log.")
@click.option("--model", help="Model name. Default: the model class in the log.")
@click.option("--title", help="Publication title. Default: a placeholder to edit.")
@click.option("--url", help="Publication URL (http/https). Default: a placeholder to edit.")
@click.option(
    "--date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Publication date YYYY-MM-DD. Default: the first log's start date.",
)
@click.option("--dataset", help="Training dataset id. Default: a placeholder to edit.")
@click.option(
    "--percent",
    is_flag=True,
    help="The logs record a fraction of one and the benchmark a percentage: write "
    "result.value x 100.",
)
@click.option(
    "--mlperf",
    is_flag=True,
    help="Read the logs as MLPerf Training logs (detected from :::MLLOG anyway).",
)
@click.option(
    "--flop-per-example",
    type=float,
    help="MLPerf: training FLOP per example (forward + backward), for the counted figure.",
)
@click.option(
    "--train-samples",
    type=float,
    help="MLPerf: examples per epoch, when the log has no train_samples.",
)
@click.option(
    "--system-json",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="MLPerf: the submission's system description (number_of_nodes, "
    "accelerators_per_node, accelerator_model_name).",
)
@click.option("--accelerators", type=click.IntRange(min=1), help="MLPerf: accelerator count.")
@click.option(
    "--chip",
    help="MLPerf: chip name in the hardware table (default: matched from accelerator_model_name).",
)
@click.option(
    "--precision",
    type=click.Choice(["fp32", "tf32", "fp16", "bf16", "fp8"]),
    help="MLPerf: precision column of the hardware table, for the hardware figure.",
)
@click.option(
    "--peak-tflop-per-s",
    type=float,
    help="MLPerf: peak TFLOP/s per accelerator, instead of --chip/--precision.",
)
@click.option(
    "--utilization",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="MLPerf: fraction of peak sustained (default 0.33).",
)
def measure(
    logs: tuple[Path, ...],
    metric: str | None,
    threshold: float | None,
    direction: Direction | None,
    interpolate: str | None,
    as_json: bool,
    emit: Path | None,
    force: bool,
    **options: Any,
) -> None:
    """Compute-to-target from run logs: the training FLOP at the first evaluation at or
    beyond the threshold. Several logs (seeds) give mean, sd, min, max and n. Exit
    status 1 when a log never reaches the threshold.

    \b
    Example:
        algoeff measure runs/digits/*.jsonl --threshold 0.95 --metric accuracy
    """
    rule: Rule = "first" if interpolate is None else interpolate  # type: ignore[assignment]
    mlperf_opts = {
        k: options.pop(k)
        for k in (
            "mlperf",
            "flop_per_example",
            "train_samples",
            "system_json",
            "accelerators",
            "chip",
            "precision",
            "peak_tflop_per_s",
            "utilization",
        )
    }
    from algoeff.model.mlperf import is_mlperf_log

    missing = [p for p in logs if not p.is_file()]
    if missing:
        raise click.BadParameter(f"{display_path(missing[0])} does not exist", param_hint="LOGS")
    kinds = {mlperf_opts["mlperf"] or is_mlperf_log(p) for p in logs}
    if len(kinds) > 1:
        raise click.UsageError("give either algoeff run logs or MLPerf logs, not both")
    if kinds == {True}:
        if emit is not None:
            raise click.UsageError(
                "--emit-analysis reads algoeff run logs; for an MLPerf log state the figures "
                "in a hardware or operations entry"
            )
        status = report_mlperf(logs, threshold, direction or "higher", rule, as_json, **mlperf_opts)
        raise SystemExit(status)
    given = [k for k, v in mlperf_opts.items() if v not in (None, False)]
    if given:
        raise click.UsageError(f"--{given[0].replace('_', '-')} applies to MLPerf logs only")

    runlogs = [read_runlog(p) for p in logs]
    for log in runlogs:
        for warning in log.warnings:
            click.echo(f"warning: {warning}", err=True)
    metric = metric or _agreed(runlogs, "metric", "--metric")
    threshold = threshold if threshold is not None else _agreed(runlogs, "threshold", "--threshold")
    direction = direction or _agreed(runlogs, "direction", "--direction")
    crossings = [log_crossing(log, metric, threshold, direction, rule) for log in runlogs]
    stats = spread(c.training_flop for c in crossings if c.training_flop is not None)
    if as_json:
        print_json(_as_json(runlogs, crossings, stats, metric, threshold, direction, rule))
    else:
        _print(runlogs, crossings, stats, metric, threshold, direction, rule)
    never = [log for log, c in zip(runlogs, crossings, strict=True) if not c.reached]
    if emit is not None:
        if never:
            raise InputError(
                f"{never[0].shown}: never reached {metric} {_sign(direction)} {threshold:g}; "
                "a measured entry needs every run to reach it (drop the log or lower --threshold)"
            )
        entry, placeholders = write_measured_entry(
            emit, runlogs, crossings, metric, threshold, direction, rule, force=force, **options
        )
        if not as_json:
            flop = format_flop(entry.compute.training_flop or 0)
            click.echo(f"wrote {display_path(emit)} ({flop} FLOP, {len(runlogs)} log(s))")
            if placeholders:
                click.echo(f"edit before submitting: {', '.join(placeholders)}")
    if never:
        raise SystemExit(1)


def _agreed(runlogs: list[RunLog], name: str, option: str) -> Any:
    values = {getattr(log.header, name) for log in runlogs}
    if len(values) > 1:
        shown = ", ".join(sorted(str(v) for v in values))
        raise click.UsageError(f"the logs' headers disagree on {name} ({shown}); pass {option}")
    return values.pop()


def _run_json(log: RunLog, c: Crossing) -> dict[str, Any]:
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
        "complete": log.final is not None,
        "note": c.note or None,
        "seed": log.header.seed,
        "model": log.header.model.class_name,
        "parameters": log.header.model.parameters,
    }


def _stats_json(stats: Spread | None, n_logs: int) -> dict[str, Any]:
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


def _as_json(
    runlogs: list[RunLog],
    crossings: list[Crossing],
    stats: Spread | None,
    metric: str,
    threshold: float,
    direction: str,
    rule: Rule,
) -> dict[str, Any]:
    return {
        "metric": metric,
        "threshold": threshold,
        "direction": direction,
        "rule": rule,
        "rule_text": RULE_TEXT[rule],
        "runs": [_run_json(log, c) for log, c in zip(runlogs, crossings, strict=True)],
        "training_flop": _stats_json(stats, len(runlogs)),
    }


def _print(
    runlogs: list[RunLog],
    crossings: list[Crossing],
    stats: Spread | None,
    metric: str,
    threshold: float,
    direction: str,
    rule: Rule,
) -> None:
    click.echo(f"compute-to-target: {metric} {_sign(direction)} {threshold:g} ({RULE_TEXT[rule]})")
    for log, c in zip(runlogs, crossings, strict=True):
        shown = display_path(log.path)
        if c.reached:
            assert c.metric_value is not None
            note = f"  [{c.note}]" if c.note else ""
            click.echo(
                f"  {shown}: evaluation {c.evaluation} ({metric} {c.metric_value:g}): "
                f"{format_flop(c.training_flop or 0)} FLOP, {_num(c.examples)} examples, "
                f"{_num(c.steps)} steps, {c.flop_per_example or 0:.3g} FLOP/example{note}"
            )
        else:
            best = "no evaluation" if c.best_metric is None else f"best {c.best_metric:g}"
            click.echo(
                f"  {shown}: NEVER REACHED {metric} {_sign(direction)} {threshold:g} ({best} "
                f"in {c.evaluations} evaluations, {format_flop(c.total_training_flop)} FLOP "
                "trained)"
            )
    if stats is None:
        click.echo("no log reached the threshold")
        return
    of = f" of {len(runlogs)}" if stats.n != len(runlogs) else ""
    sd = "-" if stats.std is None else format_flop(stats.std)
    click.echo(
        f"n={stats.n}{of}: mean {format_flop(stats.mean)} FLOP, sd {sd}, "
        f"min {format_flop(stats.min)}, max {format_flop(stats.max)}"
    )


# --- --emit-analysis ------------------------------------------------------------------


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
    url, date, dataset); returns the entry and the fields left as placeholders to edit.
    """
    if path.suffix != ".yaml":
        raise click.BadParameter(f"{path} must end in .yaml", param_hint="--emit-analysis")
    if path.exists() and not force:
        raise InputError(f"{display_path(path)}: exists; pass --force to overwrite it")
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
    shown = display_path(path)
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
    import re

    placeholders: list[str] = []

    def pick(name: str, default: Any, field: str) -> Any:
        value = options.get(name)
        if value is not None:
            return value
        if default in (PLACEHOLDER_ID, PLACEHOLDER_URL) or str(default).startswith("EDIT ME"):
            placeholders.append(field)
        return default

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
        raise click.BadParameter(
            f"{entry_id!r} is not an id (lower-case words joined by '-' or '.')", param_hint="--id"
        )
    started = dt.date.fromisoformat(first.started_at[:10])
    date = options.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    values = [c.training_flop or 0.0 for c in crossings]
    mean = sum(values) / len(values)
    scale = 100.0 if options.get("percent") else 1.0
    url = pick("url", PLACEHOLDER_URL, "publication.url")
    title = pick("title", f"EDIT ME: the publication of {model}", "publication.title")
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


# --- MLPerf ---------------------------------------------------------------------------


def report_mlperf(
    logs: tuple[Path, ...],
    threshold: float | None,
    direction: Direction,
    rule: Rule,
    as_json: bool,
    *,
    mlperf: bool,
    flop_per_example: float | None,
    train_samples: float | None,
    system_json: Path | None,
    accelerators: int | None,
    chip: str | None,
    precision: str | None,
    peak_tflop_per_s: float | None,
    utilization: float | None,
) -> int:
    """Print compute-to-target of MLPerf logs; the exit status (1 when one never reached it)."""
    from algoeff.model.methods.hardware import DEFAULT_UTILIZATION
    from algoeff.model.mlperf import (
        analyse,
        counted_flop,
        hardware_flop,
        read_mlperf,
        read_system_json,
    )

    system = read_system_json(system_json) if system_json is not None else None
    runs = [
        analyse(read_mlperf(p), threshold, direction, rule, train_samples, system) for p in logs
    ]
    util = DEFAULT_UTILIZATION if utilization is None else utilization
    rows: list[dict[str, Any]] = []
    for run in runs:
        c = run.crossing
        count = accelerators if accelerators is not None else run.system.accelerators
        peak, peak_label, why = _mlperf_peak(run.system.chip, chip, precision, peak_tflop_per_s)
        hardware = None
        if c.reached and count is not None and peak is not None:
            hardware = hardware_flop(run, count, peak, util)
        elif count is None:
            why = "accelerator count unknown: pass --accelerators or --system-json"
        counted = counted_flop(run, flop_per_example) if flop_per_example else None
        rows.append(
            {
                "log": display_path(run.path),
                "benchmark": run.benchmark,
                "reached": c.reached,
                "evaluation": c.evaluation,
                "eval_accuracy": c.metric_value,
                "best_accuracy": c.best_metric,
                "samples_to_target": run.samples_to_target,
                "seconds_to_target": run.seconds_to_target,
                "run_seconds": run.run_seconds,
                "status": run.status,
                "global_batch_size": run.global_batch_size,
                "platform": run.system.platform,
                "accelerators": count,
                "accelerator": run.system.chip,
                "system_from": run.system.provenance,
                "peak": peak_label,
                "peak_flop_per_s": peak,
                "utilization": util,
                "counted_flop": counted,
                "hardware_flop": hardware,
                "hardware_missing": None if hardware is not None or not c.reached else why,
            }
        )
    counted_stats = spread(r["counted_flop"] for r in rows if r["counted_flop"] is not None)
    hardware_stats = spread(r["hardware_flop"] for r in rows if r["hardware_flop"] is not None)
    if as_json:
        print_json(
            {
                "format": "mlperf",
                "threshold": threshold if threshold is not None else None,
                "direction": direction,
                "rule": rule,
                "flop_per_example": flop_per_example,
                "runs": rows,
                "counted_flop": _stats_json(counted_stats, len(rows)),
                "hardware_flop": _stats_json(hardware_stats, len(rows)),
            }
        )
    else:
        _print_mlperf(rows, counted_stats, hardware_stats, flop_per_example, rule)
    return 1 if any(not r["reached"] for r in rows) else 0


def _mlperf_peak(
    logged: str | None, chip: str | None, precision: str | None, peak_tflop_per_s: float | None
) -> tuple[float | None, str | None, str]:
    """Peak FLOP/s per accelerator, its label, or why it is unknown."""
    if peak_tflop_per_s is not None:
        return peak_tflop_per_s * 1e12, f"stated {peak_tflop_per_s:g} TFLOP/s", ""
    from algoeff.model.hardware import load_hardware
    from algoeff.model.mlperf import match_chip

    name = chip or logged
    if name is None:
        return None, None, "accelerator model unknown: pass --chip or --system-json"
    if precision is None:
        return None, None, "pass --precision (the log does not say which tensor-core rate ran)"
    table = load_hardware()
    found = table.find(chip).name if chip else match_chip(table, name)
    peak = table.peak_flop_per_s(found, precision)
    return peak, f"{found} {precision} {peak / 1e12:g} TFLOP/s", ""


def _print_mlperf(
    rows: list[dict[str, Any]],
    counted: Spread | None,
    hardware: Spread | None,
    flop_per_example: float | None,
    rule: Rule,
) -> None:
    click.echo(f"MLPerf compute-to-target ({RULE_TEXT[rule]})")
    for r in rows:
        head = f"  {r['log']}"
        if r["benchmark"]:
            head += f" ({r['benchmark']})"
        if not r["reached"]:
            click.echo(f"{head}: NEVER REACHED the target (best {_num(r['best_accuracy'])})")
            continue
        click.echo(
            f"{head}: eval_accuracy {r['eval_accuracy']:g} at evaluation {r['evaluation']}, "
            f"{_num(r['samples_to_target'])} samples, {_num(r['seconds_to_target'])} s "
            f"after run_start (run_stop - run_start: {_num(r['run_seconds'])} s)"
        )
        if r["counted_flop"] is not None:
            click.echo(
                f"    counted:  {format_flop(r['counted_flop'])} FLOP "
                f"({format_sig(flop_per_example or 0)} FLOP/example)"
            )
        if r["hardware_flop"] is not None:
            click.echo(
                f"    hardware: {format_flop(r['hardware_flop'])} FLOP ({r['accelerators']} x "
                f"{r['peak']} x {r['utilization']:g} utilization; system from "
                f"{r['system_from']})"
            )
        elif r["hardware_missing"]:
            click.echo(f"    hardware: not computed ({r['hardware_missing']})")
    for label, stats in (("counted", counted), ("hardware", hardware)):
        if stats is not None:
            sd = "-" if stats.std is None else format_flop(stats.std)
            click.echo(
                f"{label}: n={stats.n} mean {format_flop(stats.mean)} FLOP, sd {sd}, "
                f"min {format_flop(stats.min)}, max {format_flop(stats.max)}"
            )
    if counted is None and flop_per_example is None:
        click.echo("counted figure: pass --flop-per-example (training FLOP per example)")
