"""`algoeff estimate METHOD ...`: training compute from the command line, by the field's methods.

Each subcommand is generated from its method's model (algoeff.model.methods): one
option per input field, named as the field with dashes (``peak_tflop_per_s`` ->
``--peak-tflop-per-s``), with the field's description as help and the unit of its
Quantity type. Every numeric option takes a value, or a value with a range:
``0.33`` or ``0.33:0.2..0.5``. The range carries through to ``flop_low`` and
``flop_high``. Defaults are the model's own.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from algoeff.cli.common import field_option, field_unit, json_option, option_name, print_json
from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.parsing import validate
from algoeff.core.units import format_sig
from algoeff.model.methods import ComputeMethod, MethodContext
from algoeff.model.methods.base import Estimate
from algoeff.model.methods.hardware import Hardware
from algoeff.model.methods.operations import Operations
from algoeff.model.methods.reported import Reported
from algoeff.model.methods.transformer import Transformer

# Fields of every method that only an analysis file sets: the discriminator, and the
# stated result with its tolerance (there is nothing to compare against on the command line).
ANALYSIS_ONLY = frozenset({"method", "training_flop", "tolerance"})

# The methods with a subcommand, each with the example that ends its help. `measured`
# reads run logs from an entry's folder: `algoeff measure` is its command.
EXAMPLES: dict[type[ComputeMethod], tuple[str, str]] = {
    Operations: (
        "EfficientNet-b0 to AlexNet-level, Hernandez & Brown 2020",
        "algoeff estimate operations --forward-macs 0.39e9 --examples 1.28e6 --epochs 4",
    ),
    Hardware: (
        'Seq2Seq, as "AI and Compute" estimated one model',
        "algoeff estimate hardware --count 8 --days 10 \\\n"
        "            --peak-tflop-per-s 3.5 --utilization 0.33",
    ),
    Transformer: (
        "a 7B model on 2T tokens, context 4096",
        "algoeff estimate transformer --params 6.5e9 --tokens 2e12 \\\n"
        "            --layers 32 --context 4096 --d-model 4096 --causal",
    ),
    Reported: (
        "Transformer big reached GNMT-level at 68 % of its 2.3e19 FLOP run",
        "algoeff estimate reported --flop 2.3e19 --fraction 0.68",
    ),
}


def input_fields(method: type[ComputeMethod]) -> list[str]:
    """The method's fields a user gives on the command line: its own first, then the shared."""
    own = [n for n in method.model_fields if n not in ComputeMethod.model_fields]
    shared = [n for n in ComputeMethod.model_fields if n not in ANALYSIS_ONLY]
    return [n for n in own if n not in ANALYSIS_ONLY] + shared


def _option_problem(field: str, message: str, expected: str) -> str:
    """A validation problem phrased in terms of the option the user typed."""
    name = field.removesuffix(".value").split(".")[0]
    where = option_name(name) if name and name != "(document)" else "options"
    return f"{where}: {message}" + (f" (expected {expected})" if expected else "")


def _option_words(message: str, fields: list[str]) -> str:
    """Field names in a message about several inputs, written as their options."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, fields)) + r")\b")
    return pattern.sub(lambda m: option_name(m.group(1)), message)


def _emit(method: type[ComputeMethod], options: dict[str, Any], as_json: bool) -> None:
    data: dict[str, Any] = {"method": method.name}
    for name, value in options.items():
        if value is None:
            continue
        unit = field_unit(method.model_fields[name])
        data[name] = {**value, "unit": unit} if unit is not None else value
    try:
        model = validate(data, method, "estimate")
    except ProblemsError as exc:
        # Field paths name YAML fields; map them to the options a user typed.
        fields = input_fields(method)
        lines = [
            _option_problem(p.field, _option_words(p.message, fields), p.expected)
            for p in exc.problems
        ]
        raise click.UsageError("; ".join(lines)) from None
    try:
        estimate = model.estimate(MethodContext())
    except (LookupError, InputError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        print_json(estimate.as_dict())
    else:
        _print(estimate)


def _print(est: Estimate) -> None:
    table = Table(title=f"method: {est.method}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("FLOP (1 multiply-add = 2)", f"{est.flop:.4g}")
    table.add_row("range (FLOP)", f"{est.flop_low:.4g} – {est.flop_high:.4g}")
    table.add_row("teraflop/s-days", format_sig(est.tfs_days))
    table.add_row("petaflop/s-days", format_sig(est.pfs_days))
    console = Console()
    console.print(table)
    console.print(Text(est.formula))


@click.group()
def estimate() -> None:
    """Estimate training compute by one of the field's methods.

    Each option sets the method's input of the same name, in the unit its help
    gives. Numeric options take a value or a value with a range (VALUE:LOW..HIGH);
    the range gives flop_low and flop_high. 1 multiply-add = 2 FLOP.

    \b
    Example:
        algoeff estimate operations --forward-macs 0.39e9 --examples 1.28e6 --epochs 4
    """


def _command(method: type[ComputeMethod], title: str, example: str) -> click.Command:
    """The subcommand of ``method``: one option per input field, then --json."""

    def run(as_json: bool, **options: Any) -> None:
        _emit(method, options, as_json)

    summary = (inspect.getdoc(method) or method.name).split("\n\n")[0]
    run.__doc__ = f"{summary}\n\n\b\nExample ({title}):\n    {example}\n"
    func = json_option(run)
    for name in reversed(input_fields(method)):
        func = field_option(method, name)(func)
    return click.command(name=method.name)(func)


for _method, (_title, _example) in EXAMPLES.items():
    estimate.add_command(_command(_method, _title, _example))
