"""Counting a compiled model's step without running the compiled code under the counter.

A dispatch mode (the FLOP counter) active while a torch.compile'd function is first
called makes Dynamo fall back to eager for good, and a compiled graph does not run
the Python hooks the meter would use to open the counter. So for calls that run
compiled, the meter only notes each call's signature (shapes, dtypes, devices,
``training``, grad mode) from a hook that Dynamo leaves out of the graph
(``torch.compiler.disable``), and when a signature is new it *replays* the calls on
the original, uncompiled module with meta tensors of the same signature: the
parameters and buffers are swapped for meta tensors through
``torch.func.functional_call``, the forward runs under the gap-closing counter, then
the backward of the sum of the outputs (when the step trained). Nothing real is
computed, allocated or updated (no gradients, no batch-norm statistics), and the
compiled code is never touched.

Cost: one meta forward and backward per new signature (milliseconds for small
models, seconds for very large ones; no arithmetic), plus a few microseconds per
compiled call for the hook. Limits: only the model's calls are replayed, so matrix
work a training step does outside the model (a loss computed with a matmul) is not
counted for compiled calls; a model whose forward needs tensor values (``.item()``,
data-dependent routing) cannot run on meta: its count is then missing, reported in
``unsupported`` and warned about.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from algoeff.measure.counting import flop_counter_mode

REPLAY_FAILED = "replay on the meta device failed"


@dataclass
class ReplayCall:
    """One noted call of a compiled model: meta stand-ins of its inputs and its modes."""

    key: Hashable
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    grad: bool


@dataclass
class ReplayCount:
    forward: int = 0
    backward: int = 0
    recomputed: int = 0
    unsupported: dict[str, int] = field(default_factory=dict)


def _to_meta(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        meta = torch.empty_like(value, device="meta")
        return meta.requires_grad_() if value.requires_grad and meta.is_floating_point() else meta
    return value


def note_call(key: Hashable, args: tuple[Any, ...], kwargs: dict[str, Any]) -> ReplayCall:
    """Meta stand-ins of a call's inputs (no data copied), to replay it later."""
    meta_args, meta_kwargs = torch.utils._pytree.tree_map(_to_meta, (args, kwargs))
    return ReplayCall(key, meta_args, meta_kwargs, torch.is_grad_enabled())


def replay(module: nn.Module, calls: list[ReplayCall], *, backward: bool) -> ReplayCount:
    """Count ``calls`` of ``module`` on the meta device: forward, then (if ``backward`` and
    any output needs a gradient) the backward of the sum of the outputs."""
    state = {
        name: _to_meta(tensor)
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]
    }
    counter = flop_counter_mode()
    try:
        with counter:
            outputs = []
            for call in calls:
                with torch.set_grad_enabled(call.grad):
                    outputs.append(
                        torch.func.functional_call(module, state, call.args, call.kwargs)
                    )
            leaves = torch.utils._pytree.tree_flatten(outputs)[0]
            parts = [t.sum() for t in leaves if isinstance(t, torch.Tensor) and t.requires_grad]
            if backward and parts:
                torch.stack(parts).sum().backward()  # type: ignore[no-untyped-call]
    except Exception as exc:  # data-dependent code and the like: report, don't crash the run
        return ReplayCount(unsupported={f"{REPLAY_FAILED} ({type(exc).__name__})": 1})
    return ReplayCount(
        counter.forward_flop,
        counter.backward_flop,
        counter.recomputed_flop,
        dict(counter.unsupported),
    )
