"""`algoeff measure RUNLOG...`: compute-to-target from run logs (algoeff's or MLPerf's). No torch.

Run logs come from ``algoeff.measure.ComputeMeter``; the rule is the efficiency
paper's: the training FLOP at the first evaluation at or beyond the threshold,
optionally interpolated between the two evaluations that straddle it. Several
logs (seeds) give mean, sample standard deviation, min, max and n.
``--emit-analysis`` writes a ``measured`` analysis entry that `algoeff check`
recomputes from the logs. MLPerf Training logs (``:::MLLOG`` lines) are
detected and reduced by ``algoeff.model.mlperf``. The work is done by
``algoeff.measure.report`` and ``algoeff.measure.entry``; this module parses the
options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from algoeff.cli.common import json_option, print_json
from algoeff.core.files import display_path
from algoeff.core.units import Direction, format_flop, format_sig
from algoeff.measure.entry import write_measured_entry, write_mlperf_entry
from algoeff.measure.report import (
    HeadersDisagreeError,
    MlperfReport,
    RunLogReport,
    mlperf_report,
    runlog_report,
    trained_flop,
)
from algoeff.model.hardware import TRAINING_PRECISIONS
from algoeff.model.methods.hardware import DEFAULT_UTILIZATION
from algoeff.model.mlperf import MissingTargetError, is_mlperf_log
from algoeff.model.runlog import RULE_TEXT, Rule, Spread

_MLPERF_OPTIONS = (
    "mlperf",
    "flop_per_example",
    "train_samples",
    "system_json",
    "accelerators",
    "chip",
    "precision",
    "peak_tflop_per_s",
    "utilization",
    "flop_source",
)

# Exit statuses, documented in docs/measuring-training.md: 0 every run reached the target;
# 1 a data problem (unreadable log, logs of different benchmarks: AlgoeffError); 2 a usage
# error (click's; also a missing threshold); 3 a run did not reach the target.
NOT_REACHED = 3


def _sign(direction: str) -> str:
    return ">=" if direction == "higher" else "<="


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else format_sig(value)


@click.command("measure")
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--metric", help="Metric in the evaluation records. Default: the log header's.")
@click.option("--threshold", type=float, help="Level to reach. Default: the log header's.")
@click.option(
    "--direction",
    type=click.Choice(["higher", "lower"]),
    help="higher: metric >= threshold (default: the log header's; MLPerf: by benchmark).",
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
    "--flop-source",
    help="MLPerf --emit-analysis: how --flop-per-example was counted (command, model file).",
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
    type=click.Choice(TRAINING_PRECISIONS),
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
    help=f"MLPerf: fraction of peak sustained (default {DEFAULT_UTILIZATION:g}).",
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
    beyond the threshold. Several logs (seeds) give mean, sd, min, max and n. MLPerf
    Training result logs are detected; their spread is over the runs MLPerf scores. Exit
    status 3 when a run does not reach the threshold, 1 for a data problem, 2 for usage.

    \b
    Example:
        algoeff measure runs/digits/*.jsonl --threshold 0.95 --metric accuracy
    """
    rule: Rule = "first" if interpolate is None else interpolate  # type: ignore[assignment]
    mlperf_opts = {k: options.pop(k) for k in _MLPERF_OPTIONS}
    missing = [p for p in logs if not p.is_file()]
    if missing:
        raise click.BadParameter(f"{display_path(missing[0])} does not exist", param_hint="LOGS")
    as_mlperf = mlperf_opts.pop("mlperf")
    kinds = {as_mlperf or is_mlperf_log(p) for p in logs}
    if len(kinds) > 1:
        raise click.UsageError("give either algoeff run logs or MLPerf logs, not both")
    if kinds == {True}:
        _measure_mlperf(
            list(logs), threshold, direction, rule, as_json, emit, force, mlperf_opts, options
        )
        return
    given = [k for k, v in mlperf_opts.items() if v is not None]
    if given:
        raise click.UsageError(f"--{given[0].replace('_', '-')} applies to MLPerf logs only")

    try:
        report = runlog_report(list(logs), metric, threshold, direction, rule)
    except HeadersDisagreeError as exc:
        raise click.UsageError(f"{exc}; pass --{exc.name}") from None
    for log in report.runlogs:
        for warning in log.warnings:
            click.echo(f"warning: {warning}", err=True)
    if as_json:
        print_json(report.as_dict())
    else:
        _print(report)
    if emit is not None:
        entry, placeholders = write_measured_entry(
            emit,
            report.runlogs,
            report.crossings,
            report.metric,
            report.threshold,
            report.direction,
            rule,
            force=force,
            **options,
        )
        if not as_json:
            flop = format_flop(entry.compute.training_flop or 0)
            click.echo(f"wrote {display_path(emit)} ({flop} FLOP, {len(logs)} log(s))")
            if placeholders:
                click.echo(f"edit before submitting: {', '.join(placeholders)}")
    if report.never:
        raise SystemExit(NOT_REACHED)


