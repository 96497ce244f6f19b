"""The accelerator table: dense peak FLOP/s per chip and precision, each with its source.

Vendors print tensor-core figures with 2:4 structured sparsity since Ampere; the
table holds the dense figures (half of those), the only ones fit for training
estimates (shared/reference/HARDWARE.md).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field

from algoeff.core.errors import InputError
from algoeff.core.fields import LongText, PositiveFloat, StrictModel, Text, Url
from algoeff.core.parsing import load_model

Precision = Literal["fp32", "tf32", "fp16", "bf16", "fp8", "int8"]
# Precisions whose figure is FLOP/s; int8 is listed in TOPS and never a training peak.
TrainingPrecision = Literal["fp32", "tf32", "fp16", "bf16", "fp8"]
TRAINING_PRECISIONS: tuple[str, ...] = get_args(TrainingPrecision)


class ChipSource(StrictModel):
    title: Text
    url: Url
    where: Text | None = None


class Chip(StrictModel):
    """One accelerator: its dense peak TFLOP/s at each precision it supports."""

    name: Text
    aliases: list[Text] = Field(default_factory=list)
    year: int = Field(ge=2000, le=2100)
    peak_tflop_per_s: dict[Precision, PositiveFloat]
    source: ChipSource
    note: LongText | None = None


class HardwareTable(StrictModel):
    chips: list[Chip]

    def find(self, name: str) -> Chip:
        """The chip called ``name`` (or one of its aliases), ignoring case."""
        wanted = name.casefold()
        for chip in self.chips:
            if wanted in {n.casefold() for n in (chip.name, *chip.aliases)}:
                return chip
        known = ", ".join(c.name for c in self.chips)
        raise InputError(f"unknown chip {name!r} (expected one of: {known})")

    def peak_flop_per_s(self, name: str, precision: Precision | str) -> float:
        """Dense peak FLOP/s of ``name`` at ``precision``; a one-line error when absent."""
        chip = self.find(name)
        if precision not in chip.peak_tflop_per_s:
            have = ", ".join(chip.peak_tflop_per_s)
            raise InputError(
                f"{chip.name} has no {precision!r} figure in the hardware table "
                f"(expected one of: {have})"
            )
        return chip.peak_tflop_per_s[precision] * 1e12


def hardware_path() -> Path:
    """Where the bundled hardware table lives (inside the package, so estimate works anywhere)."""
    return Path(str(resources.files("algoeff") / "data" / "hardware.yaml"))


@cache
def load_hardware(path: Path | None = None) -> HardwareTable:
    """Load and validate the hardware table (cached); problems raise ProblemsError."""

    return load_model(path or hardware_path(), HardwareTable)
