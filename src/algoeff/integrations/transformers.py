"""ComputeMeter for the Hugging Face ``transformers.Trainer``: a ``TrainerCallback``.

    from algoeff.integrations.transformers import ComputeMeterCallback
    callback = ComputeMeterCallback(metric="eval_loss", threshold=3.0, direction="lower",
                                    log_path="runs/gpt2.jsonl")
    trainer = Trainer(model=model, args=args, ..., callbacks=[callback])
    trainer.train()
    callback.meter.result          # RunResult: training_flop, flop_to_target, ...

One meter step per optimizer step (``on_step_begin`` to ``on_step_end``), so the
micro-batches of gradient accumulation are one step of several model calls; its
examples are the rows of the micro-batches' first tensor input. Evaluation forwards
(``trainer.evaluate``) are counted as evaluation FLOP, and the evaluation metrics
(``eval_loss``, ``eval_accuracy``: the Trainer's names) go to ``meter.evaluate``.
Needs the ``hf`` extra (``transformers>=4.40``).
"""

from __future__ import annotations

from typing import Any

from torch import nn
from transformers import TrainerCallback  # type: ignore[import-not-found,unused-ignore]

from algoeff.integrations.options import MeterOptions, batch_rows

__all__ = ["ComputeMeterCallback", "batch_rows"]


class ComputeMeterCallback(MeterOptions, TrainerCallback):  # type: ignore[misc,unused-ignore]  # Any without the extra
    """Meters every optimizer step of a ``transformers.Trainer``; ``meter`` after training.

    Arguments as ``ComputeMeter``'s (``metric`` and ``threshold`` together or neither;
    ``log_path`` needs them).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._step: Any = None
        self._rows = 0
        self._handle: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        model: nn.Module = kwargs["model"]
        self.start_meter(model, default_seed=args.seed)
        self._handle = model.register_forward_pre_hook(self._count_rows, with_kwargs=True)

    def _count_rows(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if self._step is not None:
            self._rows += batch_rows((*args, *kwargs.values()))

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.meter is None:
            return
        self._rows = 0
        self._step = self.meter.step(examples=1)  # the rows are known at the step's end
        self._step.__enter__()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        step, self._step = self._step, None
        if step is not None:
            step.examples = max(self._rows, 1)
            step.__exit__(None, None, None)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        metrics = kwargs.get("metrics") or {}
        if self.meter is not None and self._step is None:
            numbers = {
                k: float(v)
                for k, v in metrics.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            self.meter.evaluate(**numbers)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        if self.meter is not None:
            self.meter.close()
