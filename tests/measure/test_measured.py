"""`algoeff measure` and the `measured` method: reports, --json, --emit-analysis entries that
validate and recompute from their logs, and `algoeff check` failing once a log is edited."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.errors import InputError
from algoeff.dataset.checks import check_dataset
from algoeff.dataset.load import load_entry
from algoeff.measure.entry import write_measured_entry
from algoeff.measure.report import HeadersDisagreeError, runlog_report
from algoeff.model.methods import MethodContext
from algoeff.model.methods.measured import Measured

from .test_runlog import write_log

WriteDataset = Callable[..., Path]  # the write_dataset fixture of tests/conftest.py

PER_STEP = 750  # model FLOP per step of write_log's default signature


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(cli, ["measure", *map(str, args)], catch_exceptions=False)


def three_seeds(folder: Path, **kwargs: Any) -> list[Path]:
    """Crossings at evaluations 2, 3 and 4 (20, 30, 40 steps): 15000, 22500, 30000 FLOP."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_log(folder / "seed0.jsonl", [0.5, 0.85, 0.9, 0.9], seed=0, **kwargs),
        write_log(folder / "seed1.jsonl", [0.5, 0.7, 0.81, 0.9], seed=1, **kwargs),
        write_log(folder / "seed2.jsonl", [0.5, 0.6, 0.7, 0.8], seed=2, **kwargs),
    ]


def test_text_report_gives_each_log_and_the_spread(tmp_path: Path) -> None:
    result = run(*three_seeds(tmp_path))
    assert result.exit_code == 0, result.output
    assert "acc >= 0.8 (first evaluation at or beyond the threshold)" in result.output
    assert "seed0.jsonl: evaluation 2 (acc 0.85): 1.50e+04 FLOP, 160 examples, 20 steps" in (
        result.output
    )
    assert "n=3: mean 2.25e+04 FLOP, sd 7.50e+03, min 1.50e+04, max 3.00e+04" in result.output


def test_json_report(tmp_path: Path) -> None:
    result = run(*three_seeds(tmp_path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["metric"], data["threshold"], data["rule"]) == ("acc", 0.8, "first")
    assert [r["evaluation"] for r in data["runs"]] == [2, 3, 4]
    assert [r["training_flop"] for r in data["runs"]] == [
        20 * PER_STEP,
        30 * PER_STEP,
        40 * PER_STEP,
    ]
    assert data["runs"][0]["flop_per_example"] == PER_STEP / 8
    assert data["runs"][0]["seed"] == 0
    stats = data["training_flop"]
    assert (stats["n"], stats["mean"], stats["min"], stats["max"]) == (3, 22500, 15000, 30000)
    assert stats["std"] == pytest.approx(7500)


def test_options_override_the_header(tmp_path: Path) -> None:
    result = run(*three_seeds(tmp_path), "--threshold", "0.88", "--json")
    assert [r["evaluation"] for r in json.loads(result.output)["runs"]] == [3, 4, None]
    assert result.exit_code == 3


def test_interpolation_is_stated(tmp_path: Path) -> None:
    """--interpolate alone is log space; =linear is linear; the rule text says which."""
    path = write_log(tmp_path / "run.jsonl", [0.6, 1.0], threshold=0.8)
    log_rule = json.loads(run(path, "--interpolate", "--json").output)
    linear = json.loads(run(path, "--interpolate=linear", "--json").output)
    assert log_rule["rule"] == "log"
    assert "log FLOP" in log_rule["rule_text"]
    # 10 steps (7500 FLOP) at 0.6, 20 steps (15000) at 1.0; 0.8 lies half-way.
    assert linear["runs"][0]["training_flop"] == pytest.approx(11250)
    assert log_rule["runs"][0]["training_flop"] == pytest.approx((7500 * 15000) ** 0.5)
    text = run(path, "--interpolate=linear").output
    assert "interpolated linearly in FLOP between the evaluations straddling" in text


def test_a_log_that_never_reaches_is_reported_and_fails(tmp_path: Path) -> None:
    good = write_log(tmp_path / "good.jsonl", [0.5, 0.9])
    bad = write_log(tmp_path / "bad.jsonl", [0.5, 0.6, 0.75])
    result = run(good, bad)
    assert result.exit_code == 3
    assert "bad.jsonl: NEVER REACHED acc >= 0.8 (best 0.75 in 3 evaluations" in result.output
    assert "n=1 of 2: mean 1.50e+04 FLOP" in result.output


def test_headers_that_disagree_need_an_option(tmp_path: Path) -> None:
    a = write_log(tmp_path / "a.jsonl", [0.9], threshold=0.8)
    b = write_log(tmp_path / "b.jsonl", [0.9], threshold=0.7)
    result = CliRunner().invoke(cli, ["measure", str(a), str(b)])
    assert result.exit_code == 2
    assert "disagree on threshold (0.7, 0.8); pass --threshold" in result.output
    assert run(a, b, "--threshold", "0.75").exit_code == 0


def test_broken_log_is_one_line_error(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.9])
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace('"training_flop":7500', '"training_flop":-1')
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["measure", str(path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "run.jsonl: line 4: training_flop: -1: Input should be greater than" in result.output
    assert "Traceback" not in result.output


def test_truncated_log_warns_and_still_measures(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.5, 0.9], final=False)
    path.write_text(path.read_text() + '{"record":"ste')
    result = CliRunner().invoke(cli, ["measure", str(path)])
    assert result.exit_code == 0
    assert "warning: " in result.output
    assert "truncated last line" in result.output
    assert "evaluation 2" in result.output


def test_mlperf_options_need_mlperf_logs(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.9])
    result = CliRunner().invoke(cli, ["measure", str(path), "--chip", "A100"])
    assert result.exit_code == 2
    assert "--chip applies to MLPerf logs only" in result.output


