"""FLOP formulas for the layers that torch 2.13's FlopCounterMode gets wrong, plus the
analytic transformer figure to check counts against.

Pure arithmetic on shapes (no torch import), so each formula can be read and tested
on its own. Conventions, as in the rest of algoeff:

- one multiply-add = 2 FLOP (Kaplan et al. 2020, arXiv 2001.08361, section 2.1);
- only matrix products are counted: bias additions, normalization, activations,
  softmax and other element-wise work are ignored, as FlopCounterMode does;
- backward counts what autograd needs (model FLOPs): a gradient that no tensor
  asks for is not counted, and fused kernels that recompute part of the forward
  pass (flash attention) are counted as if they did not.
"""

from __future__ import annotations

from math import prod

from algoeff.core.units import FLOP_PER_MULTIPLY_ADD
from algoeff.model.methods.transformer import ATTENTION_FLOP_PER_TOKEN, PARAM_FLOP_PER_TOKEN

MAC = FLOP_PER_MULTIPLY_ADD
# Forward shares of the 6 N + 12 L d T per-token training figure: forward is a
# third, backward (input and weight gradients) the other two thirds.
PARAM_FORWARD_FLOP_PER_TOKEN = PARAM_FLOP_PER_TOKEN // 3  # 2 N
ATTENTION_FORWARD_FLOP_PER_TOKEN = ATTENTION_FLOP_PER_TOKEN // 3  # 4 L d T


def matmul_flop(m: int, k: int, n: int, batch: int = 1) -> int:
    """(batch of) (m x k) @ (k x n): one multiply-add per (m, k, n) triple."""
    return MAC * batch * m * k * n


def conv_flop(batch: int, positions: int, weight_numel: int) -> int:
    """Convolution, forward or either gradient: 2 x batch x positions x weight elements.

    ``positions`` is the number of places the kernel is applied: the output's spatial
    size for a convolution, the input's for a transposed one. ``weight_numel`` is
    out_channels x in_channels / groups x kernel size, so grouped and depthwise
    convolutions come out right with no separate groups term (forward:
    2 x out_elements x in_channels / groups x kh x kw).

    The input gradient (a transposed convolution of the output gradient) and the weight
    gradient (a correlation of input and output gradient) each pair every weight
    element with every position once, so each costs exactly the forward figure.
    torch 2.13 multiplies the weight-gradient term by ``groups``.
    """
    return MAC * batch * positions * weight_numel


def conv_backward_flop(
    batch: int, positions: int, weight_numel: int, *, input_grad: bool, weight_grad: bool
) -> int:
    """Convolution backward: one forward's worth for each gradient asked for (bias ignored)."""
    return conv_flop(batch, positions, weight_numel) * (int(input_grad) + int(weight_grad))


def attention_flop(batch: int, heads: int, len_q: int, len_k: int, dim_qk: int, dim_v: int) -> int:
    """Scaled dot-product attention forward: Q K^T and P V, every score counted.

    2 x batch x heads x len_q x len_k x (dim_qk + dim_v); with dim_qk = dim_v = d that
    is the 2 x B x H x T x T x d of each product twice. Masks, causal or not, are not
    discounted (PaLM's 12 L H Q T, Chowdhery et al. 2022, appendix B, counts them all;
    torch's own attention formulas do the same). With grouped-query attention
    ``heads`` is the number of query heads.
    """
    return MAC * batch * heads * len_q * len_k * (dim_qk + dim_v)


def attention_backward_flop(
    batch: int,
    heads: int,
    len_q: int,
    len_k: int,
    dim_qk: int,
    dim_v: int,
    *,
    query_grad: bool = True,
    key_grad: bool = True,
    value_grad: bool = True,
) -> int:
    """Attention backward as autograd needs it: up to four products, 2x the forward.

    dV = P^T dO and dP = dO V^T (each 2 B H Tq Tk dim_v), dQ = dS K and dK = dS^T Q
    (each 2 B H Tq Tk dim_qk). dP is needed for either dQ or dK. Fused flash kernels
    also recompute Q K^T (torch 2.13 counts that fifth product, 2.5x the forward);
    that is hardware work, not model work, so it is left out here.
    """
    score_grad = query_grad or key_grad
    per_dim = MAC * batch * heads * len_q * len_k
    return per_dim * (
        dim_v * (int(value_grad) + int(score_grad)) + dim_qk * (int(query_grad) + int(key_grad))
    )


