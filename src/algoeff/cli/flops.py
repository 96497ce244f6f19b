"""`algoeff flops TARGET --input-shape ...`: count a model's FLOP from the command line.

A thin layer over algoeff.measure.counting.count_flops. TARGET names a function in the
user's own code that returns an nn.Module; by default the model is built on the meta
device, so nothing is allocated and a model of any size counts in seconds. torch is
imported only when the command runs: ``algoeff --help`` imports this module.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from algoeff.cli.common import json_option, print_json
from algoeff.core.errors import AlgoeffError, InputError, MissingExtraError
from algoeff.core.units import FLOP_PER_MULTIPLY_ADD, format_flop

if TYPE_CHECKING:
    import torch

    from algoeff.measure.count_result import FlopCount

# --dtype choices -> torch dtype attribute names
DTYPES: dict[str, str] = {
    "float32": "float32",
    "float64": "float64",
    "float16": "float16",
    "bfloat16": "bfloat16",
    "long": "int64",
    "int": "int32",
    "bool": "bool",
}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def parse_shape(value: str) -> tuple[int, ...]:
    """'1,3,224,224' -> (1, 3, 224, 224); every size a positive integer."""
    parts = [p.strip() for p in value.split(",")]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if not shape or any(s <= 0 for s in shape):
        raise click.BadParameter(
            f"{value!r} is not a shape (expected positive integers separated by commas, "
            "e.g. 1,3,224,224)",
            param_hint="'--input-shape'",
        )
    return shape


def load_target(target: str) -> Callable[[], Any]:
    """Import ``package.module:function`` from the user's code (the cwd is on the path)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr or ":" in attr:
        raise InputError(
            f"{target}: TARGET must be package.module:function (a function that returns "
            "the model), e.g. mypackage.models:build_model"
        )
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any failure in the user's module is theirs to fix: one line
        raise InputError(
            f"{target}: cannot import module '{module_name}' from {cwd}: {_one_line(exc)}"
        ) from exc
    factory: Any = module
    for part in attr.split("."):
        factory = getattr(factory, part, None)
        if factory is None:
            raise InputError(f"{target}: module '{module_name}' has no attribute '{attr}'")
    if not callable(factory):
        raise InputError(f"{target}: '{attr}' is not callable (expected a function or class)")
    built: Callable[[], Any] = factory
    return built


def _inputs(
    shapes: tuple[tuple[int, ...], ...], dtypes: tuple[str, ...], device: str
) -> list[torch.Tensor]:
    import torch

    if len(dtypes) not in (0, 1, len(shapes)):
        raise click.BadParameter(
            f"got {len(dtypes)} --dtype for {len(shapes)} --input-shape "
            "(give one for all inputs, or one per input)",
            param_hint="'--dtype'",
        )
    names = dtypes * len(shapes) if len(dtypes) == 1 else dtypes or ("float32",) * len(shapes)
    generator = torch.Generator().manual_seed(0)
    tensors = []
    for shape, name in zip(shapes, names, strict=True):
        dtype = getattr(torch, DTYPES[name])
        if device == "meta":
            tensors.append(torch.empty(shape, dtype=dtype, device="meta"))
        elif dtype.is_floating_point:
            tensors.append(torch.randn(shape, generator=generator).to(dtype))
        else:  # index-like inputs: zeros are valid token ids and class labels
            tensors.append(torch.zeros(shape, dtype=dtype))
    return tensors


def first_layer(model: torch.nn.Module) -> torch.nn.Module | None:
    """The first module, in registration order, that holds parameters of its own."""
    for module in model.modules():
        if next(module.parameters(recurse=False), None) is not None:
            return module
    return None


def takes_token_ids(model: torch.nn.Module) -> str | None:
    """Why the model's inputs are integer ids (its first layer is an embedding), or None."""
    import torch

    embeddings = (torch.nn.Embedding, torch.nn.EmbeddingBag)
    getter = getattr(model, "get_input_embeddings", None)  # Hugging Face models
    if callable(getter):
        try:
            table = getter()
        except Exception:  # a model without an embedding table may raise anything
            table = None
        if isinstance(table, embeddings):
            return f"its input embedding is {type(table).__name__}"
    first = first_layer(model)
    if isinstance(first, embeddings):
        return f"its first layer is {type(first).__name__}"
    return None


def _module_rows(count: FlopCount, depth: int, kinds: dict[str, str]) -> list[tuple[str, int, int]]:
    rows = []
    for name, flop in count.by_module.items():
        level = name.count(".")
        if level > depth or flop.total == 0:
            continue
        label = "  " * level + name.rsplit(".", 1)[-1]
        if level and name in kinds:
            label += f" ({kinds[name]})"
        rows.append((label, flop.forward, flop.backward))
    return rows


