"""Which operators without a FLOP formula stay silent: the no-multiply-accumulate policy.

The counter counts matrix products (one multiply-add = 2 FLOP). Every operator it
sees that has no formula is reported in ``unsupported`` and warned about, *unless*
this policy says it does no multiply-accumulate work: it only describes or moves
data (views, copies, creation, indexing), or does work that algoeff's convention
ignores (element-wise arithmetic, reductions, normalization, softmax, pooling,
losses, random numbers, optimizer updates). An operator is silent when

1. torch tags one of its overloads ``pointwise``, ``reduction``, ``view_copy`` or
   ``nondeterministic_seeded`` (random), or one of its overloads returns a view of an
   input (a non-mutating alias in its schema); or
2. its name (in-place ``foo_`` read as ``foo``) matches a pattern in ``NO_MAC``, listed
   by category below.

Anything else from ``aten`` (linear algebra, FFT, a new fused kernel) is reported, so a
new operator with real work is never dropped without a word. Operators from other
namespaces (custom ops, Triton kernels) are reported too, their work being unknown,
except the namespaces in ``NO_WORK_NAMESPACES`` (collectives, primitives, profiling).
"""

from __future__ import annotations

import re
from functools import cache

import torch

# Namespaces whose operators move data or record events, never multiply-accumulate:
# primitives, collectives, DTensor plumbing, the profiler, and FSDP2's copy-in/copy-out
# of sharded parameters (fsdp.all_gather_copy_in, fsdp.chunk_cat, fsdp.split_with_sizes_copy).
NO_WORK_NAMESPACES = frozenset(
    {"prim", "prims", "c10d", "_c10d_functional", "_dtensor", "profiler", "fsdp"}
)

_SILENT_TAGS = ("pointwise", "reduction", "view_copy", "nondeterministic_seeded")

# category -> patterns (regular expressions, matched against the whole operator name)
NO_MAC: dict[str, tuple[str, ...]] = {
    "view, metadata and aliasing": (
        r"_?(unsafe_)?view.*",
        r"alias.*",
        r"as_strided.*",
        r"detach.*",
        r"lift.*",
        r"_?reshape.*",
        r"squeeze.*",
        r"unsqueeze.*",
        r"permute.*",
        r"t",
        r"transpose.*",
        r"expand.*",
        r"_?unsafe_split.*",
        r"split.*",
        r"chunk",
        r"unbind.*",
        r"narrow.*",
        r"slice.*",
        r"select.*",
        r"diagonal.*",
        r"unfold.*",
        r"_?nested_.*",
        r"sym_.*",
        r"is_.*",
        r"_local_scalar_dense",
        r"item",
        r"size",
        r"stride",
        r"numel",
        r"dim",
        r"set",
        r"resize.*",
        r"_resize_output",
        r"record_stream",
        r"_has_.*",
        r"_assert.*",
        r"_functional_assert.*",
        r"_linalg_check_errors",
        r"_print",
    ),
    "creation, copy and layout": (
        r"empty.*",
        r"new_.*",
        r"zeros.*",
        r"ones.*",
        r"full.*",
        r"arange",
        r"linspace",
        r"logspace",
        r"eye",
        r"scalar_tensor",
        r"_?to_copy",
        r"copy",
        r"_copy_from.*",
        r"clone",
        r"contiguous",
        r"_?to_dense",
        r"to_sparse.*",
        r"_?cat",
        r"stack",
        r"hstack",
        r"vstack",
        r"constant_pad_nd",
        r"pad",
        r"_pad_.*",
        r"(reflection|replication)_pad.*",
        r"flip",
        r"roll",
        r"repeat.*",
        r"tile",
        r"tril.*",
        r"triu.*",
        r"fill.*",
        r"zero",
        r"masked_fill.*",
        r"_?pin_memory",
        r"_unsafe_index.*",
        r"im2col",
        r"col2im",
        r"fft_i?fftshift",
        r"_?to_padded_tensor",
        r"fft_r?fftfreq",
        r"pixel_(un)?shuffle",
        r"channel_shuffle",
        r"one_hot",
        r"block_diag",
        r"_fused_sdp_choice",
    ),
    "element-wise": (
        r"add",
        r"sub",
        r"rsub",
        r"mul",
        r"div",
        r"true_divide",
        r"neg",
        r"where",
        r"masked_scatter.*",
        r"lerp",
        r"addcmul",
        r"addcdiv",
        r"clamp.*",
        r"clip",
        r"(threshold|hardtanh|leaky_relu|elu|gelu|silu|mish|tanh|sigmoid|hardswish|"
        r"hardsigmoid|softplus|log_sigmoid|rrelu_with_noise|prelu|glu|softshrink|hardshrink)"
        r"(_forward|_backward)?.*",
        r"_prelu_kernel.*",
        r"relu.*",
        r"_?masked_softmax.*",
        r"polar",
        r"complex",
        r"view_as_(real|complex)",
        r"_conj.*",
        r"conj.*",
        r"_neg_view.*",
        r"mvlgamma",
    ),
    "reduction and scan": (
        r"sum.*",
        r"mean",
        r"prod",
        r"amax",
        r"amin",
        r"aminmax",
        r"max.*",
        r"min.*",
        r"argmax",
        r"argmin",
        r"var.*",
        r"std.*",
        r"norm",
        r"linalg_vector_norm",
        r"_?logsumexp",
        r"cum(sum|prod|max|min).*",
        r"_?log_?cumsumexp",
        r"any",
        r"all",
        r"count_nonzero",
        r"nansum",
        r"nanmean",
        r"median",
        r"nanmedian",
        r"mode",
        r"kthvalue",
        r"bincount",
        r"histc",
        r"_?unique.*",
        r"_?aminmax",
    ),
    "normalization, softmax, dropout and losses": (
        r"native_(layer|batch|group)_norm.*",
        r"_native_batch_norm_legit.*",
        r"_batch_norm_.*",
        r"batch_norm_.*",
        r"(cudnn|miopen)_batch_norm.*",
        r"_fused_rms_norm.*",
        r"_?(log_)?softmax.*",
        r"native_dropout.*",
        r"_fused_dropout",
        r"_masked_scale",
        r"nll_loss.*",
        r"(binary_)?cross_entropy.*",
        r"mse_loss.*",
        r"l1_loss.*",
        r"smooth_l1_loss.*",
        r"huber_loss.*",
        r"kl_div.*",
        r"soft_margin_loss.*",
        r"multi_margin_loss.*",
        r"multilabel_margin_loss.*",
        r"_ctc_loss.*",
        r"ctc_loss.*",
        r"binary_cross_entropy_with_logits.*",
        r"_weight_norm_interface.*",
        r"_weight_norm.*",
        r"renorm",
        r"_?safe_softmax",
    ),
    "pooling and resampling": (
        r"(max|avg)_pool\dd.*",
        r"adaptive_(max|avg)_pool\dd.*",
        r"_adaptive_avg_pool\dd.*",
        r"fractional_max_pool.*",
        r"max_unpool.*",
        r"_?upsample_.*",
        r"grid_sampler.*",
        r"_?max_pool\dd.*",
        r"mkldnn_max_pool.*",
        r"_?avg_pool.*",
    ),
    "indexing, gather, scatter and sort": (
        r"embedding.*",
        r"_embedding_bag.*",
        r"index.*",
        r"_index_put.*",
        r"gather.*",
        r"scatter.*",
        r"take.*",
        r"masked_select.*",
        r"nonzero.*",
        r"argwhere",
        r"sort",
        r"argsort",
        r"topk",
        r"searchsorted",
        r"bucketize",
        r"_?unique.*",
        r"repeat_interleave",
        r"_?segment_reduce.*",
    ),
    "random numbers": (
        r"rand.*",
        r"normal.*",
        r"uniform",
        r"bernoulli.*",
        r"multinomial",
        r"exponential",
        r"geometric",
        r"cauchy",
        r"log_normal",
        r"random",
        r"randperm",
        r"poisson",
    ),
    "optimizer updates (foreach, fused)": (
        r"_foreach_.*",
        r"_fused_(adam|adamw|sgd|adagrad).*",
        r"_amp_.*",
    ),
    "quantization and weight packing": (
        r"_convert_weight_to_int\d+pack.*",
        r"_?fake_quantize.*",
        r"quantize_per.*",
        r"dequantize.*",
        r"_?choose_qparams.*",
    ),
}

