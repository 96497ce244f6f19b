"""The empty analysis file that `algoeff new` writes, generated from the models.

Every field a new entry must fill is written with an empty value and a one-line comment:
what goes there (the field's description in the model) and where such a number is
usually found (``WHERE_FOUND`` below). Publication fields given on the command line are
filled in. An empty value parses as null, so `algoeff check` on the scaffold lists
exactly the fields still to fill, each as ``is empty``.

A method's inputs come from its pydantic model: its required inputs, and the largest set
of its optional inputs that the model accepts together (``live_inputs``), so that
alternatives such as ``forward_flop`` / ``forward_macs`` are not both live; every other
input is written commented out beneath, to uncomment when the source gives it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from algoeff.core.errors import InputError
from algoeff.core.fields import ArxivId, Id, Quantity, Text
from algoeff.core.text import plain_text
from algoeff.model.methods import METHODS, ComputeMethod
from algoeff.model.schema import Benchmark, Entry

# The id every input of a scaffold cites: the paper itself, the first of `sources`.
PAPER_SOURCE = "paper"

# Where a number of each kind is usually found, by field name; the "what" is the
# model's description, kept there once.
WHERE_FOUND: dict[str, str] = {
    "forward_flop": "the paper's model table (FLOPs per image), or `algoeff flops` on the model",
    "forward_macs": "the paper's model table (MACs, Mult-Adds), or `algoeff flops` on the model",
    "passes": "3 for one forward and one backward pass (Hernandez & Brown 2020, appendix A)",
    "examples": "the training-set size, in the dataset section",
    "epochs": "the training schedule, in the experiments section or an appendix",
    "count": "the training setup, e.g. '8 P100 GPUs'",
    "hours": "the training time, in the setup section or a results table",
    "days": "the training time, in the setup section or a results table",
    "peak_tflop_per_s": "the accelerator's datasheet (dense), or the figure the paper assumed",
    "utilization": "rarely stated; delete this input to use the default",
    "params": "the model-size table (without embeddings)",
    "tokens": "the training setup: tokens seen, or steps x batch size x sequence length",
    "layers": "the model-size table",
    "context": "the model-size table or training setup",
    "d_model": "the model-size table",
    "flop": "the paper's stated training cost (a table or the text)",
    "tfs_days": "the paper's stated training cost (a table or the text)",
    "pfs_days": "the paper's stated training cost (a table or the text)",
    "fraction": "read off a learning curve: where the run first reached the threshold",
    "ensemble": "the results table, when the score is an ensemble's",
}


def bare_type(annotation: Any) -> Any:
    """The type under ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def field_units(field: FieldInfo) -> tuple[str, ...]:
    """The units a Quantity field allows, the usual one first; empty for other fields."""
    kind = bare_type(field.annotation)
    if not (isinstance(kind, type) and issubclass(kind, Quantity)):
        return ()
    return tuple(str(u) for u in get_args(bare_type(kind.model_fields["unit"].annotation)))


def field_unit(field: FieldInfo) -> str | None:
    """The unit of a Quantity field (the first its type allows); None for other fields."""
    units = field_units(field)
    return units[0] if units else None


def _own_inputs(method: type[ComputeMethod]) -> list[str]:
    return [n for n in method.model_fields if n not in ComputeMethod.model_fields and n != "method"]


def scaffold_methods() -> dict[str, type[ComputeMethod]]:
    """The methods a scaffold can be written for: those whose required inputs are all
    quantities. (`measured` entries are written by `algoeff measure --emit-analysis`.)"""
    return {
        name: method
        for name, method in METHODS.items()
        if all(
            field_units(method.model_fields[n])
            for n in _own_inputs(method)
            if method.model_fields[n].is_required()
        )
    }


def live_inputs(method: type[ComputeMethod]) -> list[str]:
    """The method's inputs a scaffold writes live, in the model's order: the required ones
    and the largest set of optional quantities the model accepts together (ties go to the
    earlier fields)."""
    own = _own_inputs(method)
    required = [n for n in own if method.model_fields[n].is_required()]
    optional = [n for n in own if not method.model_fields[n].is_required()]
    optional = [n for n in optional if field_units(method.model_fields[n])]

    def accepted(names: tuple[str, ...]) -> bool:
        data: dict[str, Any] = {"method": method.name}
        for n in (*required, *names):
            data[n] = {"value": 1.0, "unit": field_unit(method.model_fields[n])}
        try:
            method.model_validate(data)
        except ValidationError:
            return False
        return True

    for size in range(len(optional), -1, -1):
        for names in itertools.combinations(optional, size):
            if accepted(names):
                return [n for n in own if n in required or n in names]
    raise ValueError(f"method {method.name!r}: no set of inputs validates")


