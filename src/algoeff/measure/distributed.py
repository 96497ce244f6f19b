"""torch.distributed for the meter: this process's rank, and totals summed over ranks.

Every function but ``rank_and_world`` is a collective: every rank must call it, in
the same order. Without an initialized process group the meter never calls them.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
import torch.distributed as dist


def rank_and_world() -> tuple[int, int]:
    """This process's rank and the world size; (0, 1) outside torch.distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _reduce_device() -> torch.device:
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_reduce(values: list[int], op: Literal["sum", "max"]) -> list[int]:
    """Sum (or max) integers over ranks; float64 is exact to 2**53 and within 1e-16 beyond."""
    tensor = torch.tensor(values, dtype=torch.float64, device=_reduce_device())
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM if op == "sum" else dist.ReduceOp.MAX)
    return [round(v) for v in tensor.tolist()]


def broadcast(values: dict[str, float]) -> dict[str, float]:
    """Rank 0's ``values`` on every rank."""
    box: list[Any] = [values]
    dist.broadcast_object_list(box, src=0)
    return dict(box[0])
