"""Exact FLOP counts of PyTorch models: torch's FlopCounterMode with its 2.13 gaps closed.

FlopCounterMode (torch.utils.flop_counter) intercepts operators at the dispatcher, so it
sees matmuls whichever module or functional call issued them, counts backward as it
runs and works on the meta device. In torch 2.13 on CPU it silently gets these wrong
(each checked by a probe; see docs/measuring-flops.md):

1. F.scaled_dot_product_attention -> aten._scaled_dot_product_flash_attention_for_cpu
   (and its backward): no formula, counted 0.
2. convolution_backward: the weight gradient of a grouped or depthwise convolution is
   counted ``groups`` times over.
3. nn.MultiheadAttention's fused inference path, aten._native_multi_head_attention, and
   nn.TransformerEncoderLayer's, aten._transformer_encoder_layer_fwd: counted 0.
4. nn.LSTM on CPU -> aten.mkldnn_rnn_layer (and its backward): counted 0. GRU and plain
   RNN run as unfused cells of addmm on CPU and are counted right.
5. torch.mv, torch.dot (and vdot, addmv, addr, addbmm): counted 0.

Also, torch counts a fused attention backward as five products (it recomputes Q K^T);
we count the four autograd needs, 2x the forward, like every other layer (model FLOPs).
And its formulas for the GPU kernels called directly (_flash_attention_* and
_efficient_attention_*, as nested-tensor code does) read their (batch, length, heads,
dim) tensors as (batch, heads, length, dim) when sequences are not packed.

The formulas are in algoeff.measure.formulas_aten (operators) and
algoeff.measure.formulas (arithmetic). ``flop_counter_mode()`` returns a
FlopCounterMode carrying the fixes (passed through
``custom_mapping``; torch's global registry is left alone) and also recording forward
and backward apart, per module, and the operators with real work and no formula.
``count_flops(model, *inputs)`` runs one forward and backward under it.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from algoeff.core.errors import InputError
from algoeff.measure.count_result import Flop, FlopCount, ModuleFlop
from algoeff.measure.formulas_aten import Formula, gap_formulas
from algoeff.measure.op_policy import carries_work

__all__ = [
    "GapClosingFlopCounterMode",
    "carries_work",
    "count_flops",
    "flop_counter_mode",
    "gap_formulas",
    "matmul_params",
    "module_names",
    "warn_unsupported",
]


# --- the counter ----------------------------------------------------------------------

_GLOBAL = "Global"  # FlopCounterMode's key for "all of it"


class GapClosingFlopCounterMode(FlopCounterMode):
    """FlopCounterMode with the gap formulas, split by phase and by module.

    Everything FlopCounterMode offers still works (``get_total_flops()``,
    ``get_flop_counts()``: model FLOP only); added are ``forward_flop``,
    ``backward_flop``, ``recomputed_flop`` (forward work re-run during backward by
    activation checkpointing: hardware FLOP), ``unsupported`` and ``result()``.
    Backward is assumed to run without ``create_graph`` (grad mode on inside backward
    is taken to mean recomputation). Like its base it is not reentrant, and entering it again
    starts a fresh count.
    """

    def __init__(self, *, custom_mapping: dict[Any, Formula] | None = None, depth: int = 2) -> None:
        super().__init__(
            display=False, depth=depth, custom_mapping={**gap_formulas(), **(custom_mapping or {})}
        )
        self._reset_extras()

    def _reset_extras(self) -> None:
        self.forward_flop = 0
        self.backward_flop = 0
        self.recomputed_flop = 0
        self.unsupported: Counter[str] = Counter()
        self._module_flop: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._module_self_flop: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._operator_flop: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])

    def __enter__(self) -> GapClosingFlopCounterMode:
        self._reset_extras()
        super().__enter__()  # type: ignore[no-untyped-call]  # torch leaves it untyped
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)  # type: ignore[no-untyped-call]  # torch leaves it untyped

    # Overrides FlopCounterMode's private hook (torch 2.13, pinned in pyproject), which
    # sees every operator that did not decompose further: the one place where both the
    # operators without a formula and the current module and phase are visible.
    def _count_flops(self, func_packet: Any, out: Any, args: Any, kwargs: Any) -> Any:
        name = str(func_packet)
        formula = self.flop_registry.get(func_packet)
        if formula is None:
            if carries_work(name):
                self.unsupported[name] += 1
            return out
        try:
            flop = int(formula(*args, **kwargs, out_val=out))
        except Exception as exc:  # a formula that cannot read these shapes: report, don't crash
            self.unsupported[f"{name} (formula failed: {type(exc).__name__})"] += 1
            return out
        if self.mod_tracker.is_bw and torch.is_grad_enabled():
            # Forward work re-run inside backward (activation checkpointing, which
            # recomputes under enable_grad): hardware FLOP, kept out of the model figures.
            self.recomputed_flop += flop
            return out
        phase = 1 if self.mod_tracker.is_bw else 0
        if phase:
            self.backward_flop += flop
        else:
            self.forward_flop += flop
        self._operator_flop[name][phase] += flop
        parents = set(self.mod_tracker.parents)
        for parent in parents:
            self.flop_counts[parent][func_packet] += flop  # FlopCounterMode's own table
            if parent != _GLOBAL:
                self._module_flop[parent][phase] += flop
        self._module_self_flop[_innermost(parents)][phase] += flop
        return out

    def result(self, *, includes_backward: bool, module_order: Iterable[str] = ()) -> FlopCount:
        """The count so far as a FlopCount; modules listed in ``module_order`` come first."""
        names = [n for n in module_order if n in self._module_flop]
        names += sorted(set(self._module_flop) - set(names))
        by_module = {}
        for name in names:
            inclusive, own = self._module_flop[name], self._module_self_flop.get(name, [0, 0])
            by_module[name] = ModuleFlop(inclusive[0], inclusive[1], own[0], own[1])
        outside = self._module_self_flop.get(_GLOBAL, [0, 0])
        return FlopCount(
            forward=self.forward_flop,
            backward=self.backward_flop,
            recomputed=self.recomputed_flop,
            includes_backward=includes_backward,
            by_module=by_module,
            by_operator={n: Flop(v[0], v[1]) for n, v in sorted(self._operator_flop.items())},
            outside_modules=Flop(outside[0], outside[1]),
            unsupported=dict(sorted(self.unsupported.items())),
        )


def _innermost(parents: set[str]) -> str:
    """The deepest module among those running (names are dotted paths), else Global."""
    modules = [p for p in parents if p != _GLOBAL]
    if not modules:
        return _GLOBAL
    return max(modules, key=lambda name: (name.count("."), name))


_WARNED: set[str] = set()


def warn_unsupported(unsupported: Mapping[str, int], where: str, *, stacklevel: int = 3) -> None:
    """Warn once per process for each operator in ``unsupported`` not warned about before.

    Their FLOP are missing from the figures (see algoeff.measure.op_policy for which
    operators without a formula stay silent and why).
    """
    new = [name for name in sorted(unsupported) if name not in _WARNED]
    if not new:
        return
    _WARNED.update(new)
    warnings.warn(
        f"{where}: {len(new)} operator(s) with arithmetic and no FLOP formula, not counted "
        f"(their FLOP are missing from the figures): {', '.join(new)}",
        RuntimeWarning,
        stacklevel=stacklevel,
    )


def flop_counter_mode(
    *, custom_mapping: dict[Any, Formula] | None = None, depth: int = 2
) -> GapClosingFlopCounterMode:
    """A FlopCounterMode (display off) with every gap formula; extra formulas may be added.

    Use as ``with flop_counter_mode() as counter: ...`` then ``counter.forward_flop``,
    ``counter.backward_flop``, ``counter.get_total_flops()`` or ``counter.result(...)``.
    """
    return GapClosingFlopCounterMode(custom_mapping=custom_mapping, depth=depth)


# --- one-shot counting ----------------------------------------------------------------


def module_names(model: torch.nn.Module) -> list[str]:
    """Names FlopCounterMode gives ``model``'s modules, in registration order."""
    root = type(model).__name__
    return [f"{root}.{path}" if path else root for path, _ in model.named_modules()]


