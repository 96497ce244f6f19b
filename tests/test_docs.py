"""Meta-tests: every schema field and every command is documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from algoeff.cli import COMMANDS
from algoeff.core.fields import Quantity
from algoeff.model.methods import METHODS
from algoeff.model.schema import (
    Analysis,
    Benchmark,
    Entry,
    Publication,
    PublishedFigure,
    Result,
    Source,
    TrainingData,
    TrainingDataRule,
)

REPO = Path(__file__).resolve().parents[1]
DATASET_DOC = (REPO / "docs" / "dataset.md").read_text()


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def test_every_schema_field_is_documented() -> None:
    """Each field of the entry, benchmark and quantity models appears in docs/dataset.md."""
    models: list[type[BaseModel]] = [
        Entry,
        Benchmark,
        Publication,
        Result,
        TrainingData,
        Analysis,
        PublishedFigure,
        Source,
        Quantity,
        TrainingDataRule,
    ]
    models += list(METHODS.values())
    missing = [
        f"{m.__name__}.{f}" for m in models for f in _fields(m) if f"`{f}`" not in DATASET_DOC
    ]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    """The README's command table names every command."""
    readme = (REPO / "README.md").read_text()
    assert [name for name in COMMANDS if f"`algoeff {name}" not in readme] == []


def test_quick_start_has_exactly_two_commands() -> None:
    """The Quick start shows `make run` and `make test` and nothing else to type."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
