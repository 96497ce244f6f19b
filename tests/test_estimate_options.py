"""Meta-tests: `algoeff estimate METHOD` options are the method's fields, units and all."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import get_args

import click
import pytest
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.cli.common import QUANTITY, field_unit
from algoeff.cli.estimate import estimate
from algoeff.core.fields import Quantity
from algoeff.model.hardware import TRAINING_PRECISIONS
from algoeff.model.methods import METHODS, ComputeMethod
from algoeff.model.methods.hardware import (
    DEFAULT_UTILIZATION,
    DEFAULT_UTILIZATION_HIGH,
    DEFAULT_UTILIZATION_LOW,
)

REPO = Path(__file__).resolve().parents[1]
# Set only in an analysis file: the discriminator and the stated result with its tolerance.
NOT_OPTIONS = {"method", "training_flop", "tolerance"}
# `measured` reads run logs from an entry's folder; `algoeff measure` is its command.
WITHOUT_SUBCOMMAND = {"measured"}
SUBCOMMANDS = sorted(set(METHODS) - WITHOUT_SUBCOMMAND)


def _unit(annotation: object) -> str | None:
    """The unit of a field typed ``SomeQuantity`` or ``SomeQuantity | None``, read directly."""
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, Quantity):
            return str(get_args(kind.model_fields["unit"].annotation)[0])
    return None


def _options(command: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name is not None}


def test_every_method_but_measured_has_a_subcommand() -> None:
    assert sorted(estimate.commands) == SUBCOMMANDS


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_field_is_an_option_named_after_it(name: str) -> None:
    """Each input field of the method is an option spelt as the field, with dashes."""
    method = METHODS[name]
    options = _options(estimate.commands[name])
    fields = set(method.model_fields) - NOT_OPTIONS
    assert set(options) - {"as_json"} == fields
    for field in fields:
        assert options[field].opts == ["--" + field.replace("_", "-")]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_option_help_is_the_field_description_with_its_unit(name: str) -> None:
    """The help is the field's description; a quantity's help names the model's unit."""
    method: type[ComputeMethod] = METHODS[name]
    for field, option in _options(estimate.commands[name]).items():
        if field == "as_json":
            continue
        info = method.model_fields[field]
        assert option.help is not None and info.description is not None
        assert info.description[1:].rstrip(".") in option.help, field
        unit = _unit(info.annotation)
        if unit is not None:
            assert f"Unit: {unit}." in option.help, field
            assert option.type is QUANTITY, field


def test_units_come_from_the_model() -> None:
    """A few units, spelt out, so that the lookup itself is checked."""
    expected = {
        ("hardware", "peak_tflop_per_s"): "TFLOP/s",
        ("hardware", "hours"): "hour",
        ("operations", "forward_flop"): "FLOP",
        ("operations", "forward_macs"): "multiply-add",
        ("operations", "examples"): "example",
        ("reported", "pfs_days"): "pfs-day",
        ("transformer", "d_model"): "dimension",
    }
    for (method, field), unit in expected.items():
        info = METHODS[method].model_fields[field]
        assert field_unit(info) == _unit(info.annotation) == unit


def test_help_shows_units() -> None:
    output = CliRunner().invoke(cli, ["estimate", "hardware", "--help"]).output
    assert "--peak-tflop-per-s" in output and "Unit: TFLOP/s." in output


def test_old_hand_typed_names_are_gone() -> None:
    """--peak-tflops and --forward-flops were spelt differently from the fields."""
    for name, command in estimate.commands.items():
        opts = {o for p in command.params for o in p.opts}
        assert not opts & {"--peak-tflops", "--forward-flops"}, name
    result = CliRunner().invoke(
        cli, ["estimate", "hardware", "--count", "1", "--hours", "1", "--peak-tflops", "1"]
    )
    assert result.exit_code == 2 and "Did you mean '--peak-tflop-per-s'?" in result.output


def test_same_option_name_as_measure() -> None:
    """`estimate hardware` and `measure` both take the peak as --peak-tflop-per-s."""
    measure = cli.commands["measure"]  # type: ignore[attr-defined]
    assert "--peak-tflop-per-s" in {o for p in measure.params for o in p.opts}
    assert "--peak-tflop-per-s" in _options(estimate.commands["hardware"])["peak_tflop_per_s"].opts


def test_precision_choices_are_the_training_precisions() -> None:
    option = _options(estimate.commands["hardware"])["precision"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == TRAINING_PRECISIONS


def test_default_utilization_is_the_model_default() -> None:
    """Without --utilization, the model's default (and its range) applies."""
    result = CliRunner().invoke(
        cli,
        [
            *("estimate", "hardware", "--count", "1", "--hours", "1"),
            *("--peak-tflop-per-s", "1", "--json"),
        ],
    )
    data = json.loads(result.output)
    assert data["terms"]["utilization"] == f"{DEFAULT_UTILIZATION:.4g}"
    assert data["flop"] == pytest.approx(3600e12 * DEFAULT_UTILIZATION)
    assert data["flop_low"] == pytest.approx(3600e12 * DEFAULT_UTILIZATION_LOW)
    assert data["flop_high"] == pytest.approx(3600e12 * DEFAULT_UTILIZATION_HIGH)


def test_literal_default_is_shown() -> None:
    output = CliRunner().invoke(cli, ["estimate", "reported", "--help"]).output
    assert "[default: multiply-add=2]" in output
    assert "PydanticUndefined" not in output


def test_required_fields_are_required() -> None:
    result = CliRunner().invoke(cli, ["estimate", "transformer", "--params", "1e9"])
    assert result.exit_code == 2 and "Missing option '--tokens'" in result.output


def test_model_errors_name_the_options() -> None:
    """A rule across several inputs names them as options, on one line."""
    result = CliRunner().invoke(
        cli, ["estimate", "transformer", "--params", "1e9", "--tokens", "1e10", "--layers", "2"]
    )
    assert result.exit_code == 2
    assert (
        "options: the attention term needs all of --layers, --context and --d-model"
        in result.output
    )
    assert "Traceback" not in result.output


def test_range_on_a_generated_option() -> None:
    result = CliRunner().invoke(
        cli,
        [
            *("estimate", "hardware", "--count", "2", "--hours", "1", "--utilization", "1"),
            *("--peak-tflop-per-s", "1:0.5..2", "--json"),
        ],
    )
    data = json.loads(result.output)
    assert (data["flop_low"], data["flop"], data["flop_high"]) == pytest.approx(
        (3600e12, 7200e12, 14400e12)
    )


def _documented_estimates() -> list[str]:
    lines = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", path.read_text(), re.S):
            lines += [
                line.strip() for line in block.splitlines() if line.startswith("algoeff estimate ")
            ]
    return lines


def test_documented_estimate_commands_run() -> None:
    """Every `algoeff estimate` line in README.md and docs/ works as written."""
    commands = _documented_estimates()
    assert commands
    for line in commands:
        result = CliRunner().invoke(cli, [*shlex.split(line)[1:], "--json"])
        assert result.exit_code == 0, f"{line}: {result.output}"


def test_help_examples_run() -> None:
    """The example at the end of each subcommand's help works as written."""
    for name, command in estimate.commands.items():
        assert command.help is not None
        example = command.help.split("Example", 1)[1].split(":\n", 1)[1]
        line = " ".join(example.replace("\\\n", " ").split())
        assert line.startswith(f"algoeff estimate {name}"), line
        result = CliRunner().invoke(cli, [*shlex.split(line)[1:], "--json"])
        assert result.exit_code == 0, f"{line}: {result.output}"
