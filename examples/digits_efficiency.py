"""The efficiency paper's experiment in miniature: compute to reach a fixed accuracy on digits.

Hernandez & Brown (2020) held a level of performance fixed (AlexNet's ImageNet
accuracy) and measured how much training compute later architectures needed to
reach it. Here the level is a test accuracy on scikit-learn's bundled 8x8 digits
(1,797 images, no download), the architectures are a wide MLP (the baseline) and
two smaller ones, and the compute is measured by algoeff's ComputeMeter instead
of estimated: the FLOP the training steps actually executed, up to the first
evaluation at the threshold, for several seeds.

    python examples/digits_efficiency.py                     # about 10-30 s on a laptop CPU
    python examples/digits_efficiency.py --emit-analysis     # also write measured entries
    algoeff measure runs/digits/small-cnn-seed*.jsonl        # the same numbers from the logs

The tutorial in docs/measuring-training.md walks through it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812 (the usual torch alias)
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from algoeff.core.units import format_flop
from algoeff.measure.entry import write_measured_entry
from algoeff.measure.meter import ComputeMeter
from algoeff.model.runlog import log_crossing, read_runlog, spread

BATCH = 32
LEARNING_RATE = 1e-3


class SmallCNN(nn.Module):
    """Two 3x3 convolutions with pooling, then a linear classifier: about 1,400 weights."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(-1, 1, 8, 8)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 8x8 -> 4x4
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 4x4 -> 2x2
        return self.fc(x.flatten(1))


def wide_mlp() -> nn.Module:
    """The baseline: two hidden layers of 512, about 300,000 weights."""
    return nn.Sequential(
        nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )


def narrow_mlp() -> nn.Module:
    """One hidden layer of 32, about 2,400 weights."""
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


ARCHITECTURES: dict[str, Callable[[], nn.Module]] = {
    "wide-mlp": wide_mlp,  # first: the baseline every reduction factor divides
    "narrow-mlp": narrow_mlp,
    "small-cnn": SmallCNN,
}


def load() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1]; a fixed, stratified 80/20 split."""
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x / 16.0, y, test_size=0.2, random_state=0, stratify=y
    )

    def f(a: object) -> torch.Tensor:
        return torch.tensor(a, dtype=torch.float32)

    return f(x_train), torch.tensor(y_train), f(x_test), torch.tensor(y_test)


def train(
    arch: str,
    seed: int,
    log_path: Path,
    threshold: float,
    max_epochs: int,
    eval_every: int,
    data: tuple[torch.Tensor, ...],
) -> None:
    """Train one model with the meter until the first evaluation at the threshold."""
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(seed)
    model = ARCHITECTURES[arch]()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    order = torch.Generator().manual_seed(seed)
    with ComputeMeter(
        model,
        threshold=threshold,
        metric="accuracy",
        log_path=log_path,
        seed=seed,
        overwrite=True,
    ) as meter:
        step = 0
        for _epoch in range(max_epochs):
            perm = torch.randperm(len(x_train), generator=order)
            for start in range(0, len(x_train), BATCH):
                idx = perm[start : start + BATCH]
                model.train()
                with meter.step(examples=len(idx)):
                    loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
                    loss.backward()
                    opt.step()
                    opt.zero_grad()
                step += 1
                if step % eval_every == 0:
                    model.eval()
                    with torch.no_grad():
                        correct = int((model(x_test).argmax(1) == y_test).sum())
                    accuracy = correct / len(y_test)
                    if meter.evaluate(accuracy=accuracy):
                        return  # reached: compute-to-target is fixed, the rest would not count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("runs/digits"),
        help="folder for the run logs (default runs/digits)",
    )
    parser.add_argument("--threshold", type=float, default=0.9, help="test accuracy to reach")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument(
        "--eval-every", type=int, default=10, help="evaluate every N steps (45 steps make an epoch)"
    )
    parser.add_argument(
        "--arch",
        nargs="+",
        choices=list(ARCHITECTURES),
        default=list(ARCHITECTURES),
        help="architectures; the first is the baseline",
    )
    parser.add_argument(
        "--emit-analysis",
        action="store_true",
        help="also write a measured analysis entry per architecture into --out",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (1 keeps results bit-for-bit repeatable)",
    )
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    data = load()
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    means: dict[str, float] = {}
    print(
        f"digits: compute to reach test accuracy {args.threshold:g} "
        f"(first evaluation at or above it, every {args.eval_every} steps)"
    )
    for arch in args.arch:
        logs = [args.out / f"{arch}-seed{seed}.jsonl" for seed in args.seeds]
        for seed, path in zip(args.seeds, logs, strict=True):
            train(arch, seed, path, args.threshold, args.max_epochs, args.eval_every, data)
        runlogs = [read_runlog(p) for p in logs]
        crossings = [log_crossing(log) for log in runlogs]
        missed = [p.name for p, c in zip(logs, crossings, strict=True) if not c.reached]
        if missed:
            print(
                f"  {arch}: never reached {args.threshold:g} in {args.max_epochs} epochs "
                f"({', '.join(missed)}); raise --max-epochs or lower --threshold"
            )
            return 1
        stats = spread(c.training_flop or 0.0 for c in crossings)
        assert stats is not None
        means[arch] = stats.mean
        per_example = runlogs[0].signatures["t1"].model_flop / BATCH
        epochs = [(c.examples or 0) / len(data[0]) for c in crossings]
        print(
            f"  {arch:<11} {runlogs[0].header.model.parameters:>7} weights  "
            f"{format_flop(per_example)} FLOP/example  "
            f"{format_flop(stats.mean)} FLOP to target "
            f"(min {format_flop(stats.min)}, max {format_flop(stats.max)}, n={stats.n}; "
            f"{min(epochs):.2f}-{max(epochs):.2f} epochs)"
        )
        if args.emit_analysis:
            entry_path = args.out / f"{arch}.yaml"
            write_measured_entry(
                entry_path,
                runlogs,
                crossings,
                "accuracy",
                args.threshold,
                "higher",
                "first",
                force=True,
                entry_id=arch,
                benchmark=f"digits-{round(args.threshold * 100)}",
                name=f"{arch} (digits example)",
                model=arch,
                dataset="sklearn-digits",
                title="algoeff example: training compute to a fixed accuracy on digits",
                url="https://scikit-learn.org/stable/datasets/toy_dataset.html",
            )
            print(f"    wrote {entry_path}")
    baseline = args.arch[0]
    for arch in args.arch[1:]:
        print(f"reduction factor {baseline} / {arch}: {means[baseline] / means[arch]:.1f}x")
    print(f"logs in {args.out}/ ({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
