"""Measured compute-to-target, read back from the run logs of a metered training run.

Owned by the measurement work (issue 3): the logs are JSON Lines written by
algoeff.measure.ComputeMeter; reading them needs no torch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from algoeff.fields import Bound, Text
from algoeff.methods.base import ComputeMethod, MethodContext


class Measured(ComputeMethod):
    """Mean over run logs of the training FLOP up to the first evaluation at the threshold."""

    name = "measured"
    method: Literal["measured"]
    logs: list[Text] = Field(min_length=1, description="run logs, relative to the entry file")

    def run_flop(self, bound: Bound, context: MethodContext) -> float:
        raise NotImplementedError("measured entries are not supported yet")

    def run_formula(self, context: MethodContext) -> tuple[str, list[tuple[str, str]]]:
        raise NotImplementedError("measured entries are not supported yet")
