"""Agreement of count_flops with published and analytic counts, model by model.

    .venv/bin/python benchmarks/zoo.py            # markdown tables on stdout

torchvision part (needs torchvision): every classification model torchvision lists,
built on the meta device at its weights' crop size, counted forward (eval, no_grad,
batch 1) and compared with the operation count torchvision publishes for its weights
(``weights.meta["_ops"]``, giga multiply-adds: our FLOP / 2).

Hugging Face part (needs transformers): GPT-2, BERT, Llama and ViT built from their
configs (random weights, meta device, nothing downloaded), one training step (forward
and backward of the summed output) compared with the analytic 6 N T + 12 L d T^2
(Kaplan et al. 2020; PaLM appendix B). N is the parameters in matrix products
(``matmul_params``, plus a tied output head); ViT's patch projection runs on 196 of
its 197 tokens, so its analytic figure is a hair high.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import torch

from algoeff.measure import count_flops, matmul_params


def torchvision_rows() -> list[str]:
    try:
        import torchvision
        from torchvision.models import get_model, get_model_weights, list_models
    except Exception as exc:  # not installed, or does not import with this torch
        return [
            f"torchvision part skipped: torchvision does not import ({type(exc).__name__}: {exc})"
        ]
    rows = [
        f"torchvision {torchvision.__version__}",
        "",
        "| model | crop | published GMAC | counted GMAC | difference |",
        "|---|---|---|---|---|",
    ]
    for name in list_models(module=torchvision.models):
        weights = get_model_weights(name).DEFAULT
        ops = weights.meta.get("_ops")
        if ops is None:
            continue
        crop = weights.transforms().crop_size[0]
        # A ViT's position embeddings fix its input size: build it at its weights' crop.
        options = {"image_size": crop} if name.startswith("vit_") else {}
        try:
            with torch.device("meta"):
                model = get_model(name, weights=None, **options).eval()
                x = torch.empty(1, 3, crop, crop)
        except NotImplementedError:
            # A few builders (RegNet) compute their widths with tensors, which the meta
            # device cannot hand back; those are built on the CPU (random weights).
            model = get_model(name, weights=None, **options).eval()
            x = torch.empty(1, 3, crop, crop)
        with torch.no_grad():
            count = count_flops(model, x, backward=False)
        gmac = count.forward / 2 / 1e9
        rows.append(f"| {name} | {crop} | {ops:.3f} | {gmac:.3f} | {gmac / ops - 1:+.2%} |")
    return rows


def _hf_models() -> list[tuple[str, Any, Any, int, int, int, int]]:
    import transformers as t

    tokens = 512
    gpt2 = t.GPT2Config(n_positions=1024, use_cache=False)
    bert = t.BertConfig()
    llama = t.LlamaConfig(
        hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
        num_attention_heads=32, num_key_value_heads=4, vocab_size=32000, use_cache=False,
    )  # fmt: skip
    vit = t.ViTConfig()
    return [
        # name, model class, config, tokens, layers, d_attn, tied head (vocab x d, or 0)
        ("GPT-2 124M", t.GPT2LMHeadModel, gpt2, tokens, 12, 768, 50257 * 768),
        ("BERT-base MLM", t.BertForMaskedLM, bert, tokens, 12, 768, 30522 * 768),
        ("Llama 1.1B (TinyLlama shape)", t.LlamaForCausalLM, llama, tokens, 22, 2048, 0),
        ("ViT-B/16 224", t.ViTModel, vit, 197, 12, 768, 0),
    ]


def hf_rows() -> list[str]:
    try:
        import transformers
    except Exception as exc:
        return [f"Hugging Face part skipped: transformers does not import ({exc})"]
    rows = [
        f"transformers {transformers.__version__}, one training step, batch 1",
        "",
        "| model | device | tokens | counted FLOP | analytic FLOP | counted / analytic |",
        "|---|---|---|---|---|---|",
    ]
    for name, cls, config, tokens, layers, d_attn, tied in _hf_models():
        try:
            count, model = _count_hf(name, cls, config, tokens, "meta")
            device = "meta"
        except RuntimeError:  # code that reads tensor values (.item()): count on the CPU
            count, model = _count_hf(name, cls, config, tokens, "cpu")
            device = "cpu"
        params = matmul_params(model) + tied
        cmp = count.transformer(
            params=params, layers=layers, d_attn=d_attn, context=tokens, tokens=tokens
        )
        rows.append(
            f"| {name} | {device} | {tokens} | {count.total:.4e} | {cmp.analytic_flop:.4e} | "
            f"{cmp.counted_flop / cmp.analytic_flop:.4f} |"
        )
    return rows


def _count_hf(name: str, cls: Any, config: Any, tokens: int, device: str) -> tuple[Any, Any]:
    with torch.device(device):
        model = cls(config, add_pooling_layer=False) if name.startswith("ViT") else cls(config)
        if name.startswith("ViT"):
            inputs: dict[str, Any] = {"pixel_values": torch.randn(1, 3, 224, 224)}
        else:
            inputs = {"input_ids": torch.zeros(1, tokens, dtype=torch.long)}
    model.train()
    return count_flops(model, **inputs, loss_fn=lambda o: o[0].sum()), model


def main() -> int:
    warnings.simplefilter("ignore")
    print("\n".join(torchvision_rows()))
    print()
    print("\n".join(hf_rows()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
