"""MLPerf Training result logs from real submissions (tests/data/mlperf/README.md names the
sources): per-benchmark sample semantics and direction, :::SYSJSON, cut-off and
concatenated logs, mixed benchmarks refused, MLPerf's scored runs, exit statuses."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.measure.report import mlperf_report
from algoeff.model.mlperf import (
    BENCHMARKS,
    MlperfLogError,
    analyse,
    analyse_files,
    is_mlperf_log,
    read_mlperf,
    scored_runs,
    split_runs,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "mlperf"
RESNET = DATA / "v1.0_nvidia_dgxa100_resnet_result_0.txt"
BERT = DATA / "v4.0_nvidia_eos_n8_bert_result_0.txt"
LORA = DATA / "v4.0_nvidia_eos_llama2_70b_lora_result_0.txt"
IMAGENET = 1_281_167


def cli_run(*args: Any) -> Any:
    return CliRunner().invoke(cli, ["measure", *map(str, args)])


def test_resnet_counts_epochs_of_imagenet() -> None:
    """v1.0 NVIDIA DGX A100: first eval_accuracy >= 0.759 at epoch_num 35 (0.76066)."""
    run = analyse(read_mlperf(RESNET))
    assert (run.benchmark, run.direction, run.threshold) == ("resnet", "higher", 0.759)
    assert run.crossing.metric_value == 0.76066
    assert run.epochs_to_target == 35
    assert run.samples_to_target == 35 * IMAGENET
    assert run.complete and run.status == "success"


def test_bert_epoch_num_is_already_a_sample_count() -> None:
    """v4.0 BERT: the log's epoch_num at the crossing (3,004,416) is the sample count, not
    epochs to be multiplied by train_samples (the squared count of issue 12)."""
    run = analyse(read_mlperf(BERT))
    assert run.counts == "samples"
    assert run.crossing.evaluation == 15
    assert run.samples_to_target == 3_004_416
    assert run.crossing.metric_value is not None and run.crossing.metric_value >= 0.72


def test_llama_lora_is_a_loss_and_uses_samples_count() -> None:
    """v4.0 Llama 2 70B LoRA: eval loss must fall to 0.925; the first evaluations (0.937,
    0.932, 0.937, 0.926) are above it, the fifth (samples_count 3072) is the crossing."""
    run = analyse(read_mlperf(LORA))
    assert (run.direction, run.direction_from) == ("lower", "submission_benchmark llama2_70b_lora")
    assert run.crossing.evaluation == 5
    assert run.samples_to_target == 3072
    assert run.crossing.metric_value is not None and run.crossing.metric_value <= 0.925
    # --direction overrides the benchmark's: read as higher-is-better it "reaches" at once.
    assert analyse(read_mlperf(LORA), direction="higher").crossing.evaluation == 1


def test_sysjson_gives_the_accelerators() -> None:
    """v4.0 logs print the system description: 1 node x 8 H100 (LoRA on Eos, one node)."""
    system = analyse(read_mlperf(LORA)).system
    assert system.accelerators == 8
    assert system.chip is not None and "H100" in system.chip
    assert system.provenance == "the log's :::SYSJSON"
    overridden = analyse(read_mlperf(LORA), accelerators=16).system
    assert overridden.accelerators == 16 and overridden.provenance.startswith("--accelerators")
    row = mlperf_report([LORA], precision="bf16").rows[0]
    assert row.hardware_flop is not None and row.accelerators == 8


def test_a_log_cut_before_run_stop_is_incomplete(tmp_path: Path) -> None:
    lines = RESNET.read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.txt"
    cut.write_text("".join(x for x in lines if '"run_stop"' not in x))
    run = analyse(read_mlperf(cut))
    assert run.reached and not run.complete and run.run_seconds is None
    result = cli_run(cut)
    assert result.exit_code == 0
    assert "INCOMPLETE (no run_stop" in result.output
    early = tmp_path / "early.txt"
    early.write_text(
        "".join(x for x in lines if '"eval_accuracy"' not in x and "run_stop" not in x)
    )
    result = cli_run(early)
    assert result.exit_code == 3
    assert "NEVER REACHED the target (no evaluation) INCOMPLETE" in result.output


def test_concatenated_runs_are_split(tmp_path: Path) -> None:
    both = tmp_path / "both.txt"
    both.write_text(RESNET.read_text() * 2)
    parts = split_runs(read_mlperf(both))
    assert [(p.part, p.parts) for p in parts] == [(1, 2), (2, 2)]
    runs = analyse_files([both])
    assert [r.samples_to_target for r in runs] == [35 * IMAGENET] * 2
    assert runs[1].shown.endswith("(run 2 of 2)")


def test_logs_of_different_benchmarks_are_refused() -> None:
    with pytest.raises(MlperfLogError, match="different benchmarks"):
        analyse_files([RESNET, BERT])
    result = cli_run(RESNET, BERT)
    assert result.exit_code == 1
    assert "error:" in result.output and "different benchmarks" in result.output


def test_gzip_logs_read_and_detected(tmp_path: Path) -> None:
    packed = tmp_path / "r.txt.gz"
    packed.write_bytes(gzip.compress(RESNET.read_bytes()))
    assert is_mlperf_log(packed)
    assert analyse(read_mlperf(packed)).epochs_to_target == 35


def test_scored_runs_drop_fastest_and_slowest(tmp_path: Path) -> None:
    """Five copies with run times 100..500 s: the 100 s and 500 s runs are dropped; a run
    that never reached the target counts as the slowest."""
    base = json.loads(
        next(x for x in RESNET.read_text().splitlines() if '"run_stop"' in x).split(":::MLLOG")[1]
    )
    start = json.loads(
        next(x for x in RESNET.read_text().splitlines() if '"run_start"' in x).split(":::MLLOG")[1]
    )
    paths = []
    for i, seconds in enumerate((300, 100, 500, 200, 400)):
        stop = dict(base, time_ms=start["time_ms"] + seconds * 1000)
        text = "".join(
            x if '"run_stop"' not in x else f":::MLLOG {json.dumps(stop)}\n"
            for x in RESNET.read_text().splitlines(keepends=True)
        )
        path = tmp_path / f"result_{i}.txt"
        path.write_text(text)
        paths.append(path)
    runs = analyse_files(paths)
    assert scored_runs(runs) == [True, False, False, True, True]
    assert scored_runs(runs[:2]) == [True, True]
    never = analyse_files(paths, threshold=0.99)
    assert all(not r.reached for r in never)


def test_unknown_accelerator_skips_only_the_hardware_figure(tmp_path: Path) -> None:
    system = tmp_path / "system.json"
    system.write_text(
        json.dumps(
            {
                "number_of_nodes": "1",
                "accelerators_per_node": "6",
                "accelerator_model_name": "AMD Radeon RX 7900 XTX",
            }
        )
    )
    result = cli_run(
        RESNET,
        "--system-json",
        system,
        "--precision",
        "fp16",
        "--flop-per-example",
        "2.4535105536e10",
    )
    assert result.exit_code == 0, result.output
    assert "hardware: not computed (accelerator 'AMD Radeon RX 7900 XTX' matches no chip" in (
        result.output
    )
    assert "counted:  1.10e+18 FLOP" in result.output


def test_text_output_keeps_exact_metric_values(tmp_path: Path) -> None:
    """0.75882 must not print as 0.759 next to NEVER REACHED."""
    text = RESNET.read_text().replace('"value": 0.76066', '"value": 0.75882')
    text = "".join(x for x in text.splitlines(keepends=True) if "0.76" not in x)
    path = tmp_path / "r.txt"
    path.write_text(text)
    result = cli_run(path)
    assert result.exit_code == 3
    assert "best 0.75882" in result.output


def test_exit_statuses(tmp_path: Path) -> None:
    """0 reached; 3 not reached; 2 usage (no threshold for an untabled benchmark); 1 data."""
    assert cli_run(RESNET).exit_code == 0
    assert cli_run(RESNET, "--threshold", "0.99").exit_code == 3
    other = tmp_path / "other.txt"
    other.write_text(RESNET.read_text().replace('"value": "resnet"', '"value": "newbench"'))
    missing = cli_run(other)
    assert missing.exit_code == 2
    assert "pass --threshold" in missing.output
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    bad = cli_run(empty, "--mlperf")
    assert bad.exit_code == 1
    assert "is empty (expected an MLPerf Training result log)" in bad.output


def test_benchmark_table_values() -> None:
    """The targets and directions tabled, asserted rather than imported."""
    assert (BENCHMARKS["resnet"].target, BENCHMARKS["resnet"].direction) == (0.759, "higher")
    assert BENCHMARKS["resnet"].samples_per_epoch == 1_281_167
    assert (BENCHMARKS["bert"].epoch_num, BENCHMARKS["bert"].target) == ("samples", 0.720)
    assert BENCHMARKS["llama2_70b_lora"].direction == "lower"
    assert BENCHMARKS["gpt3"].epoch_num == "tokens"
