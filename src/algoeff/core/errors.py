"""Exceptions and the one-line problem report that every checker produces.

Exception tree:
    AlgoeffError             base of everything this package raises on purpose
    ├── InputError           a file or value given by a user is unusable (one line, no traceback)
    └── MissingExtraError    an optional dependency (torch, plotly, ...) is not installed
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from algoeff.core.text import escaped

Severity = Literal["error", "warning"]


class AlgoeffError(Exception):
    """Base class for errors this package raises deliberately."""


class InputError(AlgoeffError):
    """A user-supplied file or value cannot be used; the message is one line."""


class MissingExtraError(AlgoeffError):
    """An optional dependency is missing; the message says which extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the optional package '{package}': pip install 'algoeff[{extra}]'"
        )


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One finding of a check: where, which field, what is wrong and what was expected.

    ``line`` and ``col`` (1-based) locate the field's YAML node when known
    (``core.parsing.locate_problems``); they are for annotations, never part of the text
    line, and two problems that differ only there are the same problem.
    """

    path: str
    field: str
    message: str
    expected: str = ""
    severity: Severity = "error"
    line: int | None = dataclasses.field(default=None, compare=False)
    col: int | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        tail = f" (expected {self.expected})" if self.expected else ""
        prefix = "warning: " if self.severity == "warning" else ""
        # Untrusted text could forge a second problem line or reorder one on screen.
        return escaped(f"{self.path}: {self.field}: {prefix}{self.message}{tail}")


class ProblemsError(AlgoeffError):
    """Raised when loading cannot continue; carries every problem found so far."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# GitHub's escapes for a workflow command (actions/toolkit, packages/core/src/command.ts):
# in the message %, CR and LF; in a property also ":" and ",", which separate properties.
# Submitted text is untrusted: unescaped, a line break would start a command of its own.
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def workflow_command(problem: Problem, *, strict: bool = False) -> str:
    """``problem`` as a GitHub Actions annotation, ``::error file=...,line=...::message``;
    a warning is ``::warning`` unless ``strict``. Control and bidi characters are escaped
    first, as in the text line."""
    kind = "warning" if problem.severity == "warning" and not strict else "error"
    props: list[tuple[str, object]] = [("file", problem.path)]
    if problem.line is not None:
        props.append(("line", problem.line))
        if problem.col is not None:
            props.append(("col", problem.col))
    props.append(("title", problem.field))
    properties = ",".join(
        f"{key}={escaped(str(value)).translate(_PROPERTY_ESCAPES)}" for key, value in props
    )
    tail = f" (expected {problem.expected})" if problem.expected else ""
    message = escaped(f"{problem.field}: {problem.message}{tail}").translate(_DATA_ESCAPES)
    return f"::{kind} {properties}::{message}"
