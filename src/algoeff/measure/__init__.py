"""Measuring the compute of real PyTorch code: exact FLOP counts and metered training runs.

Needs the ``torch`` extra. Names are imported on first use, so ``import algoeff.measure``
is cheap and, without torch, fails only when a name is used, with a message that says
which extra to install.

    from algoeff.measure import count_flops
    count = count_flops(model, inputs)          # forward + backward, FLOP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from algoeff.core.errors import MissingExtraError

if TYPE_CHECKING:
    from algoeff.measure.count_result import Flop, FlopCount, ModuleFlop, TransformerComparison
    from algoeff.measure.counting import count_flops, flop_counter_mode, matmul_params

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # exact FLOP counting (counting.py; results in count_result.py need no torch)
    "count_flops": "algoeff.measure.counting",
    "flop_counter_mode": "algoeff.measure.counting",
    "matmul_params": "algoeff.measure.counting",
    "FlopCount": "algoeff.measure.count_result",
    "Flop": "algoeff.measure.count_result",
    "ModuleFlop": "algoeff.measure.count_result",
    "TransformerComparison": "algoeff.measure.count_result",
    # metered training runs (meter.py)
    "ComputeMeter": "algoeff.measure.meter",
    "RunResult": "algoeff.measure.meter",
}

__all__ = [
    "ComputeMeter",
    "Flop",
    "FlopCount",
    "ModuleFlop",
    "RunResult",
    "TransformerComparison",
    "count_flops",
    "flop_counter_mode",
    "matmul_params",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'algoeff.measure' has no attribute '{name}'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == "torch" or (exc.name or "").startswith("torch."):
            raise MissingExtraError("torch", "torch", f"algoeff.measure.{name}") from exc
        raise
    return getattr(module, name)


def __dir__() -> list[str]:
    return __all__
