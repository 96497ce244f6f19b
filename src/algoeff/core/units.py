"""Units of training compute and the conversions between them.

The canonical unit everywhere is the FLOP, counting one multiply-add as 2 FLOP
(Kaplan et al. 2020; "AI and Compute", OpenAI 2018). Tables show
teraflop/s-days as the original tracker did. Older vision papers and the THOP
counter, which "Measuring the Algorithmic Efficiency of Neural Networks"
(Hernandez & Brown 2020) used, count a multiply-add as ONE operation; such a
figure is exactly half the canonical one.
"""

from __future__ import annotations

import math
from typing import Literal

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
FLOP_PER_MULTIPLY_ADD = 2
# 1 teraflop/s sustained for one day: 1e12 FLOP/s x 86,400 s.
FLOP_PER_TFS_DAY = 1e12 * SECONDS_PER_DAY
# 1 petaflop/s sustained for one day.
FLOP_PER_PFS_DAY = 1e15 * SECONDS_PER_DAY

ComputeUnit = Literal["FLOP", "tfs-day", "pfs-day"]
Convention = Literal["multiply-add=2", "multiply-add=1"]


_UNIT_TO_OPERATIONS: dict[str, float] = {
    "FLOP": 1.0,
    "tfs-day": FLOP_PER_TFS_DAY,
    "pfs-day": FLOP_PER_PFS_DAY,
}


def convention_factor(convention: Convention) -> float:
    """FLOP (multiply-add = 2) per operation counted under ``convention``."""
    return 1.0 if convention == "multiply-add=2" else float(FLOP_PER_MULTIPLY_ADD)


def to_flop(value: float, unit: ComputeUnit, convention: Convention = "multiply-add=2") -> float:
    """Convert a figure in ``unit`` counted under ``convention`` to canonical FLOP."""
    return value * _UNIT_TO_OPERATIONS[unit] * convention_factor(convention)


def from_flop(flop: float, unit: ComputeUnit, convention: Convention = "multiply-add=2") -> float:
    """Convert canonical FLOP to ``unit`` counted under ``convention``."""
    return flop / (_UNIT_TO_OPERATIONS[unit] * convention_factor(convention))


def flop_to_tfs_days(flop: float) -> float:
    """Canonical FLOP to teraflop/s-days."""
    return flop / FLOP_PER_TFS_DAY


def flop_to_pfs_days(flop: float) -> float:
    """Canonical FLOP to petaflop/s-days."""
    return flop / FLOP_PER_PFS_DAY


def format_sig(value: float, digits: int = 3) -> str:
    """Format ``value`` rounded to ``digits`` significant figures, deterministically.

    Plain decimals when the rounded value is between 1e-4 and 1e6 (``0.0693``, ``6.16``,
    ``1630`` for 1627.4, ``10.0`` for 9.996), scientific notation outside (``2.66e+17``,
    ``1.00e+06`` for 999999.5). Digits beyond ``digits`` print as zeros, never as the
    unrounded value.
    """
    if value == 0 or not math.isfinite(value):
        return repr(value)
    # The e-format rounds correctly in decimal; its mantissa holds exactly the digits to keep
    # and its exponent the magnitude after rounding (9.996 -> 1.00e+01).
    scientific = f"{value:.{digits - 1}e}"
    mantissa, exponent_text = scientific.split("e")
    exponent = int(exponent_text)
    if exponent < -4 or exponent >= 6:
        return scientific
    sign = "-" if mantissa.startswith("-") else ""
    kept = mantissa.lstrip("-").replace(".", "")
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{kept}"
    if exponent + 1 >= len(kept):
        return f"{sign}{kept}{'0' * (exponent + 1 - len(kept))}"
    return f"{sign}{kept[: exponent + 1]}.{kept[exponent + 1 :]}"


def format_flop(flop: float) -> str:
    """Canonical FLOP in scientific notation with three significant figures."""
    return f"{flop:.2e}"


# Which way a metric improves: accuracy and BLEU rise, losses fall.
Direction = Literal["higher", "lower"]


def reached(value: float, threshold: float, direction: Direction) -> bool:
    """Whether ``value`` is at or beyond ``threshold`` in ``direction`` (equality reaches it)."""
    return value >= threshold if direction == "higher" else value <= threshold
