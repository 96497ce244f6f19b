"""Counting a Llama-style 7B and 70B decoder on the meta device: speed, memory, agreement.

    .venv/bin/python benchmarks/count_llama.py            # both sizes, a markdown table

Each size runs in a fresh subprocess (``--worker SIZE``), so its peak resident memory
(getrusage maxrss) is its own. In it, the model is built under torch.device("meta")
(no weights allocated), then one training step (forward and backward of the summed
logits, batch 1, 2048 tokens) is counted twice by torch's plain FlopCounterMode and twice
by algoeff's counter, alternating; the faster of each pair is reported. The count is
compared with the analytic 6 N T + 12 L d T^2 (PaLM, arXiv 2204.02311, appendix B),
N = parameters outside the embedding table (the untied head included).

The decoder follows Llama 2 (arXiv 2307.09288): RMSNorm, SwiGLU feed-forward, rotary
position embedding, grouped-query attention for 70B, causal attention through
F.scaled_dot_product_attention, untied output head, vocabulary 32000.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812 (the usual torch alias)
from torch import nn

SIZES = {
    # d_model, layers, query heads, key/value heads, feed-forward width
    "7B": (4096, 32, 32, 32, 11008),
    "70B": (8192, 80, 64, 8, 28672),
}
VOCAB = 32000
TOKENS = 2048


@dataclass(frozen=True)
class Config:
    dim: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int = VOCAB
    rope_base: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding on (batch, heads, tokens, head_dim); element-wise work."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.c = c
        self.wq = nn.Linear(c.dim, c.heads * c.head_dim, bias=False)
        self.wk = nn.Linear(c.dim, c.kv_heads * c.head_dim, bias=False)
        self.wv = nn.Linear(c.dim, c.kv_heads * c.head_dim, bias=False)
        self.wo = nn.Linear(c.heads * c.head_dim, c.dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        batch, tokens, _ = x.shape
        c = self.c
        q = self.wq(x).view(batch, tokens, c.heads, c.head_dim).transpose(1, 2)
        k = self.wk(x).view(batch, tokens, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.wv(x).view(batch, tokens, c.kv_heads, c.head_dim).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        out = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, enable_gqa=c.kv_heads != c.heads
        )
        return self.wo(out.transpose(1, 2).reshape(batch, tokens, -1))


class SwiGLU(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.w1 = nn.Linear(c.dim, c.ffn, bias=False)
        self.w3 = nn.Linear(c.dim, c.ffn, bias=False)
        self.w2 = nn.Linear(c.ffn, c.dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.attention_norm, self.ffn_norm = RMSNorm(c.dim), RMSNorm(c.dim)
        self.attention, self.feed_forward = Attention(c), SwiGLU(c)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.attention_norm(x), cos, sin)
        return x + self.feed_forward(self.ffn_norm(x))


class Llama(nn.Module):
    def __init__(self, c: Config) -> None:
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c.vocab, c.dim)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.layers)])
        self.norm = RMSNorm(c.dim)
        self.output = nn.Linear(c.dim, c.vocab, bias=False)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        tokens = token_ids.shape[1]
        half = self.c.head_dim // 2
        inv_freq = self.c.rope_base ** (-torch.arange(half, device=token_ids.device) / half)
        angles = torch.outer(torch.arange(tokens, device=token_ids.device), inv_freq)
        cos, sin = angles.cos(), angles.sin()
        x = self.embed(token_ids)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.output(self.norm(x))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def worker(size: str) -> dict[str, object]:
    from torch.utils.flop_counter import FlopCounterMode

    from algoeff.measure import count_flops, matmul_params

    rss_after_import = _rss_mb()
    dim, layers, heads, kv_heads, ffn = SIZES[size]
    c = Config(dim, layers, heads, kv_heads, ffn)
    start = time.perf_counter()
    with torch.device("meta"):
        model = Llama(c)
        token_ids = torch.zeros(1, TOKENS, dtype=torch.long)
    build_s = time.perf_counter() - start

    raw_s, ours_s, raw_flop, count = [], [], 0, None
    for _ in range(2):
        start = time.perf_counter()
        with FlopCounterMode(display=False) as raw:
            model(token_ids).sum().backward()
        raw_s.append(time.perf_counter() - start)
        raw_flop = int(raw.get_total_flops())
        model.zero_grad(set_to_none=True)
        start = time.perf_counter()
        count = count_flops(model, token_ids)
        ours_s.append(time.perf_counter() - start)
    assert count is not None
    n = matmul_params(model)
    comparison = count.transformer(
        params=n, layers=layers, d_attn=heads * c.head_dim, context=TOKENS, tokens=TOKENS
    )
    causal = count.transformer(
        params=n,
        layers=layers,
        d_attn=heads * c.head_dim,
        context=TOKENS,
        tokens=TOKENS,
        causal=True,
    )
    return {
        "size": size,
        "params": sum(p.numel() for p in model.parameters()),
        "matmul_params": n,
        "build_s": build_s,
        "ours_s": min(ours_s),
        "raw_s": min(raw_s),
        "rss_after_import_mb": rss_after_import,
        "peak_rss_mb": _rss_mb(),
        "counted_flop": count.total,
        "forward_flop": count.forward,
        "backward_flop": count.backward,
        "raw_flop": raw_flop,
        "analytic_flop": comparison.analytic_flop,
        "analytic_causal_flop": causal.analytic_flop,
        "ratio": comparison.ratio,
        "unsupported": dict(count.unsupported),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=sorted(SIZES), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=sorted(SIZES))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    rows = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", size],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"torch {torch.__version__}; batch 1, {TOKENS} tokens, forward + backward, meta device\n")
    print(
        "| model | parameters | count (algoeff) | count (torch FlopCounterMode) "
        "| algoeff / torch time | build | peak RSS (after import) | counted FLOP "
        "| 6NT + 12LdT² | counted / analytic | torch's count | unsupported |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| Llama-style {r['size']} | {r['params'] / 1e9:.2f} B | {r['ours_s']:.2f} s "
            f"| {r['raw_s']:.2f} s | {r['ours_s'] / r['raw_s']:.2f}x | {r['build_s']:.2f} s "
            f"| {r['peak_rss_mb']:.0f} MB ({r['rss_after_import_mb']:.0f} MB) "
            f"| {r['counted_flop']:.4e} | {r['analytic_flop']:.4e} | {r['ratio']:.5f} "
            f"| {r['raw_flop']:.4e} | {r['unsupported'] or 'none'} |"
        )
    for r in rows:
        print(
            f"\n{r['size']}: forward {r['forward_flop']:.4e}, backward {r['backward_flop']:.4e} "
            f"({r['backward_flop'] / r['forward_flop']:.4f}x forward); N = {r['matmul_params']:,} "
            f"matmul parameters; analytic with the causal half: {r['analytic_causal_flop']:.4e}"
        )


if __name__ == "__main__":
    main()
