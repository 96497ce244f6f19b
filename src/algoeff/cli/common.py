"""Options shared by every command, so that a flag means the same thing everywhere.

Options that set a field of a model are generated from the field (``field_option``):
the option is the field's name with dashes, its help the field's description, its
unit the one in the field's Quantity type. A field and its unit are written once,
in the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from algoeff.core.errors import Problem, workflow_command
from algoeff.core.parsing import locate_problems
from algoeff.dataset.load import find_root
from algoeff.dataset.trend import DEFAULT_DRAWS, DEFAULT_SEED, MIN_DRAWS
from algoeff.model.scaffold import bare_type
from algoeff.model.scaffold import field_unit as field_unit  # re-exported for estimate
from algoeff.outputs.site.build import DEFAULT_OUT, DEFAULT_REPO_URL

F = TypeVar("F", bound=Callable[..., Any])

_NUMBER = r"[0-9.]+(?:[eE][-+]?[0-9]+)?"
_QUANTITY = re.compile(rf"^(?P<value>{_NUMBER})(?::(?P<low>{_NUMBER})\.\.(?P<high>{_NUMBER}))?$")


def root_option(func: F) -> F:
    """--root DIR: the dataset folder (default: the nearest one at or above the cwd)."""
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Dataset folder (holds data/benchmarks.yaml). Default: found from the cwd upwards.",
    )(func)


def site_out_option(func: F) -> F:
    """--out DIR: the folder the website is written into (`site build`, `build`)."""
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=DEFAULT_OUT,
        show_default=True,
        help="Folder to write the site into; replaced on every build.",
    )(func)


def repo_url_option(func: F) -> F:
    """--repo-url URL: where each entry page's source link points (`site build`, `build`)."""
    return click.option(
        "--repo-url",
        default=DEFAULT_REPO_URL,
        show_default=True,
        help="Base URL that each entry page's 'source file' link appends the file path to.",
    )(func)


def draws_options(func: F) -> F:
    """--draws N and --seed S: the Monte Carlo of a trend fit (`trend`, `sensitivity`)."""
    func = click.option(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        show_default=True,
        help="Seed of the draws; the same seed gives the same intervals.",
    )(func)
    return click.option(
        "--draws",
        type=click.IntRange(min=MIN_DRAWS),
        default=DEFAULT_DRAWS,
        show_default=True,
        help="Monte Carlo draws over the entries' ranges.",
    )(func)


def json_option(func: F) -> F:
    """--json: print machine-readable JSON instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def resolve_root(root: Path | None) -> Path:
    return root.resolve() if root is not None else find_root()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


ReportFormat = Literal["text", "github", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("text", "github", "json")


def format_option(func: F) -> F:
    """--format text|github|json: how problems are printed (`check`)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(REPORT_FORMATS),
        default="text",
        show_default=True,
        help="text: one line per problem on stderr. github: GitHub Actions annotations "
        "(::error file=...,line=...) on stdout, so that problems show on the lines of a pull "
        "request. json: a list of problem objects on stdout. The summary line and the exit "
        "status are the same for all three.",
    )(func)


def _problem_json(problem: Problem) -> dict[str, object]:
    return {
        "path": problem.path,
        "field": problem.field,
        "message": problem.message,
        "expected": problem.expected,
        "severity": problem.severity,
        "line": problem.line,
        "col": problem.col,
    }


def report(problems: list[Problem], *, strict: bool = False, fmt: ReportFormat = "text") -> int:
    """Print problems (text: one per line to stderr; github or json: located in their files,
    on stdout); the exit status they imply (1 for errors)."""
    if fmt == "text":
        for problem in problems:
            click.echo(str(problem), err=True)
    elif fmt == "github":
        for problem in locate_problems(problems):
            click.echo(workflow_command(problem, strict=strict))
    else:
        print_json([_problem_json(p) for p in locate_problems(problems)])
    errors = [p for p in problems if p.severity == "error" or strict]
    warnings = len(problems) - len(errors)
    if problems:
        click.echo(f"{len(errors)} error(s), {warnings} warning(s)", err=True)
    return 1 if errors else 0


if TYPE_CHECKING:  # click >= 8.3 types ParamType generically; older releases cannot subscript it
    _ParamType = click.ParamType[dict[str, float], Any]
else:
    _ParamType = click.ParamType


class QuantityType(_ParamType):
    """A positive number, optionally with a range: 3.86e9 or 3.86e9:3.5e9..4.1e9."""

    name = "VALUE[:LOW..HIGH]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dict[str, float]:
        if isinstance(value, dict):
            return value
        match = _QUANTITY.match(str(value).strip())
        if match is None:
            self.fail(
                f"{value!r} is not a number or NUMBER:LOW..HIGH (e.g. 0.33:0.2..0.5)", param, ctx
            )
        try:
            out = {k: float(v) for k, v in match.groupdict().items() if v is not None}
        except ValueError:
            self.fail(f"{value!r} is not a number", param, ctx)
        return out


QUANTITY = QuantityType()


def option_name(field: str) -> str:
    """The option that sets a model field: ``peak_tflop_per_s`` -> ``--peak-tflop-per-s``."""
    return "--" + field.replace("_", "-")


def _help(field: FieldInfo, unit: str | None) -> str:
    text = (field.description or "").strip()
    text = text[:1].upper() + text[1:]
    if text and not text.endswith("."):
        text += "."
    return f"{text} Unit: {unit}." if unit else text


def field_option(model: type[BaseModel], name: str) -> Callable[[F], F]:
    """A click option that sets ``model``'s field ``name``, typed and documented by the field.

    Quantity fields take VALUE[:LOW..HIGH] and give ``{"value", "low", "high"}``
    (without the unit: ``field_unit`` has it); Literal fields are a choice of their
    values; bool fields are flags; text fields are text. Defaults are the model's:
    a quantity left out is left to the model, a text or choice default is shown in the
    help. Any other field type raises TypeError, so a new kind of field cannot slip by.
    """
    field = model.model_fields[name]
    kind = bare_type(field.annotation)
    unit = field_unit(field)
    settings: dict[str, Any] = {"help": _help(field, unit), "required": field.is_required()}
    if unit is not None:
        settings["type"] = QUANTITY
    elif kind is bool:
        settings["is_flag"] = True
    elif get_origin(kind) is Literal:
        settings["type"] = click.Choice([str(v) for v in get_args(kind)])
    elif kind is str:
        settings["type"] = str
    else:
        raise TypeError(f"{model.__name__}.{name}: no option type for {field.annotation!r}")
    default = None if field.is_required() else field.get_default(call_default_factory=False)
    if isinstance(default, str):  # shown in the help; the value is the model's own default
        settings.update(default=default, show_default=True)
    return click.option(option_name(name), name, **settings)
