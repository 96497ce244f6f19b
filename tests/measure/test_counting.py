"""count_flops and flop_counter_mode: every gap formula against the analytic count, on
CPU and the meta device, forward and forward + backward; breakdowns; unsupported ops."""

from __future__ import annotations

import dataclasses
import sys
import warnings

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402, N812 (after the importorskip; usual alias)
from torch import nn  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from algoeff.core.errors import InputError, MissingExtraError  # noqa: E402
from algoeff.measure import (  # noqa: E402
    count_flops,
    counting,
    flop_counter_mode,
)
from algoeff.measure.counting import carries_work, matmul_params  # noqa: E402
from algoeff.measure.op_policy import no_mac_reason  # noqa: E402

from .models import (  # noqa: E402
    Case,
    EncoderBlock,
    all_cases,
    mha_case,
    mobilenet_case,
    rnn_case,
    vit_case,
)

DEVICES = ["cpu", "meta"]


def _count(case: Case, device: str):  # type: ignore[no-untyped-def]
    model, inputs = case.make(device)
    if case.train:
        return count_flops(model, *inputs)
    with torch.no_grad():
        return count_flops(model, *inputs, backward=False)


def _raw_torch_count(case: Case, device: str) -> int:
    model, inputs = case.make(device)
    with FlopCounterMode(display=False) as counter:
        if case.train:
            model(*inputs).sum().backward()
        else:
            with torch.no_grad():
                model(*inputs)
    return int(counter.get_total_flops())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.name.split(" ")[0])
def test_reference_models_match_analytic_counts(case: Case, device: str) -> None:
    """Every reference model counts exactly its hand-derived forward and backward FLOP."""
    count = _count(case, device)
    assert count.forward == case.forward_flop
    assert count.backward == (case.backward_flop or 0)
    assert count.unsupported == {}


# Gaps in torch 2.13's own counter, each confirmed here on the CPU: if one of these
# starts failing after a torch upgrade, torch has fixed it and our formula can go.
@pytest.mark.parametrize(
    ("case", "what"),
    [
        (vit_case(), "F.scaled_dot_product_attention counted 0"),
        (mobilenet_case(), "depthwise conv backward overcounted by groups"),
        (mha_case(), "MultiheadAttention fast path counted 0"),
        (rnn_case("LSTM"), "mkldnn LSTM counted 0"),
    ],
    ids=["sdpa", "depthwise", "mha", "lstm"],
)
def test_gaps_are_real_in_torch_2_13(case: Case, what: str) -> None:
    """torch's plain FlopCounterMode is wrong on each case where the fixed counter is exact."""
    analytic = case.forward_flop + (case.backward_flop or 0)
    assert _raw_torch_count(case, "cpu") != analytic, what
    assert _count(case, "cpu").total == analytic


@pytest.mark.parametrize("device", DEVICES)
def test_linear_forward_and_backward(device: str) -> None:
    """Linear: 2 B in out forward; backward adds the input gradient only when asked for."""
    batch, d_in, d_out = 5, 24, 10
    with torch.device(device):
        layer = nn.Linear(d_in, d_out)
        x = torch.randn(batch, d_in)
    forward = 2 * batch * d_in * d_out
    plain = count_flops(layer, x)
    assert (plain.forward, plain.backward) == (forward, forward)
    with_input_grad = count_flops(layer, x.requires_grad_())
    assert with_input_grad.backward == 2 * forward


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gqa_and_causal(device: str, causal: bool) -> None:
    """Attention counts every query head over every key (grouped KV, causal mask: no discount)."""
    batch, heads_q, heads_kv, tokens, d = 2, 8, 2, 12, 4
    with torch.device(device):
        q = torch.randn(batch, heads_q, tokens, d, requires_grad=True)
        k = torch.randn(batch, heads_kv, tokens, d, requires_grad=True)
        v = torch.randn(batch, heads_kv, tokens, d, requires_grad=True)

    def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)

    count = count_flops(attend, q, k, v)
    each_product = 2 * batch * heads_q * tokens * tokens * d
    assert count.forward == 2 * each_product
    assert count.backward == 4 * each_product