def _measure_mlperf(
    logs: list[Path],
    threshold: float | None,
    direction: Direction | None,
    rule: Rule,
    as_json: bool,
    emit: Path | None,
    force: bool,
    mlperf_opts: dict[str, Any],
    options: dict[str, Any],
) -> None:
    flop_source = mlperf_opts.pop("flop_source")
    try:
        mlperf = mlperf_report(logs, threshold, direction, rule, **mlperf_opts)
    except MissingTargetError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        print_json(mlperf.as_dict())
    else:
        _print_mlperf(mlperf)
    if emit is not None:
        entry, placeholders = write_mlperf_entry(
            emit, mlperf, logs, flop_source=flop_source, force=force, **options
        )
        if not as_json:
            flop = format_flop(entry.compute.training_flop or 0)
            click.echo(f"wrote {display_path(emit)} ({flop} FLOP, {len(logs)} log(s))")
            if placeholders:
                click.echo(f"edit before submitting: {', '.join(placeholders)}")
    if not mlperf.all_reached:
        raise SystemExit(NOT_REACHED)


def _print_spread(label: str, stats: Spread) -> None:
    sd = "-" if stats.std is None else format_flop(stats.std)
    click.echo(
        f"{label} mean {format_flop(stats.mean)} FLOP, sd {sd}, "
        f"min {format_flop(stats.min)}, max {format_flop(stats.max)}"
    )


def _print(report: RunLogReport) -> None:
    metric, threshold, sign = report.metric, report.threshold, _sign(report.direction)
    click.echo(f"compute-to-target: {metric} {sign} {threshold:g} ({RULE_TEXT[report.rule]})")
    for log, c in zip(report.runlogs, report.crossings, strict=True):
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
            trained, trained_from = trained_flop(log)
            click.echo(
                f"  {shown}: NEVER REACHED {metric} {sign} {threshold:g} ({best} "
                f"in {c.evaluations} evaluations; {format_flop(trained)} FLOP trained in all, "
                f"from the {trained_from})"
            )
    stats = report.stats
    if stats is None:
        click.echo("no log reached the threshold")
        return
    n_logs = len(report.runlogs)
    _print_spread(f"n={stats.n}" + (f" of {n_logs}" if stats.n != n_logs else "") + ":", stats)


def _exact(value: float | None) -> str:
    """A metric as logged (shortest exact repr): 0.7589 must not print as 0.759."""
    return "-" if value is None else repr(float(value))


def _print_mlperf(report: MlperfReport) -> None:
    click.echo(f"MLPerf compute-to-target ({RULE_TEXT[report.rule]})")
    shown_target = None
    for r in report.rows:
        target = (r.benchmark, r.threshold, r.direction)
        if target != shown_target:
            shown_target = target
            click.echo(
                f"  {r.benchmark or 'benchmark not logged'}: eval_accuracy "
                f"{_sign(r.direction)} {_exact(r.threshold)} (target from {r.threshold_from}; "
                f"direction from {r.direction_from}; epoch_num counts {r.counts})"
            )
        head = f"  {r.log}" + ("" if r.scored else " [not scored]")
        state = "" if r.complete else " INCOMPLETE (no run_stop: the log was cut off)"
        if not r.reached:
            best = "no evaluation" if r.best_accuracy is None else f"best {_exact(r.best_accuracy)}"
            click.echo(f"{head}: NEVER REACHED the target ({best}){state}")
            continue
        epochs = "" if r.epochs_to_target is None else f" ({_num(r.epochs_to_target)} epochs)"
        tokens = "" if r.tokens_to_target is None else f" ({_num(r.tokens_to_target)} tokens)"
        click.echo(
            f"{head}: eval_accuracy {_exact(r.eval_accuracy)} at evaluation {r.evaluation}, "
            f"{_num(r.samples_to_target)} samples{epochs}{tokens}, "
            f"{_num(r.seconds_to_target)} s after run_start (run_stop - run_start: "
            f"{_num(r.run_seconds)} s){state}"
        )
        if r.counted_flop is not None:
            click.echo(
                f"    counted:  {format_flop(r.counted_flop)} FLOP "
                f"({format_sig(report.flop_per_example or 0)} FLOP/example)"
            )
        if r.hardware_flop is not None:
            click.echo(
                f"    hardware: {format_flop(r.hardware_flop)} FLOP ({r.accelerators} x "
                f"{r.peak} x {r.utilization:g} utilization; system from {r.system_from})"
            )
        elif r.hardware_missing:
            click.echo(f"    hardware: not computed ({r.hardware_missing})")
    n = sum(r.scored for r in report.rows)
    if n != len(report.rows):
        click.echo(
            f"scored as MLPerf does: {n} of {len(report.rows)} runs (fastest and slowest dropped)"
        )
    if report.epochs is not None:
        e = report.epochs
        click.echo(f"epochs to target: n={e.n} mean {e.mean:.6g}, min {e.min:g}, max {e.max:g}")
    for label, stats in (("counted", report.counted), ("hardware", report.hardware)):
        if stats is not None:
            _print_spread(f"{label}: n={stats.n}", stats)
    if report.counted is None and report.flop_per_example is None:
        click.echo("counted figure: pass --flop-per-example (training FLOP per example)")
