"""Transformer training compute: 6 N D, plus the attention term when the shape is known.

C = D x (6 N + 12 L d T) FLOP, with N the non-embedding parameters, D the
training tokens, L layers, d = heads x head width (d_model) and T the context
(Kaplan et al. 2020, section 2.1; PaLM, Chowdhery et al. 2022, appendix B).
Causal masking skips half of the attention scores, so the term is halved then.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from algoeff.core.fields import Bound, Quantity
from algoeff.model.methods.base import ComputeMethod, MethodContext, at, fmt


class Parameters(Quantity):
    unit: Literal["parameter"]


class Tokens(Quantity):
    unit: Literal["token"]


class Layers(Quantity):
    unit: Literal["layer"]


class Context(Quantity):
    unit: Literal["token"]


class Width(Quantity):
    unit: Literal["dimension"]


PARAM_FLOP_PER_TOKEN = 6  # forward 2 N + backward 4 N per token
ATTENTION_FLOP_PER_TOKEN = 12  # x L x d_model x T: QK^T and AV, forward and backward


class Transformer(ComputeMethod):
    """tokens x (6 x params + 12 x layers x d_model x context [/ 2 if causal])."""

    name = "transformer"
    method: Literal["transformer"]
    params: Parameters = Field(description="non-embedding parameters N")
    tokens: Tokens = Field(description="training tokens D")
    layers: Layers | None = Field(default=None, description="layers L")
    context: Context | None = Field(default=None, description="context length T")
    d_model: Width | None = Field(default=None, description="heads x head width")
    causal: bool = Field(default=False, description="halve the attention term (causal mask)")

    @model_validator(mode="after")
    def _attention_all_or_none(self) -> Self:
        given = [q is not None for q in (self.layers, self.context, self.d_model)]
        if any(given) and not all(given):
            raise ValueError("the attention term needs all of layers, context and d_model")
        return self

    def attention_flop_per_token(self, bound: Bound) -> float:
        """12 L d T, halved for a causal mask; 0 when the shape is not given."""
        if self.layers is None:
            return 0.0
        term = (
            ATTENTION_FLOP_PER_TOKEN
            * self.layers.at(bound)
            * at(self.d_model, bound)
            * at(self.context, bound)
        )
        return float(term / 2 if self.causal else term)

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        per_token = PARAM_FLOP_PER_TOKEN * self.params.at(bound) + self.attention_flop_per_token(
            bound
        )
        return float(self.tokens.at(bound) * per_token)

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        terms = [("parameters", fmt(self.params.value)), ("tokens", fmt(self.tokens.value))]
        per_token = f"6 × {fmt(self.params.value)}"
        if self.layers is not None:
            causal = " / 2 (causal)" if self.causal else ""
            per_token += (
                f" + 12 × {fmt(self.layers.value)} × {fmt(at(self.d_model, 'value'))} "
                f"× {fmt(at(self.context, 'value'))}{causal}"
            )
            terms.append(("attention FLOP per token", fmt(self.attention_flop_per_token("value"))))
        return f"{fmt(self.tokens.value)} tokens × ({per_token}) FLOP/token", terms
