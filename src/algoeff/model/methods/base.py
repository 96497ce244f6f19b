"""What every compute method shares: the context it runs in and the estimate it returns.

A method is a pydantic model (its fields are the named inputs, each with a unit)
that knows how to combine them. Every method is monotone non-decreasing in each
input, so evaluating it with all inputs at their low (high) ends gives the low
(high) end of the estimate exactly, with no sampling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from algoeff.core.fields import (
    Bound,
    PositiveFloat,
    Quantity,
    RelativeTolerance,
    StrictModel,
    UnitInterval,
)
from algoeff.core.units import flop_to_pfs_days, flop_to_tfs_days
from algoeff.model.hardware import HardwareTable, load_hardware


class Fraction(UnitInterval):
    unit: Literal["fraction"]


class Count(Quantity):
    unit: Literal["model"]


# How an entry's figure was verified, weakest first: a figure taken as published, one
# recomputed from published inputs, one whose inputs algoeff counted on a model
# definition, one measured from run logs.
Tier = Literal["reported", "estimated", "counted", "measured"]
TIERS: tuple[Tier, ...] = ("reported", "estimated", "counted", "measured")

DEFAULT_TOLERANCE = 0.01
# One multiply-add. Anything less is not a training run but an input error.
MIN_FLOP = 1.0


@dataclass(frozen=True)
class MethodContext:
    """What a method may need beyond its inputs: the hardware table, the entry's folder."""

    hardware_table: HardwareTable | None = None
    entry_dir: Path | None = None

    @property
    def hardware(self) -> HardwareTable:
        """The given table, else the bundled one (loaded on first use only)."""
        if self.hardware_table is not None:
            return self.hardware_table

        return load_hardware()


@dataclass(frozen=True)
class Estimate:
    """Training compute in canonical FLOP (multiply-add = 2), with its range and derivation."""

    method: str
    flop: float
    flop_low: float
    flop_high: float
    # One model's whole training run, before the fraction-to-target and the ensemble size.
    run_flop: float
    # Writes the formula and its terms; called only when they are shown, since a large
    # dataset is recomputed far more often than it is displayed.
    derivation: Callable[[], tuple[str, tuple[tuple[str, str], ...]]] = field(
        repr=False, compare=False
    )

    @cached_property
    def _written(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.derivation()

    @property
    def formula(self) -> str:
        """The formula with the numbers filled in, ending in ``= <flop> FLOP``."""
        return self._written[0]

    @property
    def terms(self) -> tuple[tuple[str, str], ...]:
        """Named terms of the formula, for display."""
        return self._written[1]

    @property
    def tfs_days(self) -> float:
        return flop_to_tfs_days(self.flop)

    @property
    def pfs_days(self) -> float:
        return flop_to_pfs_days(self.flop)

    def as_dict(self) -> dict[str, object]:
        """The estimate as a JSON-ready mapping (``algoeff estimate --json``)."""
        return {
            "method": self.method,
            "flop": self.flop,
            "flop_low": self.flop_low,
            "flop_high": self.flop_high,
            "tfs_days": self.tfs_days,
            "tfs_days_low": flop_to_tfs_days(self.flop_low),
            "tfs_days_high": flop_to_tfs_days(self.flop_high),
            "pfs_days": self.pfs_days,
            "run_flop": self.run_flop,
            "formula": self.formula,
            "terms": dict(self.terms),
        }


def fmt(value: float) -> str:
    """A number as it appears inside a formula: compact, exact enough to redo by hand."""
    return f"{value:.4g}"


class ComputeMethod(StrictModel):
    """Fields every method shares: the stated result, its tolerance, fraction and ensemble."""

    name: ClassVar[str]

    # Required in an analysis entry (`algoeff check` enforces it), absent in a bare
    # `algoeff estimate`, where there is nothing to compare against.
    training_flop: PositiveFloat | None = Field(
        default=None,
        description="the compute this entry states, in FLOP (multiply-add = 2); "
        "required in an analysis; `algoeff check` recomputes it from the inputs",
    )
    tolerance: RelativeTolerance = Field(
        default=DEFAULT_TOLERANCE,
        description="relative difference allowed between training_flop and the recomputation",
    )
    fraction: Fraction | None = Field(
        default=None,
        description="part of the run at which the threshold was first reached (0-1]",
    )
    ensemble: Count | None = Field(
        default=None, description="number of models whose ensemble reached the result"
    )

    def quantities(self) -> Iterator[tuple[str, Quantity]]:
        """Every input given (they are the method's direct fields), with its field name."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Quantity):
                yield name, value

    @property
    def tier(self) -> Tier:
        """How the figure was verified, derived from the inputs (docs/dataset.md):
        estimated from published inputs, or counted when algoeff counted one of them."""
        return "counted" if any(q.counted for _, q in self.quantities()) else "estimated"

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        """One model's whole training run in FLOP, at ``bound`` of every input."""
        raise NotImplementedError

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        """The run formula with the numbers filled in, and named terms for display."""
        raise NotImplementedError

    def _scale(self, bound: Bound) -> float:
        scale = 1.0
        for q in (self.fraction, self.ensemble):
            if q is not None:
                scale *= q.at(bound)
        return scale

    def estimate(self, context: MethodContext | None = None) -> Estimate:
        """Recompute the compute-to-target and its range from the inputs.

        Raises ValueError when the inputs multiply out to something that is not a finite,
        positive number of FLOP (1e300 x 1e300 overflows; 1e-300 x 1e-300 underflows).
        """
        ctx = context or MethodContext()
        run = self.run_flop("value", ctx)
        flop = run * self._scale("value")
        low = self.run_flop("low", ctx) * self._scale("low")
        high = self.run_flop("high", ctx) * self._scale("high")
        for label, value in (("compute", flop), ("low end", low), ("high end", high)):
            if not (math.isfinite(value) and value >= MIN_FLOP):
                raise ValueError(
                    f"the inputs give a {label} of {value:g} FLOP, "
                    f"expected a finite number of at least {MIN_FLOP:g}"
                )

        def derivation() -> tuple[str, tuple[tuple[str, str], ...]]:
            formula, terms = self.run_formula(ctx)
            extra = ""
            for label, q in (("fraction", self.fraction), ("ensemble", self.ensemble)):
                if q is not None:
                    extra += f" × {fmt(q.value)} ({label})"
                    terms.append((label, fmt(q.value)))
            if extra:
                formula = f"({formula}){extra}"
            return f"{formula} = {fmt(flop)} FLOP", tuple(terms)

        return Estimate(self.name, flop, low, high, run, derivation)


def at(q: Quantity | None, bound: Bound, default: float = 1.0) -> float:
    """``q`` at ``bound``, or ``default`` when the input is absent."""
    return default if q is None else q.at(bound)
