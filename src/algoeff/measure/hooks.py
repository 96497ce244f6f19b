"""The hooks by which ComputeMeter sees the model's calls, eager or torch.compile'd.

Eager: a forward pre-hook on the model notes each call and opens the FLOP counter
(closed when the step ends, or for an evaluation call by a forward hook added only
while a count is open: every hook costs each call some microseconds).

Compiled: the same pre-hook, when Dynamo traces it (``torch.compiler.is_compiling()``),
calls a function that Dynamo leaves out of the graph (``torch.compiler.disable``), so
at run time it notes the call without any dispatch mode around the compiled code; a
new signature is then counted by replaying it on meta tensors
(algoeff.measure.replay). A model compiled *before* the meter was attached runs
graphs traced without the hook (Dynamo does not guard on hooks), so the meter also
hooks every ``torch.compile`` wrapper of the model (``OptimizedModule``, found among
live objects when the meter is created, or the one it was given): those hooks run
eagerly around the compiled call, and the traced hook stays quiet inside it.

The hooks are plain closures, not bound methods of the meter, so that
copy.deepcopy(model) (an EMA copy, say) copies the model without trying to copy the
meter and its open log; the copy's calls are then metered too.
"""

from __future__ import annotations

import gc
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle


def _optimized_module_type() -> type[nn.Module] | None:
    try:
        from torch._dynamo.eval_frame import OptimizedModule
    except Exception:  # a torch without Dynamo: nothing is compiled
        return None
    optimized: type[nn.Module] = OptimizedModule
    return optimized


def unwrap(model: nn.Module) -> nn.Module:
    """The module a torch.compile wrapper compiles (the model itself if not compiled)."""
    optimized = _optimized_module_type()
    while optimized is not None and isinstance(model, optimized):
        wrapped: nn.Module = model._orig_mod  # type: ignore[assignment]
        model = wrapped
    return model


def compiled_wrappers(module: nn.Module) -> list[nn.Module]:
    """Live ``torch.compile`` wrappers (OptimizedModule) of ``module``."""
    optimized = _optimized_module_type()
    if optimized is None:
        return []
    # type(), not isinstance: no attribute lookups on weak proxies and lazy modules
    return [
        obj
        for obj in gc.get_objects()
        if issubclass(type(obj), optimized) and unwrap(obj) is module
    ]


def install_hooks(meter: Any, model: nn.Module) -> list[RemovableHandle]:
    """Hook ``model`` (the original module, if given a compiled wrapper) and its wrappers.

    ``meter`` is the ComputeMeter (typed Any: meter.py imports this module).
    """
    inner = unwrap(model)

    def noted_compiled(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not meter._outer:  # not already noted by a wrapper's hook around this call
            meter._compiled_call(module, args, kwargs)

    note_compiled = torch.compiler.disable(noted_compiled)  # type: ignore[no-untyped-call]

    def before(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if torch.compiler.is_compiling():
            note_compiled(module, args, kwargs)  # runs eagerly, outside the graph
            return
        if meter._closed or meter._depth or not meter._before_call(module, args, kwargs):
            return
        # An evaluation count was opened: close it when this call returns or raises.
        # nn.Module reads its forward hooks after forward runs, so this one is seen.
        meter._eval_closer = module.register_forward_hook(after, always_call=True)

    def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        handle = meter._eval_closer
        if handle is not None:
            handle.remove()
            meter._eval_closer = None
        # always_call: this also runs when forward raised, with output None; then the
        # count is discarded (a forward that really returns None is just counted again).
        meter._after_eval_call(failed=output is None)

    def wrapper_before(wrapper: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        meter._outer += 1
        meter._compiled_call(inner, args, kwargs)

    def wrapper_after(wrapper: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        meter._outer -= 1

    handles = [inner.register_forward_pre_hook(before, with_kwargs=True)]
    wrappers = compiled_wrappers(inner)
    if model is not inner and not any(w is model for w in wrappers):
        wrappers.append(model)
    for wrapper in wrappers:
        handles.append(wrapper.register_forward_pre_hook(wrapper_before, with_kwargs=True))
        handles.append(wrapper.register_forward_hook(wrapper_after, always_call=True))
    return handles
