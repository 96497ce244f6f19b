"""ComputeMeter on real (tiny) training loops: exact totals, the signature cache, the
first-crossing rule, evaluation apart, recomputation apart, and a readable log."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402, N812 (after the importorskip; usual alias)
from torch import nn  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from algoeff.measure.counting import GapClosingFlopCounterMode  # noqa: E402
from algoeff.measure.meter import ComputeMeter  # noqa: E402
from algoeff.model.runlog import log_crossing, read_runlog  # noqa: E402

pytestmark = pytest.mark.torch

IN, HIDDEN, OUT = 16, 32, 4


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(IN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, OUT))


def analytic_step_flop(batch: int) -> int:
    """Forward 2 B (in h + h out); backward twice that, less the first layer's input grad."""
    forward = 2 * batch * (IN * HIDDEN + HIDDEN * OUT)
    backward = 2 * forward - 2 * batch * IN * HIDDEN
    return forward + backward


def train(meter: ComputeMeter, model: nn.Module, batches: list[int]) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for b in batches:
        x, y = torch.randn(b, IN), torch.randint(0, OUT, (b,))
        with meter.step(examples=b):
            F.cross_entropy(model(x), y).backward()
            opt.step()
            opt.zero_grad()


def test_total_is_one_counted_step_times_steps(tmp_path: Path) -> None:
    """N equal steps total N x (one step counted by FlopCounterMode directly) = the analytic count."""
    model = mlp()
    with FlopCounterMode(display=False) as direct:
        F.cross_entropy(model(torch.randn(8, IN)), torch.randint(0, OUT, (8,))).backward()
    model.zero_grad()
    one_step = direct.get_total_flops()
    assert one_step == analytic_step_flop(8)
    meter = ComputeMeter(model, metric="acc", threshold=0.5, log_path=tmp_path / "run.jsonl")
    train(meter, model, [8] * 25)
    result = meter.close()
    assert result.training_flop == 25 * one_step
    assert result.hardware_flop == result.training_flop
    assert result.steps == 25
    assert result.examples == 200


def test_counter_runs_once_per_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three shapes over 40 steps: the FLOP counter runs three times, totals stay exact."""
    made = []
    original = GapClosingFlopCounterMode.__enter__

    def entering(self: GapClosingFlopCounterMode) -> GapClosingFlopCounterMode:
        made.append(1)
        return original(self)

    monkeypatch.setattr(GapClosingFlopCounterMode, "__enter__", entering)
    model = mlp()
    meter = ComputeMeter(model, log_path=None)
    batches = [8] * 15 + [5] + [8] * 15 + [5] + [3] * 8
    train(meter, model, batches)
    assert meter.counter_runs == 3
    assert len(made) == 3
    assert meter.result.training_flop == sum(analytic_step_flop(b) for b in batches)


def test_signature_includes_mode_and_grad(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same shapes in eval mode or without grad are different steps and are counted afresh."""
    model = mlp()
    meter = ComputeMeter(model, log_path=None)
    train(meter, model, [8])
    model.eval()
    train(meter, model, [8])
    model.train()
    with meter.step(examples=8), torch.no_grad():
        model(torch.randn(8, IN))
    assert meter.counter_runs == 3
    forward = 2 * 8 * (IN * HIDDEN + HIDDEN * OUT)
    assert meter.result.training_flop == 2 * analytic_step_flop(8) + forward


def test_first_crossing_and_direction(tmp_path: Path) -> None:
    """flop_to_target is the training FLOP at the first evaluation at the threshold, once."""
    model = mlp()
    meter = ComputeMeter(model, threshold=0.79, metric="top5", log_path=tmp_path / "run.jsonl")
    seen = []
    for value in (0.5, 0.8, 0.7, 0.9):
        train(meter, model, [8] * 3)
        seen.append(meter.evaluate(top5=value, loss=1.0))
    assert seen == [False, True, False, False]
    result = meter.close()
    assert result.flop_to_target == 6 * analytic_step_flop(8)
    assert result.examples_to_target == 48
    assert result.steps_to_target == 6
    assert result.training_flop == 12 * analytic_step_flop(8)
    log = read_runlog(tmp_path / "run.jsonl")
    assert [e.crossed for e in log.evaluations] == [False, True, False, False]
    assert log_crossing(log).training_flop == result.flop_to_target
    assert log.final is not None
    assert log.final.flop_to_target == result.flop_to_target

    lower = ComputeMeter(mlp(), threshold=0.3, metric="loss", direction="lower", log_path=None)
    assert [lower.evaluate(loss=v) for v in (0.5, 0.3, 0.1)] == [False, True, False]
    assert lower.result.flop_to_target == 0