def _print_human(
    count: FlopCount,
    *,
    target: str,
    device: str,
    train: bool,
    inputs: list[dict[str, Any]],
    depth: int,
    kinds: dict[str, str],
) -> None:
    console = Console(highlight=False, soft_wrap=True)
    mode = "train mode, forward + backward" if train else "eval mode, no_grad, forward only"
    shapes = ", ".join(f"{i['dtype']}[{','.join(map(str, i['shape']))}]" for i in inputs)
    console.print(f"{target} on the {device} device, {mode}; inputs {shapes}")
    macs = count.forward / FLOP_PER_MULTIPLY_ADD
    console.print(
        f"forward   {format_flop(count.forward)} FLOP  ({format_flop(macs)} multiply-adds)"
    )
    if train:
        console.print(f"backward  {format_flop(count.backward)} FLOP")
        if count.recomputed:
            console.print(
                f"recomputed {format_flop(count.recomputed)} FLOP (activation checkpointing; "
                "hardware FLOP, not in the total)"
            )
    console.print(f"total     {format_flop(count.total)} FLOP  (one multiply-add = 2 FLOP)")

    table = Table(title=f"FLOP by module (depth {depth})", title_justify="left")
    table.add_column("module")
    table.add_column("forward FLOP", justify="right")
    if train:
        table.add_column("backward FLOP", justify="right")
    table.add_column("share", justify="right")
    for label, forward, backward in _module_rows(count, depth, kinds):
        share = f"{(forward + backward) / count.total:.1%}" if count.total else "-"
        cells = [label, format_flop(forward)] + ([format_flop(backward)] if train else [])
        table.add_row(*cells, share)
    if count.outside_modules.total:
        outside = count.outside_modules
        cells = ["(outside any module)", format_flop(outside.forward)]
        cells += [format_flop(outside.backward)] if train else []
        table.add_row(*cells, f"{outside.total / count.total:.1%}")
    console.print(table)

    if count.unsupported:
        console.print(
            "unsupported operators (real work, no formula: missing from every figure above):"
        )
        for name, calls in count.unsupported.items():
            console.print(f"  {name}  ({calls} call{'s' if calls != 1 else ''})")


@click.command()
@click.argument("target")
@click.option(
    "--input-shape",
    "input_shapes",
    multiple=True,
    required=True,
    callback=lambda ctx, param, values: tuple(parse_shape(v) for v in values),
    metavar="N,C,...",
    help="Shape of one positional input of the model; repeat for several inputs.",
)
@click.option(
    "--dtype",
    "dtypes",
    multiple=True,
    type=click.Choice(sorted(DTYPES)),
    help="Input dtype: once for all inputs, or once per input. Default: long (token ids) "
    "when the model's first layer or Hugging Face input embedding is nn.Embedding, else "
    "float32.",
)
@click.option(
    "--train", is_flag=True, help="Count forward + backward in train mode (default: eval, forward)."
)
@click.option(
    "--meta/--no-meta",
    default=True,
    show_default=True,
    help="Build the model and inputs on the meta device (no memory, any size), or on the CPU.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Module nesting levels shown in the table.",
)
@json_option
def flops(
    target: str,
    input_shapes: tuple[tuple[int, ...], ...],
    dtypes: tuple[str, ...],
    train: bool,
    meta: bool,
    depth: int,
    as_json: bool,
) -> None:
    """Count the FLOP of one forward (and with --train, backward) pass of a model.

    TARGET is package.module:function, importable from the current directory; the
    function takes no arguments and returns a torch.nn.Module. Matmuls, convolutions,
    attention and recurrent layers are counted exactly (one multiply-add = 2 FLOP);
    bias, normalization, activations and other element-wise work are ignored.
    Operators with real work and no formula are listed, never dropped silently.

    \b
    Example:
        algoeff flops torchvision.models:resnet50 --input-shape 1,3,224,224 --train
    \b
    A Hugging Face model, from a function in your own module (mymodels.py):
        def gpt2():
            import transformers
            return transformers.GPT2LMHeadModel(transformers.GPT2Config())
        algoeff flops mymodels:gpt2 --input-shape 1,1024 --train
    Token ids (int64) are used when the first layer (or the Hugging Face input
    embedding) is nn.Embedding; otherwise give --dtype long.
    """
    try:
        import torch
    except ModuleNotFoundError as exc:
        raise MissingExtraError("torch", "torch", "algoeff flops") from exc
    from algoeff.measure.counting import count_flops, module_names

    factory = load_target(target)
    device = "meta" if meta else "cpu"
    hint = " (check --input-shape and --dtype; a model that needs real data: --no-meta)"
    try:
        with torch.device(device):
            model = factory()
    except Exception as exc:
        raise InputError(
            f"{target}: building the model on the {device} device failed: {_one_line(exc)}"
            + (" (a model that loads weights or data: --no-meta)" if meta else "")
        ) from exc
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"{target}: returned {type(model).__name__}, expected a torch.nn.Module")
    detected = None if dtypes else takes_token_ids(model)
    if detected is not None:
        dtypes = ("long",)
    inputs = _inputs(input_shapes, dtypes, device)
    if detected is not None and not as_json:
        click.echo(f"inputs are token ids (int64): {detected}; --dtype overrides", err=True)
    model.train(train)
    try:
        with contextlib.nullcontext() if train else torch.no_grad():
            count = count_flops(model, *inputs, backward=train)
    except AlgoeffError:
        raise
    except Exception as exc:
        integer_input = any(not t.dtype.is_floating_point for t in inputs)
        first = first_layer(model)
        if "indices" in str(exc) and not integer_input:
            hint = (
                f" (the model wants integer ids: its first layer is {type(first).__name__}; "
                "pass --dtype long)"
            )
        elif integer_input and "expected" in str(exc).lower() and "float" in str(exc).lower():
            hint = " (the model wants floating inputs: pass --dtype float32)"
        raise InputError(
            f"{target}: running the model on the {device} device failed: {_one_line(exc)}{hint}"
        ) from exc

    described = [
        {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")} for t in inputs
    ]
    if as_json:
        print_json(
            {
                "target": target,
                "device": device,
                "mode": "train" if train else "eval",
                "inputs": described,
                "torch_version": torch.__version__,
                **count.to_dict(),
            }
        )
        return
    kinds = {
        name: type(module).__name__
        for name, module in zip(module_names(model), model.modules(), strict=True)
    }
    _print_human(
        count,
        target=target,
        device=device,
        train=train,
        inputs=described,
        depth=depth,
        kinds=kinds,
    )
