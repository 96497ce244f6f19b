"""ComputeMeter under torch.distributed: two CPU processes (gloo, DistributedDataParallel)
each train the same steps; totals are summed over ranks and only rank 0 writes the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.distributed as dist  # noqa: E402
from torch import nn  # noqa: E402

from algoeff.model.runlog import read_runlog  # noqa: E402

from .ranks import process_group, run_ranks  # noqa: E402

pytestmark = pytest.mark.torch

WORLD = 2
STEPS = 4
BATCH = 8
DEADLINE_S = 120


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))


def _train(model: nn.Module, log_path: Path | None) -> dict[str, int | None]:
    from algoeff.measure.meter import ComputeMeter

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    meter = ComputeMeter(model, metric="acc", threshold=0.5, log_path=log_path)
    torch.manual_seed(1)
    for _ in range(STEPS):
        x = torch.randn(BATCH, 16)
        with meter.step(examples=BATCH):
            model(x).sum().backward()
            opt.step()
            opt.zero_grad()
    # Rank 1 passes a different value: rank 0's metrics are the ones recorded.
    rank = dist.get_rank() if dist.is_initialized() else 0
    meter.evaluate(acc=0.6 if rank == 0 else 0.1)
    result = meter.close()
    return {
        "training_flop": result.training_flop,
        "examples": result.examples,
        "steps": result.steps,
        "flop_to_target": result.flop_to_target,
    }


def _worker(rank: int, port: int, out: str) -> None:
    with process_group(rank, port, WORLD):
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(_model())
        summary = _train(model, Path(out) / "run.jsonl")
        (Path(out) / f"rank{rank}.json").write_text(json.dumps(summary))


def test_two_ranks_sum_to_twice_one_process(tmp_path: Path) -> None:
    """Each rank trains the steps one process would; the totals are twice the single figure."""
    single = _train(_model(), None)
    run_ranks(_worker, tmp_path, WORLD, DEADLINE_S)
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(WORLD)]
    assert single["training_flop"]
    for got in ranks:
        assert got["training_flop"] == WORLD * single["training_flop"]
        assert got["examples"] == WORLD * STEPS * BATCH
        assert got["steps"] == STEPS
        assert got["flop_to_target"] == WORLD * single["training_flop"]
    log = read_runlog(tmp_path / "run.jsonl")
    assert (log.header.world_size, log.header.rank) == (WORLD, 0)
    assert log.final is not None
    assert log.final.training_flop == WORLD * single["training_flop"]
    assert log.evaluations[0].metrics == {"acc": 0.6}
    # Step records hold rank 0's own running total: half the summed figure.
    assert log.steps[-1].training_flop == single["training_flop"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank0.json", "rank1.json", "run.jsonl"]