def matmul_params(model: torch.nn.Module) -> int:
    """Parameters outside nn.Embedding tables: the N of 6 N per token for a language model.

    An untied output head counts (its matmul is real work); a head tied to the input
    embedding is a parameter of the embedding and is not counted here, though the
    counter sees its matmul, so add it by hand (d_model x vocabulary).
    """
    embedding_params = {
        id(p)
        for module in model.modules()
        if isinstance(module, torch.nn.Embedding | torch.nn.EmbeddingBag)
        for p in module.parameters(recurse=False)
    }
    return sum(p.numel() for p in model.parameters() if id(p) not in embedding_params)


def _default_loss(output: Any) -> torch.Tensor:
    """Sum of every floating output tensor that requires grad."""
    leaves, _ = torch.utils._pytree.tree_flatten(output)
    parts = [t.sum() for t in leaves if isinstance(t, torch.Tensor) and t.requires_grad]
    if not parts:
        raise InputError(
            "count_flops: no output of the model requires grad (are its parameters frozen, "
            "or did it run under torch.no_grad?); pass backward=False to count the forward only"
        )
    return torch.stack(parts).sum() if len(parts) > 1 else parts[0]


def count_flops(
    model: Callable[..., Any],
    *args: Any,
    backward: bool = True,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
    **kwargs: Any,
) -> FlopCount:
    """Count the FLOP of ``model(*args, **kwargs)``, and of its backward unless ``backward=False``.

    The backward pass is ``loss_fn(output).backward()``; by default the loss is the sum
    of the outputs (its own FLOP are nil). Runs on whatever device model and inputs are
    on: on ``torch.device("meta")`` a model of tens of billions of parameters is counted
    without allocating its weights. Gradients accumulated by the count are undone, and
    the model's train/eval mode is left as it is.
    """
    mode = flop_counter_mode()
    leaves: list[torch.Tensor] = (
        list(model.parameters()) if isinstance(model, torch.nn.Module) else []
    )
    leaves += [
        a
        for a in torch.utils._pytree.tree_flatten((args, kwargs))[0]
        if isinstance(a, torch.Tensor) and a.requires_grad
    ]
    saved_grads = [t.grad for t in leaves]
    try:
        with mode:
            output = model(*args, **kwargs)
            if backward:
                loss = loss_fn(output) if loss_fn is not None else _default_loss(output)
                loss.backward()  # type: ignore[no-untyped-call]  # untyped in torch
    finally:
        for tensor, grad in zip(leaves, saved_grads, strict=True):
            tensor.grad = grad
    order = module_names(model) if isinstance(model, torch.nn.Module) else []
    result = mode.result(includes_backward=backward, module_order=order)
    warn_unsupported(result.unsupported, "count_flops")
    return result
