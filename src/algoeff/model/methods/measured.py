"""Measured compute-to-target, recomputed from the run logs of metered training runs.

The logs are JSON Lines written by ``algoeff.measure.ComputeMeter`` (schema in
``algoeff.model.runlog``; reading them needs no torch). Each log gives the training
FLOP up to its first evaluation at or beyond the threshold (the rule of
Hernandez & Brown 2020), optionally interpolated between the two evaluations
that straddle it. Several logs (seeds) give the value as their mean and the
range as their minimum and maximum: the spread across seeds is the
uncertainty a reader can see, not a confidence interval.

With ``format: mlperf`` the logs are MLPerf Training result logs (``algoeff.model.mlperf``,
one per run of a submission): each gives the samples trained up to its first
``eval_accuracy`` at the target, times ``flop_per_example`` (training FLOP per sample,
counted on a model definition: the log counts samples, not FLOP). The value and range
are over the runs MLPerf scores: all but the fastest and the slowest by run time.

Because the figure is recomputed from the logs on every ``algoeff check``, an
edited log no longer matches the entry's stated ``training_flop``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from algoeff.core.fields import Bound, FiniteFloat, LongText, PositiveFloat, StrictModel, Text
from algoeff.model.methods.base import ComputeMethod, MethodContext, Tier, fmt
from algoeff.model.mlperf import cached_mlperf_runs, scored_runs
from algoeff.model.runlog import RULE_TEXT, Crossing, cached_runlog, log_crossing


def _check_log_path(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or "\\" in value or ".." in path.parts or value.startswith("~"):
        raise ValueError(
            f"{value!r} must be a relative path inside the entry's folder (no '..', no '/' "
            "at the start)"
        )
    return value


LogPath = Annotated[
    str,
    Field(min_length=1, max_length=300, description="run log, relative to the entry file"),
    AfterValidator(_check_log_path),
]


class MeasuredRun(StrictModel):
    """Where one log reached the threshold, as stated; `algoeff check` compares it with the log."""

    log: LogPath
    evaluation: int = Field(ge=1, description="index of the first evaluation at the threshold")
    metric_value: FiniteFloat = Field(description="the metric at that evaluation")
    examples: PositiveFloat = Field(
        description="training examples (MLPerf: samples) seen up to the target"
    )
    steps: PositiveFloat | None = Field(
        default=None,
        description="optimizer steps up to the target (required for run logs; MLPerf logs "
        "do not count them)",
    )
    training_flop: PositiveFloat = Field(description="this run's compute-to-target, FLOP")
    flop_per_example: PositiveFloat = Field(description="training_flop / examples")
    epochs: PositiveFloat | None = Field(
        default=None, description="MLPerf: examples / the log's train_samples, where known"
    )
    run_seconds: PositiveFloat | None = Field(
        default=None, description="MLPerf: run_stop - run_start, the time MLPerf scores"
    )
    seconds_to_target: PositiveFloat | None = Field(
        default=None, description="MLPerf: run_start to the evaluation at the target"
    )
    scored: bool = Field(
        default=True,
        description="MLPerf: among the runs MLPerf averages (all but the fastest and slowest)",
    )


class Measured(ComputeMethod):
    """Mean over run logs of the training FLOP up to the first evaluation at the threshold."""

    name = "measured"

    @property
    def tier(self) -> Tier:
        """Counted by the meter during the run, read back from its logs."""
        return "measured"

    method: Literal["measured"]
    logs: list[LogPath] = Field(
        min_length=1, description="run logs (one per seed), relative to the entry file"
    )
    format: Literal["runlog", "mlperf"] = Field(
        default="runlog",
        description="runlog: algoeff run logs (ComputeMeter); mlperf: MLPerf Training result "
        "logs, one per run of one submission",
    )
    metric: Text = Field(
        description="metric name in the logs' evaluation records (MLPerf: eval_accuracy)"
    )
    threshold: FiniteFloat = Field(description="the level the metric must reach")
    direction: Literal["higher", "lower"] = Field(
        default="higher", description="higher: metric >= threshold; lower: metric <= threshold"
    )
    rule: Literal["first", "linear", "log"] = Field(
        default="first",
        description="first: the first evaluation at the threshold; linear/log: interpolated "
        "between the evaluations straddling it, in FLOP or in log FLOP",
    )
    runs: list[MeasuredRun] = Field(
        default_factory=list, description="stated crossing of each log, in the order of logs"
    )
    flop_per_example: PositiveFloat | None = Field(
        default=None,
        description="MLPerf: training FLOP per sample (forward + backward), FLOP/sample",
    )
    flop_per_example_source: LongText | None = Field(
        default=None, description="MLPerf: how flop_per_example was counted, and on what"
    )

    @model_validator(mode="after")
    def _runs_match_logs(self) -> Self:
        if len(set(self.logs)) != len(self.logs):
            raise ValueError("logs lists a file twice")
        mlperf = self.format == "mlperf"
        stated = [r.log for r in self.runs]
        # MLPerf: a run that never reached the target (and so is not scored) has no crossing.
        wanted = [log for log in self.logs if log in stated] if mlperf else self.logs
        if self.runs and stated != wanted:
            raise ValueError("runs must give one crossing per log, in the order of logs")
        if mlperf and (self.flop_per_example is None or self.flop_per_example_source is None):
            raise ValueError(
                "format mlperf needs flop_per_example and flop_per_example_source (the logs "
                "count samples, not FLOP)"
            )
        if not mlperf and self.flop_per_example is not None:
            raise ValueError("flop_per_example is for format mlperf (run logs count FLOP)")
        if not mlperf and any(r.steps is None for r in self.runs):
            raise ValueError("runs: steps is required for run logs")
        return self

    @property
    def _sign(self) -> str:
        return ">=" if self.direction == "higher" else "<="

    def _paths(self, context: MethodContext) -> list[Path]:
        if context.entry_dir is None:
            raise LookupError("a measured entry needs its folder to find its run logs")
        base = context.entry_dir.resolve()
        paths = []
        for name in self.logs:
            path = (base / name).resolve()
            if not path.is_relative_to(base):
                raise ValueError(f"{name}: the run log lies outside the entry's folder")
            paths.append(Path(path))
        return paths

    def _mlperf(self, context: MethodContext) -> list[tuple[str, Crossing, bool]]:
        """Each MLPerf log's crossing in FLOP, and whether MLPerf scores the run."""
        runs = cached_mlperf_runs(
            tuple(self._paths(context)), self.threshold, self.direction, self.rule
        )
        if len(runs) != len(self.logs):
            raise ValueError(
                f"the {len(self.logs)} logs hold {len(runs)} runs; give one run per file"
            )
        fpe = self.flop_per_example or 0.0
        out = []
        for name, run, kept in zip(self.logs, runs, scored_runs(runs), strict=True):
            c = run.crossing
            if c.reached and c.training_flop is not None:
                c = replace(c, training_flop=c.training_flop * fpe, hardware_flop=None, steps=None)
            out.append((name, c, kept))
        for name, c, kept in out:
            if kept and not c.reached:
                best = "no evaluation" if c.best_metric is None else f"best {c.best_metric!r}"
                raise ValueError(
                    f"{name}: never reached {self.metric} {self._sign} {self.threshold:g} "
                    f"({best}); a run MLPerf scores must reach it"
                )
        scored = {name: kept for name, _, kept in out}
        for i, stated in enumerate(self.runs):
            kept = scored[stated.log]
            if stated.scored != kept:
                raise ValueError(
                    f"runs.{i}.scored: states {stated.scored} but by run time MLPerf "
                    f"{'scores' if kept else 'drops'} {stated.log}"
                )
        return out

    def crossings(self, context: MethodContext) -> list[tuple[str, Crossing]]:
        """The crossing of each run the value is taken over (MLPerf: the scored runs),
        recomputed; raises ValueError when a log is unusable."""
        if self.format == "mlperf":
            found = self._mlperf(context)
            self._check_stated([(n, c) for n, c, _ in found])
            return [(n, c) for n, c, kept in found if kept]
        out = []
        for name, path in zip(self.logs, self._paths(context), strict=True):
            crossing = log_crossing(
                cached_runlog(path), self.metric, self.threshold, self.direction, self.rule
            )
            if not crossing.reached:
                best = crossing.best_metric
                seen = "no evaluation" if best is None else f"best {best:g}"
                raise ValueError(
                    f"{name}: never reached {self.metric} {self._sign} {self.threshold:g} "
                    f"({seen}); a measured entry needs every run to reach it"
                )
            out.append((name, crossing))
        self._check_stated(out)
        return out

    def _check_stated(self, crossings: list[tuple[str, Crossing]]) -> None:
        """Each stated crossing against its log; the message also gives the recomputed total."""
        crossings = [(n, c) for n, c in crossings if c.reached]
        values = [c.training_flop or 0.0 for _, c in crossings] or [0.0]
        total = (
            f"the logs give training_flop {sum(values) / len(values):.4g} "
            f"(stated {self.training_flop or 0:.4g})"
        )
        by_name = dict(crossings)
        for i, stated in enumerate(self.runs):
            got = by_name.get(stated.log)
            if got is None:
                continue  # an MLPerf run that did not reach the target, and is not scored
            assert got.training_flop is not None
            if stated.evaluation != got.evaluation:
                raise ValueError(
                    f"runs.{i}.evaluation: states {stated.evaluation} but {stated.log} first "
                    f"reaches the threshold at evaluation {got.evaluation}; {total}"
                )
            if abs(stated.training_flop - got.training_flop) > self.tolerance * got.training_flop:
                raise ValueError(
                    f"runs.{i}.training_flop: states {stated.training_flop:.4g} but {stated.log} "
                    f"gives {got.training_flop:.4g}; {total}"
                )

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        values = [c.training_flop or 0.0 for _, c in self.crossings(context)]
        if bound == "low":
            return min(values)
        if bound == "high":
            return max(values)
        return sum(values) / len(values)

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        crossings = self.crossings(context)
        terms = [("rule", f"{self.metric} {self._sign} {self.threshold:g}: {RULE_TEXT[self.rule]}")]
        for name, c in crossings:
            assert c.training_flop is not None
            assert c.examples is not None
            terms.append(
                (
                    name,
                    f"{fmt(c.training_flop)} FLOP at evaluation {c.evaluation} "
                    f"({fmt(c.examples)} examples, "
                    f"{fmt(c.training_flop / c.examples)} FLOP/example)",
                )
            )
        if self.format == "mlperf":
            terms.append(("scored", "MLPerf's runs: all but the fastest and slowest by run time"))
            terms.append(
                (
                    "flop_per_example",
                    f"{fmt(self.flop_per_example or 0)} FLOP/sample: "
                    f"{self.flop_per_example_source}",
                )
            )
        parts = " + ".join(fmt(c.training_flop or 0.0) for _, c in crossings)
        n = len(crossings)
        formula = f"({parts}) / {n} logs" if n > 1 else f"{parts} FLOP (1 log)"
        return formula, terms
