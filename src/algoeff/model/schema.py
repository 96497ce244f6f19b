"""The dataset's models: a benchmark, and an analysis entry that reached it.

An entry *is* its analysis: the publication, the result it reached, the
training data, the compute calculation (named inputs with units and the method
combining them), the figures its sources published, and the sources.
`algoeff schema` exports these models as JSON Schema for editors.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator

from algoeff.core.fields import (
    ArxivId,
    FiniteFloat,
    Id,
    LongText,
    PositiveFloat,
    Probability,
    RelativeTolerance,
    StrictModel,
    Text,
    Url,
)
from algoeff.core.units import ComputeUnit, Convention, Direction, reached
from algoeff.model.methods import METHODS, Compute
from algoeff.model.methods.measured import LogPath

SCHEMA_VERSION = 1

# Dates come from YAML as datetime.date; strict mode would refuse an ISO string
# from JSON, so this one field is lax (it still refuses anything that is not a date).
Date = Annotated[dt.date, Field(strict=False)]


class Source(StrictModel):
    """A document that a figure comes from; inputs cite it by id."""

    id: Id
    title: Text
    url: Url
    where: Text | None = Field(default=None, description="table, section or page")


class Publication(StrictModel):
    """The work whose result the entry records."""

    title: Text
    url: Url
    arxiv: ArxivId | None = Field(default=None, description="new-style arXiv id, e.g. 1905.11946")
    date: Date = Field(description="first public appearance (arXiv v1 when there is one)")
    venue: Text | None = None


class Result(StrictModel):
    """The value the model reached on the benchmark's metric."""

    value: FiniteFloat
    at_least: bool = Field(
        default=False,
        description="the source says only that the threshold was reached at this point; "
        "value is then the threshold, a lower bound",
    )
    runs: int = Field(
        default=1,
        ge=1,
        strict=True,
        description="how the level was shown: 1 for a single run, n for the mean of n runs",
    )
    p_value: Probability | None = Field(
        default=None,
        description="the significance the source states for the mean being at the level",
    )
    test_time_augmentation: bool | None = Field(
        default=None,
        description="whether evaluation used test-time augmentation (its cost is inference, "
        "not training, and is not counted)",
    )
    source: Id
    where: Text | None = None
    note: LongText | None = None


class TrainingData(StrictModel):
    """What the model was trained on; checked against the benchmark's rule."""

    datasets: list[Id] = Field(min_length=1)
    augmentation: Text | None = None
    note: LongText | None = None


class Analysis(StrictModel):
    """Who worked out the compute figure (the seed's "Analysis" column)."""

    name: Text
    url: Url | None = None


class PublishedFigure(StrictModel):
    """A compute figure as a source printed it, kept beside the canonical recomputation."""

    value: PositiveFloat
    unit: ComputeUnit
    convention: Convention = Field(description="how the source counted one multiply-add")
    scope: Literal["to-target", "run"] = Field(
        default="to-target",
        description="to-target: what the entry counts; run: one model's whole training run",
    )
    source: Id
    where: Text | None = None
    tolerance: RelativeTolerance = Field(
        default=0.01, description="relative difference allowed, e.g. 0.05 for a rounded figure"
    )
    discrepancy: LongText | None = Field(
        default=None, description="why the recomputation differs, when it does"
    )
    note: LongText | None = Field(default=None, description="e.g. why this tolerance")


class Curve(StrictModel):
    """The entry's learning curve: (training FLOP, metric) at each evaluation of the run.

    The points sit in a CSV file beside the entry (``file``, with a header naming at least
    ``training_flop`` and ``value``; other columns, such as ``step`` or ``epoch``, say where
    each point comes from) or inline (``points``). Compute is canonical FLOP counted with
    the entry's own formula, from the start of training, strictly increasing.
    """

    file: Annotated[LogPath, Field(description="CSV file, relative to the entry file")] | None = (
        None
    )
    points: list[Annotated[list[FiniteFloat], Field(min_length=2, max_length=2)]] | None = Field(
        default=None, min_length=2, description="inline [training_flop, value] pairs"
    )
    source: Id
    where: Text | None = None
    note: LongText | None = Field(
        default=None, description="how each point's compute was counted from the log"
    )

    @model_validator(mode="after")
    def _one_of_file_and_points(self) -> Self:
        if (self.file is None) == (self.points is None):
            raise ValueError("give exactly one of file and points")
        if self.points is not None and any(flop <= 0 for flop, _ in self.points):
            raise ValueError("every point's training_flop must be positive")
        return self


class Entry(StrictModel):
    """One analysis: a model that reached a benchmark's threshold, and what it cost."""

    # The tags of `compute`'s union, for the error when `method` is missing
    # (core.parsing reads this; pydantic's own message does not list them).
    union_tags: ClassVar[dict[str, tuple[str, ...]]] = {"method": tuple(METHODS)}

    id: Id = Field(description="equal to the file name without .yaml")
    benchmark: Id = Field(description="equal to the folder name")
    name: Text = Field(description="display name in tables, e.g. 'EfficientNet (b0)'")
    model: Text
    variant: Text | None = None
    publication: Publication
    result: Result
    training_data: TrainingData
    compute: Compute
    published: list[PublishedFigure] = Field(default_factory=list)
    curve: Curve | None = Field(
        default=None, description="the learning curve of the run, from its log or source"
    )
    analysis: Analysis
    notes: LongText | None = None
    sources: list[Source] = Field(min_length=1)


class Metric(StrictModel):
    name: Text
    unit: Text


class TrainingDataRule(StrictModel):
    """allowed: the only datasets permitted (None: unrestricted, but recorded)."""

    allowed: list[Id] | None = None
    rule: LongText


class Benchmark(StrictModel):
    """A fixed level of performance: a metric, a threshold and a direction."""

    id: Id
    name: Text
    label: Text = Field(description="the seed CSV's Metric column, e.g. 'AlexNet'")
    task: Text
    dataset: Text
    metric: Metric
    threshold: FiniteFloat
    direction: Direction
    training_data: TrainingDataRule
    baseline: Id = Field(description="id of the entry every reduction factor divides")
    seed_convention: Convention = Field(
        default="multiply-add=2",
        description="the counting convention of efficiency_sota.csv's 'Compute "
        "(teraflops-s/days)' column for this benchmark: the original tracker's own "
        "(multiply-add=1 for its ImageNet rows), so that column reads as it always did",
    )
    description: LongText | None = None

    def reached(self, value: float) -> bool:
        """Whether ``value`` meets the threshold in this benchmark's direction."""
        return reached(value, self.threshold, self.direction)


class BenchmarkFile(StrictModel):
    benchmarks: list[Benchmark] = Field(min_length=1)


def json_schemas() -> dict[str, dict[str, object]]:
    """JSON Schemas of an entry and of the benchmarks file, for editors and the site."""
    out: dict[str, dict[str, object]] = {}
    for name, model in (("entry", Entry), ("benchmarks", BenchmarkFile)):
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://algoeff.github.io/schema/{name}.schema.json"
        out[name] = schema
    return out
