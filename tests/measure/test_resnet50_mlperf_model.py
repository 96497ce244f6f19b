"""The imagenet-resnet50-mlperf-level entries' FLOP per sample agree with a recount of our
ResNet-50 v1.5 definition (analysis/imagenet-resnet50-mlperf-level/models/resnet50_v15.py):
8,178,368,512 forward FLOP per 224x224 image, training = 3 x forward."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

torch = pytest.importorskip("torch")

from algoeff.measure import count_flops  # noqa: E402

pytestmark = pytest.mark.torch

BENCHMARK = Path(__file__).resolve().parents[2] / "analysis" / "imagenet-resnet50-mlperf-level"
FORWARD = 8_178_368_512


def test_resnet50_v15_forward_flop() -> None:
    spec = importlib.util.spec_from_file_location(
        "resnet50_v15", BENCHMARK / "models" / "resnet50_v15.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with torch.device("meta"):
        model = module.build().eval()
        image = torch.zeros(1, 3, 224, 224)
    count = count_flops(model, image, backward=False)
    assert not count.unsupported, count.unsupported
    assert count.forward == FORWARD
    params = sum(p.numel() for p in model.parameters())
    assert params == 25_557_032  # ResNet-50's 25.6 M weights


def test_every_entry_uses_the_one_count() -> None:
    entries = sorted(BENCHMARK.glob("*.yaml"))
    assert len(entries) >= 4
    for path in entries:
        compute = yaml.safe_load(path.read_text())["compute"]
        assert compute["format"] == "mlperf"
        assert compute["flop_per_example"] == 3 * FORWARD, path.name
        assert str(FORWARD) in compute["flop_per_example_source"]
