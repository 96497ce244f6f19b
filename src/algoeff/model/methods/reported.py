"""A figure that a source states, converted to canonical FLOP.

Used where a paper published its own training cost ("Attention Is All You
Need", table 2) and no finer inputs are known. A figure counted with one
multiply-add as one operation is doubled (``convention: multiply-add=1``).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from algoeff.core.fields import Bound, Quantity
from algoeff.core.units import ComputeUnit, Convention, convention_factor, to_flop
from algoeff.model.methods.base import ComputeMethod, MethodContext, Tier, fmt


class Flop(Quantity):
    unit: Literal["FLOP"]


class TfsDays(Quantity):
    unit: Literal["tfs-day"]


class PfsDays(Quantity):
    unit: Literal["pfs-day"]


class Reported(ComputeMethod):
    """The source's figure for one model's run [x fraction x ensemble]."""

    name = "reported"

    @property
    def tier(self) -> Tier:
        """A figure taken as a source printed it."""
        return "reported"

    method: Literal["reported"]
    flop: Flop | None = Field(default=None, description="stated FLOP")
    tfs_days: TfsDays | None = Field(default=None, description="stated tfs-days")
    pfs_days: PfsDays | None = Field(default=None, description="stated pfs-days")
    convention: Convention = Field(
        default="multiply-add=2", description="how the source counted a multiply-add"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(q is not None for q in (self.flop, self.tfs_days, self.pfs_days)) != 1:
            raise ValueError("give exactly one of flop, tfs_days and pfs_days")
        return self

    def _figure(self) -> tuple[Quantity, ComputeUnit]:
        if self.flop is not None:
            return self.flop, "FLOP"
        if self.tfs_days is not None:
            return self.tfs_days, "tfs-day"
        assert self.pfs_days is not None  # by _exactly_one
        return self.pfs_days, "pfs-day"

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        figure, unit = self._figure()
        return to_flop(figure.at(bound), unit, self.convention)

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        figure, unit = self._figure()
        formula = f"{fmt(figure.value)} {unit}"
        if unit != "FLOP":
            formula += f" × {fmt(to_flop(1.0, unit))} FLOP/{unit}"
        if self.convention != "multiply-add=2":
            formula += f" × {fmt(convention_factor(self.convention))} (multiply-add counted once)"
        return formula, [("stated figure", f"{fmt(figure.value)} {unit}")]