@pytest.mark.parametrize("device", DEVICES)
def test_mv_dot_addmv_addr_addbmm(device: str) -> None:
    """Matrix-vector, dot and their accumulate forms: one multiply-add per product term."""
    m, n, b = 6, 9, 3
    with torch.device(device):
        mat, vec, other = torch.randn(m, n), torch.randn(n), torch.randn(m)
        batch1, batch2 = torch.randn(b, m, n), torch.randn(b, n, m)
    cases = [
        (lambda: torch.mv(mat, vec), 2 * m * n),
        (lambda: mat @ vec, 2 * m * n),
        (lambda: torch.dot(vec, vec), 2 * n),
        (lambda: torch.vdot(vec, vec), 2 * n),
        (lambda: torch.addmv(other, mat, vec), 2 * m * n),
        (lambda: torch.addr(mat, other, vec), 2 * m * n),
        (lambda: torch.addbmm(torch.zeros(m, m, device=device), batch1, batch2), 2 * b * m * n * m),
    ]
    for fn, expected in cases:
        assert count_flops(fn, backward=False).forward == expected


def test_meta_device_equals_cpu_for_a_mixed_model() -> None:
    """Convolutions, attention and an LSTM count the same on meta as on CPU, per module too."""

    class Mixed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vit = vit_case().build()
            self.lstm = nn.LSTM(10, 12, num_layers=2, bidirectional=True)

        def forward(self, images: torch.Tensor, sequence: torch.Tensor) -> torch.Tensor:
            return self.vit(images).sum() + self.lstm(sequence)[0].sum()

    counts = []
    for device in DEVICES:
        with torch.device(device):
            torch.manual_seed(0)
            model = Mixed()
            images, sequence = torch.randn(2, 3, 16, 16), torch.randn(7, 3, 10)
        counts.append(count_flops(model, images, sequence))
    cpu, meta = counts
    assert cpu.total > 0
    # The operators differ (CPU runs fused kernels, meta their decompositions); the counts do not.
    assert cpu.by_operator != meta.by_operator
    assert dataclasses.replace(cpu, by_operator={}) == dataclasses.replace(meta, by_operator={})


def test_breakdowns_sum_to_the_totals() -> None:
    """Own FLOP of every module plus work outside modules add up to forward and to backward;
    the root module's inclusive count is the whole, and per-operator figures add up too."""
    model, inputs = vit_case().make("meta")

    def loss_with_work_outside(output: torch.Tensor) -> torch.Tensor:
        return (output @ torch.ones(output.shape[-1], 3, device="meta")).sum()

    count = count_flops(model, *inputs, loss_fn=loss_with_work_outside)
    for phase in ("forward", "backward"):
        own = sum(getattr(m, f"self_{phase}") for m in count.by_module.values())
        assert own + getattr(count.outside_modules, phase) == getattr(count, phase)
        assert sum(getattr(op, phase) for op in count.by_operator.values()) == getattr(count, phase)
    assert count.outside_modules.forward > 0
    root = count.by_module["TinyViT"]
    assert root.forward == count.forward - count.outside_modules.forward
    assert list(count.by_module)[:2] == ["TinyViT", "TinyViT.patch"]  # registration order
    block_name = "TinyViT.blocks.0"
    children = [n for n in count.by_module if n.rpartition(".")[0] == block_name]
    # Modules that did no counted work (the norms) have no entry.
    assert sorted(c.rpartition(".")[2] for c in children) == ["mlp", "proj", "qkv"]
    block = count.by_module[block_name]
    assert block.forward == block.self_forward + sum(count.by_module[c].forward for c in children)
    assert block.self_forward > 0  # the attention products are issued by the block itself


