"""ComputeMeter on torch.compile'd models: the model stays compiled (Dynamo's own counters
say so) and the meter counts the same FLOP as on the eager model, whether the meter is
attached to the compiled wrapper or to the original module, before or after compiling."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import _dynamo as dynamo  # noqa: E402
from torch import nn  # noqa: E402
from torch._dynamo.utils import counters  # noqa: E402

from algoeff.measure.meter import ComputeMeter  # noqa: E402

pytestmark = pytest.mark.torch

# aot_eager: Dynamo and AOTAutograd exactly as with the default backend, without
# Inductor's C++ compilation (seconds per graph on a CPU); the meter never sees the backend.
BACKEND = "aot_eager"


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def run(meter: ComputeMeter, call: nn.Module, steps: int = 5) -> None:
    for batch in [8] * steps + [4]:
        with meter.step(examples=batch):
            call(torch.randn(batch, 64)).sum().backward()
    with torch.no_grad():
        call(torch.randn(3, 64))


def eager_figures() -> tuple[int, int]:
    model = mlp()
    with ComputeMeter(model) as meter:
        run(meter, model)
    return meter.result.training_flop, meter.result.eval_flop


@pytest.mark.parametrize("case", ["meter-on-original", "meter-on-compiled", "warm-first", "after"])
def test_compiled_model_stays_compiled_and_counts_as_eager(case: str) -> None:
    training, evaluation = eager_figures()
    dynamo.reset()
    counters.clear()
    model = mlp()
    if case == "after":  # meter first, compiled later
        meter = ComputeMeter(model)
        compiled = torch.compile(model, backend=BACKEND)
    else:
        compiled = torch.compile(model, backend=BACKEND)
        if case == "warm-first":  # compiled and run before the meter exists
            compiled(torch.randn(8, 64)).sum().backward()
            model.zero_grad()
        meter = ComputeMeter(compiled if case == "meter-on-compiled" else model)
    with meter:
        run(meter, compiled)
    stats = counters["stats"]
    assert stats["unique_graphs"] >= 2, dict(stats)  # batch 8, batch 4 (and eval) compiled
    assert stats["calls_captured"] > 0
    result = meter.result
    assert (result.training_flop, result.eval_flop) == (training, evaluation)
    assert result.steps == 6
    assert meter.counter_runs == 3  # two step signatures, one evaluation signature


def test_issue_snippet_compiles_under_the_meter() -> None:
    """The snippet of the issue: compiled while metered, and the eager FLOP count."""
    dynamo.reset()
    counters.clear()
    m = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    cm = torch.compile(m, backend=BACKEND)
    with ComputeMeter(m) as meter:
        for _ in range(5):
            with meter.step(examples=8):
                cm(torch.randn(8, 64)).sum().backward()
    assert counters["stats"]["unique_graphs"] == 1
    forward = 2 * 8 * (64 * 64 + 64 * 10)
    backward = 2 * forward - 2 * 8 * 64 * 64  # no input gradient for the first layer
    assert meter.result.training_flop == 5 * (forward + backward)


def test_a_model_that_cannot_run_on_meta_is_reported() -> None:
    """Replay runs on meta tensors; a forward that needs tensor values cannot: the step's
    count is missing, and the meter says so instead of counting 0 silently."""

    class DataDependent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x) * float(x.abs().max().item() > 0)

    dynamo.reset()
    model = DataDependent()
    compiled = torch.compile(model, backend=BACKEND)
    meter = ComputeMeter(model)
    with (
        pytest.warns(RuntimeWarning, match="replay on the meta device failed"),
        meter.step(examples=2),
    ):
        compiled(torch.randn(2, 8)).sum().backward()
    assert any("replay" in name for name in meter.result.unsupported)
    meter.close()
