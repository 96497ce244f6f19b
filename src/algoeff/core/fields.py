"""Field types shared by every model of the dataset: ids, URLs, quantities with units.

Submitted files are untrusted, so every model forbids unknown keys (a typo is an
error, not a silently ignored field), numbers must be finite, and URLs must be
http(s).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from algoeff.core.text import BIDI_CHARS, CONTROL_CHARS, unsafe_char

# Lower-case words joined by hyphens or dots; no slashes, so an id is always a safe file name.
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9.-]{0,78}[a-z0-9])?$"
# No whitespace, quotes, angle brackets, backticks, backslashes, pipes, controls or
# bidi characters: a URL is pasted into Markdown tables, HTML attributes and CSV cells.
_URL_RE = re.compile(f"https?://[^\\s<>\"'`\\\\|{CONTROL_CHARS}{BIDI_CHARS}]+")
_ARXIV_RE = re.compile(r"^(\d{2})(0[1-9]|1[0-2])\.\d{4,5}$")


class StrictModel(BaseModel):
    """Frozen, unknown keys rejected, no coercion of strings into numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_url(value: str) -> str:
    if not _URL_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _check_text(value: str) -> str:
    if unsafe_char(value) is not None:
        raise ValueError("contains a line break, tab, control or bidi character")
    return value


def _check_long_text(value: str) -> str:
    if unsafe_char(value, multiline=True) is not None:
        raise ValueError("contains a control or bidi character")
    return value


def _check_arxiv(value: str) -> str:
    if not _ARXIV_RE.match(value):
        raise ValueError(f"{value!r} is not a new-style arXiv id such as 1905.11946")
    return value


def _check_no_dotdot(value: str) -> str:
    if ".." in value:
        raise ValueError(f"{value!r} contains '..'")
    return value


Id = Annotated[
    str,
    Field(pattern=ID_PATTERN, min_length=1, max_length=80),
    AfterValidator(_check_no_dotdot),
]
Url = Annotated[str, Field(max_length=2000), AfterValidator(_check_url)]
ArxivId = Annotated[str, AfterValidator(_check_arxiv)]
Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_check_text)]
LongText = Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(_check_long_text)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# A probability strictly between 0 and 1 (a p-value).
Probability = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
RelativeTolerance = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]

Bound = Literal["value", "low", "high"]


def arxiv_year_month(arxiv: str) -> tuple[int, int]:
    """Year and month of first submission encoded in a new-style arXiv id (1409.xxxx -> 2014, 9)."""
    match = _ARXIV_RE.match(arxiv)
    if match is None:
        raise ValueError(arxiv)
    return 2000 + int(match.group(1)), int(match.group(2))


class Quantity(StrictModel):
    """A named input: central value, optional low-high range, unit, and where it came from."""

    value: PositiveFloat
    low: PositiveFloat | None = None
    high: PositiveFloat | None = None
    unit: str
    source: Id | None = Field(
        default=None, description="id of an entry in the analysis' sources list"
    )
    where: Text | None = Field(default=None, description="table, section or page in the source")
    counted: Text | None = Field(
        default=None,
        description="the algoeff command that counted this value on a model definition, "
        "e.g. 'algoeff flops analysis/cifar10-94/resnet9.py:Net --input-shape 1,3,32,32'",
    )
    note: LongText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(
                f"range is not ordered: low {low:g} <= value {self.value:g} <= high {high:g}"
            )
        return self

    def at(self, bound: Bound) -> float:
        """The value at ``bound``; a missing bound falls back to the central value."""
        if bound == "low" and self.low is not None:
            return self.low
        if bound == "high" and self.high is not None:
            return self.high
        return self.value


class UnitInterval(Quantity):
    """A quantity in (0, 1]: a fraction of a run, a utilization."""

    value: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    low: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    high: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
