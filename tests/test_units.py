"""Unit conversions and number formatting: hand-worked values and round-trip properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algoeff.core.units import (
    FLOP_PER_PFS_DAY,
    FLOP_PER_TFS_DAY,
    flop_to_pfs_days,
    flop_to_tfs_days,
    format_sig,
    from_flop,
    to_flop,
)

positive = st.floats(min_value=1e-6, max_value=1e30, allow_nan=False, allow_infinity=False)


def test_tfs_day_is_1e12_flop_per_second_for_a_day() -> None:
    """1 tfs-day = 1e12 FLOP/s x 86,400 s; 1 pfs-day is 1000 of them."""
    assert FLOP_PER_TFS_DAY == 8.64e16
    assert FLOP_PER_PFS_DAY == 8.64e19


def test_alexnet_published_figure_converts_exactly() -> None:
    """The efficiency paper's 266.1e15 multiply-add-counted ops are 5.322e17 canonical FLOP."""
    assert to_flop(266.1e15, "FLOP", "multiply-add=1") == pytest.approx(5.322e17)
    assert flop_to_tfs_days(to_flop(266.1e15, "FLOP", "multiply-add=1")) == pytest.approx(
        6.16, abs=0.01
    )


def test_seed_translation_figures() -> None:
    """GNMT's 1.4e20 FLOP is the seed's 1620 tfs-days; 0.093 pfs-days is 93 tfs-days."""
    assert flop_to_tfs_days(1.4e20) == pytest.approx(1620.4, abs=0.1)
    assert to_flop(0.093, "pfs-day") == pytest.approx(93 * FLOP_PER_TFS_DAY)
    assert flop_to_pfs_days(8.64e19) == 1.0


@given(
    positive,
    st.sampled_from(["FLOP", "tfs-day", "pfs-day"]),
    st.sampled_from(["multiply-add=2", "multiply-add=1"]),
)
def test_round_trip(value: float, unit: str, convention: str) -> None:
    """Converting to FLOP and back returns the input."""
    assert from_flop(to_flop(value, unit, convention), unit, convention) == pytest.approx(
        value, rel=1e-12
    )  # type: ignore[arg-type]


@given(positive, positive)
def test_conversion_is_monotone(a: float, b: float) -> None:
    """A larger figure never converts to a smaller one."""
    lo, hi = sorted((a, b))
    assert to_flop(lo, "tfs-day") <= to_flop(hi, "tfs-day")


def test_multiply_add_convention_is_exactly_half() -> None:
    """A figure counting one multiply-add as one operation is exactly half the canonical one."""
    assert to_flop(1.0, "FLOP", "multiply-add=1") == 2 * to_flop(1.0, "FLOP", "multiply-add=2")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6.1597, "6.16"),
        (0.06932, "0.0693"),
        (1620.4, "1620"),
        (44.35, "44.4"),
        (9.996, "10.0"),
        (465.0, "465"),
        (2.66e17, "2.66e+17"),
        (1.0, "1.00"),
        (0.000123, "0.000123"),
        (1627.4, "1630"),
        (1625.0, "1620"),  # an exact tie rounds to even, as Python formatting does
        (123456.0, "123000"),
        (999999.5, "1.00e+06"),
        (999.6, "1000"),
        (0.000099996, "0.000100"),
        (0.0000999, "9.99e-05"),
        (-1627.4, "-1630"),
        (-0.06932, "-0.0693"),
    ],
)
def test_format_sig(value: float, text: str) -> None:
    """Three significant figures always (1627.4 is 1630, not 1627), plain decimals from 1e-4 up
    to 1e6 after rounding."""
    assert format_sig(value) == text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (1627.4, 2, "1600"),
        (0.75, 2, "0.75"),
        (7.3, 1, "7"),
        (96.0, 1, "100"),
        (1234.5, 5, "1234.5"),
    ],
)
def test_format_sig_digits(value: float, digits: int, text: str) -> None:
    """Other numbers of significant figures round the same way."""
    assert format_sig(value, digits) == text


@given(positive, st.integers(min_value=1, max_value=6))
def test_format_sig_keeps_only_the_significant_digits(value: float, digits: int) -> None:
    """At most ``digits`` significant digits are printed, whatever the magnitude."""
    text = format_sig(value, digits).split("e")[0]
    significant = text.replace(".", "").lstrip("0").rstrip("0")
    assert len(significant) <= digits
    assert math.isclose(float(format_sig(value, digits)), value, rel_tol=0.5 * 10 ** (1 - digits))


@given(positive)
def test_format_sig_is_close(value: float) -> None:
    """The formatted number is within rounding of the value."""
    assert math.isclose(float(format_sig(value)), value, rel_tol=6e-3)
