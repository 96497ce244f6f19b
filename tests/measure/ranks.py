"""Running a test body on several CPU processes (gloo), for the DDP and FSDP tests."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def process_group(rank: int, port: int, world: int) -> Iterator[None]:
    """A gloo group for the body; every rank meets at a barrier before it is torn down."""
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    try:
        yield
        # A rank that destroys the group while another still has collectives in flight
        # can abort in gloo's threads (seen in several runs in ten with torch 2.13, CPU).
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _child(rank: int, worker: Callable[[int, int, str], None], port: int, out: str) -> None:
    worker(rank, port, out)
    # The worker has written its results and torn its group down. Leave without the
    # interpreter's teardown: in children spawned from pytest, C++ threads of torch's
    # distributed runtime sometimes abort at exit ("terminate called without an active
    # exception", 1 run in about 10, after all the work is done), which a standalone
    # script of the same steps never showed in 55 runs. An exception above still fails
    # the test, with its traceback.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_ranks(
    worker: Callable[[int, int, str], None], out: Path, world: int, deadline_s: float
) -> None:
    """``worker(rank, port, out)`` on ``world`` processes; the test fails past the deadline."""
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available in this build")
    context = mp.spawn(_child, args=(worker, free_port(), str(out)), nprocs=world, join=False)
    deadline = time.monotonic() + deadline_s
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail(f"the {world} ranks did not finish within {deadline_s} s")
