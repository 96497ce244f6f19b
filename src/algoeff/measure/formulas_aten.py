"""Operator-level FLOP formulas for torch 2.13's FlopCounterMode: the gaps it leaves.

Each function here reads one aten operator's arguments (tensors, not just shapes: some
need ``requires_grad`` or nested-tensor lengths) and returns its FLOP through the pure
formulas of algoeff.measure.formulas. ``gap_formulas()`` maps the operators to them for
FlopCounterMode's ``custom_mapping``; algoeff.measure.op_policy decides which operators
without a formula are reported as unsupported. Which gap each closes, and how it was confirmed:
algoeff.measure.counting and docs/measuring-flops.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import Any

import torch

from algoeff.measure import formulas as f

aten = torch.ops.aten
Formula = Callable[..., int]


def _raw(formula: Formula) -> Formula:
    # FlopCounterMode passes shapes unless a formula asks for the tensors; ours need
    # requires_grad (autograd skips unneeded gradients) and nested-tensor lengths.
    formula._get_raw = True  # type: ignore[attr-defined]
    return formula


def _dims(tensor: torch.Tensor) -> tuple[int, ...]:
    return tuple(int(s) for s in tensor.shape)


def _needs_grad(tensor: Any) -> bool:
    return isinstance(tensor, torch.Tensor) and tensor.requires_grad


# --- 1. attention -------------------------------------------------------------------
# Every scaled-dot-product op takes (query, key, value, ...) shaped (..., L, E), and
# its backward (grad_out, query, key, value, ...).


def _attention_dims(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> tuple[int, ...]:
    *lead, len_q, dim_qk = _dims(query)
    return prod(lead), len_q, int(key.shape[-2]), dim_qk, int(value.shape[-1])


@_raw
def _sdpa_forward(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, *args: Any, **kwargs: Any
) -> int:
    lead, len_q, len_k, dim_qk, dim_v = _attention_dims(query, key, value)
    return f.attention_flop(lead, 1, len_q, len_k, dim_qk, dim_v)


@_raw
def _sdpa_backward(
    grad_out: torch.Tensor,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    *args: Any,
    **kwargs: Any,
) -> int:
    lead, len_q, len_k, dim_qk, dim_v = _attention_dims(query, key, value)
    return f.attention_backward_flop(
        lead,
        1,
        len_q,
        len_k,
        dim_qk,
        dim_v,
        query_grad=_needs_grad(query),
        key_grad=_needs_grad(key),
        value_grad=_needs_grad(value),
    )


def _sequence_pairs(
    query: torch.Tensor,
    key: torch.Tensor,
    offsets_q: torch.Tensor | None,
    offsets_k: torch.Tensor | None,
    max_q: int,
    max_k: int,
) -> list[tuple[int, int]]:
    """(query length, key length) of each sequence for the flash / memory-efficient kernels.

    Their tensors are (batch, length, heads, dim), or packed sequences with cumulative
    offsets. Offsets whose values cannot be read (meta or fake tensors) count every
    sequence at the maximum length, an upper bound.
    """
    if offsets_q is None or offsets_k is None:
        return [(int(query.shape[-3]), int(key.shape[-3]))] * int(query.shape[0])
    try:
        lengths_q = [int(n) for n in offsets_q.diff().tolist()]
        lengths_k = [int(n) for n in offsets_k.diff().tolist()]
    except (RuntimeError, NotImplementedError):  # no data on meta or fake tensors
        count = int(offsets_q.shape[0]) - 1
        return [(int(max_q), int(max_k))] * count
    return list(zip(lengths_q, lengths_k, strict=True))


def _kernel_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    pairs: list[tuple[int, int]],
    grad: bool,
) -> int:
    heads, dim_qk, dim_v = int(query.shape[-2]), int(query.shape[-1]), int(value.shape[-1])
    if not grad:
        return sum(f.attention_flop(1, heads, lq, lk, dim_qk, dim_v) for lq, lk in pairs)
    needs = {
        "query_grad": _needs_grad(query),
        "key_grad": _needs_grad(key),
        "value_grad": _needs_grad(value),
    }
    return sum(
        f.attention_backward_flop(1, heads, lq, lk, dim_qk, dim_v, **needs) for lq, lk in pairs
    )


# torch's own formulas for these four read (batch, length, heads, dim) tensors as
# (batch, heads, length, dim) when the sequences are not packed, and count five
# products in backward; these replace them.
@_raw
def _flash_forward(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    cum_seq_q: torch.Tensor | None,
    cum_seq_k: torch.Tensor | None,
    max_q: int,
    max_k: int,
    *args: Any,
    **kwargs: Any,
) -> int:
    pairs = _sequence_pairs(query, key, cum_seq_q, cum_seq_k, max_q, max_k)
    return _kernel_attention(query, key, value, pairs, grad=False)


@_raw
def _flash_backward(
    grad_out: torch.Tensor,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    out: torch.Tensor,
    logsumexp: torch.Tensor,
    cum_seq_q: torch.Tensor | None,
    cum_seq_k: torch.Tensor | None,
    max_q: int,
    max_k: int,
    *args: Any,
    **kwargs: Any,
) -> int:
    pairs = _sequence_pairs(query, key, cum_seq_q, cum_seq_k, max_q, max_k)
    return _kernel_attention(query, key, value, pairs, grad=True)


@_raw
def _efficient_forward(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    bias: torch.Tensor | None,
    cu_seqlens_q: torch.Tensor | None,
    cu_seqlens_k: torch.Tensor | None,
    max_seqlen_q: int | None,
    max_seqlen_k: int | None,
    *args: Any,
    **kwargs: Any,
) -> int:
    pairs = _sequence_pairs(
        query, key, cu_seqlens_q, cu_seqlens_k, max_seqlen_q or 0, max_seqlen_k or 0
    )
    return _kernel_attention(query, key, value, pairs, grad=False)


@_raw
def _efficient_backward(
    grad_out: torch.Tensor,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    bias: torch.Tensor | None,
    out: torch.Tensor,
    cu_seqlens_q: torch.Tensor | None,
    cu_seqlens_k: torch.Tensor | None,
    max_seqlen_q: int,
    max_seqlen_k: int,
    *args: Any,
    **kwargs: Any,
) -> int:
    pairs = _sequence_pairs(query, key, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k)
    return _kernel_attention(query, key, value, pairs, grad=True)


# --- 2. convolution backward ----------------------------------------------------------


@_raw
def _conv_backward(
    grad_out: torch.Tensor,
    input: torch.Tensor,
    weight: torch.Tensor,
    bias_sizes: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
    output_mask: Sequence[bool],
    **kwargs: Any,
) -> int:
    # A convolution slides over the output; a transposed one over its input.
    positions = prod(_dims(input)[2:] if transposed else _dims(grad_out)[2:])
    return f.conv_backward_flop(
        int(input.shape[0]),
        positions,
        int(weight.numel()),
        input_grad=bool(output_mask[0]),
        weight_grad=bool(output_mask[1]),
    )


# --- 3. fused transformer inference paths ---------------------------------------------


def _sequence_lengths(tensor: torch.Tensor) -> list[int]:
    """Length of each sequence in a (batch, length, width) tensor, nested or not."""
    if tensor.is_nested:
        return [int(size[0]) for size in tensor._nested_tensor_size().tolist()]
    batch, length = _dims(tensor)[:2]
    return [length] * batch


@_raw
def _native_multi_head_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    embed_dim: int,
    num_head: int,
    *args: Any,
    **kwargs: Any,
) -> int:
    pairs = zip(_sequence_lengths(query), _sequence_lengths(key), strict=True)
    return sum(f.multi_head_attention_flop(len_q, len_k, int(embed_dim)) for len_q, len_k in pairs)


@_raw
def _transformer_encoder_layer(
    src: torch.Tensor, embed_dim: int, num_heads: int, *args: Any, **kwargs: Any
) -> int:
    # ffn_weight_1 is (ffn_dim, embed_dim); it is the 15th argument, or a keyword.
    ffn_weight_1 = kwargs.get("ffn_weight_1", args[11] if len(args) > 11 else None)
    if ffn_weight_1 is None:
        raise ValueError("_transformer_encoder_layer_fwd called without ffn_weight_1")
    ffn_dim = int(ffn_weight_1.shape[0])
    return sum(
        f.encoder_layer_flop(length, int(embed_dim), ffn_dim) for length in _sequence_lengths(src)
    )


# --- 4. LSTM on CPU (oneDNN) ----------------------------------------------------------
# mkldnn_rnn_layer(input, w_ih, w_hh, b_ih, b_hh, hx, cx, ...) runs one direction of
# one layer; w_ih is (gates x hidden, input_size), w_hh (gates x hidden, hidden).


@_raw
def _mkldnn_rnn_layer(
    input: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, *args: Any, **kwargs: Any
) -> int:
    gate_rows, input_size = _dims(w_ih)
    tokens = int(input.numel()) // input_size
    return f.rnn_layer_flop(tokens, input_size, gate_rows, int(w_hh.shape[1]))


@_raw
def _mkldnn_rnn_layer_backward(
    input: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    hx: torch.Tensor,
    *args: Any,
    **kwargs: Any,
) -> int:
    gate_rows, input_size = _dims(w_ih)
    return f.rnn_layer_backward_flop(
        int(input.numel()) // input_size,
        int(hx.shape[0]),
        input_size,
        gate_rows,
        int(w_hh.shape[1]),
        input_grad=_needs_grad(input),
        initial_state_grad=_needs_grad(hx),
        input_weight_grad=_needs_grad(w_ih),
        hidden_weight_grad=_needs_grad(w_hh),
    )


# --- 5. matrix-vector and friends -----------------------------------------------------


@_raw
def _mv(mat: torch.Tensor, vec: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    rows, cols = _dims(mat)
    return f.matmul_flop(rows, cols, 1)


@_raw
def _dot(a: torch.Tensor, b: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    return f.matmul_flop(1, int(a.shape[0]), 1)


@_raw
def _addmv(
    bias: torch.Tensor, mat: torch.Tensor, vec: torch.Tensor, *args: Any, **kwargs: Any
) -> int:
    return _mv(mat, vec)


@_raw
def _addr(
    bias: torch.Tensor, vec1: torch.Tensor, vec2: torch.Tensor, *args: Any, **kwargs: Any
) -> int:
    # An outer product accumulated into a matrix: one multiply-add per element.
    return f.matmul_flop(int(vec1.shape[0]), 1, int(vec2.shape[0]))


@_raw
def _addbmm(bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    batch, rows, inner = _dims(a)
    return f.matmul_flop(rows, inner, int(b.shape[-1]), batch)


@_raw
def _mm_of_last_two(*args: Any, **kwargs: Any) -> int:
    # _addmm_activation(bias, mat1, mat2) and _int_mm(mat1, mat2): the last two tensors.
    mat1, mat2 = [a for a in args if isinstance(a, torch.Tensor)][-2:]
    rows, inner = _dims(mat1)
    return f.matmul_flop(rows, inner, int(mat2.shape[1]))


# --- 6. bilinear and pairwise distances -------------------------------------------------


def _unsqueezed(shape: tuple[int, ...], expand: Sequence[int], total: int) -> list[int]:
    """``shape`` with size-1 dimensions inserted at ``expand``, as _trilinear does."""
    sizes, rest = [], iter(shape)
    for dim in range(total):
        sizes.append(1 if dim in expand else next(rest))
    return sizes


@_raw
def _trilinear(
    i1: torch.Tensor,
    i2: torch.Tensor,
    i3: torch.Tensor,
    expand1: Sequence[int],
    expand2: Sequence[int],
    expand3: Sequence[int],
    sumdim: Sequence[int],
    unroll_dim: int = 1,
    **kwargs: Any,
) -> int:
    """torch's _trilinear as it runs: per slice of ``unroll_dim``, i1 x i2 contracted over
    the summed dimensions i3 lacks, then that x i3 over the rest (nn.Bilinear: B x O x
    (I x J + J) multiply-adds for B examples, O outputs, inputs of I and J features)."""
    total = i1.dim() + len(expand1)
    s1, s2, s3 = (
        _unsqueezed(_dims(t), e, total) for t, e in ((i1, expand1), (i2, expand2), (i3, expand3))
    )
    unroll = max(s1[unroll_dim], s2[unroll_dim], s3[unroll_dim])
    for sizes in (s1, s2, s3):
        sizes[unroll_dim] = 1
    summed = set(sumdim) - {unroll_dim}
    first = [max(a, b) for a, b in zip(s1, s2, strict=True)]
    inner = [1 if d in summed and s3[d] == 1 else n for d, n in enumerate(first)]
    second = [max(a, b) for a, b in zip(inner, s3, strict=True)]
    return f.MAC * unroll * (prod(first) + prod(second))


@_raw
def _euclidean_dist(x1: torch.Tensor, x2: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    """cdist's matmul path (p = 2, more than 25 rows): x1 (..., P, M) against x2 (..., R, M)
    is one (P x M) @ (M x R) product per batch (the two norm columns it appends ignored,
    like a bias). Its backward runs as plain matmuls, which torch counts."""
    *lead, rows1, width = _dims(x1)
    return f.matmul_flop(rows1, width, int(x2.shape[-2]), prod(lead))


@_raw
def _cdist_forward(x1: torch.Tensor, x2: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    """cdist's direct path (any p): one difference-and-accumulate per (row, row, feature),
    counted like a multiply-add, so both paths give the same figure."""
    return _euclidean_dist(x1, x2)


@_raw
def _cdist_backward(
    grad: torch.Tensor, x1: torch.Tensor, x2: torch.Tensor, *args: Any, **kwargs: Any
) -> int:
    """The gradient for x1 (autograd calls it again, arguments swapped, for x2): one
    multiply-add per (row, row, feature), as the forward."""
    return _euclidean_dist(x1, x2)


def gap_formulas() -> dict[Any, Formula]:
    """Operator -> formula for every gap closed here, for FlopCounterMode's custom_mapping."""
    return {
        aten._scaled_dot_product_flash_attention_for_cpu: _sdpa_forward,
        aten._scaled_dot_product_flash_attention_for_cpu_backward: _sdpa_backward,
        aten._scaled_dot_product_fused_attention_overrideable: _sdpa_forward,
        aten._scaled_dot_product_fused_attention_overrideable_backward: _sdpa_backward,
        aten._scaled_dot_product_flash_attention_backward: _sdpa_backward,
        aten._scaled_dot_product_efficient_attention_backward: _sdpa_backward,
        aten._scaled_dot_product_cudnn_attention_backward: _sdpa_backward,
        aten._flash_attention_forward: _flash_forward,
        aten._flash_attention_backward: _flash_backward,
        aten._efficient_attention_forward: _efficient_forward,
        aten._efficient_attention_backward: _efficient_backward,
        aten.convolution_backward: _conv_backward,
        aten._native_multi_head_attention: _native_multi_head_attention,
        aten._transformer_encoder_layer_fwd: _transformer_encoder_layer,
        aten.mkldnn_rnn_layer: _mkldnn_rnn_layer,
        aten.mkldnn_rnn_layer_backward: _mkldnn_rnn_layer_backward,
        aten.mv: _mv,
        aten.dot: _dot,
        aten.vdot: _dot,
        aten.addmv: _addmv,
        aten.addr: _addr,
        aten.addbmm: _addbmm,
        aten._addmm_activation: _mm_of_last_two,
        aten._int_mm: _mm_of_last_two,
        aten._trilinear: _trilinear,
        aten._euclidean_dist: _euclidean_dist,
        aten._cdist_forward: _cdist_forward,
        aten._cdist_backward: _cdist_backward,
    }
