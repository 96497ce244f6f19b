"""ComputeMeter under FSDP2 (torch.distributed.fsdp.fully_shard): two CPU processes (gloo)
each train the same steps on a sharded model; the totals are the model FLOP summed over
ranks, the same as two unsharded processes (sharding moves weights, not matrix work)."""

from __future__ import annotations

import json
import socket
import time
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from torch import nn  # noqa: E402

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
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD
    )
    try:
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
        # Both ranks done before either tears the group down: a rank that destroys it while
        # the other still has collectives in flight aborts in gloo's threads.
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_fsdp2_on_cpu_sums_model_flop_over_ranks(tmp_path: Path) -> None:
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available in this build")
    single = _train(_model())
    context = mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=False)
    deadline = time.monotonic() + DEADLINE_S
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail(f"the two ranks did not finish within {DEADLINE_S} s")
    for rank in range(WORLD):
        got = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert got["training_flop"] == WORLD * single["training_flop"]
        assert got["examples"] == WORLD * STEPS * BATCH
        assert json.loads((tmp_path / f"rank{rank}.warnings.json").read_text()) == []
