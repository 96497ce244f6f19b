"""Exceptions and the one-line problem report that every checker produces.

Exception tree:
    AlgoeffError             base of everything this package raises on purpose
    ├── InputError           a file or value given by a user is unusable (one line, no traceback)
    └── MissingExtraError    an optional dependency (torch, plotly, ...) is not installed
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of a check: where, which field, what is wrong and what was expected."""

    path: str
    field: str
    message: str
    expected: str = ""
    severity: Severity = "error"

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
