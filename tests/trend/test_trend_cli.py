"""`algoeff trend`: the table, JSON, one benchmark or all, and one-line usage errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from trend_fixtures import TABLE3, TABLE3_FRONTIER, Spec, write_dataset

from algoeff.cli import cli
from algoeff.cli import main as cli_main

REPO = Path(__file__).resolve().parents[2]
SEQ2SEQ = (
    Spec("seq2seq", dt.date(2014, 9, 10), 465.0, 300.0, 600.0),
    Spec("transformer-base", dt.date(2017, 6, 12), 8.0, 6.0, 9.0),
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["trend", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_table_shows_the_headline(tmp_path: Path) -> None:
    """The table has the benchmark, the reduction, Moore's factor and the halving time."""
    code, out, _ = run("--root", str(write_dataset(tmp_path)), "--draws", "500")
    assert code == 0
    for text in ("synthetic-alexnet", "44.4×", "11.3×", "15.8", "15.3", "2012–2019"):
        assert text in out


def test_json_lists_every_benchmark(tmp_path: Path) -> None:
    """--json prints one object per benchmark, in the benchmarks file's order."""
    root = write_dataset(tmp_path, {"synthetic-alexnet": TABLE3, "pair": SEQ2SEQ})
    code, out, _ = run("--root", str(root), "--json", "--draws", "200")
    assert code == 0
    data = json.loads(out)
    assert [d["benchmark_id"] for d in data] == ["synthetic-alexnet", "pair"]
    assert data[0]["n_points"] == len(TABLE3_FRONTIER)
    assert (
        data[0]["halving_months_low"] < data[0]["halving_months"] < data[0]["halving_months_high"]
    )
    # Two points: a halving time but no interval.
    assert data[1]["n_points"] == 2
    assert data[1]["halving_months"] == pytest.approx(data[1]["endpoint_halving_months"])
    assert data[1]["halving_months_low"] is None
    assert data[1]["reduction_factor"] == pytest.approx(465 / 8)


def test_one_benchmark_and_the_two_point_note(tmp_path: Path) -> None:
    """Naming a benchmark shows only it; an n = 2 benchmark says it has no interval."""
    root = write_dataset(tmp_path, {"synthetic-alexnet": TABLE3, "pair": SEQ2SEQ})
    code, out, _ = run("pair", "--root", str(root), "--draws", "200")
    assert code == 0
    assert "pair" in out
    assert "synthetic-alexnet" not in out
    assert "(n = 2)" in out


def test_same_seed_same_output_other_seed_differs(tmp_path: Path) -> None:
    """Output is a function of the seed."""
    root = str(write_dataset(tmp_path))
    first = run("--root", root, "--json", "--draws", "300", "--seed", "5")[1]
    assert run("--root", root, "--json", "--draws", "300", "--seed", "5")[1] == first
    assert run("--root", root, "--json", "--draws", "300", "--seed", "6")[1] != first


def test_unknown_benchmark_is_a_one_line_usage_error(tmp_path: Path) -> None:
    """An unknown id exits 2 with one error line naming the known ids."""
    code, _, err = run("nope", "--root", str(write_dataset(tmp_path)))
    assert code == 2
    line = [ln for ln in err.splitlines() if ln.startswith("Error:")]
    assert line == ["Error: unknown benchmark 'nope' (expected one of: synthetic-alexnet)"]


def test_too_few_draws_is_a_usage_error(tmp_path: Path) -> None:
    """--draws below the minimum is refused before any work."""
    code, _, err = run("--root", str(write_dataset(tmp_path)), "--draws", "5")
    assert code == 2
    assert "--draws" in err


def test_dataset_with_errors_is_refused_in_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dataset that fails `algoeff check` gives its problems, exit 1, no traceback."""
    root = write_dataset(tmp_path)
    path = root / "analysis" / "synthetic-alexnet" / "googlenet.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["compute"]["training_flop"] *= 3
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        cli_main(["trend", "--root", str(root)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "googlenet.yaml: compute.training_flop" in err
    assert "Traceback" not in err


def test_help_ends_with_an_example() -> None:
    """The help text shows every option and ends with an example command."""
    from algoeff.cli.trend import trend

    code, out, _ = run("--help")
    assert code == 0
    for option in ("--json", "--root", "--draws", "--seed", "Example:"):
        assert option in out
    assert trend.help is not None
    assert trend.help.rstrip().splitlines()[-1].strip().startswith("algoeff trend ")


def test_bundled_alexnet_level_matches_the_paper_headline() -> None:
    """The repository's data: about 44x, about 16 months, Moore's law about 11x."""
    code, out, _ = run("imagenet-alexnet-level", "--root", str(REPO), "--json", "--draws", "1000")
    assert code == 0
    (trend,) = json.loads(out)
    assert round(trend["reduction_factor"]) == 44
    assert trend["moore_factor"] == pytest.approx(11.3, abs=0.1)
    assert trend["halving_months"] == pytest.approx(16, abs=0.6)
    assert trend["endpoint_halving_months"] == pytest.approx(15.3, abs=0.3)
    assert trend["halving_months_low"] < 16 < trend["halving_months_high"]


def test_bundled_two_point_benchmarks_have_no_interval() -> None:
    """The bundled benchmarks with two frontier entries have a halving time, no interval;
    those with more (AlexNet-level, the GPT-2-level speedrun, CIFAR-10 94 %) have one."""
    code, out, _ = run("--root", str(REPO), "--json", "--draws", "200")
    assert code == 0
    trends = {t["benchmark_id"]: t for t in json.loads(out)}
    assert trends["imagenet-alexnet-level"]["n_points"] == 6
    two_point = (
        "imagenet-resnet50-level",
        "wmt14-enfr-seq2seq-level",
        "wmt14-enfr-gnmt-level",
    )
    for name in two_point:
        trend = trends[name]
        assert trend["n_points"] == 2
        assert trend["halving_months_low"] is None
        assert trend["halving_months"] == pytest.approx(trend["endpoint_halving_months"])
    for name, trend in trends.items():
        if name not in two_point:
            assert trend["n_points"] >= 3
            # JSON null for an infinite upper end: the slope's interval reaches zero
            # (MLPerf ResNet-50-level, almost flat since 2020).
            high = trend["halving_months_high"]
            assert high is None or trend["halving_months_low"] < high


def test_table_fits_80_columns_without_cutting_a_cell() -> None:
    """At 80 columns no cell of the bundled dataset's table is cut to "…": long ids fold."""
    result = CliRunner().invoke(
        cli, ["trend", "--root", str(REPO), "--draws", "200"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0
    assert "…" not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "imagenet-alexnet-level" in result.stdout and "44.4×" in result.stdout
