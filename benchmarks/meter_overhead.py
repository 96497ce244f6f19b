"""How much wall time ComputeMeter adds to a real training loop.

The same loop (a small CNN on digits-sized 8x8 inputs, Adam, batch 64, plus a test
evaluation per pass) runs with and without the meter on two identical models,
interleaved step by step in one process (A B, B A, ...) so that changes in machine
load hit both arms alike. Reported:

    steady-state ratio   median over repetitions of (time with meter) / (time without),
                         the meter's signatures already counted: its per-step cost
    counting cost        extra time of the step that first meets a signature (the
                         FlopCounterMode pass), and after how many steps it falls under 1 %

    python benchmarks/meter_overhead.py                 # about a minute and a half
    python benchmarks/meter_overhead.py --reps 31 --threads 2

Target: steady-state ratio <= 1.01. Results go in docs/benchmarks/meter.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812 (the usual torch alias)
from torch import nn

from algoeff.measure.meter import ComputeMeter

TRAIN, TEST, BATCH = 1437, 360, 64  # the digits split of examples/digits_efficiency.py
DEVICE = torch.device("cpu")  # set by --device


def sync() -> None:
    """Wait for queued GPU work, so that a step's time is its whole time (no-op on CPU).

    Synchronizing after every step takes away the overlap of host-side work (the
    meter's included) with GPU kernels, so on a GPU the ratio is an upper bound.
    """
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


class Net(nn.Module):
    """Three 3x3 convolutions on 8x8 inputs and a classifier: a few ms per step on a CPU."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.c1(x))
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        return self.fc(x.flatten(1))


Arm = tuple[nn.Module, torch.optim.Optimizer, ComputeMeter | None]


def train_step(arm: Arm, xb: torch.Tensor, yb: torch.Tensor) -> float:
    model, opt, meter = arm
    sync()
    began = time.perf_counter()
    if meter is None:
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
        opt.zero_grad()
    else:
        with meter.step(examples=len(xb)):
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            opt.zero_grad()
    sync()
    return time.perf_counter() - began


def evaluation(arm: Arm, xt: torch.Tensor, yt: torch.Tensor) -> float:
    model, _, meter = arm
    began = time.perf_counter()
    model.eval()
    with torch.no_grad():
        accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    model.train()
    if meter is not None:
        meter.evaluate(accuracy=accuracy)
    return time.perf_counter() - began


def paired_pass(
    plain: Arm, metered: Arm, data: tuple[torch.Tensor, ...], rep: int
) -> tuple[float, float]:
    """One epoch and one evaluation on each arm, interleaved step by step (A B, then B A),
    so that a burst of load on a shared machine falls on both arms alike. Seconds each."""
    x, y, xt, yt = data
    a = b = 0.0
    for i, start in enumerate(range(0, TRAIN, BATCH)):
        xb, yb = x[start : start + BATCH], y[start : start + BATCH]
        if (i + rep) % 2 == 0:
            a += train_step(plain, xb, yb)
            b += train_step(metered, xb, yb)
        else:
            b += train_step(metered, xb, yb)
            a += train_step(plain, xb, yb)
    a += evaluation(plain, xt, yt)
    b += evaluation(metered, xt, yt)
    return a, b


def make(seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    model = Net().to(DEVICE)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def counting_cost(data: tuple[torch.Tensor, ...], log: Path, reps: int) -> tuple[float, float]:
    """Median extra seconds of a step that meets a new signature, and of a plain step."""
    x, y = data[0][:BATCH], data[1][:BATCH]
    extra, plain = [], []
    for _ in range(reps):
        model, opt = make(0)
        meter = ComputeMeter(model, metric="accuracy", threshold=1.0, log_path=log, overwrite=True)
        times = []
        for _step in range(3):
            sync()
            began = time.perf_counter()
            with meter.step(examples=BATCH):
                F.cross_entropy(model(x), y).backward()
                opt.step()
                opt.zero_grad()
            sync()
            times.append(time.perf_counter() - began)
        meter.close()
        extra.append(times[0] - times[2])
        plain.append(times[2])
    return statistics.median(extra), statistics.median(plain)


def per_step_cost(log: Path, reps: int, steps: int = 2000) -> float:
    """Median extra seconds per step on a model so small that the meter's own work shows
    (on the CPU whatever --device says: it is host-side work)."""
    torch.manual_seed(0)
    plain, metered = nn.Linear(8, 8), nn.Linear(8, 8)
    meter = ComputeMeter(metered, metric="accuracy", threshold=1.0, log_path=log, overwrite=True)
    x = torch.randn(4, 8)

    def loop(model: nn.Module, use: ComputeMeter | None) -> float:
        began = time.perf_counter()
        for _ in range(steps):
            if use is None:
                model(x).sum().backward()
            else:
                with use.step(examples=4):
                    model(x).sum().backward()
        return time.perf_counter() - began

    loop(metered, meter)
    diffs = []
    for rep in range(reps):
        if rep % 2:
            a, b = loop(plain, None), loop(metered, meter)
        else:
            b, a = loop(metered, meter), loop(plain, None)
        diffs.append((b - a) / steps)
    meter.close()
    return statistics.median(diffs)


def call_costs() -> dict[str, float]:
    """Seconds per call of a small Linear: plain, metered, and with two no-op hooks (the
    part of the metered cost that is torch's hook machinery rather than the meter's work)."""
    import timeit

    x = torch.randn(4, 8)
    plain, metered, hooked = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)
    meter = ComputeMeter(metered, log_path=None)
    hooked.register_forward_pre_hook(lambda m, a, k: None, with_kwargs=True)
    hooked.register_forward_hook(lambda m, a, o: None, always_call=True)
    out = {}
    with torch.no_grad():
        metered(x)  # count the evaluation signature once
        for _ in range(3):  # interleaved; the minimum over repeats is the least disturbed
            for name, model in (("plain", plain), ("metered", metered), ("hooks", hooked)):
                t = min(timeit.repeat(lambda m=model: m(x), number=2000, repeat=5)) / 2000
                out[name] = min(out.get(name, t), t)
    meter.close()
    return out


def component_costs() -> dict[str, float]:
    """Seconds per call of the meter's pieces in isolation, on --device tensors."""
    import timeit
    import warnings

    x = torch.randn(64, 8, device=DEVICE)
    model = nn.Linear(8, 8).to(DEVICE)
    meter = ComputeMeter(model, log_path=None)
    with meter.step(examples=64):
        model(x).sum().backward()

    def per_step_path() -> None:
        meter._begin_step()
        meter._before_call(model, (x,), {})
        meter._end_step(64, False)

    def context_and_hook_work() -> None:
        with meter.step(examples=64):
            meter._before_call(model, (x,), {})

    plain, hooked = nn.Linear(8, 8).to(DEVICE), nn.Linear(8, 8).to(DEVICE)
    hooked.register_forward_pre_hook(lambda m, a, k: None, with_kwargs=True)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, f, n in (
            ("signature", lambda: meter._key(model, (x,), {}), 20000),
            ("per-step path", per_step_path, 20000),
            ("context + pre-hook work", context_and_hook_work, 20000),
            ("Linear call", lambda: plain(x), 5000),
            ("Linear call, no-op pre-hook", lambda: hooked(x), 5000),
        ):
            with torch.no_grad():
                out[name] = min(timeit.repeat(f, number=n, repeat=7)) / n
    meter.close()
    return out


def diagnose(reps: int = 400) -> dict[str, float]:
    """Median extra seconds per step of the real loop for: the meter; the meter's step
    context on another model (no hook here); a no-op pre-hook alone. Rotated order."""
    import warnings

    x, y = torch.rand(BATCH, 1, 8, 8, device=DEVICE), torch.randint(0, 10, (BATCH,), device=DEVICE)
    arms: dict[str, Arm] = {}
    for name in ("plain", "metered", "context only", "no-op pre-hook"):
        model, opt = make(0)
        meter: ComputeMeter | None = None
        if name == "metered":
            meter = ComputeMeter(model, log_path=None)
        elif name == "context only":  # a meter watching another model: its step, no hook here
            meter = ComputeMeter(nn.Linear(1, 1), log_path=None)
        elif name == "no-op pre-hook":
            model.register_forward_pre_hook(lambda m, a, k: None, with_kwargs=True)
        arms[name] = (model, opt, meter)

    def step(name: str) -> float:
        model, opt, meter = arms[name]
        sync()
        began = time.perf_counter()
        if meter is None:
            F.cross_entropy(model(x), y).backward()
            opt.step()
            opt.zero_grad()
        else:
            with meter.step(examples=BATCH):
                F.cross_entropy(model(x), y).backward()
                opt.step()
                opt.zero_grad()
        sync()
        return time.perf_counter() - began

    names = list(arms)
    times: dict[str, list[float]] = {n: [] for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "context only" sees no call of its model
        for _ in range(20):
            for n in names:
                step(n)
        for r in range(reps):
            for n in names[r % len(names) :] + names[: r % len(names)]:
                times[n].append(step(n))
    base = statistics.median(times["plain"])
    return {n: statistics.median(times[n]) - base for n in names[1:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=21, help="interleaved repetitions")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the training loop only)")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also time the meter's pieces, alone and inside the real loop",
    )
    args = parser.parse_args(argv)
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    data = tuple(
        t.to(DEVICE)
        for t in (
            torch.rand(TRAIN, 1, 8, 8, generator=g),
            torch.randint(0, 10, (TRAIN,), generator=g),
            torch.rand(TEST, 1, 8, 8, generator=g),
            torch.randint(0, 10, (TEST,), generator=g),
        )
    )

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.jsonl"
        plain_model, plain_opt = make(0)
        metered_model, metered_opt = make(0)
        meter = ComputeMeter(
            metered_model, metric="accuracy", threshold=1.0, log_path=log, overwrite=True
        )
        plain: Arm = (plain_model, plain_opt, None)
        metered: Arm = (metered_model, metered_opt, meter)
        for rep in range(2):  # warm-up: allocator, first counts of every signature
            paired_pass(plain, metered, data, rep)
        ratios, without, with_meter = [], [], []
        for rep in range(args.reps):
            a, b = paired_pass(plain, metered, data, rep)
            without.append(a)
            with_meter.append(b)
            ratios.append(b / a)
        result = meter.close()
        # Control: the same two models after close() removed the meter's hooks, for the
        # noise floor and any difference between the two instances themselves.
        unmetered: Arm = (metered_model, metered_opt, None)
        control = [
            b / a for a, b in (paired_pass(plain, unmetered, data, r) for r in range(args.reps))
        ]
        extra, step = counting_cost(data, log, 7)
        overhead = per_step_cost(log, 9)
    calls = call_costs()

    steps_per_pass = -(-TRAIN // BATCH)
    ratio = statistics.median(ratios)
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    print(f"date        {dt.date.today().isoformat()}")
    print(
        f"machine     {platform.processor() or platform.machine()}, {platform.system()} "
        f"{platform.release()}, {torch.get_num_threads()} torch thread(s)"
        + (f"; {torch.cuda.get_device_name()}" if DEVICE.type == "cuda" else "")
    )
    print(f"python      {platform.python_version()}, torch {torch.__version__}")
    print(f"command     python benchmarks/meter_overhead.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"loop        on {DEVICE}: {steps_per_pass} steps (batch {BATCH}) + 1 evaluation "
        f"per pass, {args.reps} interleaved repetitions"
    )
    print(
        f"without     median {statistics.median(without) * 1e3:.1f} ms per pass "
        f"({statistics.median(without) / steps_per_pass * 1e3:.2f} ms per step)"
    )
    print(f"with meter  median {statistics.median(with_meter) * 1e3:.1f} ms per pass")
    print(
        f"ratio       median {ratio:.4f} (quartiles {q1:.4f}-{q3:.4f}); target <= 1.01: "
        f"{'met' if ratio <= 1.01 else 'NOT met'}"
    )
    share = overhead / (statistics.median(without) / steps_per_pass)
    c1, c_median, c3 = statistics.quantiles(control, n=4)
    print(
        f"control     the same two models, meter closed: median {c_median:.4f} "
        f"(quartiles {c1:.4f}-{c3:.4f})"
    )
    print(
        f"per step    the meter's own work: {overhead * 1e6:.1f} us per step (tiny model, "
        f"median of 9 x 2000 steps): {share:.2%} of this loop's step"
    )
    print(
        f"one call    of a Linear(8, 8) under no_grad: plain {calls['plain'] * 1e6:.1f} us, "
        f"metered {calls['metered'] * 1e6:.1f} us, with two no-op module hooks "
        f"{calls['hooks'] * 1e6:.1f} us"
    )
    if args.diagnose:
        for name, seconds in component_costs().items():
            print(f"alone       {name}: {seconds * 1e6:.2f} us")
        for name, seconds in diagnose().items():
            print(f"in the loop {name}: {seconds * 1e6:+.1f} us per step (median of 400)")
    print(
        f"counted     {result.training_flop:.3e} training FLOP, "
        f"{result.eval_flop:.3e} evaluation FLOP"
    )
    print(
        f"first step  of a new signature costs {extra * 1e3:.1f} ms extra "
        f"({extra / step:.1f} plain steps); under 1 % after {extra / (0.01 * step):.0f} steps "
        "of that signature"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
