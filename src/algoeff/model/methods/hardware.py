"""Hardware time: accelerators x time x peak FLOP/s x utilization.

The method of "AI and Compute" (Amodei & Hernandez, OpenAI 2018), which assumed
utilization 0.33 for GPUs. The peak comes from the hardware table (dense, never
the 2:4-sparse figure) or from the figure a paper assumed itself; the entry says
which.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from algoeff.core.fields import Bound, Quantity, Text, UnitInterval
from algoeff.core.units import SECONDS_PER_DAY, SECONDS_PER_HOUR
from algoeff.model.hardware import TrainingPrecision
from algoeff.model.methods.base import ComputeMethod, MethodContext, at, fmt


class Accelerators(Quantity):
    unit: Literal["accelerator"]


class Hours(Quantity):
    unit: Literal["hour"]


class Days(Quantity):
    unit: Literal["day"]


class PeakTflops(Quantity):
    unit: Literal["TFLOP/s"]


class Utilization(UnitInterval):
    unit: Literal["fraction"]


DEFAULT_UTILIZATION = 0.33
# The range seen in practice for model FLOP utilization (PaLM 46 %, GPT-3 21 %;
# shared/reference/HARDWARE.md), used when an entry states no range of its own.
DEFAULT_UTILIZATION_LOW = 0.2
DEFAULT_UTILIZATION_HIGH = 0.5
_DEFAULT_TEXT = (
    f"{DEFAULT_UTILIZATION:g}, range {DEFAULT_UTILIZATION_LOW:g}-{DEFAULT_UTILIZATION_HIGH:g}"
)


def default_utilization() -> Utilization:
    """The default of the hardware method: DEFAULT_UTILIZATION within its range."""
    return Utilization(
        value=DEFAULT_UTILIZATION,
        low=DEFAULT_UTILIZATION_LOW,
        high=DEFAULT_UTILIZATION_HIGH,
        unit="fraction",
        note=f"default: {_DEFAULT_TEXT} ('AI and Compute' used {DEFAULT_UTILIZATION:g}; "
        "the range is what is seen in practice)",
    )


class Hardware(ComputeMethod):
    """count x seconds x peak FLOP/s x utilization [x fraction x ensemble]."""

    name = "hardware"
    method: Literal["hardware"]
    count: Accelerators = Field(description="accelerators used")
    hours: Hours | None = Field(default=None, description="wall-clock training time")
    days: Days | None = Field(default=None, description="wall-clock training time")
    chip: Text | None = Field(default=None, description="accelerator name in the hardware table")
    precision: TrainingPrecision | None = Field(
        default=None, description="precision column of the table (dense FLOP/s)"
    )
    peak_tflop_per_s: PeakTflops | None = Field(
        default=None, description="peak (or assumed sustained) TFLOP/s per accelerator"
    )
    utilization: Utilization | None = Field(
        default=None, description=f"fraction of peak sustained (default {_DEFAULT_TEXT})"
    )

    @model_validator(mode="after")
    def _alternatives(self) -> Self:
        if (self.hours is None) == (self.days is None):
            raise ValueError("give exactly one of hours and days")
        if (self.peak_tflop_per_s is None) == (self.chip is None):
            raise ValueError("give exactly one of peak_tflop_per_s and chip (with precision)")
        if self.chip is not None and self.precision is None:
            raise ValueError("chip needs precision (fp32, tf32, fp16, bf16, fp8)")
        return self

    def _seconds(self, bound: Bound) -> float:
        if self.hours is not None:
            return float(self.hours.at(bound) * SECONDS_PER_HOUR)
        return at(self.days, bound) * SECONDS_PER_DAY

    def peak_flop_per_s(self, bound: Bound, context: MethodContext) -> float:
        """Peak FLOP/s of one accelerator, from the inputs or the hardware table."""
        if self.peak_tflop_per_s is not None:
            return float(self.peak_tflop_per_s.at(bound) * 1e12)
        assert self.chip is not None and self.precision is not None  # by _alternatives
        return context.hardware.peak_flop_per_s(self.chip, self.precision)

    def _utilization(self) -> Utilization:
        return self.utilization if self.utilization is not None else default_utilization()

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        return float(
            self.count.at(bound)
            * self._seconds(bound)
            * self.peak_flop_per_s(bound, context)
            * self._utilization().at(bound)
        )

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        seconds = self._seconds("value")
        peak = self.peak_flop_per_s("value", context)
        util = self._utilization().value
        time = (
            f"{fmt(self.hours.value)} h × 3600 s/h"
            if self.hours is not None
            else f"{fmt(at(self.days, 'value'))} d × 86400 s/d"
        )
        peak_label = f"{self.chip} {self.precision}" if self.chip is not None else "stated peak"
        terms = [
            ("accelerators", fmt(self.count.value)),
            ("seconds", fmt(seconds)),
            (f"peak FLOP/s ({peak_label})", fmt(peak)),
            ("utilization", fmt(util)),
        ]
        formula = (
            f"{fmt(self.count.value)} accelerators × {time} × {fmt(peak)} FLOP/s "
            f"× {fmt(util)} utilization"
        )
        return formula, terms
