"""The FLOP formulas in algoeff.measure.formulas, checked against hand-expanded products (no torch)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algoeff.measure import formulas as f

small = st.integers(min_value=1, max_value=64)


@given(small, small, small, small)
def test_attention_forward_is_two_products_of_2bhttd(
    batch: int, heads: int, tokens: int, d: int
) -> None:
    """With equal widths, attention forward is Q K^T plus P V, each 2 x B x H x T x T x d."""
    each = 2 * batch * heads * tokens * tokens * d
    assert f.attention_flop(batch, heads, tokens, tokens, d, d) == 2 * each


@given(small, small, small, small, small, small)
def test_attention_backward_is_twice_forward(
    b: int, h: int, lq: int, lk: int, dqk: int, dv: int
) -> None:
    """With every input needing a gradient, attention backward is exactly 2x its forward."""
    forward = f.attention_flop(b, h, lq, lk, dqk, dv)
    assert f.attention_backward_flop(b, h, lq, lk, dqk, dv) == 2 * forward


def test_attention_backward_skips_unneeded_gradients() -> None:
    """A key without grad drops dK; no query and key grads also drop dP (it only feeds dQ, dK)."""
    unit = 2 * 1 * 1 * 5 * 7
    assert f.attention_backward_flop(1, 1, 5, 7, 4, 6, key_grad=False) == unit * (6 + 6 + 4)
    only_v = f.attention_backward_flop(1, 1, 5, 7, 4, 6, query_grad=False, key_grad=False)
    assert only_v == unit * 6


@pytest.mark.parametrize("groups", [1, 2, 8, 32])
def test_conv_forward_and_backward(groups: int) -> None:
    """Conv: 2 x out elements x (C_in / groups) x kh x kw; each gradient costs one forward."""
    batch, c_in, c_out, out_hw, k = 2, 32, 64, 7, 3
    weight_numel = c_out * (c_in // groups) * k * k
    forward = f.conv_flop(batch, out_hw * out_hw, weight_numel)
    assert forward == 2 * (batch * c_out * out_hw * out_hw) * (c_in // groups) * k * k
    both = f.conv_backward_flop(batch, out_hw**2, weight_numel, input_grad=True, weight_grad=True)
    weight_only = f.conv_backward_flop(
        batch, out_hw**2, weight_numel, input_grad=False, weight_grad=True
    )
    assert (both, weight_only) == (2 * forward, forward)


def test_rnn_layer_backward_counts_what_autograd_needs() -> None:
    """Full backward of a middle layer is 2x forward less the first step's state gradient."""
    tokens, batch, d_in, rows, hidden = 10, 2, 8, 64, 16
    forward = f.rnn_layer_flop(tokens, d_in, rows, hidden)
    full = f.rnn_layer_backward_flop(
        tokens, batch, d_in, rows, hidden, input_grad=True, initial_state_grad=True
    )
    assert full == 2 * forward
    first_layer = f.rnn_layer_backward_flop(
        tokens, batch, d_in, rows, hidden, input_grad=False, initial_state_grad=False
    )
    assert first_layer == full - 2 * tokens * rows * d_in - 2 * batch * rows * hidden


def test_transformer_flop_per_token() -> None:
    """6 N + 12 L d T for training; forward is a third; causal halves the attention term."""
    n, layers, d, t = 7e9, 32, 4096, 2048
    attention = 12 * layers * d * t
    assert f.transformer_flop_per_token(n, layers, d, t) == 6 * n + attention
    assert f.transformer_flop_per_token(n, layers, d, t, backward=False) == 2 * n + attention / 3
    assert f.transformer_flop_per_token(n, layers, d, t, causal=True) == 6 * n + attention / 2


def test_multi_head_attention_and_encoder_layer() -> None:
    """MHA: four E x E projections and the attention products; the encoder adds two FFN matmuls."""
    t, e, ffn, b = 6, 16, 32, 2
    mha = 4 * 2 * b * t * e * e + 2 * 2 * b * t * t * e
    assert f.multi_head_attention_flop(t, t, e, b) == mha
    assert f.encoder_layer_flop(t, e, ffn, b) == mha + 2 * 2 * b * t * e * ffn