def multi_head_attention_flop(len_q: int, len_k: int, embed_dim: int, batch: int = 1) -> int:
    """nn.MultiheadAttention forward with equal q/k/v widths (its fused fast path).

    Query projection (len_q rows), key and value projections (len_k rows each), the
    attention products over all heads (heads x head width = embed_dim) and the output
    projection. Biases ignored.
    """
    projections = matmul_flop(batch * (2 * len_q + 2 * len_k), embed_dim, embed_dim)
    scores = attention_flop(batch, 1, len_q, len_k, embed_dim, embed_dim)
    return projections + scores


def encoder_layer_flop(length: int, embed_dim: int, ffn_dim: int, batch: int = 1) -> int:
    """nn.TransformerEncoderLayer forward: self-attention plus the two feed-forward matmuls."""
    ffn = 2 * matmul_flop(batch * length, embed_dim, ffn_dim)
    return multi_head_attention_flop(length, length, embed_dim, batch) + ffn


def rnn_layer_flop(tokens: int, input_size: int, gate_rows: int, hidden_size: int) -> int:
    """One direction of one recurrent layer, forward: the gate matmuls at every step.

    ``gate_rows`` is gates x hidden_size (4 H for LSTM, 3 H for GRU, H for a plain
    RNN); ``tokens`` is sequence length x batch (or the packed length). Each step
    multiplies the input (input_size) and the previous hidden state (hidden_size),
    including the first step's initial state, as the unfused implementation does.
    """
    return MAC * tokens * gate_rows * (input_size + hidden_size)


def rnn_layer_backward_flop(
    tokens: int,
    batch: int,
    input_size: int,
    gate_rows: int,
    hidden_size: int,
    *,
    input_grad: bool,
    initial_state_grad: bool,
    input_weight_grad: bool = True,
    hidden_weight_grad: bool = True,
) -> int:
    """One direction of one recurrent layer, backward, as autograd on the unfused cell needs it.

    Weight gradients over every step; the gradient through the recurrence at every
    step but the first, and at the first only when the initial state needs one; the
    input gradient only when the input needs one (the first layer's usually does not).
    """
    per_row = MAC * gate_rows
    steps_with_state_grad = tokens - batch + (batch if initial_state_grad else 0)
    flop = per_row * steps_with_state_grad * hidden_size
    if input_weight_grad:
        flop += per_row * tokens * input_size
    if hidden_weight_grad:
        flop += per_row * tokens * hidden_size
    if input_grad:
        flop += per_row * tokens * input_size
    return flop


def numel(shape: tuple[int, ...] | list[int]) -> int:
    """Number of elements of a tensor of ``shape``."""
    return prod(shape)


def transformer_flop_per_token(
    params: float,
    layers: int,
    d_attn: int,
    context: int,
    *,
    backward: bool = True,
    causal: bool = False,
) -> float:
    """Analytic FLOP per token: 6 N + 12 L d T for training, 2 N + 4 L d T forward only.

    N counts the parameters that take part in matrix products (all but the input
    embedding table; an untied output head is included), d = query heads x head width,
    T the context (Kaplan et al. 2020, section 2.1; PaLM appendix B). ``causal`` halves
    the attention term, as some training stacks do for MFU; the counter never does.
    """
    per_param = PARAM_FLOP_PER_TOKEN if backward else PARAM_FORWARD_FLOP_PER_TOKEN
    per_attention = ATTENTION_FLOP_PER_TOKEN if backward else ATTENTION_FORWARD_FLOP_PER_TOKEN
    attention = per_attention * layers * d_attn * context
    return per_param * params + (attention / 2 if causal else attention)
