"""Step signatures for the meter: what makes two calls of a model the same matrix work.

A call's key is the shapes, dtypes and devices of its tensor arguments (and the
values of plain ones), ``model.training`` and grad mode. The meter counts each new
key once and reuses the count; the run log shows the key as text, e.g.
``(float32[64, 64]@cpu)``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

_NO_KWARGS = ("dict", ())


def describe(value: Any) -> Hashable:
    """A hashable description of a model argument: shape, dtype and device for tensors."""
    if isinstance(value, torch.Tensor):
        return ("T", value.shape, value.dtype, value.device)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(describe(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, describe(v)) for k, v in value.items()))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return type(value).__name__


def call_key(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    """The key of one call of ``module``: its arguments described, its mode and grad mode."""
    if not kwargs:
        # The common case, spelled out for speed; equal to the general description.
        described = []
        for a in args:
            if not isinstance(a, torch.Tensor):
                break
            described.append(("T", a.shape, a.dtype, a.device))
        else:
            args_key = ("tuple", tuple(described))
            return (args_key, _NO_KWARGS, module.training, torch.is_grad_enabled())
    return (describe(args), describe(kwargs), module.training, torch.is_grad_enabled())


def show(desc: Hashable) -> str:
    """A description as text for the run log, e.g. ``float32[64, 64]@cpu``."""
    if isinstance(desc, tuple) and desc and desc[0] == "T":
        dtype = str(desc[2]).removeprefix("torch.")
        return f"{dtype}[{', '.join(str(d) for d in desc[1])}]@{desc[3]}"
    if isinstance(desc, tuple) and desc and desc[0] in ("list", "tuple", "dict"):
        inner = desc[1]
        if desc[0] == "dict":
            return "{" + ", ".join(f"{k}: {show(v)}" for k, v in inner) + "}"
        return "(" + ", ".join(show(v) for v in inner) + ")"
    return repr(desc)


def show_call(key: Hashable) -> str:
    """A call key as text: its arguments, then its keyword arguments if any."""
    if not isinstance(key, tuple) or len(key) != 4:
        return repr(key)
    args, kwargs, _, _ = key
    text = show(args)
    if isinstance(kwargs, tuple) and kwargs[1]:
        text += " " + show(kwargs)
    return text


@dataclass
class SignatureCount:
    """One counted signature: its id, its key and its FLOP per step (or per call)."""

    id: str
    key: Hashable
    forward: int
    backward: int
    recompute: int
    model: int = field(init=False)  # forward + backward
    hardware: int = field(init=False)  # model + recompute

    def __post_init__(self) -> None:
        self.model = self.forward + self.backward
        self.hardware = self.model + self.recompute
