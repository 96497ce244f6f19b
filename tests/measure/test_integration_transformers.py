"""ComputeMeterCallback on a real transformers.Trainer: a tiny GPT-2 from a config (random
weights, no download), CPU, a few optimizer steps with gradient accumulation and evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from algoeff.integrations.transformers import ComputeMeterCallback  # noqa: E402
from algoeff.measure import count_flops  # noqa: E402
from algoeff.model.runlog import read_runlog  # noqa: E402

from .models import tiny_gpt2  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, ACCUMULATE, LENGTH, STEPS = 2, 2, 16, 4


class Tokens(torch.utils.data.Dataset[dict[str, Any]]):
    def __init__(self, rows: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, 64, (rows, LENGTH), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def test_trainer_is_metered_step_by_step(tmp_path: Path) -> None:
    model = tiny_gpt2(LENGTH)
    ids = Tokens(BATCH).ids  # one micro-batch's shape: the FLOP depend on nothing else
    one_micro_batch = count_flops(model, input_ids=ids, labels=ids, loss_fn=lambda o: o.loss)
    callback = ComputeMeterCallback(
        metric="eval_loss", threshold=1e9, direction="lower", log_path=tmp_path / "run.jsonl"
    )
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=STEPS,
        per_device_train_batch_size=BATCH,
        per_device_eval_batch_size=BATCH,
        gradient_accumulation_steps=ACCUMULATE,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        logging_steps=100,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = transformers.Trainer(
        model=model,
        args=args,
        train_dataset=Tokens(BATCH * ACCUMULATE * STEPS),
        eval_dataset=Tokens(BATCH),
        callbacks=[callback],
    )
    trainer.train()
    assert callback.meter is not None
    result = callback.meter.result
    assert result.steps == STEPS
    assert result.examples == STEPS * ACCUMULATE * BATCH
    assert result.training_flop == STEPS * ACCUMULATE * one_micro_batch.total
    assert result.eval_flop > 0
    assert len(result.evaluations) == 2
    # eval_loss of a random model is far below 1e9: the first evaluation crosses
    assert result.steps_to_target == 2
    assert result.flop_to_target == 2 * ACCUMULATE * one_micro_batch.total
    log = read_runlog(tmp_path / "run.jsonl")
    assert log.final is not None and log.final.training_flop == result.training_flop
