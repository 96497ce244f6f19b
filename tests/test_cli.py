"""CLI tests: every command has help with an example; estimate, check, render, show, schema work."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from algoeff.cli import COMMANDS, cli
from algoeff.cli.dataset import show_table
from algoeff.dataset.checks import clean_audit

Write = Callable[..., Path]


def _commands() -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):  # type: ignore[attr-defined]
        command = cli.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command is not None
        out.append((name, command))
        if isinstance(command, click.Group):
            out += [(f"{name} {sub}", command.commands[sub]) for sub in command.commands]
    return out


def test_every_command_has_help_with_an_example() -> None:
    """Each command and subcommand documents itself and ends its help with an example."""
    for name, command in _commands():
        result = CliRunner().invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"`algoeff {name} --help` has no example"
        assert command.help, name


def test_core_does_not_import_torch() -> None:
    """Importing the CLI and listing commands never imports torch."""
    before = "torch" in sys.modules
    CliRunner().invoke(cli, ["--help"])
    assert before or "torch" not in sys.modules


def test_help_lists_every_command() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMANDS:
        assert name in output


@pytest.mark.parametrize(
    ("args", "flop"),
    [
        (
            ["operations", "--forward-macs", "0.39e9", "--examples", "1.28e6", "--epochs", "4"],
            1.198e16,
        ),
        (
            [
                "operations",
                "--forward-flop",
                "1e9",
                "--examples",
                "1e6",
                "--passes",
                "3",
                "--ensemble",
                "2",
            ],
            6e15,
        ),
        (
            [
                "hardware",
                "--count",
                "8",
                "--days",
                "10",
                "--peak-tflop-per-s",
                "3.5",
                "--utilization",
                "0.33",
            ],
            7.98336e18,
        ),
        (
            [
                "hardware",
                "--count",
                "8",
                "--hours",
                "12",
                "--peak-tflop-per-s",
                "9.5",
                "--utilization",
                "1",
                "--fraction",
                "0.2",
            ],
            6.5664e17,
        ),
        (["transformer", "--params", "1e9", "--tokens", "1e10"], 6e19),
        (["reported", "--pfs-days", "0.093", "--ensemble", "5"], 4.0176e19),
        (["reported", "--flop", "6.0e15", "--convention", "multiply-add=1"], 1.2e16),
    ],
)
def test_estimate_json(args: list[str], flop: float) -> None:
    """--json prints flop, tfs_days, pfs_days, flop_low and flop_high."""
    result = CliRunner().invoke(cli, ["estimate", *args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["flop"] == pytest.approx(flop, rel=1e-4)
    assert data["tfs_days"] == pytest.approx(flop / 8.64e16, rel=1e-4)
    assert data["pfs_days"] == pytest.approx(flop / 8.64e19, rel=1e-4)
    assert data["flop_low"] <= data["flop"] <= data["flop_high"]


def test_estimate_range_syntax() -> None:
    """VALUE:LOW..HIGH carries the range into flop_low and flop_high."""
    result = CliRunner().invoke(
        cli,
        [
            "estimate",
            "operations",
            "--forward-flop",
            "1e9:0.5e9..2e9",
            "--examples",
            "1e6",
            "--json",
        ],
    )
    data = json.loads(result.output)
    assert (data["flop_low"], data["flop"], data["flop_high"]) == pytest.approx(
        (1.5e15, 3e15, 6e15)
    )


def test_estimate_default_utilization_bounds() -> None:
    """The hardware method's default utilization is 0.33 within 0.2-0.5."""
    data = json.loads(
        CliRunner()
        .invoke(
            cli,
            [
                "estimate",
                "hardware",
                "--count",
                "1",
                "--hours",
                "1",
                "--peak-tflop-per-s",
                "1",
                "--json",
            ],
        )
        .output
    )
    assert data["flop_low"] / data["flop"] == pytest.approx(0.2 / 0.33)
    assert data["flop_high"] / data["flop"] == pytest.approx(0.5 / 0.33)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["operations", "--examples", "1e6"],
            "options: give exactly one of --forward-flop and --forward-macs",
        ),
        (["operations", "--forward-flop", "nan", "--examples", "1"], "'nan' is not a number"),
        (["operations", "--forward-flop", "-5", "--examples", "1"], "'-5' is not a number"),
        (
            ["reported", "--flop", "1e9", "--fraction", "1.5"],
            "--fraction: 1.5: Input should be less than or equal to 1",
        ),
        (
            ["hardware", "--count", "1", "--hours", "1", "--chip", "Abacus", "--precision", "fp32"],
            "unknown chip 'Abacus'",
        ),
    ],
)
def test_estimate_usage_errors_exit_2(args: list[str], message: str) -> None:
    """Bad options are usage errors: exit 2, one message, no traceback."""
    result = CliRunner().invoke(cli, ["estimate", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_clean_and_strict(write_dataset: Write) -> None:
    """check exits 0 on a clean dataset; --strict turns a warning into exit 1."""
    from toy_dataset import entry_dict

    root = write_dataset()
    runner = CliRunner()
    runner.invoke(cli, ["render", "--root", str(root)])
    assert runner.invoke(cli, ["check", "--root", str(root)]).exit_code == 0
    entry = entry_dict("base")
    del entry["compute"]["epochs"]["source"]
    root = write_dataset({"base": entry})
    runner.invoke(cli, ["render", "--root", str(root)])
    assert runner.invoke(cli, ["check", "--root", str(root)]).exit_code == 0
    strict = runner.invoke(cli, ["check", "--strict", "--root", str(root)])
    assert strict.exit_code == 1
    assert "compute.epochs.source: warning: input cites no source" in strict.output


def test_check_single_file(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """check FILE checks one analysis against its dataset's benchmarks."""
    faster_entry["result"]["value"] = 1.0
    root = write_dataset({"faster": faster_entry})
    result = CliRunner().invoke(
        cli, ["check", str(root / "analysis" / "toy-level" / "faster.yaml")]
    )
    assert result.exit_code == 1
    assert "result.value: 1 does not reach the threshold" in result.output


def test_render_then_check_is_in_sync(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """render writes the outputs; render --check then passes; a changed entry makes it fail naming files."""
    root = write_dataset({"faster": faster_entry})
    runner = CliRunner()
    first = runner.invoke(cli, ["render", "--root", str(root)])
    assert first.exit_code == 0, first.output
    assert "wrote efficiency_sota.csv" in first.output
    assert runner.invoke(cli, ["render", "--check", "--root", str(root)]).exit_code == 0
    assert "up to date" in runner.invoke(cli, ["render", "--root", str(root)]).output
    path = root / "analysis" / "toy-level" / "faster.yaml"
    path.write_text(path.read_text().replace("Faster net", "Renamed net"))
    stale = runner.invoke(cli, ["render", "--check", "--root", str(root)])
    assert stale.exit_code == 1
    assert "efficiency_sota.csv: (file): is out of date" in stale.output
    assert "README.md: (file): is out of date" in stale.output
    check = runner.invoke(cli, ["check", "--root", str(root)])
    assert check.exit_code == 1 and "is out of date" in check.output


def test_show_json(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """show --json gives each benchmark's frontier with derived reduction factors."""
    root = write_dataset({"faster": faster_entry})
    result = CliRunner().invoke(cli, ["show", "toy-level", "--json", "--root", str(root)])
    assert result.exit_code == 0, result.output
    (bench,) = json.loads(result.output)
    assert [r["entry"] for r in bench["rows"]] == ["base", "faster"]
    assert bench["rows"][1]["reduction_factor"] == pytest.approx(4.0)


def test_show_table_and_unknown_benchmark(
    write_dataset: Write, faster_entry: dict[str, Any]
) -> None:
    root = write_dataset({"faster": faster_entry})
    runner = CliRunner()
    table = runner.invoke(cli, ["show", "--all", "--root", str(root)], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Faster net" in table.output and "4.00x" in table.output
    unknown = runner.invoke(cli, ["show", "nope", "--root", str(root)])
    assert (
        unknown.exit_code == 2
        and "unknown benchmark 'nope' (expected one of: toy-level)" in unknown.output
    )


def test_schema_command() -> None:
    """schema prints a JSON Schema that forbids unknown keys."""
    data = json.loads(CliRunner().invoke(cli, ["schema", "entry"]).output)
    assert data["additionalProperties"] is False
    assert "compute" in data["required"]


def test_no_dataset_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a dataset, commands say how to point at one."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["show"])
    assert result.exit_code == 1
    assert "no dataset found at" in result.output and "--root" in result.output


def test_check_many_paths_reports_all(write_dataset: Write, tmp_path: Path) -> None:
    """A path outside any dataset is one problem; the other paths are still checked."""
    from test_csv_audit import SEED

    root = write_dataset()
    outside = tmp_path / "elsewhere" / "x.yaml"
    outside.parent.mkdir()
    outside.write_text("id: x\n")
    result = CliRunner().invoke(
        cli, ["check", str(SEED), str(outside), str(root / "analysis" / "toy-level")]
    )
    assert result.exit_code == 1
    assert "x.yaml: (path): no dataset found at" in result.output
    assert "11 error(s)" in result.output  # the seed CSV's ten, and the stray path


def test_int8_is_not_a_training_precision() -> None:
    """int8 figures are TOPS, not FLOP/s: the hardware method refuses them."""
    result = CliRunner().invoke(
        cli,
        [
            "estimate",
            "hardware",
            "--count",
            "1",
            "--hours",
            "1",
            "--chip",
            "A100",
            "--precision",
            "int8",
        ],
    )
    assert result.exit_code == 2 and "'int8' is not one of" in result.output


def test_option_names_in_errors() -> None:
    """A bad --peak-tflop-per-s is reported under that name, not the model's field name."""
    result = CliRunner().invoke(
        cli, ["estimate", "hardware", "--count", "1", "--hours", "1", "--peak-tflop-per-s", "1e400"]
    )
    assert result.exit_code == 2
    assert "--peak-tflop-per-s: inf: Input should be a finite number" in result.output


def test_show_fits_80_columns_without_cutting_a_cell(repo_root: Path) -> None:
    """At 80 columns no cell is cut ("…") and every line fits; entry names appear whole."""
    result = CliRunner().invoke(
        cli, ["show", "--all", "--root", str(repo_root)], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    for name in ("ShuffleNet v2 (1.5x)", "EfficientNet (b0)", "Transformer (Big)"):
        assert name in result.output
    assert "2015-12-10" in result.output and "Reduction" in result.output
    assert "Published" not in result.output


def test_show_full_columns_when_wide(repo_root: Path) -> None:
    result = CliRunner().invoke(cli, ["show", "--root", str(repo_root)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    for header in ("Entry", "Date", "Compute (tfs-days)", "Range", "Reduction"):
        assert header in result.output
    for header in ("Published", "Method", "Frontier"):
        assert header in result.output
    assert "(multiply-add=1)" in result.output and "operations" in result.output


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160])
def test_show_table_never_ellipsizes(
    width: int, write_dataset: Write, faster_entry: dict[str, Any]
) -> None:
    """A long unbroken entry name folds inside its cell instead of being cut."""
    faster_entry["name"] = "A" * 70
    root = write_dataset({"faster": faster_entry})
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for view in clean_audit(root).views:
        console.print(show_table(view, all_rows=True, width=width))
    text = console.export_text()
    assert "…" not in text
    assert text.count("A") == 70  # folded over lines, but whole
