"""Options shared by every command, so that a flag means the same thing everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from algoeff.core.errors import Problem
from algoeff.dataset.load import find_root

F = TypeVar("F", bound=Callable[..., Any])


def root_option(func: F) -> F:
    """--root DIR: the dataset folder (default: the nearest one at or above the cwd)."""
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Dataset folder (holds data/benchmarks.yaml). Default: found from the cwd upwards.",
    )(func)


def json_option(func: F) -> F:
    """--json: print machine-readable JSON instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def resolve_root(root: Path | None) -> Path:
    return root.resolve() if root is not None else find_root()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def report(problems: list[Problem], *, strict: bool = False) -> int:
    """Print problems one per line to stderr; the exit status they imply (1 for errors)."""
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = [p for p in problems if p.severity == "error" or strict]
    warnings = len(problems) - len(errors)
    if problems:
        click.echo(f"{len(errors)} error(s), {warnings} warning(s)", err=True)
    return 1 if errors else 0
