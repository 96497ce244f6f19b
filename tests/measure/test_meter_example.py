"""examples/digits_efficiency.py runs offline, writes logs and measured entries that validate
and recompute, prints the reduction factor, and repeats itself exactly for a given seed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from algoeff.dataset.load import load_entry
from algoeff.model.methods import MethodContext
from algoeff.model.runlog import log_crossing, read_runlog

pytestmark = pytest.mark.torch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits_efficiency.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("digits_efficiency", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_measures_two_architectures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example()
    out = tmp_path / "digits"
    status = example.main(
        ["--out", str(out), "--seeds", "0", "--arch", "wide-mlp", "small-cnn", "--emit-analysis"]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "reduction factor wide-mlp / small-cnn:" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "small-cnn-seed0.jsonl",
        "small-cnn.yaml",
        "wide-mlp-seed0.jsonl",
        "wide-mlp.yaml",
    ]
    flops = {}
    for arch in ("wide-mlp", "small-cnn"):
        log = read_runlog(out / f"{arch}-seed0.jsonl")
        crossing = log_crossing(log)
        assert crossing.reached
        assert log.header.metric == "accuracy"
        assert log.evaluations[-1].crossed  # training stopped at the first crossing
        entry = load_entry(out / f"{arch}.yaml").entry
        estimate = entry.compute.estimate(MethodContext(entry_dir=out))
        assert estimate.flop == pytest.approx(crossing.training_flop)
        assert entry.compute.training_flop == pytest.approx(estimate.flop)
        flops[arch] = estimate.flop
    factor = flops["wide-mlp"] / flops["small-cnn"]
    assert f"reduction factor wide-mlp / small-cnn: {factor:.1f}x" in printed


def test_example_is_repeatable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same seed gives the same crossing evaluation and FLOP, bit for bit."""
    example = load_example()
    crossings = []
    for name in ("a", "b"):
        assert (
            example.main(["--out", str(tmp_path / name), "--seeds", "1", "--arch", "narrow-mlp"])
            == 0
        )
        crossings.append(log_crossing(read_runlog(tmp_path / name / "narrow-mlp-seed1.jsonl")))
    capsys.readouterr()
    assert crossings[0].evaluation == crossings[1].evaluation
    assert crossings[0].training_flop == crossings[1].training_flop