def test_a_large_model_counts_on_meta_without_memory() -> None:
    """A 34-billion-parameter layer stack counts on the meta device, exactly."""
    width, layers, tokens = 2**16, 8, 4
    with torch.device("meta"):
        model = nn.Sequential(*[nn.Linear(width, width, bias=False) for _ in range(layers)])
        x = torch.empty(tokens, width)
    assert sum(p.numel() for p in model.parameters()) > 34e9
    count = count_flops(model, x)
    per_layer = 2 * tokens * width * width
    assert count.forward == layers * per_layer
    assert count.backward == (2 * layers - 1) * per_layer


def test_unsupported_operators_are_reported_not_dropped() -> None:
    """An operator with arithmetic and no formula is listed with its calls and warned about
    once; element-wise ops are not."""
    a = torch.randn(4, 8)

    def work() -> torch.Tensor:
        return torch.fft.rfft(a).abs().relu() + torch.fft.rfft(a).abs()

    counting._WARNED.discard("aten._fft_r2c")
    with pytest.warns(RuntimeWarning, match=r"not counted.*aten\._fft_r2c"):
        count = count_flops(work, backward=False)
    assert count.unsupported == {"aten._fft_r2c": 2}
    assert count.total == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        count_flops(work, backward=False)  # warned once per process, not again
    assert carries_work("aten.mkldnn_rnn_layer") and carries_work("aten._fft_r2c")
    assert carries_work("mylib.fused_mlp")  # other libraries' custom ops: work unknown
    assert carries_work("aten.linalg_cholesky_ex") and carries_work("aten.addmm_")
    for name in (
        "aten.relu",
        "aten.mvlgamma",
        "aten._convert_weight_to_int4pack",
        "aten.fft_fftshift",
        "aten.native_layer_norm",
        "aten._softmax_backward_data",
        "aten.embedding_dense_backward",
        "aten._foreach_add_",
        "aten.view",
        "aten.add_",
    ):
        assert not carries_work(name), name


def test_policy_categories_are_listed() -> None:
    """Every silent operator has a stated reason: a category of the listed policy or a tag."""
    assert no_mac_reason("aten.native_layer_norm") == "normalization, softmax, dropout and losses"
    assert no_mac_reason("aten.view") == "view, metadata and aliasing"
    assert no_mac_reason("aten.mul") == "element-wise"
    assert no_mac_reason("aten._fft_r2c") is None


def test_bilinear_is_counted() -> None:
    """nn.Bilinear runs aten._trilinear: B x O x (I x J + J) multiply-adds, as torch runs it."""
    batch, in1, in2, out = 4, 12, 10, 6
    x1, x2 = torch.randn(batch, in1), torch.randn(batch, in2)
    count = count_flops(nn.Bilinear(in1, in2, out), x1, x2, backward=False)
    assert count.forward == 2 * batch * out * (in1 * in2 + in2)
    assert count.unsupported == {}
    trained = count_flops(nn.Bilinear(in1, in2, out), x1, x2)
    assert trained.backward > 0 and trained.unsupported == {}


@pytest.mark.parametrize("rows", [10, 64])  # direct kernel (<= 25 rows) and the matmul path
def test_cdist_is_counted(rows: int) -> None:
    """torch.cdist: one multiply-add per (row, row, feature) on either path; backward too."""
    a = torch.randn(rows, 32, requires_grad=True)
    b = torch.randn(40, 32, requires_grad=True)
    count = count_flops(torch.cdist, a, b)
    assert count.forward == 2 * rows * 40 * 32
    assert count.backward == 2 * count.forward  # one gradient each for a and b
    assert count.unsupported == {}


@torch.library.custom_op("algoeff_test::mystery_matmul", mutates_args=())  # type: ignore[untyped-decorator,unused-ignore]
def _mystery_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a @ b