def test_no_crossing_leaves_flop_to_target_none() -> None:
    meter = ComputeMeter(mlp(), threshold=0.9, metric="acc", log_path=None)
    meter.evaluate(acc=0.5, other=0.99)
    assert meter.result.flop_to_target is None


def test_evaluation_compute_is_separate() -> None:
    """Model calls outside steps count as eval_flop (forward only), never as training FLOP."""
    model = mlp()
    meter = ComputeMeter(model, log_path=None)
    train(meter, model, [8] * 4)
    model.eval()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(50, IN))
    model.train()
    result = meter.result
    assert result.training_flop == 4 * analytic_step_flop(8)
    assert result.eval_flop == 3 * 2 * 50 * (IN * HIDDEN + HIDDEN * OUT)
    assert meter.counter_runs == 2  # one training signature, one evaluation signature


def test_paused_calls_are_not_counted() -> None:
    model = mlp()
    meter = ComputeMeter(model, log_path=None)
    with meter.paused(), torch.no_grad():
        model(torch.randn(4, IN))
    assert meter.result.eval_flop == 0


class Checkpointed(nn.Module):
    """Linear - (checkpointed Linear + ReLU) - Linear, so the middle forward is recomputed."""

    def __init__(self, use_checkpoint: bool, reentrant: bool = False) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b, self.c = (
            nn.Linear(IN, HIDDEN),
            nn.Linear(HIDDEN, HIDDEN),
            nn.Linear(HIDDEN, OUT),
        )
        self.use_checkpoint, self.reentrant = use_checkpoint, reentrant

    def middle(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.b(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        if self.use_checkpoint:
            h = checkpoint(self.middle, h, use_reentrant=self.reentrant)
        else:
            h = self.middle(h)
        return self.c(h)


@pytest.mark.parametrize("reentrant", [False, True])
def test_recomputation_is_hardware_flop_only(reentrant: bool) -> None:
    """Checkpointing leaves training (model) FLOP unchanged and adds the recomputed forward
    of the checkpointed layer to hardware FLOP only."""
    results = []
    for use in (False, True):
        model = Checkpointed(use, reentrant)
        meter = ComputeMeter(model, log_path=None)
        for _ in range(3):
            with meter.step(examples=8):
                model(torch.randn(8, IN, requires_grad=reentrant)).sum().backward()
        results.append(meter.result)
    plain, ckpt = results
    assert ckpt.training_flop == plain.training_flop
    assert plain.hardware_flop == plain.training_flop
    assert ckpt.hardware_flop - ckpt.training_flop == 3 * 2 * 8 * HIDDEN * HIDDEN


class Attention(nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v)


def _attention_step(meter: ComputeMeter, model: nn.Module) -> None:
    q, k, v = (torch.randn(2, 3, 5, 4, requires_grad=True) for _ in range(3))
    with meter.step(examples=2):
        model(q, k, v).sum().backward()


def test_attention_backward_is_model_flop() -> None:
    """Attention trains at 3x its forward (QK^T and AV, then four products in backward)."""
    forward = 2 * (2 * 2 * 3 * 5 * 5 * 4)
    model = Attention()
    meter = ComputeMeter(model, log_path=None)
    _attention_step(meter, model)
    assert meter.result.training_flop == 3 * forward
    assert meter.result.hardware_flop == 3 * forward


def test_log_matches_result_and_groups_steps(tmp_path: Path) -> None:
    """Step records group runs of one signature (flushed every N steps or on a change) and
    their totals agree with the result; the reader checks every running total."""
    model = mlp()
    meter = ComputeMeter(
        model,
        metric="top5",
        threshold=0.9,
        log_path=tmp_path / "run.jsonl",
        seed=7,
        flush_every=4,
    )
    train(meter, model, [8] * 10 + [5] + [8] * 2)
    meter.evaluate(top5=0.5)
    result = meter.close()
    log = read_runlog(tmp_path / "run.jsonl")
    assert log.header.seed == 7
    assert log.header.model.class_name == "Sequential"
    assert log.header.model.parameters == sum(p.numel() for p in model.parameters())
    assert [(s.signature, s.steps) for s in log.steps] == [
        ("t1", 4),
        ("t1", 4),
        ("t1", 2),
        ("t2", 1),
        ("t1", 2),
    ]
    assert log.steps[-1].training_flop == result.training_flop
    assert log.evaluations[0].training_flop == result.training_flop
    assert log.final is not None
    assert log.final.training_flop == result.training_flop
    assert log.final.examples == 12 * 8 + 5
    sig = log.signatures["t1"]
    assert (sig.forward_flop, sig.model_flop) == (
        2 * 8 * (IN * HIDDEN + HIDDEN * OUT),
        analytic_step_flop(8),
    )


def test_a_run_cut_off_leaves_a_readable_log(tmp_path: Path) -> None:
    """Without close() (a crash) every record written so far is on disk and readable."""
    model = mlp()
    meter = ComputeMeter(model, metric="acc", threshold=0.5, log_path=tmp_path / "run.jsonl")
    train(meter, model, [8] * 3)
    meter.evaluate(acc=0.6)
    train(meter, model, [8] * 3)  # pending steps, not yet flushed
    text = (tmp_path / "run.jsonl").read_text()
    (tmp_path / "cut.jsonl").write_text(text + text.splitlines()[1][:30])
    log = read_runlog(tmp_path / "cut.jsonl")
    assert log_crossing(log).training_flop == 3 * analytic_step_flop(8)
    assert len(log.warnings) == 2  # truncated last line; no final record


def test_failed_step_is_not_counted_and_meter_stays_usable() -> None:
    model = mlp()
    meter = ComputeMeter(model, log_path=None)

    def failing_step() -> None:
        with meter.step(examples=8):
            model(torch.randn(8, IN))
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing_step()
    train(meter, model, [8])
    assert meter.result.steps == 1
    assert meter.result.training_flop == analytic_step_flop(8)


def test_step_without_model_call_warns() -> None:
    meter = ComputeMeter(mlp(), log_path=None)
    with pytest.warns(RuntimeWarning, match="saw no call of the model"), meter.step(examples=1):
        pass
    assert meter.result.steps == 0


def test_misuse_is_refused() -> None:
    meter = ComputeMeter(mlp(), log_path=None)
    with pytest.raises(RuntimeError, match="nested"), meter.step(examples=1), meter.step(1):
        pass
    meter = ComputeMeter(mlp(), log_path=None)
    with pytest.raises(RuntimeError, match=r"inside meter\.step"), meter.step(examples=1):
        meter.evaluate(acc=1.0)
    with pytest.raises(ValueError, match="direction"):
        ComputeMeter(mlp(), direction="up", log_path=None)  # type: ignore[arg-type]


def test_no_default_target_or_log() -> None:
    """Without metric and threshold the meter only counts: no log, no crossing, any metrics."""
    model = mlp()
    meter = ComputeMeter(model)
    train(meter, model, [8] * 2)
    assert meter.evaluate(accuracy=0.99) is False
    result = meter.close()
    assert result.training_flop == 2 * analytic_step_flop(8)
    assert result.flop_to_target is None


def test_metric_and_threshold_come_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="metric given without threshold"):
        ComputeMeter(mlp(), metric="acc")
    with pytest.raises(ValueError, match="threshold given without metric"):
        ComputeMeter(mlp(), threshold=0.9)
    with pytest.raises(ValueError, match="log_path needs metric and threshold"):
        ComputeMeter(mlp(), log_path=tmp_path / "run.jsonl")
    assert not (tmp_path / "run.jsonl").exists()


def test_evaluate_without_the_watched_metric_names_both() -> None:
    meter = ComputeMeter(mlp(), metric="top5", threshold=0.79)
    with pytest.raises(ValueError, match=r"watches 'top5'.*got: accuracy, loss"):
        meter.evaluate(accuracy=0.99, loss=0.1)
    assert meter.result.evaluations == ()


def test_an_existing_log_is_refused_unless_overwrite(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text("a previous run\n")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        ComputeMeter(mlp(), metric="acc", threshold=0.5, log_path=log)
    assert log.read_text() == "a previous run\n"
    model = mlp()
    meter = ComputeMeter(model, metric="acc", threshold=0.5, log_path=log, overwrite=True)
    train(meter, model, [8])
    meter.close()
    assert read_runlog(log).final is not None


@pytest.mark.parametrize("examples", [-5, 0, 2.5, "8", True, None])
def test_examples_must_be_a_positive_integer(examples: object) -> None:
    meter = ComputeMeter(mlp())
    with pytest.raises((ValueError, TypeError), match="positive integer"):
        meter.step(examples=examples)  # type: ignore[arg-type]
    assert meter.result.steps == 0


def test_close_removes_hooks_and_is_idempotent(tmp_path: Path) -> None:
    model = mlp()
    meter = ComputeMeter(model, metric="acc", threshold=0.5, log_path=tmp_path / "run.jsonl")
    train(meter, model, [8])
    first = meter.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.no_grad():
            model(torch.randn(3, IN))  # no hook left to count it
    assert meter.close().training_flop == first.training_flop
    assert meter.result.eval_flop == 0


def test_varying_later_calls_are_recounted() -> None:
    """A step whose second model call changes shape: charged once from the counted step that
    began the same way (with a warning), then counted afresh and exact from then on."""
    model = mlp()
    meter = ComputeMeter(model, log_path=None)

    def step(second: int) -> None:
        with meter.step(examples=8):
            (model(torch.randn(8, IN)).sum() + model(torch.randn(second, IN)).sum()).backward()

    step(8)
    with pytest.warns(RuntimeWarning, match="different inputs"):
        step(4)
    step(4)
    step(4)
    assert meter.counter_runs == 2


def test_deepcopy_of_a_metered_model_runs_on_its_own_weights() -> None:
    """An EMA-style copy.deepcopy of the model computes with the copy's weights."""
    import copy

    model = mlp()
    meter = ComputeMeter(model, log_path=None)
    twin = copy.deepcopy(model)
    with torch.no_grad():
        for p in twin.parameters():
            p.zero_()
        x = torch.randn(2, IN)
        assert torch.equal(twin(x), torch.zeros(2, OUT))
        assert not torch.equal(model(x), torch.zeros(2, OUT))
    meter.close()
    assert not model._forward_pre_hooks


def test_an_evaluation_call_that_raises_leaves_no_counter_behind() -> None:
    """A forward that raises while its signature is being counted closes the counter and
    records nothing; the next call of that signature is counted afresh."""

    class Fragile(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(IN, OUT)
            self.fail = True

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.fc(x)
            if self.fail:
                raise RuntimeError("flaky")
            return y

    model = Fragile()
    meter = ComputeMeter(model, log_path=None)
    with torch.no_grad(), pytest.raises(RuntimeError, match="flaky"):
        model(torch.randn(3, IN))
    assert torch._C._len_torch_dispatch_stack() == 0
    assert meter.result.eval_flop == 0
    model.fail = False
    with torch.no_grad():
        model(torch.randn(3, IN))
    assert meter.result.eval_flop == 2 * 3 * IN * OUT
    assert meter.counter_runs == 2


def test_unsupported_operators_are_reported_by_the_meter() -> None:
    """An operator with arithmetic and no formula inside a step is listed and warned about."""
    from algoeff.measure import counting

    class Spectral(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(IN, OUT)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(torch.fft.rfft(x, n=2 * IN - 2).abs())

    model = Spectral()
    meter = ComputeMeter(model)
    counting._WARNED.discard("aten._fft_r2c")

    def step() -> None:
        with meter.step(examples=8):
            model(torch.randn(8, IN)).sum().backward()

    with pytest.warns(RuntimeWarning, match=r"ComputeMeter: .*aten\._fft_r2c"):
        step()
    step()
    assert meter.result.unsupported == {"aten._fft_r2c": 1}  # calls in the counted step
    # the linear layer only: forward, and its weight gradient (its input needs none)
    assert meter.result.training_flop == 2 * 2 * (2 * 8 * IN * OUT)
