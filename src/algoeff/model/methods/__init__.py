"""Compute methods: each a typed model of named inputs with units, combined by one formula.

operations   forward cost per example x passes x examples x epochs
hardware     accelerators x time x peak FLOP/s x utilization
transformer  tokens x (6 params + attention term)
reported     a figure that a source states
measured     compute-to-target read from run logs of a metered training run
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from algoeff.model.methods.base import ComputeMethod, Estimate, MethodContext
from algoeff.model.methods.hardware import Hardware
from algoeff.model.methods.measured import Measured
from algoeff.model.methods.operations import Operations
from algoeff.model.methods.reported import Reported
from algoeff.model.methods.transformer import Transformer

Compute = Annotated[
    Operations | Hardware | Transformer | Reported | Measured,
    Field(discriminator="method"),
]

METHODS: dict[str, type[ComputeMethod]] = {
    m.name: m for m in (Operations, Hardware, Transformer, Reported, Measured)
}

__all__ = [
    "METHODS",
    "Compute",
    "ComputeMethod",
    "Estimate",
    "Hardware",
    "Measured",
    "MethodContext",
    "Operations",
    "Reported",
    "Transformer",
]
