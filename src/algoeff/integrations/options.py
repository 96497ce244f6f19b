"""What the training-framework callbacks share: the meter's options, and a batch's rows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from algoeff.core.units import Direction
from algoeff.measure.meter import ComputeMeter


class MeterOptions:
    """The arguments of ``ComputeMeter`` that a callback takes and passes on when training
    starts (``metric`` and ``threshold`` together or neither; ``log_path`` needs them)."""

    def __init__(
        self,
        *,
        metric: str | None = None,
        threshold: float | None = None,
        direction: Direction = "higher",
        log_path: str | Path | None = None,
        overwrite: bool = False,
        seed: int | None = None,
    ) -> None:
        self.options: dict[str, Any] = {
            "metric": metric,
            "threshold": threshold,
            "direction": direction,
            "log_path": log_path,
            "overwrite": overwrite,
            "seed": seed,
        }
        self.meter: ComputeMeter | None = None

    def start_meter(self, model: nn.Module, default_seed: int | None = None) -> ComputeMeter:
        """The run's meter on ``model``; the framework's seed when none was given."""
        seed = self.options["seed"] if self.options["seed"] is not None else default_seed
        self.meter = ComputeMeter(model, **{**self.options, "seed": seed})
        return self.meter


def batch_rows(values: Iterable[Any]) -> int:
    """Rows of a batch: the first dimension of its first tensor with one (1 if none has)."""
    for value in values:
        if isinstance(value, torch.Tensor) and value.dim() > 0:
            return int(value.shape[0])
    return 1
