"""Measured compute-to-target, recomputed from the run logs of metered training runs.

The logs are JSON Lines written by ``algoeff.measure.ComputeMeter`` (schema in
``algoeff.model.runlog``; reading them needs no torch). Each log gives the training
FLOP up to its first evaluation at or beyond the threshold (the rule of
Hernandez & Brown 2020), optionally interpolated between the two evaluations
that straddle it. Several logs (seeds) give the value as their mean and the
range as their minimum and maximum: the spread across seeds is the
uncertainty a reader can see, not a confidence interval.

Because the figure is recomputed from the logs on every ``algoeff check``, an
edited log no longer matches the entry's stated ``training_flop``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from algoeff.core.fields import Bound, FiniteFloat, PositiveFloat, StrictModel, Text
from algoeff.model.methods.base import ComputeMethod, MethodContext, Tier, fmt
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
    examples: PositiveFloat = Field(description="training examples seen up to the target")
    steps: PositiveFloat = Field(description="optimizer steps up to the target")
    training_flop: PositiveFloat = Field(description="this run's compute-to-target, FLOP")
    flop_per_example: PositiveFloat = Field(description="training_flop / examples")


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
    metric: Text = Field(description="metric name in the logs' evaluation records")
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

    @model_validator(mode="after")
    def _runs_match_logs(self) -> Self:
        if len(set(self.logs)) != len(self.logs):
            raise ValueError("logs lists a file twice")
        if self.runs and [r.log for r in self.runs] != self.logs:
            raise ValueError("runs must give one crossing per log, in the order of logs")
        return self

    @property
    def _sign(self) -> str:
        return ">=" if self.direction == "higher" else "<="

    def crossings(self, context: MethodContext) -> list[tuple[str, Crossing]]:
        """Each log's crossing, recomputed; raises ValueError when a log is unusable."""
        if context.entry_dir is None:
            raise LookupError("a measured entry needs its folder to find its run logs")
        base = context.entry_dir.resolve()
        out = []
        for name in self.logs:
            path = (base / name).resolve()
            if not path.is_relative_to(base):
                raise ValueError(f"{name}: the run log lies outside the entry's folder")
            crossing = log_crossing(
                cached_runlog(Path(path)), self.metric, self.threshold, self.direction, self.rule
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
        values = [c.training_flop or 0.0 for _, c in crossings]
        total = (
            f"the logs give training_flop {sum(values) / len(values):.4g} "
            f"(stated {self.training_flop or 0:.4g})"
        )
        for i, (stated, (_, got)) in enumerate(zip(self.runs, crossings, strict=True)):
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
        parts = " + ".join(fmt(c.training_flop or 0.0) for _, c in crossings)
        n = len(crossings)
        formula = f"({parts}) / {n} logs" if n > 1 else f"{parts} FLOP (1 log)"
        return formula, terms
