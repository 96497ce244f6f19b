"""ComputeMeter under FSDP2 (torch.distributed.fsdp.fully_shard): two CPU processes (gloo)
each train the same steps on a sharded model; the totals are the model FLOP summed over
ranks, the same as two unsharded processes (sharding moves weights, not matrix work)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from .ranks import process_group, run_ranks  # noqa: E402

pytestmark = pytest.mark.torch

WORLD, STEPS, BATCH, DEADLINE_S = 2, 3, 8, 120


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4)
    )


def _train(model: nn.Module) -> dict[str, int]:
    from algoeff.measure.meter import ComputeMeter

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    meter = ComputeMeter(model)
    torch.manual_seed(1)
    for _ in range(STEPS):
        with meter.step(examples=BATCH):
            model(torch.randn(BATCH, 16)).sum().backward()
            opt.step()
            opt.zero_grad()
    result = meter.close()
    return {"training_flop": result.training_flop, "examples": result.examples}


def _worker(rank: int, port: int, out: str) -> None:
    with process_group(rank, port, WORLD):
        from torch.distributed.fsdp import fully_shard

        model = _model()
        for layer in model:
            if isinstance(layer, nn.Linear):
                fully_shard(layer)
        fully_shard(model)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            summary = _train(model)
        (Path(out) / f"rank{rank}.json").write_text(json.dumps(summary))
        # FSDP2's own copy operators are data movement, not silently dropped work.
        unsupported = [str(w.message) for w in seen if "no FLOP formula" in str(w.message)]
        (Path(out) / f"rank{rank}.warnings.json").write_text(json.dumps(unsupported))


def test_fsdp2_on_cpu_sums_model_flop_over_ranks(tmp_path: Path) -> None:
    single = _train(_model())
    run_ranks(_worker, tmp_path, WORLD, DEADLINE_S)
    for rank in range(WORLD):
        got = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert got["training_flop"] == WORLD * single["training_flop"]
        assert got["examples"] == WORLD * STEPS * BATCH
        assert json.loads((tmp_path / f"rank{rank}.warnings.json").read_text()) == []
