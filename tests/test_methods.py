"""Each compute method against hand-worked examples, and range properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from algoeff.model.hardware import load_hardware
from algoeff.model.methods import Compute, MethodContext

ADAPTER: TypeAdapter[Any] = TypeAdapter(Compute)


def q(
    value: float, unit: str, low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "unit": unit}
    if low is not None:
        out["low"], out["high"] = low, high
    return out


def estimate(**data: Any) -> Any:
    return ADAPTER.validate_python(data).estimate(MethodContext())


def test_operations_alexnet_table3() -> None:
    """AlexNet: 3 x 90 epochs x 0.77 G multiply-adds x 1.28e6 images = 266.1e15 MACs = 5.322e17 FLOP."""
    est = estimate(
        method="operations",
        forward_macs=q(0.77e9, "multiply-add"),
        examples=q(1.28e6, "image"),
        epochs=q(90, "epoch"),
    )
    assert est.flop == pytest.approx(5.3222e17, rel=1e-4)
    assert est.flop_low == est.flop_high == est.flop
    assert "0.77" in est.formula.replace("7.7e+08", "0.77") or "7.7e+08" in est.formula


def test_operations_forward_flops_fraction_and_ensemble() -> None:
    """1e9 FLOP x 3 x 1e6 x 2 epochs x 0.5 x 4 models = 1.2e16."""
    est = estimate(
        method="operations",
        forward_flop=q(1e9, "FLOP"),
        examples=q(1e6, "example"),
        epochs=q(2, "epoch"),
        fraction=q(0.5, "fraction"),
        ensemble=q(4, "model"),
    )
    assert est.flop == pytest.approx(1.2e16)
    assert est.run_flop == pytest.approx(6e15)


def test_hardware_seq2seq_as_ai_and_compute() -> None:
    """8 GPUs x 10 days x 3.5 TFLOP/s x 0.33 = 7.98e18 FLOP = 0.0924 pfs-days per model."""
    est = estimate(
        method="hardware",
        count=q(8, "accelerator"),
        days=q(10, "day"),
        peak_tflop_per_s=q(3.5, "TFLOP/s"),
        utilization=q(0.33, "fraction"),
    )
    assert est.flop == pytest.approx(7.98336e18)
    assert est.pfs_days == pytest.approx(0.0924, abs=1e-4)


def test_hardware_default_utilization_range() -> None:
    """Without a stated utilization: 0.33, bounded by 0.2-0.5."""
    est = estimate(
        method="hardware",
        count=q(1, "accelerator"),
        hours=q(1, "hour"),
        peak_tflop_per_s=q(1, "TFLOP/s"),
    )
    assert est.flop == pytest.approx(3600e12 * 0.33)
    assert est.flop_low == pytest.approx(3600e12 * 0.2)
    assert est.flop_high == pytest.approx(3600e12 * 0.5)


def test_hardware_chip_from_table() -> None:
    """A chip and precision look up the dense peak in the bundled table."""
    table = load_hardware()
    chip = table.chips[0]
    precision, tflops = next(iter(chip.peak_tflop_per_s.items()))
    est = estimate(
        method="hardware",
        count=q(2, "accelerator"),
        hours=q(1, "hour"),
        chip=chip.name,
        precision=precision,
        utilization=q(0.5, "fraction"),
    )
    assert est.flop == pytest.approx(2 * 3600 * tflops * 1e12 * 0.5)


def test_transformer_6nd_and_attention() -> None:
    """6 N D, plus 12 L d T per token, halved when causal."""
    plain = estimate(method="transformer", params=q(1e9, "parameter"), tokens=q(1e10, "token"))
    assert plain.flop == pytest.approx(6e19)
    full = estimate(
        method="transformer",
        params=q(1e9, "parameter"),
        tokens=q(1e10, "token"),
        layers=q(24, "layer"),
        context=q(2048, "token"),
        d_model=q(2048, "dimension"),
    )
    causal = estimate(
        method="transformer",
        params=q(1e9, "parameter"),
        tokens=q(1e10, "token"),
        layers=q(24, "layer"),
        context=q(2048, "token"),
        d_model=q(2048, "dimension"),
        causal=True,
    )
    attention = 12 * 24 * 2048 * 2048 * 1e10
    assert full.flop == pytest.approx(6e19 + attention)
    assert causal.flop == pytest.approx(6e19 + attention / 2)


def test_reported_conventions_and_units() -> None:
    """2.3e19 FLOP x 0.68; 1 pfs-day; a multiply-add-counted figure doubles."""
    assert estimate(
        method="reported", flop=q(2.3e19, "FLOP"), fraction=q(0.68, "fraction")
    ).flop == pytest.approx(1.564e19)
    assert estimate(method="reported", pfs_days=q(1, "pfs-day")).flop == pytest.approx(8.64e19)
    assert estimate(
        method="reported", flop=q(6e15, "FLOP"), convention="multiply-add=1"
    ).flop == pytest.approx(1.2e16)


@pytest.mark.parametrize(
    "data",
    [
        {"method": "operations", "examples": q(1, "example")},  # no forward cost
        {"method": "operations", "forward_macs": q(1, "FLOP"), "examples": q(1, "example")},  # unit
        {"method": "hardware", "count": q(1, "accelerator"), "hours": q(1, "hour")},  # no peak
        {
            "method": "hardware",
            "count": q(1, "accelerator"),
            "hours": q(1, "hour"),
            "days": q(1, "day"),
            "peak_tflop_per_s": q(1, "TFLOP/s"),
        },  # two durations
        {
            "method": "transformer",
            "params": q(1, "parameter"),
            "tokens": q(1, "token"),
            "layers": q(2, "layer"),
        },  # incomplete attention shape
        {"method": "reported"},
        {"method": "reported", "flop": q(1, "FLOP"), "fraction": q(1.5, "fraction")},
        {"method": "reported", "flop": {"value": 5, "low": 6, "unit": "FLOP"}},  # unordered range
        {"method": "magic", "flop": q(1, "FLOP")},
    ],
)
def test_invalid_inputs_are_rejected(data: dict[str, Any]) -> None:
    """Missing, conflicting or mis-united inputs fail validation."""
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(data)


ranged = st.tuples(
    st.floats(min_value=10.0, max_value=1e6), st.floats(min_value=1.0, max_value=3.0)
).map(lambda t: (t[0], t[0] / t[1], t[0] * t[1]))


@given(ranged, ranged, ranged)
def test_range_brackets_the_value(
    macs: tuple[float, float, float],
    examples: tuple[float, float, float],
    epochs: tuple[float, float, float],
) -> None:
    """flop_low <= flop <= flop_high whenever every input's range brackets its value."""
    est = estimate(
        method="operations",
        forward_macs={"value": macs[0], "low": macs[1], "high": macs[2], "unit": "multiply-add"},
        examples={"value": examples[0], "low": examples[1], "high": examples[2], "unit": "example"},
        epochs={"value": epochs[0], "low": epochs[1], "high": epochs[2], "unit": "epoch"},
    )
    assert est.flop_low <= est.flop * (1 + 1e-12)
    assert est.flop <= est.flop_high * (1 + 1e-12)


@given(st.floats(min_value=1e-3, max_value=1e6), st.floats(min_value=1.0, max_value=1e3))
def test_more_epochs_never_cost_less(epochs: float, factor: float) -> None:
    """Compute is monotone in every input: more epochs, more FLOP."""

    def flop(e: float) -> float:
        return float(
            estimate(
                method="operations",
                forward_flop=q(1e9, "FLOP"),
                examples=q(1e3, "example"),
                epochs=q(e, "epoch"),
            ).flop
        )

    assert flop(epochs) <= flop(epochs * factor)


@pytest.mark.parametrize(("value", "word"), [(1e300, "inf"), (1e-300, "0")])
def test_overflow_and_underflow_are_errors(value: float, word: str) -> None:
    """Inputs that multiply out to inf or (nearly) zero FLOP are refused, never propagated."""
    with pytest.raises(ValueError, match=f"the inputs give a compute of {word} FLOP"):
        estimate(method="operations", forward_flop=q(value, "FLOP"), examples=q(value, "example"))
