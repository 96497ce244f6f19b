"""Reference models with hand-derived FLOP counts, for tests (tiny sizes) and for
benchmarks/counting_accuracy.py (realistic sizes).

Each analytic count is written out layer by layer from the shapes, independently of
the counter: one multiply-add = 2 FLOP; bias, normalization, activations, pooling and
softmax ignored; backward counts what autograd computes, so the first layer, whose
input does not require grad, has a weight gradient and no input gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F  # noqa: N812 (the usual torch alias)
from torch import nn


@dataclass(frozen=True)
class Case:
    """A model, how to make its inputs, and its analytic forward and backward FLOP."""

    name: str
    build: Callable[[], nn.Module]
    inputs: Callable[[str], tuple[torch.Tensor, ...]]
    forward_flop: int
    backward_flop: int | None  # None: counted in eval mode under no_grad, forward only
    note: str = ""

    @property
    def train(self) -> bool:
        return self.backward_flop is not None

    def make(self, device: str) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
        with torch.device(device):
            torch.manual_seed(0)
            model = self.build()
        model.train(self.train)
        return model, self.inputs(device)


def _floats(*shape: int) -> Callable[[str], tuple[torch.Tensor, ...]]:
    def make(device: str) -> tuple[torch.Tensor, ...]:
        generator = torch.Generator().manual_seed(0)
        return (torch.randn(shape, generator=generator).to(device),)

    return make


def conv2d_flop(
    batch: int, out_hw: int, c_in: int, c_out: int, kernel: int, groups: int = 1
) -> int:
    """2 x output elements x (in_channels / groups) x kh x kw, square maps and kernels."""
    return 2 * batch * out_hw * out_hw * c_out * (c_in // groups) * kernel * kernel


# --- MLP -------------------------------------------------------------------------------


def mlp_case(batch: int = 4, d_in: int = 12, hidden: int = 20, d_out: int = 6) -> Case:
    first, second = 2 * batch * d_in * hidden, 2 * batch * hidden * d_out
    return Case(
        name=f"MLP {d_in}-{hidden}-{d_out}, batch {batch}",
        build=lambda: nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out)),
        inputs=_floats(batch, d_in),
        forward_flop=first + second,
        backward_flop=first + 2 * second,  # first layer: weight gradient only
    )


# --- MobileNetV2-style inverted residual blocks (depthwise convolutions) ---------------


class InvertedResidual(nn.Module):
    """1x1 expand, 3x3 depthwise (stride s), 1x1 project (MobileNetV2, arXiv 1801.04381)."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int) -> None:
        super().__init__()
        wide = c_in * expand
        self.expand = nn.Conv2d(c_in, wide, 1, bias=False)
        self.depthwise = nn.Conv2d(wide, wide, 3, stride, 1, groups=wide, bias=False)
        self.project = nn.Conv2d(wide, c_out, 1, bias=False)
        self.norms = nn.ModuleList(
            [nn.BatchNorm2d(wide), nn.BatchNorm2d(wide), nn.BatchNorm2d(c_out)]
        )
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self.norms[0](self.expand(x)))
        y = F.relu6(self.norms[1](self.depthwise(y)))
        y = self.norms[2](self.project(y))
        return x + y if self.residual else y


def mobilenet_case(
    batch: int = 2,
    resolution: int = 16,
    blocks: tuple[tuple[int, int, int], ...] = ((16, 1, 1), (24, 2, 6), (24, 1, 6)),
    classes: int = 10,
) -> Case:
    """Stem conv 3x3 s2 to 32 channels, inverted residual blocks (c_out, stride, expand), pool, linear."""
    stem_c = 32
    hw = resolution // 2
    stem = conv2d_flop(batch, hw, 3, stem_c, 3)
    rest = 0
    c = stem_c
    for c_out, stride, expand in blocks:
        wide = c * expand
        out_hw = (hw + 2 - 3) // stride + 1
        rest += conv2d_flop(batch, hw, c, wide, 1)
        rest += conv2d_flop(batch, out_hw, wide, wide, 3, groups=wide)
        rest += conv2d_flop(batch, out_hw, wide, c_out, 1)
        c, hw = c_out, out_hw
    rest += 2 * batch * c * classes

    def build() -> nn.Module:
        layers: list[nn.Module] = [
            nn.Conv2d(3, stem_c, 3, 2, 1, bias=False),
            nn.BatchNorm2d(stem_c),
        ]
        width = stem_c
        for c_out, stride, expand in blocks:
            layers.append(InvertedResidual(width, c_out, stride, expand))
            width = c_out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, classes)]
        return nn.Sequential(*layers)

    return Case(
        name=f"MobileNetV2-style blocks ({len(blocks)}), {resolution}x{resolution}, batch {batch}",
        build=build,
        inputs=_floats(batch, 3, resolution, resolution),
        forward_flop=stem + rest,
        backward_flop=stem + 2 * rest,  # stem: weight gradient only
    )


# --- ViT-style encoder with F.scaled_dot_product_attention ----------------------------