def test_help_ends_with_an_example() -> None:
    result = CliRunner().invoke(cli, ["measure", "--help"])
    assert "Example:" in result.output
    assert "algoeff measure runs/digits/" in result.output


# --- --emit-analysis and the measured method ----------------------------------------------


def emit(folder: Path, logs: list[Path], *extra: str) -> tuple[Any, Path]:
    entry = folder / "measured-net.yaml"
    result = run(*logs, "--emit-analysis", entry, *extra)
    return result, entry


def test_emitted_entry_validates_and_recomputes(tmp_path: Path) -> None:
    logs = three_seeds(tmp_path / "logs")
    result, path = emit(
        tmp_path,
        logs,
        "--benchmark",
        "toy-level",
        "--url",
        "https://example.org/net",
        "--title",
        "A net",
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    assert "edit before submitting: training_data.datasets, publication.date" in result.output
    loaded = load_entry(path)
    compute = loaded.entry.compute
    assert isinstance(compute, Measured)
    assert compute.logs == ["logs/seed0.jsonl", "logs/seed1.jsonl", "logs/seed2.jsonl"]
    assert (compute.metric, compute.threshold, compute.rule) == ("acc", 0.8, "first")
    assert [r.evaluation for r in compute.runs] == [2, 3, 4]
    assert compute.runs[0].flop_per_example == PER_STEP / 8
    est = compute.estimate(MethodContext(entry_dir=path.parent))
    assert est.flop == pytest.approx(22500)
    assert compute.training_flop == pytest.approx(est.flop)
    assert (est.flop_low, est.flop_high) == (15000, 30000)  # min and max over the seeds
    assert "logs/seed1.jsonl" in dict(est.terms)
    assert loaded.entry.result.value == 0.8  # the lowest metric at a crossing
    raw = yaml.safe_load(path.read_text())
    assert raw["publication"] == {
        "title": "A net",
        "url": "https://example.org/net",
        "date": raw["publication"]["date"],
    }


def test_emit_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    logs = three_seeds(tmp_path)
    assert emit(tmp_path, logs)[0].exit_code == 0
    result = CliRunner().invoke(
        cli, ["measure", *map(str, logs), "--emit-analysis", str(tmp_path / "measured-net.yaml")]
    )
    assert result.exit_code == 1
    assert "exists; pass --force" in result.output
    assert emit(tmp_path, logs, "--force")[0].exit_code == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_emit_refuses_logs_outside_the_entry_folder(tmp_path: Path) -> None:
    logs = three_seeds(tmp_path / "runs")
    result = CliRunner().invoke(
        cli, ["measure", *map(str, logs), "--emit-analysis", str(tmp_path / "analysis" / "x.yaml")]
    )
    assert result.exit_code == 1
    assert "lies outside" in result.output
    assert not (tmp_path / "analysis" / "x.yaml").exists()


def test_emit_refuses_a_run_that_never_reached(tmp_path: Path) -> None:
    logs = [write_log(tmp_path / "a.jsonl", [0.5])]
    result = CliRunner().invoke(
        cli, ["measure", str(logs[0]), "--emit-analysis", str(tmp_path / "a.yaml")]
    )
    assert result.exit_code == 1
    assert "needs every run to reach it" in result.output
    assert not (tmp_path / "a.yaml").exists()


def test_report_and_entry_writer_are_library_functions(tmp_path: Path) -> None:
    """No click, no printing: the report is data and the writer refuses in one-line InputErrors."""
    logs = three_seeds(tmp_path / "logs")
    report = runlog_report(logs)
    assert (report.metric, report.threshold, report.direction) == ("acc", 0.8, "higher")
    assert report.stats is not None and report.stats.n == 3
    assert report.never == []
    assert report.as_dict()["training_flop"]["mean"] == pytest.approx(22500)
    args = (report.runlogs, report.crossings, "acc", 0.8, "higher", "first")
    with pytest.raises(InputError, match=r"must end in \.yaml"):
        write_measured_entry(tmp_path / "x.yml", *args)
    with pytest.raises(InputError, match="is not an id"):
        write_measured_entry(tmp_path / "x.yaml", *args, entry_id="Not An Id")
    entry, placeholders = write_measured_entry(
        tmp_path / "x.yaml", *args, benchmark="toy-level", dataset="toy"
    )
    assert entry.compute.training_flop == pytest.approx(22500)
    assert "publication.url" in placeholders
    never = runlog_report(logs, threshold=0.95)
    assert len(never.never) == 3
    with pytest.raises(InputError, match="needs every run to reach it"):
        write_measured_entry(
            tmp_path / "y.yaml", never.runlogs, never.crossings, "acc", 0.95, "higher", "first"
        )
    a = write_log(tmp_path / "a.jsonl", [0.9], metric="acc")
    b = write_log(tmp_path / "b.jsonl", [0.9], metric="top1")
    with pytest.raises(HeadersDisagreeError) as disagree:
        runlog_report([a, b])
    assert disagree.value.name == "metric"


def test_log_paths_must_stay_inside_the_entry_folder() -> None:
    """An untrusted entry cannot point its method at files elsewhere on the machine."""
    base = {"method": "measured", "training_flop": 1.0, "metric": "acc", "threshold": 0.8}
    for bad in ("../secret.jsonl", "/etc/passwd", "logs/../../x.jsonl", "~/x.jsonl"):
        with pytest.raises(ValueError, match="relative path inside the entry's folder"):
            Measured.model_validate({**base, "logs": [bad]})
    with pytest.raises(ValueError, match="twice"):
        Measured.model_validate({**base, "logs": ["a.jsonl", "a.jsonl"]})


def test_method_without_entry_dir_or_with_missing_log(tmp_path: Path) -> None:
    m = Measured.model_validate(
        {
            "method": "measured",
            "training_flop": 1.0,
            "metric": "acc",
            "threshold": 0.8,
            "logs": ["nope.jsonl"],
        }
    )
    with pytest.raises(LookupError, match="needs its folder"):
        m.estimate(MethodContext())
    with pytest.raises(ValueError, match=r"nope\.jsonl: \(file\): cannot be read"):
        m.estimate(MethodContext(entry_dir=tmp_path))


def _checked(write_dataset: WriteDataset, tamper: Any = None) -> list[str]:
    """Emit a measured entry into a toy dataset, optionally edit its log, run the checks."""
    root = write_dataset()
    folder = root / "analysis" / "toy-level"
    logs = [
        write_log(
            folder / "logs" / "seed0.jsonl", [80.0, 91.0, 95.0], metric="top1", threshold=90.0
        )
    ]
    result, _ = emit(
        folder,
        logs,
        "--dataset",
        "toy",
        "--url",
        "https://example.org/measured",
        "--title",
        "Measured net",
        "--date",
        "2020-01-15",
        "--force",
    )
    assert result.exit_code == 0, result.output
    if tamper is not None:
        tamper(logs[0])
    problems = check_dataset(root)
    return [str(p) for p in problems if "measured-net" in p.path]


def _edit(path: Path, line: int, **change: Any) -> None:
    records = [json.loads(x) for x in path.read_text().splitlines()]
    records[line] = {**records[line], **change}
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_check_passes_then_fails_when_the_log_changes(write_dataset: WriteDataset) -> None:
    """The entry is clean as written; an edited metric moves the crossing and check fails
    because the stated training_flop no longer matches the recomputation."""
    assert _checked(write_dataset) == []
    # Evaluation 2 (line 6) drops below 90: the crossing moves to evaluation 3.
    problems = _checked(write_dataset, lambda p: _edit(p, 5, metrics={"top1": 89.0}))
    assert len(problems) == 1
    assert "runs.0.evaluation: states 2" in problems[0]
    assert "the logs give training_flop 2.25e+04 (stated 1.5e+04)" in problems[0]


def test_check_fails_on_an_edited_flop_figure(write_dataset: WriteDataset) -> None:
    """Editing a FLOP total breaks the log's running totals: a line-numbered error."""
    problems = _checked(write_dataset, lambda p: _edit(p, 4, training_flop=1))
    assert len(problems) == 1
    assert "seed0.jsonl: line 5: training_flop: 1 does not match" in problems[0]


def test_check_fails_when_stated_total_is_edited(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    folder = root / "analysis" / "toy-level"
    logs = [write_log(folder / "logs" / "seed0.jsonl", [80.0, 95.0], metric="top1", threshold=90.0)]
    result, path = emit(
        folder, logs, "--dataset", "toy", "--url", "https://example.org/m", "--date", "2020-01-15"
    )
    assert result.exit_code == 0
    data = yaml.safe_load(path.read_text())
    data["compute"]["training_flop"] *= 1.5
    data["compute"]["runs"][0]["training_flop"] *= 1.5
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in check_dataset(root) if "measured-net" in p.path]
    assert len(problems) == 1
    assert "runs.0.training_flop: states 2.25e+04 but logs/seed0.jsonl gives 1.5e+04" in problems[0]


def test_every_measured_and_runlog_field_is_documented() -> None:
    """docs/measuring-training.md names each field of the method and of every log record."""
    from pydantic import BaseModel

    from algoeff.model.methods.measured import MeasuredRun
    from algoeff.model.runlog import Evaluation, Final, Header, ModelSummary, Signature, Steps

    doc = (Path(__file__).resolve().parents[2] / "docs" / "measuring-training.md").read_text()
    models: list[type[BaseModel]] = [
        Measured,
        MeasuredRun,
        Header,
        ModelSummary,
        Signature,
        Steps,
        Evaluation,
        Final,
    ]
    shared = {"tolerance", "fraction", "ensemble", "method", "record"}  # the base's, or the tag
    missing = [
        f"{m.__name__}.{info.alias or name}"
        for m in models
        for name, info in m.model_fields.items()
        if name not in shared and f"`{info.alias or name}`" not in doc
    ]
    assert missing == []


def test_percent_writes_the_result_as_a_percentage(write_dataset: WriteDataset) -> None:
    """Logs in fractions of one, a benchmark in %: --percent makes result.value reach 90 %."""
    root = write_dataset()
    folder = root / "analysis" / "toy-level"
    logs = [write_log(folder / "logs" / "seed0.jsonl", [0.8, 0.95], metric="top1", threshold=0.9)]
    args = ["--dataset", "toy", "--url", "https://example.org/p", "--date", "2020-01-15"]
    result, path = emit(folder, logs, *args, "--percent")
    assert result.exit_code == 0, result.output
    assert load_entry(path).entry.result.value == pytest.approx(95.0)
    assert [str(p) for p in check_dataset(root) if "measured-net" in p.path] == []
