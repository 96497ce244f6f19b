"""ComputeMeter for Lightning (``lightning.pytorch.Trainer``): a ``Callback``.

    from algoeff.integrations.lightning import ComputeMeterCallback
    callback = ComputeMeterCallback(metric="val_acc", threshold=0.9, log_path="run.jsonl")
    trainer = lightning.pytorch.Trainer(..., callbacks=[callback])
    trainer.fit(module, train_loader, val_loader)
    callback.meter.result          # RunResult: training_flop, flop_to_target, ...

A LightningModule's training step need not call the module itself (``self.model(x)``
is common), so the meter watches the steps: for the run, ``training_step`` and
``validation_step`` are routed through a small ``nn.Module`` that calls them, and the
meter hooks that. One meter step per training batch (``on_train_batch_start`` to
``on_train_batch_end``: the step's forward, loss, backward and optimizer step); its
examples are the rows of the batch's first tensor. Validation steps are evaluation
FLOP; after each validation the metrics the module logged (``trainer.callback_metrics``,
e.g. ``val_loss`` as passed to ``self.log``) go to ``meter.evaluate``. Needs the
``lightning`` extra (``lightning>=2.2``).
"""

from __future__ import annotations

from typing import Any

import torch
from lightning.pytorch import Callback  # type: ignore[import-not-found,unused-ignore]
from torch import nn

from algoeff.integrations.options import MeterOptions, batch_rows

__all__ = ["ComputeMeterCallback"]

_ROUTED = ("training_step", "validation_step")


class _Steps(nn.Module):
    """Calls the LightningModule's step methods, so that the meter can hook one module."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module  # a submodule: the log's header names it and counts its weights

    def forward(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any]:
        # Boxed: a step may return None, which the meter reads as a forward that raised.
        return (getattr(type(self.module), name)(self.module, *args, **kwargs),)


class ComputeMeterCallback(MeterOptions, Callback):  # type: ignore[misc,unused-ignore]  # Any without the extra
    """Meters every training batch of a Lightning ``Trainer``; ``meter`` after ``fit``.

    Arguments as ``ComputeMeter``'s (``metric`` and ``threshold`` together or neither;
    ``log_path`` needs them).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._step: Any = None
        self._module: Any = None

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        steps = _Steps(pl_module)
        for name in _ROUTED:
            setattr(pl_module, name, _route(steps, name))
        self._module = pl_module
        self.start_meter(steps)

    def on_train_batch_start(
        self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int
    ) -> None:
        if self.meter is not None:
            self._step = self.meter.step(
                examples=batch_rows(torch.utils._pytree.tree_flatten(batch)[0])
            )
            self._step.__enter__()

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        step, self._step = self._step, None
        if step is not None:
            step.__exit__(None, None, None)

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if self.meter is None or trainer.sanity_checking:
            return
        metrics = {}
        for name, value in trainer.callback_metrics.items():
            scalar = isinstance(value, torch.Tensor) and value.numel() == 1
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if scalar or number:
                metrics[name] = float(value)
        self.meter.evaluate(**metrics)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        for name in _ROUTED:
            pl_module.__dict__.pop(name, None)
        if self.meter is not None:
            self.meter.close()


def _route(steps: _Steps, name: str) -> Any:
    def routed(*args: Any, **kwargs: Any) -> Any:
        return steps(name, *args, **kwargs)[0]

    return routed
