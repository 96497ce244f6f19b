"""MLPerf Training logs (synthetic, in the mllog format): samples and seconds to the first
eval_accuracy at the target, the counted and the hardware figure, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.measure.report import mlperf_report
from algoeff.model import mlperf
from algoeff.model.hardware import load_hardware
from algoeff.model.methods.hardware import DEFAULT_UTILIZATION
from algoeff.model.mlperf import (
    MlperfLogError,
    analyse,
    counted_flop,
    hardware_flop,
    is_mlperf_log,
    match_chip,
    read_mlperf,
)

A100_BF16 = 312e12
SYSTEM = {
    "number_of_nodes": "2",
    "accelerators_per_node": 8,
    "accelerator_model_name": "NVIDIA A100-SXM4-80GB",
}


def event(time_ms: float, key: str, value: Any = None, prefix: str = "", **metadata: Any) -> str:
    body = {
        "namespace": "",
        "time_ms": time_ms,
        "event_type": "POINT_IN_TIME",
        "key": key,
        "value": value,
        "metadata": {"file": "train.py", "lineno": 1, **metadata},
    }
    return f"{prefix}:::MLLOG {json.dumps(body)}"


def mlperf_log(
    path: Path,
    accuracies: tuple[float, ...] = (0.5, 0.7, 0.76, 0.78),
    *,
    samples_count: bool = False,
    prefix: str = "",
    extra: list[str] | None = None,
    start: bool = True,
) -> Path:
    """Four epochs of 1,000 samples; an evaluation 100 s apart after run_start at 2 s."""
    lines = [
        "some launcher output that is not an event",
        event(1000, "submission_benchmark", "resnet", prefix),
        event(1000, "submission_platform", "2xDGX-A100", prefix),
        event(1000, "global_batch_size", 256, prefix),
        event(1000, "train_samples", 1000, prefix),
    ]
    if start:
        lines.append(event(2000, "run_start", None, prefix))
    for i, acc in enumerate(accuracies, start=1):
        meta: dict[str, Any] = {"epoch_num": i}
        if samples_count:
            meta = {"samples_count": 900 * i}
        lines.append(event(2000 + 100_000 * i, "eval_accuracy", acc, prefix, **meta))
    lines.append(
        event(2000 + 100_000 * len(accuracies) + 500, "run_stop", None, prefix, status="success")
    )
    lines += extra or []
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reads_events_and_finds_the_crossing(tmp_path: Path) -> None:
    """0.759 is first reached at the third evaluation: 3 epochs x 1,000 samples, 300 s."""
    run = analyse(read_mlperf(mlperf_log(tmp_path / "r.log")), threshold=0.759)
    assert run.crossing.evaluation == 3
    assert run.samples_to_target == 3000
    assert run.seconds_to_target == 300
    assert run.run_seconds == 400.5
    assert run.status == "success"
    assert run.benchmark == "resnet"
    assert run.global_batch_size == 256
    assert counted_flop(run, 1e9) == 3e12
    assert hardware_flop(run, 16, A100_BF16, 0.33) == pytest.approx(16 * 300 * A100_BF16 * 0.33)


def test_samples_count_wins_over_epochs(tmp_path: Path) -> None:
    run = analyse(read_mlperf(mlperf_log(tmp_path / "r.log", samples_count=True)), 0.759)
    assert run.samples_to_target == 2700


def test_rank_prefixes_and_target_in_metadata(tmp_path: Path) -> None:
    """Lines such as '0: :::MLLOG {...}' are read; a target logged in metadata is used."""
    path = mlperf_log(tmp_path / "r.log", prefix="0: ")
    text = path.read_text().replace('"epoch_num": 1', '"epoch_num": 1, "target": 0.7')
    path.write_text(text)
    run = analyse(read_mlperf(path))
    assert run.crossing.evaluation == 2


def test_never_reached(tmp_path: Path) -> None:
    run = analyse(read_mlperf(mlperf_log(tmp_path / "r.log", (0.1, 0.2))), threshold=0.759)
    assert not run.crossing.reached
    assert run.samples_to_target is None
    assert counted_flop(run, 1e9) is None


def test_detection(tmp_path: Path) -> None:
    """Launcher output before the first event is fine; a JSON Lines file is a run log."""
    assert is_mlperf_log(mlperf_log(tmp_path / "r.log"))
    (tmp_path / "run.jsonl").write_text('{"record": "header"}\n')
    assert not is_mlperf_log(tmp_path / "run.jsonl")
    (tmp_path / "other.txt").write_text("hello\n" * 2000 + event(1, "run_start") + "\n")
    assert not is_mlperf_log(tmp_path / "other.txt")


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (lambda p: mlperf_log(p, start=False), r"run_start: is missing"),
        (
            lambda p: mlperf_log(p, extra=[":::MLLOG {broken", event(1, "x")]),
            r"r\.log: line 12: the event after :::MLLOG is not JSON",
        ),
        (lambda p: mlperf_log(p, extra=[':::MLLOG {"key": "x"}']), r"line 12: time_ms: is missing"),
        (lambda p: mlperf_log(p, extra=[event("soon", "x")]), r"line 12: time_ms: 'soon' is not"),
        (
            lambda p: p.write_text("no events here\n") and p,
            r"has no :::MLLOG \(or v0\.6 :::MLL\) lines",
        ),
    ],
)
def test_errors_are_one_line_with_the_line_number(tmp_path: Path, build: Any, pattern: str) -> None:
    path = tmp_path / "r.log"
    build(path)
    with pytest.raises(MlperfLogError, match=pattern) as info:
        analyse(read_mlperf(path), threshold=0.759)
    assert "\n" not in str(info.value)


def test_links_and_oversize_logs_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = mlperf_log(tmp_path / "r.log")
    (tmp_path / "link.log").symlink_to(log)
    with pytest.raises(MlperfLogError, match=r"link\.log: \(file\): is a symbolic link"):
        read_mlperf(tmp_path / "link.log")
    monkeypatch.setattr(mlperf, "MAX_LOG_BYTES", 100)
    with pytest.raises(MlperfLogError, match=r"is \d+ bytes \(expected at most 100 bytes\)"):
        read_mlperf(log)


def test_epochs_without_train_samples_need_the_option(tmp_path: Path) -> None:
    """A benchmark counted in epochs needs examples per epoch; ResNet's default is ImageNet's."""
    path = mlperf_log(tmp_path / "r.log")
    path.write_text("\n".join(x for x in path.read_text().splitlines() if "train_samples" not in x))
    assert analyse(read_mlperf(path), 0.759).samples_to_target == 3 * 1_281_167
    path.write_text(path.read_text().replace('"value": "resnet"', '"value": "ssd"'))
    with pytest.raises(MlperfLogError, match="needs train_samples"):
        analyse(read_mlperf(path), threshold=0.759)
    assert analyse(read_mlperf(path), 0.759, train_samples=10).samples_to_target == 30


def test_missing_target_asks_for_threshold(tmp_path: Path) -> None:
    """A benchmark without a tabled target needs --threshold; resnet's is the rules' 0.759."""
    path = mlperf_log(tmp_path / "r.log")
    assert analyse(read_mlperf(path)).threshold == 0.759
    path.write_text(path.read_text().replace('"value": "resnet"', '"value": "newbench"'))
    with pytest.raises(MlperfLogError, match="pass --threshold"):
        analyse(read_mlperf(path))


def test_truncated_last_line_is_ignored(tmp_path: Path) -> None:
    path = mlperf_log(tmp_path / "r.log")
    path.write_text(path.read_text() + ':::MLLOG {"namespace": "", "time_')
    assert analyse(read_mlperf(path), 0.759).crossing.evaluation == 3


def test_chip_matching_against_the_hardware_table() -> None:
    table = load_hardware()
    assert match_chip(table, "NVIDIA A100-SXM4-80GB") == "A100"
    assert match_chip(table, "NVIDIA H100 80GB HBM3") == "H100 SXM"
    assert match_chip(table, "NVIDIA H100-PCIe-80GB") == "H100 PCIe"
    with pytest.raises(ValueError, match="matches no chip"):
        match_chip(table, "Imaginary Accelerator 9000")


def cli_run(*args: Any) -> Any:
    return CliRunner().invoke(cli, ["measure", *map(str, args)])


def test_cli_counted_and_hardware_figures(tmp_path: Path) -> None:
    """Auto-detected from :::MLLOG; system description gives 2 x 8 A100; bf16 from the table."""
    log = mlperf_log(tmp_path / "r.log")
    system = tmp_path / "system.json"
    system.write_text(json.dumps(SYSTEM))
    result = cli_run(
        log,
        "--threshold",
        "0.759",
        "--flop-per-example",
        "1e9",
        "--system-json",
        system,
        "--precision",
        "bf16",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    row = data["runs"][0]
    assert (row["samples_to_target"], row["seconds_to_target"]) == (3000, 300)
    assert row["accelerators"] == 16
    assert row["peak"] == "A100 bf16 312 TFLOP/s"
    assert row["counted_flop"] == 3e12
    assert row["hardware_flop"] == pytest.approx(16 * 300 * A100_BF16 * 0.33)
    assert data["hardware_flop"]["n"] == 1
    text = cli_run(
        log,
        "--mlperf",
        "--threshold",
        "0.759",
        "--flop-per-example",
        "1e9",
        "--accelerators",
        "4",
        "--peak-tflop-per-s",
        "100",
        "--utilization",
        "0.5",
    )
    assert text.exit_code == 0, text.output
    assert "counted:  3.00e+12 FLOP" in text.output
    assert f"hardware: {4 * 300 * 100e12 * 0.5:.2e} FLOP (4 x stated 100 TFLOP/s" in text.output


def test_report_is_data(tmp_path: Path) -> None:
    """mlperf_report returns rows and spreads; the command only prints them."""
    report = mlperf_report(
        [mlperf_log(tmp_path / "r.log")],
        0.759,
        flop_per_example=1e9,
        accelerators=16,
        chip="A100",
        precision="bf16",
    )
    (row,) = report.rows
    assert report.all_reached
    assert (row.samples_to_target, row.counted_flop) == (3000, 3e12)
    assert row.hardware_flop == pytest.approx(16 * 300 * A100_BF16 * DEFAULT_UTILIZATION)
    assert report.as_dict()["runs"][0]["peak"] == "A100 bf16 312 TFLOP/s"
    missing = mlperf_report([mlperf_log(tmp_path / "s.log")], 0.759).rows[0]
    assert missing.hardware_flop is None
    assert missing.hardware_missing is not None and "accelerator count" in missing.hardware_missing


def test_cli_says_what_the_hardware_figure_needs(tmp_path: Path) -> None:
    log = mlperf_log(tmp_path / "r.log")
    result = cli_run(log, "--threshold", "0.759")
    assert result.exit_code == 0
    assert "hardware: not computed (accelerator count unknown" in result.output
    assert "counted figure: pass --flop-per-example" in result.output
    result = cli_run(log, "--threshold", "0.759", "--accelerators", "8", "--chip", "A100")
    assert "pass --precision" in result.output


def test_cli_never_reached_exits_3(tmp_path: Path) -> None:
    result = cli_run(mlperf_log(tmp_path / "r.log", (0.1, 0.2)), "--threshold", "0.759")
    assert result.exit_code == 3
    assert "NEVER REACHED" in result.output


def test_cli_refuses_mixed_inputs_and_emit_without_flop(tmp_path: Path) -> None:
    log = mlperf_log(tmp_path / "r.log")
    (tmp_path / "run.jsonl").write_text("{}\n")
    mixed = cli_run(tmp_path / "run.jsonl", log)
    assert mixed.exit_code == 2
    assert "either algoeff run logs or MLPerf logs" in mixed.output
    emit = cli_run(log, "--mlperf", "--threshold", "0.759", "--emit-analysis", tmp_path / "e.yaml")
    assert emit.exit_code == 1
    assert "an MLPerf entry needs --flop-per-example" in emit.output
    assert not (tmp_path / "e.yaml").exists()