class EncoderBlock(nn.Module):
    """Pre-norm block: attention through F.scaled_dot_product_attention, then a 4x MLP."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(self.norm1(x)).view(batch, tokens, 3, self.heads, dim // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(attended.transpose(1, 2).reshape(batch, tokens, dim))
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    """Patch embedding (a strided convolution), encoder blocks, mean pool, linear head."""

    def __init__(self, dim: int, depth: int, heads: int, patch: int, classes: int) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.ModuleList([EncoderBlock(dim, heads) for _ in range(depth)])
        self.head = nn.Linear(dim, classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patch(images).flatten(2).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=1))


def vit_case(
    batch: int = 2,
    resolution: int = 16,
    patch: int = 4,
    dim: int = 32,
    depth: int = 2,
    heads: int = 4,
    classes: int = 10,
) -> Case:
    tokens = (resolution // patch) ** 2
    patch_flop = conv2d_flop(batch, resolution // patch, 3, dim, patch)
    per_block = 2 * batch * tokens * (3 * dim * dim + dim * dim + 8 * dim * dim)
    per_block += 2 * 2 * batch * tokens * tokens * dim  # Q K^T and P V, all heads
    rest = depth * per_block + 2 * batch * dim * classes
    return Case(
        name=f"ViT-style encoder d{dim} L{depth} H{heads}, {tokens} tokens, batch {batch}",
        build=lambda: TinyViT(dim, depth, heads, patch, classes),
        inputs=_floats(batch, 3, resolution, resolution),
        forward_flop=patch_flop + rest,
        backward_flop=patch_flop + 2 * rest,  # patch embedding: weight gradient only
    )


# --- nn.MultiheadAttention and nn.TransformerEncoder, inference fast paths ------------


def mha_case(batch: int = 2, tokens: int = 6, dim: int = 16, heads: int = 4) -> Case:
    """Self-attention in eval mode under no_grad: the fused _native_multi_head_attention path."""

    class SelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.attn(x, x, x)[0]
            return out

    projections = 2 * batch * tokens * dim * dim * 4  # q, k, v, out
    scores = 2 * 2 * batch * tokens * tokens * dim
    return Case(
        name=f"nn.MultiheadAttention eval/no_grad d{dim} H{heads}, {tokens} tokens, batch {batch}",
        build=SelfAttention,
        inputs=_floats(batch, tokens, dim),
        forward_flop=projections + scores,
        backward_flop=None,
    )


def encoder_case(
    batch: int = 2, tokens: int = 6, dim: int = 16, heads: int = 4, ffn: int = 32, layers: int = 2
) -> Case:
    """nn.TransformerEncoder in eval mode under no_grad: _transformer_encoder_layer_fwd."""

    def build() -> nn.Module:
        layer = nn.TransformerEncoderLayer(dim, heads, ffn, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    per_layer = 2 * batch * tokens * dim * dim * 4 + 2 * 2 * batch * tokens * tokens * dim
    per_layer += 2 * 2 * batch * tokens * dim * ffn
    return Case(
        name=f"nn.TransformerEncoder eval/no_grad d{dim} L{layers}, {tokens} tokens, batch {batch}",
        build=build,
        inputs=_floats(batch, tokens, dim),
        forward_flop=layers * per_layer,
        backward_flop=None,
    )


# --- LSTM and GRU ----------------------------------------------------------------------


class _LastOutput(nn.Module):
    """A recurrent layer that returns its output sequence only (so .sum() is a loss)."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.rnn(x)[0]
        return out


def rnn_case(
    kind: str = "LSTM",
    steps: int = 5,
    batch: int = 2,
    d_in: int = 8,
    hidden: int = 16,
    layers: int = 2,
) -> Case:
    """Stacked LSTM (4 gates) or GRU (3 gates), sequence-first, zero initial state."""
    gates = {"LSTM": 4, "GRU": 3}[kind]
    rows = gates * hidden
    forward = backward = 0
    for layer in range(layers):
        width = d_in if layer == 0 else hidden
        forward += 2 * steps * batch * rows * (width + hidden)
        backward += 2 * steps * batch * rows * (width + hidden)  # W_ih and W_hh gradients
        backward += 2 * (steps - 1) * batch * rows * hidden  # through the recurrence, t > 0
        if layer > 0:
            backward += 2 * steps * batch * rows * width  # input gradient
    return Case(
        name=f"nn.{kind} {layers} layers {d_in}->{hidden}, {steps} steps, batch {batch}",
        build=lambda: _LastOutput(getattr(nn, kind)(d_in, hidden, num_layers=layers)),
        inputs=_floats(steps, batch, d_in),
        forward_flop=forward,
        backward_flop=backward,
    )


def all_cases() -> list[Case]:
    """The reference suite at test sizes."""
    return [
        mlp_case(),
        mobilenet_case(),
        vit_case(),
        mha_case(),
        encoder_case(),
        rnn_case("LSTM"),
        rnn_case("GRU"),
    ]


def tiny_gpt2(length: int) -> nn.Module:
    """A two-layer GPT-2 (width 32, vocabulary 64) built from its config: random weights,
    nothing downloaded. Needs transformers (the integration tests skip without it)."""
    import transformers

    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=64, n_positions=length, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=0, eos_token_id=0,
    )  # fmt: skip
    model: nn.Module = transformers.GPT2LMHeadModel(config)
    return model
