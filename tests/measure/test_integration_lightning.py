"""ComputeMeterCallback on a real lightning.pytorch.Trainer: a tiny GPT-2 from a config
(random weights, no download), CPU, a few steps with validation."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pl = pytest.importorskip("lightning.pytorch")

from algoeff.integrations.lightning import ComputeMeterCallback  # noqa: E402
from algoeff.measure import count_flops  # noqa: E402

from .models import tiny_gpt2  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, LENGTH, STEPS = 2, 16, 4


class LanguageModel(pl.LightningModule):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.model = tiny_gpt2(LENGTH)  # called as self.model(...): not the LightningModule itself

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        loss: torch.Tensor = self.model(input_ids=batch, labels=batch).loss
        return loss

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        self.log("val_loss", self.model(input_ids=batch, labels=batch).loss)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def test_lightning_trainer_is_metered(tmp_path: Path) -> None:
    ids = torch.randint(0, 64, (BATCH * STEPS, LENGTH), generator=torch.Generator().manual_seed(0))
    module = LanguageModel()
    batch = ids[:BATCH]
    one_step = count_flops(module.model, input_ids=batch, labels=batch, loss_fn=lambda o: o.loss)
    callback = ComputeMeterCallback(metric="val_loss", threshold=1e9, direction="lower")
    trainer = pl.Trainer(
        max_steps=STEPS,
        accelerator="cpu",
        devices=1,
        callbacks=[callback],
        val_check_interval=2,
        num_sanity_val_steps=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
    )
    loader = torch.utils.data.DataLoader(ids, batch_size=BATCH)
    trainer.fit(module, loader, torch.utils.data.DataLoader(ids[:BATCH], batch_size=BATCH))
    assert callback.meter is not None
    result = callback.meter.result
    assert result.steps == STEPS
    assert result.examples == STEPS * BATCH
    assert result.training_flop == STEPS * one_step.total
    assert len(result.evaluations) == 2 and result.eval_flop > 0
    assert result.steps_to_target == 2
    assert result.flop_to_target == 2 * one_step.total
