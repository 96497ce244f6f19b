"""`algoeff estimate METHOD ...`: training compute from the command line, by the field's methods.

Every numeric option takes a value, or a value with a range: ``0.33`` or
``0.33:0.2..0.5``. The range carries through to ``flop_low`` and ``flop_high``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from algoeff.cli.common import json_option, print_json
from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.fields import StrictModel
from algoeff.core.parsing import validate
from algoeff.core.units import format_sig
from algoeff.model.hardware import TRAINING_PRECISIONS
from algoeff.model.methods import Compute, MethodContext
from algoeff.model.methods.base import Estimate

F = TypeVar("F", bound=Callable[..., Any])
_NUMBER = r"[0-9.]+(?:[eE][-+]?[0-9]+)?"
_QUANTITY = re.compile(rf"^(?P<value>{_NUMBER})(?::(?P<low>{_NUMBER})\.\.(?P<high>{_NUMBER}))?$")


class _Request(StrictModel):
    compute: Compute


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


def _q(parsed: dict[str, float] | None, unit: str) -> dict[str, Any] | None:
    return None if parsed is None else {**parsed, "unit": unit}


def scaling_options(func: F) -> F:
    """--fraction and --ensemble, shared by every method."""
    func = click.option(
        "--ensemble", type=QUANTITY, help="Models in the ensemble that reached the result."
    )(func)
    return click.option(
        "--fraction",
        type=QUANTITY,
        help="Part of the run at which the threshold was reached, in (0, 1].",
    )(func)


# Model fields whose option is spelt differently.
_OPTION_NAMES = {"peak_tflop_per_s": "peak_tflops", "forward_flop": "forward_flops"}


def _option_problem(field: str, message: str, expected: str) -> str:
    """A validation problem phrased in terms of the option the user typed."""
    name = field.removeprefix("compute").removeprefix(".").removesuffix(".value")
    name = _OPTION_NAMES.get(name, name)
    where = f"--{name.replace('_', '-')}" if name else "options"
    return f"{where}: {message}" + (f" (expected {expected})" if expected else "")


def _emit(data: dict[str, Any], as_json: bool) -> None:
    clean = {k: v for k, v in data.items() if v is not None}
    try:
        model = validate({"compute": clean}, _Request, "estimate")
    except ProblemsError as exc:
        # Field paths name YAML fields; map them to the options a user typed.
        lines = [_option_problem(p.field, p.message, p.expected) for p in exc.problems]
        raise click.UsageError("; ".join(lines)) from None
    try:
        estimate = model.compute.estimate(MethodContext())
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

    Numeric options take a value or a value with a range (VALUE:LOW..HIGH); the
    range gives flop_low and flop_high. 1 multiply-add = 2 FLOP.

    \b
    Example:
        algoeff estimate operations --forward-macs 0.39e9 --examples 1.28e6 --epochs 4
    """


@estimate.command()
@click.option("--forward-flops", type=QUANTITY, help="Forward FLOP per example.")
@click.option("--forward-macs", type=QUANTITY, help="Forward multiply-adds per example (x2 FLOP).")
@click.option(
    "--passes",
    type=QUANTITY,
    default="3",
    show_default=True,
    help="Forward-equivalent passes per example (forward + backward ~ 3).",
)
@click.option("--examples", type=QUANTITY, required=True, help="Examples per epoch.")
@click.option("--epochs", type=QUANTITY, default="1", show_default=True, help="Epochs.")
@scaling_options
@json_option
def operations(
    forward_flops: Any,
    forward_macs: Any,
    passes: Any,
    examples: Any,
    epochs: Any,
    fraction: Any,
    ensemble: Any,
    as_json: bool,
) -> None:
    """forward cost x passes x examples x epochs [x fraction x ensemble].

    \b
    Example (EfficientNet-b0 to AlexNet-level, Hernandez & Brown 2020):
        algoeff estimate operations --forward-macs 0.39e9 --examples 1.28e6 --epochs 4
    """
    _emit(
        {
            "method": "operations",
            "forward_flop": _q(forward_flops, "FLOP"),
            "forward_macs": _q(forward_macs, "multiply-add"),
            "passes": _q(passes, "pass"),
            "examples": _q(examples, "example"),
            "epochs": _q(epochs, "epoch"),
            "fraction": _q(fraction, "fraction"),
            "ensemble": _q(ensemble, "model"),
        },
        as_json,
    )