def _text(value: str) -> str:
    """A YAML scalar for ``value``: JSON's double-quoted string is valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def _line(indent: int, key: str, value: str = "", comment: str = "") -> str:
    text = " " * indent + f"{key}:" + (f" {value}" if value else "")
    # On one line: a line break in a comment (a benchmark's rule is long text) would end it
    # and write what follows into the file as YAML.
    return text + (f"  # {plain_text(comment)}" if comment else "")


def _describe(field: FieldInfo, name: str) -> str:
    parts = [field.description or name.replace("_", " ")]
    if name in WHERE_FOUND:
        parts.append(WHERE_FOUND[name])
    return "; ".join(parts)


def _quantity(name: str, field: FieldInfo, indent: int, commented: bool) -> list[str]:
    units = field_units(field)
    others = f"or: {', '.join(units[1:])}" if len(units) > 1 else ""
    lines = [
        _line(indent, name, comment=_describe(field, name)),
        _line(indent + 2, "value", comment="a positive number; low: and high: give a range"),
        _line(indent + 2, "unit", units[0], others),
        _line(indent + 2, "source", PAPER_SOURCE),
        _line(indent + 2, "where", comment="table, section or page of the source"),
    ]
    if commented:
        return [" " * indent + "# " + line[indent:] for line in lines]
    return lines


def _option(name: str, field: FieldInfo, indent: int) -> list[str]:
    """An optional input that is not a quantity, commented out with its default."""
    default = field.get_default(call_default_factory=False)
    kind = bare_type(field.annotation)
    choices = get_args(kind) if get_origin(kind) is Literal else ()
    value = "" if default is None else json.dumps(default)
    comment = _describe(field, name)
    if choices:
        comment += f" (one of: {', '.join(map(str, choices))})"
    return [" " * indent + "# " + _line(0, name, value, comment)]


def compute_lines(method: type[ComputeMethod]) -> list[str]:
    """The ``compute:`` block of a scaffold for ``method``."""
    fields = method.model_fields
    live = live_inputs(method)
    lines = [
        "compute:",
        _line(2, "method", method.name, (method.__doc__ or "").strip().splitlines()[0]),
        _line(
            2,
            "training_flop",
            comment="the compute the inputs give, in FLOP: `algoeff check` prints it "
            "once the inputs are filled",
        ),
    ]
    for name in live:
        lines += _quantity(name, fields[name], 2, commented=False)
    rest = [n for n in (*_own_inputs(method), "fraction", "ensemble") if n not in live]
    if rest:
        lines.append("  # Optional or alternative inputs: uncomment those the source gives.")
    for name in rest:
        if field_units(fields[name]):
            lines += _quantity(name, fields[name], 2, commented=True)
        else:
            lines += _option(name, fields[name], 2)
    return lines


def _check(kind: Any, value: str, what: str) -> None:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        reason = exc.errors(include_url=False)[0]["msg"].replace("Value error, ", "")
        raise InputError(f"{what} {value!r}: {reason}") from None


def check_entry_id(entry_id: str) -> None:
    """InputError unless ``entry_id`` is a valid id (it becomes the file name)."""
    try:
        TypeAdapter(Id).validate_python(entry_id)
    except ValidationError:
        raise InputError(
            f"entry id {entry_id!r} is not an id (expected lower-case letters, digits, '-' and "
            "'.', starting and ending with a letter or digit, at most 80 characters, e.g. my-net)"
        ) from None


def scaffold(
    benchmark: Benchmark,
    entry_id: str,
    method: type[ComputeMethod],
    *,
    title: str | None = None,
    arxiv: str | None = None,
    date: dt.date | None = None,
) -> str:
    """The text of a new analysis file; InputError for an invalid id, title or arXiv id."""
    check_entry_id(entry_id)
    if title is not None:
        _check(Text, title, "title")
    if arxiv is not None:
        _check(ArxivId, arxiv, "arXiv id")
    url = f"https://arxiv.org/abs/{arxiv}" if arxiv else None
    entry = Entry.model_fields
    allowed = benchmark.training_data.allowed
    sign = "at least" if benchmark.direction == "higher" else "at most"
    metric = benchmark.metric
    lines = [
        f"# A new analysis for {benchmark.id}, written by `algoeff new`. Fill every empty value",
        "# (`algoeff check` lists those still empty; a reviewer asks for each `where:` too).",
        "# The fields are described in docs/dataset.md.",
        _line(0, "id", entry_id),
        _line(0, "benchmark", benchmark.id),
        _line(0, "name", comment=entry["name"].description or ""),
        _line(0, "model", comment="the architecture, e.g. EfficientNet"),
        "# variant:  # optional: the variant, e.g. b0, 121 layers",
        "publication:",
        _line(2, "title", _text(title) if title else "", "" if title else "the paper's title"),
        _line(2, "url", url or "", "" if url else "the paper's page (http or https)"),
        _line(2, "arxiv", _text(arxiv)) if arxiv else "  # arxiv:  # the new-style arXiv id",
        _line(
            2,
            "date",
            date.isoformat() if date else "",
            "" if date else "YYYY-MM-DD: first public appearance (arXiv v1 when there is one)",
        ),
        "result:",
        _line(
            2,
            "value",
            comment=f"{metric.name} reached, in {metric.unit} ({sign} {benchmark.threshold:g}); "
            "a results table",
        ),
        _line(2, "source", PAPER_SOURCE),
        _line(2, "where", comment="the table or figure it is read from"),
        "training_data:",
        _line(2, "datasets", f"[{allowed[0]}]", benchmark.training_data.rule)
        if allowed is not None and len(allowed) == 1
        else _line(2, "datasets", comment=f"a list of dataset ids: {benchmark.training_data.rule}"),
        *compute_lines(method),
        "analysis:",
        _line(2, "name", comment="who worked out the compute figure: you, or the analysis used"),
        "sources:",
        f"  - id: {PAPER_SOURCE}",
        _line(4, "title", _text(title) if title else "", "" if title else "the paper's title"),
        _line(4, "url", url or "", "" if url else "the paper's page"),
    ]
    return "\n".join(lines) + "\n"
