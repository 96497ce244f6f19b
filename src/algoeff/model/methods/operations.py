"""Operation counting: forward cost per example x passes x examples x epochs.

The efficiency paper (Hernandez & Brown 2020, appendix A) computed its ImageNet
figures this way with passes = 3: the backward pass costs about twice the
forward (input gradient + weight gradient; Kaplan et al. 2020, section 2.1).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from algoeff.core.fields import Bound, Quantity
from algoeff.core.units import FLOP_PER_MULTIPLY_ADD
from algoeff.model.methods.base import ComputeMethod, MethodContext, at, fmt


class ForwardFlop(Quantity):
    unit: Literal["FLOP"]


class ForwardMacs(Quantity):
    unit: Literal["multiply-add"]


class Passes(Quantity):
    unit: Literal["pass"]


class Examples(Quantity):
    unit: Literal["example", "image", "sentence-pair", "token", "sequence"]


class Epochs(Quantity):
    unit: Literal["epoch"]


DEFAULT_PASSES = 3.0


class Operations(ComputeMethod):
    """forward cost per example x passes x examples per epoch x epochs [x fraction x ensemble]."""

    name = "operations"
    method: Literal["operations"]
    forward_flop: ForwardFlop | None = Field(
        default=None, description="forward FLOP per example (multiply-add = 2)"
    )
    forward_macs: ForwardMacs | None = Field(
        default=None, description="forward multiply-adds per example (converted at 2 FLOP each)"
    )
    passes: Passes | None = Field(
        default=None, description="forward-equivalent passes per example (default 3)"
    )
    examples: Examples = Field(description="examples per epoch")
    epochs: Epochs | None = Field(default=None, description="epochs (default 1)")

    @model_validator(mode="after")
    def _one_forward_cost(self) -> Self:
        if (self.forward_flop is None) == (self.forward_macs is None):
            raise ValueError("give exactly one of forward_flop and forward_macs")
        return self

    def _forward_flop(self, bound: Bound) -> float:
        if self.forward_macs is not None:
            return float(self.forward_macs.at(bound) * FLOP_PER_MULTIPLY_ADD)
        return at(self.forward_flop, bound)

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        return (
            self._forward_flop(bound)
            * at(self.passes, bound, DEFAULT_PASSES)
            * self.examples.at(bound)
            * at(self.epochs, bound)
        )

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        terms: list[tuple[str, str]] = []
        if self.forward_macs is not None:
            fwd = f"{fmt(self.forward_macs.value)} multiply-adds × 2"
            terms.append(("forward multiply-adds per example", fmt(self.forward_macs.value)))
        else:
            fwd = f"{fmt(at(self.forward_flop, 'value'))} FLOP"
            terms.append(("forward FLOP per example", fwd))
        passes = at(self.passes, "value", DEFAULT_PASSES)
        epochs = at(self.epochs, "value")
        terms += [
            ("passes", fmt(passes)),
            ("examples per epoch", fmt(self.examples.value)),
            ("epochs", fmt(epochs)),
        ]
        formula = (
            f"{fwd} × {fmt(passes)} passes × {fmt(self.examples.value)} "
            f"{self.examples.unit}s × {fmt(epochs)} epochs"
        )
        return formula, terms
