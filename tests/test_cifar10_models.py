"""The cifar10-94 entries' forward FLOP agree with a recount of their model definitions.

Each entry in analysis/cifar10-94/ records a forward cost per image counted with
algoeff.measure.count_flops on our own PyTorch definition of its network
(analysis/cifar10-94/models/). This test imports every definition by file path, recounts
one 3x32x32 image on the meta device and compares with the YAML's ``forward_flop``.
``algoeff check`` itself never imports anything from analysis/.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml

torch = pytest.importorskip("torch")

from algoeff.measure import count_flops  # noqa: E402

pytestmark = pytest.mark.torch

BENCHMARK = Path(__file__).resolve().parents[1] / "analysis" / "cifar10-94"
MODELS = BENCHMARK / "models"

# entry id -> model file (each defines build() returning the network)
ENTRIES = {
    "dawnbench-resnet-2017": "preact_resnet164.py",
    "resnet9-dawnbench-2018": "resnet9.py",
    "resnet9-bag-of-tricks-2019": "resnet9_whitened.py",
    "hlb-cifar10-2023": "hlb_cifar10.py",
    "airbench94-2024": "airbench94.py",
    "airbench94-muon-2024": "airbench94.py",
    "hiverge-speedrun-2025": "airbench94.py",
}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"cifar10_94_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forward_flop(model_file: str) -> int:
    module = load(MODELS / model_file)
    with torch.device("meta"):
        model = module.build().eval()
        image = torch.zeros(1, 3, 32, 32)
    count = count_flops(model, image, backward=False)
    assert not count.unsupported, count.unsupported
    return count.forward


def test_every_entry_is_listed() -> None:
    ids = {p.stem for p in BENCHMARK.glob("*.yaml")}
    assert ids == set(ENTRIES)


@pytest.mark.parametrize(("entry", "model_file"), sorted(ENTRIES.items()))
def test_forward_flop_matches_entry(entry: str, model_file: str) -> None:
    data = yaml.safe_load((BENCHMARK / f"{entry}.yaml").read_text(encoding="utf-8"))
    quantity = data["compute"]["forward_flop"]
    assert model_file.removesuffix(".py") in quantity["counted"]
    recount = forward_flop(model_file)
    assert recount == pytest.approx(quantity["value"], rel=0.005)