@_mystery_matmul.register_fake  # type: ignore[untyped-decorator,unused-ignore]
def _(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a.new_empty(a.shape[0], b.shape[1])


@pytest.mark.parametrize("device", DEVICES)
def test_custom_ops_are_reported(device: str) -> None:
    """A custom operator is opaque: reported as unsupported, on CPU and meta alike."""
    with torch.device(device):
        a, b = torch.randn(3, 4), torch.randn(4, 5)
    counting._WARNED.discard("algoeff_test.mystery_matmul")
    with pytest.warns(RuntimeWarning, match="algoeff_test.mystery_matmul"):
        count = count_flops(lambda: _mystery_matmul(a, b), backward=False)
    assert count.unsupported == {"algoeff_test.mystery_matmul": 1}


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_recomputation_is_hardware_flop(reentrant: bool) -> None:
    """Activation checkpointing's recomputed forward is kept apart from the model FLOP."""
    torch.manual_seed(0)
    block = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8))
    x = torch.randn(4, 8, requires_grad=True)
    plain = count_flops(block, x)

    def checkpointed(x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = checkpoint(block, x, use_reentrant=reentrant)
        return out

    count = count_flops(checkpointed, x)
    assert (count.forward, count.backward) == (plain.forward, plain.backward)
    first_linear = 2 * 4 * 8 * 16
    # Reentrant checkpointing reruns the whole block; non-reentrant stops once the
    # saved tensors it needs (here the first linear's output) are back.
    assert count.recomputed == (plain.forward if reentrant else first_linear)
    assert count.hardware_total == count.total + count.recomputed


def test_transformer_comparison() -> None:
    """A stack of encoder blocks counts exactly 6 N T + 12 L d T^2 (N: matmul weights)."""
    layers, dim, heads, tokens = 2, 64, 4, 32
    with torch.device("meta"):
        model = nn.Sequential(*[EncoderBlock(dim, heads) for _ in range(layers)])
        x = torch.empty(1, tokens, dim, requires_grad=True)  # so layer 1 has an input gradient
    count = count_flops(model, x)
    weights = sum(
        p.numel() for n, p in model.named_parameters() if n.endswith("weight") and p.dim() == 2
    )
    comparison = count.transformer(
        params=weights, layers=layers, d_attn=dim, context=tokens, tokens=tokens
    )
    assert comparison.analytic_flop == 6 * weights * tokens + 12 * layers * dim * tokens * tokens
    assert comparison.counted_flop == count.total
    assert comparison.ratio == 1.0
    # With every non-embedding parameter as N (biases, norms), the ratio dips just below 1.
    loose = count.transformer(
        params=matmul_params(model), layers=layers, d_attn=dim, context=tokens, tokens=tokens
    )
    assert 0.98 < loose.ratio < 1.0  # biases are about 1/d of the weights at this width
    forward_only = count_flops(model, x, backward=False)
    assert (
        forward_only.transformer(
            params=weights, layers=layers, d_attn=dim, context=tokens, tokens=tokens
        ).ratio
        == 1.0
    )
    assert matmul_params(nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 3))) == 15


def test_counting_restores_gradients_and_mode() -> None:
    """count_flops leaves .grad and train/eval mode as it found them."""
    model, inputs = mobilenet_case().make("cpu")
    model.eval()
    count_flops(model, *inputs)
    assert all(p.grad is None for p in model.parameters())
    assert not model.training


def test_backward_without_grad_is_a_one_line_error() -> None:
    """Asking for backward through a forward that tracks no gradients says what to do."""
    model, inputs = mobilenet_case().make("meta")
    with torch.no_grad(), pytest.raises(InputError, match="backward=False") as info:
        count_flops(model, *inputs)
    assert "\n" not in str(info.value)


def test_the_mode_is_a_flop_counter_mode_and_restarts_on_enter() -> None:
    """flop_counter_mode() is a FlopCounterMode usable twice, each use counted afresh."""
    layer = nn.Linear(4, 3)
    mode = flop_counter_mode()
    assert isinstance(mode, FlopCounterMode)
    for _ in range(2):
        with mode:
            layer(torch.randn(2, 4)).sum().backward()
        assert (mode.forward_flop, mode.backward_flop) == (48, 48)
        assert mode.get_total_flops() == 96


