"""What a FLOP count returns: totals, per-module and per-operator breakdowns, and the
operators that had no formula. Plain data, no torch, so results can be stored and read
back anywhere.

All figures are FLOP with one multiply-add = 2 (see algoeff.core.units).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from algoeff.core.units import FLOP_PER_MULTIPLY_ADD
from algoeff.measure.formulas import transformer_flop_per_token


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Flop:
    """A forward and a backward figure, in FLOP."""

    forward: int = 0
    backward: int = 0

    @property
    def total(self) -> int:
        return self.forward + self.backward


@dataclass(frozen=True)
class ModuleFlop:
    """FLOP of one module: with its submodules (forward, backward) and without (self_*).

    Backward FLOP are attributed to a module the way torch's ModuleTracker sees the
    autograd graph: between the gradient of the module's output arriving and that of
    its input leaving.
    """

    forward: int
    backward: int
    self_forward: int
    self_backward: int

    @property
    def total(self) -> int:
        return self.forward + self.backward


@dataclass(frozen=True)
class TransformerComparison:
    """A counted figure beside the analytic 6 N + 12 L d T (or forward 2 N + 4 L d T) one."""

    params: float
    layers: int
    d_attn: int
    context: int
    tokens: int
    causal: bool
    backward: bool
    analytic_flop: float
    counted_flop: int

    @property
    def ratio(self) -> float:
        """Counted over analytic; 1.0 is exact agreement."""
        return self.counted_flop / self.analytic_flop


@dataclass(frozen=True)
class FlopCount:
    """The FLOP of one counted step: forward, backward and where they went.

    ``forward`` and ``backward`` are model FLOP. ``recomputed`` is forward work that
    activation checkpointing runs again during backward: hardware FLOP, counted apart
    and left out of ``total`` and of the breakdowns (``hardware_total`` includes it).

    ``unsupported`` maps operators that do real arithmetic but have no formula (so
    their work is missing from every figure here) to the number of calls seen.
    ``outside_modules`` holds the FLOP issued by no module (functional code around
    the model, or a loss); ``sum(m.self_forward for m in by_module.values()) +
    outside_modules.forward == forward``, and the same for backward.
    """

    forward: int
    backward: int
    includes_backward: bool
    recomputed: int = 0
    by_module: Mapping[str, ModuleFlop] = field(default_factory=dict)
    by_operator: Mapping[str, Flop] = field(default_factory=dict)
    outside_modules: Flop = Flop()
    unsupported: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen all the way down: callers get read-only views of the breakdowns.
        object.__setattr__(self, "by_module", _frozen(self.by_module))
        object.__setattr__(self, "by_operator", _frozen(self.by_operator))
        object.__setattr__(self, "unsupported", _frozen(self.unsupported))

    @property
    def total(self) -> int:
        return self.forward + self.backward

    @property
    def hardware_total(self) -> int:
        """Model FLOP plus recomputation: the arithmetic the hardware actually did."""
        return self.total + self.recomputed

    @property
    def forward_multiply_adds(self) -> float:
        """The forward figure in multiply-adds, the unit most vision papers quote as "FLOPs"."""
        return self.forward / FLOP_PER_MULTIPLY_ADD

    def transformer(
        self,
        *,
        params: float,
        layers: int,
        d_attn: int,
        context: int,
        tokens: int,
        causal: bool = False,
    ) -> TransformerComparison:
        """Compare with the analytic transformer figure for ``tokens`` tokens.

        ``params``: parameters that take part in matrix products (everything but the
        input embedding table; see algoeff.measure.counting.matmul_params);
        ``d_attn``: query heads x head width; ``context``: keys each query attends to.
        The analytic figure covers forward and backward exactly when this count does.
        """
        per_token = transformer_flop_per_token(
            params, layers, d_attn, context, backward=self.includes_backward, causal=causal
        )
        return TransformerComparison(
            params=params,
            layers=layers,
            d_attn=d_attn,
            context=context,
            tokens=tokens,
            causal=causal,
            backward=self.includes_backward,
            analytic_flop=per_token * tokens,
            counted_flop=self.total,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; every figure's key says its unit."""
        return {
            "convention": "multiply-add=2",
            "forward_flop": self.forward,
            "backward_flop": self.backward,
            "total_flop": self.total,
            "recomputed_flop": self.recomputed,
            "hardware_total_flop": self.hardware_total,
            "includes_backward": self.includes_backward,
            "by_module": {
                name: {
                    "forward_flop": m.forward,
                    "backward_flop": m.backward,
                    "self_forward_flop": m.self_forward,
                    "self_backward_flop": m.self_backward,
                }
                for name, m in self.by_module.items()
            },
            "by_operator": {
                name: {"forward_flop": f.forward, "backward_flop": f.backward}
                for name, f in sorted(self.by_operator.items())
            },
            "outside_modules": {
                "forward_flop": self.outside_modules.forward,
                "backward_flop": self.outside_modules.backward,
            },
            "unsupported": {
                name: {"calls": calls} for name, calls in sorted(self.unsupported.items())
            },
        }
