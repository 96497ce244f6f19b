"""Counting accuracy: analytic FLOP vs algoeff's counter vs torch's FlopCounterMode vs
fvcore and ptflops, on reference layers and models at realistic sizes, on the CPU.

    .venv/bin/python benchmarks/counting_accuracy.py     # prints a markdown table

The models and their hand-derived counts are tests/measure/models.py (the same code
the tests run at tiny sizes). One multiply-add = 2 FLOP throughout; fvcore and ptflops
report multiply-adds, doubled here; ptflops's "pytorch" backend also divides by the
size of the input's first dimension, multiplied back here. Both count the forward pass
only (fvcore traces it with torch.jit; ptflops's "pytorch" backend hooks modules, its
"aten" backend intercepts operators like FlopCounterMode), so their forward + backward
cells are empty. Each cell gives the FLOP and, in brackets, its ratio to the analytic
count. fvcore and ptflops are optional: `pip install fvcore ptflops` (without
--upgrade, so torch is left alone); a missing one shows as "not installed".
"""

from __future__ import annotations

import contextlib
import io
import platform
import sys
import warnings
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.measure.models import (
    Case,
    encoder_case,
    mha_case,
    mlp_case,
    mobilenet_case,
    rnn_case,
    vit_case,
)

from algoeff.measure import count_flops

# MobileNetV2's inverted residual stages (expansion t, channels c, repeats n, stride s),
# arXiv 1801.04381, table 2; the final 1x1 convolution to 1280 channels is left out.
MOBILENET_V2_STAGES = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def suite() -> list[Case]:
    blocks = tuple(
        (c, s if i == 0 else 1, t) for t, c, n, s in MOBILENET_V2_STAGES for i in range(n)
    )
    return [
        mlp_case(batch=64, d_in=784, hidden=4096, d_out=10),
        mobilenet_case(batch=1, resolution=224, blocks=blocks, classes=1000),
        vit_case(batch=1, resolution=224, patch=16, dim=768, depth=12, heads=12, classes=1000),
        mha_case(batch=4, tokens=256, dim=512, heads=8),
        encoder_case(batch=2, tokens=256, dim=512, heads=8, ffn=2048, layers=6),
        rnn_case("LSTM", steps=64, batch=16, d_in=256, hidden=512, layers=2),
        rnn_case("GRU", steps=64, batch=16, d_in=256, hidden=512, layers=2),
    ]


def _context(case: Case) -> contextlib.AbstractContextManager[object]:
    return contextlib.nullcontext() if case.train else torch.no_grad()


def ours(case: Case, backward: bool) -> int:
    model, inputs = case.make("cpu")
    with _context(case):
        return count_flops(model, *inputs, backward=backward).total


def torch_raw(case: Case, backward: bool) -> int:
    model, inputs = case.make("cpu")
    with _context(case), FlopCounterMode(display=False) as counter:
        out = model(*inputs)
        if backward:
            out.sum().backward()
    return int(counter.get_total_flops())


def fvcore_count(case: Case) -> int | str:
    try:
        from fvcore.nn import FlopCountAnalysis
    except ImportError:
        return "not installed"
    model, inputs = case.make("cpu")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(model, inputs)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        with contextlib.redirect_stderr(io.StringIO()):
            return 2 * int(analysis.total())  # fvcore counts multiply-adds


def ptflops_count(case: Case, backend: str) -> int | str:
    try:
        from ptflops import get_model_complexity_info
    except ImportError:
        return "not installed"
    model, inputs = case.make("cpu")
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        macs, _ = get_model_complexity_info(
            model,
            tuple(inputs[0].shape),
            input_constructor=lambda _shape: inputs[0],
            as_strings=False,
            print_per_layer_stat=False,
            backend=backend,
        )
    if macs is None:
        return "failed"
    # The pytorch backend reports an average per element of the input's first dimension.
    per_batch = inputs[0].shape[0] if backend == "pytorch" else 1
    return 2 * int(macs) * per_batch


def cell(value: int | str | None, analytic: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.3e} ({value / analytic:.3f})"


def main() -> None:
    print(f"torch {torch.__version__}, Python {platform.python_version()}, CPU\n")
    print(
        "| case | pass | analytic FLOP | algoeff | torch FlopCounterMode | fvcore "
        "| ptflops (pytorch) | ptflops (aten) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for case in suite():
        passes: list[tuple[str, bool, int]] = [("forward", False, case.forward_flop)]
        if case.backward_flop is not None:
            passes.append(("forward + backward", True, case.forward_flop + case.backward_flop))
        for label, backward, analytic in passes:
            mine = ours(case, backward)
            worst = max(worst, abs(mine / analytic - 1))
            extra = ["-", "-", "-"]
            if not backward:
                extra = [
                    cell(fvcore_count(case), analytic),
                    cell(ptflops_count(case, "pytorch"), analytic),
                    cell(ptflops_count(case, "aten"), analytic),
                ]
            row = [case.name, label, f"{analytic:.3e}", cell(mine, analytic)]
            row += [cell(torch_raw(case, backward), analytic), *extra]
            print("| " + " | ".join(row) + " |", flush=True)
    print(f"\nlargest deviation of algoeff from the analytic count: {worst:.2%}")


if __name__ == "__main__":
    main()