@estimate.command()
@click.option("--count", type=QUANTITY, required=True, help="Accelerators.")
@click.option("--hours", type=QUANTITY, help="Training time in hours.")
@click.option("--days", type=QUANTITY, help="Training time in days.")
@click.option("--chip", help="Accelerator in the hardware table, e.g. 'V100 SXM2'.")
@click.option(
    "--precision",
    type=click.Choice(TRAINING_PRECISIONS),
    help="Precision column of the table (dense figures only).",
)
@click.option(
    "--peak-tflops",
    type=QUANTITY,
    help="Peak or assumed TFLOP/s per accelerator, instead of --chip.",
)
@click.option(
    "--utilization",
    type=QUANTITY,
    default="0.33:0.2..0.5",
    show_default=True,
    help="Fraction of peak sustained.",
)
@scaling_options
@json_option
def hardware(
    count: Any,
    hours: Any,
    days: Any,
    chip: str | None,
    precision: str | None,
    peak_tflops: Any,
    utilization: Any,
    fraction: Any,
    ensemble: Any,
    as_json: bool,
) -> None:
    """accelerators x time x peak FLOP/s x utilization [x fraction x ensemble].

    \b
    Example (Seq2Seq, as "AI and Compute" estimated one model):
        algoeff estimate hardware --count 8 --days 10 --peak-tflops 3.5 --utilization 0.33
    """
    _emit(
        {
            "method": "hardware",
            "count": _q(count, "accelerator"),
            "hours": _q(hours, "hour"),
            "days": _q(days, "day"),
            "chip": chip,
            "precision": precision,
            "peak_tflop_per_s": _q(peak_tflops, "TFLOP/s"),
            "utilization": _q(utilization, "fraction"),
            "fraction": _q(fraction, "fraction"),
            "ensemble": _q(ensemble, "model"),
        },
        as_json,
    )


@estimate.command()
@click.option("--params", type=QUANTITY, required=True, help="Non-embedding parameters N.")
@click.option("--tokens", type=QUANTITY, required=True, help="Training tokens D.")
@click.option("--layers", type=QUANTITY, help="Layers L (attention term).")
@click.option("--context", type=QUANTITY, help="Context length T (attention term).")
@click.option("--d-model", type=QUANTITY, help="Heads x head width (attention term).")
@click.option("--causal", is_flag=True, help="Halve the attention term (causal mask).")
@scaling_options
@json_option
def transformer(
    params: Any,
    tokens: Any,
    layers: Any,
    context: Any,
    d_model: Any,
    causal: bool,
    fraction: Any,
    ensemble: Any,
    as_json: bool,
) -> None:
    """6 N D, plus 12 L d T per token for attention when the shape is given.

    \b
    Example (a 7B model on 2T tokens, context 4096):
        algoeff estimate transformer --params 6.5e9 --tokens 2e12 \\
            --layers 32 --context 4096 --d-model 4096 --causal
    """
    _emit(
        {
            "method": "transformer",
            "params": _q(params, "parameter"),
            "tokens": _q(tokens, "token"),
            "layers": _q(layers, "layer"),
            "context": _q(context, "token"),
            "d_model": _q(d_model, "dimension"),
            "causal": causal,
            "fraction": _q(fraction, "fraction"),
            "ensemble": _q(ensemble, "model"),
        },
        as_json,
    )


@estimate.command()
@click.option("--flop", type=QUANTITY, help="The stated figure in FLOP.")
@click.option("--tfs-days", type=QUANTITY, help="The stated figure in teraflop/s-days.")
@click.option("--pfs-days", type=QUANTITY, help="The stated figure in petaflop/s-days.")
@click.option(
    "--convention",
    type=click.Choice(["multiply-add=2", "multiply-add=1"]),
    default="multiply-add=2",
    show_default=True,
    help="How the source counted one multiply-add.",
)
@scaling_options
@json_option
def reported(
    flop: Any,
    tfs_days: Any,
    pfs_days: Any,
    convention: str,
    fraction: Any,
    ensemble: Any,
    as_json: bool,
) -> None:
    """A figure a source states [x fraction x ensemble].

    \b
    Example (Transformer big reached GNMT-level at 68 % of its 2.3e19 FLOP run):
        algoeff estimate reported --flop 2.3e19 --fraction 0.68
    """
    _emit(
        {
            "method": "reported",
            "flop": _q(flop, "FLOP"),
            "tfs_days": _q(tfs_days, "tfs-day"),
            "pfs_days": _q(pfs_days, "pfs-day"),
            "convention": convention,
            "fraction": _q(fraction, "fraction"),
            "ensemble": _q(ensemble, "model"),
        },
        as_json,
    )