_COMPILED = {
    category: re.compile("|".join(f"(?:{p})" for p in patterns))
    for category, patterns in NO_MAC.items()
}


def _packet(name: str) -> object | None:
    namespace, _, op = name.partition(".")
    try:
        packet: object = getattr(getattr(torch.ops, namespace), op)
    except (AttributeError, RuntimeError):
        return None
    return packet


def _tag_reason(packet: object) -> str | None:
    """Why torch's own op metadata says ``packet`` does no multiply-accumulate work."""
    overloads = getattr(packet, "overloads", None)
    if overloads is None:
        return None
    for overload_name in overloads():
        overload = getattr(packet, overload_name)
        tags = {str(t).rsplit(".", 1)[-1] for t in getattr(overload, "tags", ())}
        for tag in _SILENT_TAGS:
            if tag in tags:
                return f"tagged {tag}"
        returns = overload._schema.returns
        if returns and all(r.alias_info is not None and not r.alias_info.is_write for r in returns):
            return "returns a view"
    return None


@cache
def no_mac_reason(name: str) -> str | None:
    """Why an operator without a formula is silent (a category or tag), or None: report it.

    ``name`` is as torch prints an operator packet, ``namespace.op``.
    """
    namespace, _, op = name.partition(".")
    if namespace != "aten":
        return "no-work namespace" if namespace in NO_WORK_NAMESPACES else None
    base = op[:-1] if op.endswith("_") and not op.endswith("__") else op
    for category, pattern in _COMPILED.items():
        if pattern.fullmatch(base):
            return category
    packet = _packet(name)
    return _tag_reason(packet) if packet is not None else None


def carries_work(name: str) -> bool:
    """Whether an operator without a formula is reported (``aten._fft_r2c``: yes;
    ``aten.relu``: no)."""
    return no_mac_reason(name) is None