def test_missing_torch_gives_a_friendly_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without torch, using algoeff.measure names the extra to install."""
    import algoeff.measure

    monkeypatch.delitem(sys.modules, "algoeff.measure.counting")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingExtraError, match=r"algoeff\[torch\]"):
        algoeff.measure.count_flops  # noqa: B018 (the attribute access is the test)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
def test_padded_batches_on_the_encoder_fast_path_count_real_tokens() -> None:
    """With a padding mask, nn.TransformerEncoder's fast path runs nested tensors: each
    sequence is counted at its own length, as the kernel computes it."""
    from algoeff.measure.formulas import encoder_layer_flop

    dim, heads, ffn, layers = 16, 4, 32, 2
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(dim, heads, ffn, dropout=0.0, batch_first=True)
    model = nn.TransformerEncoder(layer, layers, enable_nested_tensor=True).eval()
    x = torch.randn(2, 6, dim)
    padding = torch.zeros(2, 6, dtype=torch.bool)
    padding[0, -2:] = True  # first sequence: 4 real tokens
    with torch.no_grad():
        count = count_flops(model, x, src_key_padding_mask=padding, backward=False)
    assert "aten._transformer_encoder_layer_fwd" in count.by_operator
    per_layer = encoder_layer_flop(4, dim, ffn) + encoder_layer_flop(6, dim, ffn)
    assert count.forward == layers * per_layer


def test_gpu_attention_kernel_formulas() -> None:
    """The fused GPU attention ops (no GPU here: their formulas are called directly) count
    2 B H Tq Tk (d_qk + d_v) forward and twice that backward, dense or packed sequences."""
    from algoeff.measure.counting import gap_formulas

    aten = torch.ops.aten
    formulas = gap_formulas()
    batch, length, heads, d = 2, 128, 8, 16
    forward = 2 * 2 * batch * heads * length * length * d
    with torch.device("meta"):
        bshd = torch.empty(batch, length, heads, d, requires_grad=True)
        bhsd = torch.empty(batch, heads, length, d, requires_grad=True)
    assert formulas[aten._flash_attention_forward](bshd, bshd, bshd, None, None, 0, 0) == forward
    assert (
        formulas[aten._efficient_attention_forward](bshd, bshd, bshd, None, None, None, None, None)
        == forward
    )
    flash_backward = formulas[aten._flash_attention_backward]
    assert flash_backward(bshd, bshd, bshd, bshd, bshd, None, None, None, 0, 0) == 2 * forward
    efficient_backward = formulas[aten._efficient_attention_backward]
    assert efficient_backward(bshd, bshd, bshd, bshd, None, bshd, None, None, 0, 0) == 2 * forward
    for op in (
        aten._scaled_dot_product_flash_attention_backward,
        aten._scaled_dot_product_efficient_attention_backward,
        aten._scaled_dot_product_cudnn_attention_backward,
    ):
        assert formulas[op](bhsd, bhsd, bhsd, bhsd) == 2 * forward, op
    # Packed sequences of lengths 3 and 5: each counted at its own length...
    packed = torch.empty(8, heads, d)
    offsets = torch.tensor([0, 3, 8])
    expected = sum(2 * 2 * heads * n * n * d for n in (3, 5))
    assert (
        formulas[aten._flash_attention_forward](packed, packed, packed, offsets, offsets, 5, 5)
        == expected
    )
    # ... and at the maximum length when the offsets cannot be read (meta device).
    meta_offsets = offsets.to("meta")
    bound = formulas[aten._flash_attention_forward](
        packed, packed, packed, meta_offsets, meta_offsets, 5, 5
    )
    assert bound == 2 * 2 * 2 * heads * 5 * 5 * d
