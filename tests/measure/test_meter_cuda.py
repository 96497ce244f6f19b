"""ComputeMeter on a CUDA device: fused attention kernels, checkpointing and the signature
cache give the same model FLOP as the analytic count. Skipped without a GPU."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402, N812 (after the importorskip; usual alias)
from torch import nn  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402

from algoeff.measure.meter import ComputeMeter  # noqa: E402

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

B, H, T, D = 2, 4, 128, 64  # attention shape: batch, heads, tokens, head width


class Attention(nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32])
def test_fused_attention_trains_at_three_times_forward(dtype: torch.dtype) -> None:
    """Whichever kernel CUDA picks (flash, memory-efficient, cuDNN, math), model FLOP are
    forward + 2x forward; anything the counter credits beyond that is hardware FLOP."""
    forward = 2 * (2 * B * H * T * T * D)  # Q K^T and A V
    model = Attention()
    meter = ComputeMeter(model, log_path=None)
    for _ in range(3):
        q, k, v = (
            torch.randn(B, H, T, D, device="cuda", dtype=dtype, requires_grad=True)
            for _ in range(3)
        )
        with meter.step(examples=B):
            model(q, k, v).float().sum().backward()
    result = meter.result
    assert meter.counter_runs == 1
    assert result.training_flop == 3 * 3 * forward
    assert result.hardware_flop >= result.training_flop


def test_mlp_step_on_cuda_matches_the_analytic_count() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    meter = ComputeMeter(model, log_path=None)
    for _ in range(20):
        x = torch.randn(64, 256, device="cuda")
        y = torch.randint(0, 10, (64,), device="cuda")
        with meter.step(examples=64):
            F.cross_entropy(model(x), y).backward()
            opt.step()
            opt.zero_grad()
    forward = 2 * 64 * (256 * 512 + 512 * 10)
    backward = 2 * forward - 2 * 64 * 256 * 512  # no input gradient for the first layer
    assert meter.counter_runs == 1
    assert meter.result.training_flop == 20 * (forward + backward)


def test_checkpoint_on_cuda_is_hardware_only() -> None:
    torch.manual_seed(0)
    a, b, c = nn.Linear(64, 128).cuda(), nn.Linear(128, 128).cuda(), nn.Linear(128, 4).cuda()

    class Net(nn.Module):
        def __init__(self, use: bool) -> None:
            super().__init__()
            self.a, self.b, self.c, self.use = a, b, c, use

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.a(x)
            h = (
                checkpoint(lambda t: torch.relu(self.b(t)), h, use_reentrant=False)
                if self.use
                else torch.relu(self.b(h))
            )
            return self.c(h)

    results = []
    for use in (False, True):
        model = Net(use)
        meter = ComputeMeter(model, log_path=None)
        with meter.step(examples=32):
            model(torch.randn(32, 64, device="cuda")).sum().backward()
        results.append(meter.result)
    assert results[1].training_flop == results[0].training_flop
    assert results[1].hardware_flop - results[1].training_flop == 2 * 32 * 128 * 128
