"""Run logs without torch: schema round trip, the first-crossing rule, interpolation, and
one-line errors naming file, line and field for broken or inconsistent logs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from algoeff.model import runlog
from algoeff.model.runlog import (
    SCHEMA_ID,
    Evaluation,
    Final,
    Header,
    ModelSummary,
    Point,
    RunLogError,
    RunLogWriter,
    Signature,
    Steps,
    cached_runlog,
    first_crossing,
    log_crossing,
    read_runlog,
    spread,
)


def write_log(
    path: Path,
    metrics: list[float],
    *,
    flop_per_step: int = 1000,
    steps_per_eval: int = 10,
    batch: int = 8,
    metric: str = "acc",
    threshold: float = 0.8,
    direction: str = "higher",
    seed: int | None = 0,
    final: bool = True,
) -> Path:
    """A valid log: one signature, ``steps_per_eval`` steps then an evaluation per metric value."""
    writer = RunLogWriter(path)
    writer.write(
        Header(
            record="header",
            schema_id=SCHEMA_ID,
            started_at="2024-05-01T12:00:00+00:00",
            algoeff_version="0.1.0",
            torch_version="2.13.0",
            device="cpu",
            world_size=1,
            rank=0,
            seed=seed,
            model=ModelSummary(class_name="Toy", parameters=100),
            metric=metric,
            threshold=threshold,
            direction=direction,  # type: ignore[arg-type]
            counter="test",
            flop_convention="multiply-add=2",
            flush_every=100,
        )
    )
    writer.write(
        Signature(
            record="signature",
            id="t1",
            kind="train",
            inputs="float32[8, 4]",
            training=True,
            grad_enabled=True,
            forward_flop=flop_per_step // 4,
            backward_flop=flop_per_step // 2,
            recompute_flop=flop_per_step // 4,
            model_flop=flop_per_step // 4 + flop_per_step // 2,
            hardware_flop=flop_per_step,
        )
    )
    model = flop_per_step // 4 + flop_per_step // 2
    steps = 0
    crossed = False
    for i, value in enumerate(metrics, start=1):
        steps += steps_per_eval
        writer.write(
            Steps(
                record="steps",
                signature="t1",
                steps=steps_per_eval,
                examples=steps_per_eval * batch,
                training_flop_per_step=model,
                hardware_flop_per_step=flop_per_step,
                training_flop=steps * model,
                hardware_flop=steps * flop_per_step,
                total_steps=steps,
                total_examples=steps * batch,
                wall_seconds=float(i),
            )
        )
        hit = (value >= threshold) if direction == "higher" else (value <= threshold)
        writer.write(
            Evaluation(
                record="evaluation",
                index=i,
                metrics={metric: value},
                training_flop=steps * model,
                hardware_flop=steps * flop_per_step,
                examples=steps * batch,
                steps=steps,
                eval_flop=i * 10,
                wall_seconds=float(i),
                crossed=hit and not crossed,
            )
        )
        crossed = crossed or hit
    if final:
        writer.write(
            Final(
                record="final",
                training_flop=steps * model,
                hardware_flop=steps * flop_per_step,
                examples=steps * batch,
                steps=steps,
                eval_flop=len(metrics) * 10,
                evaluations=len(metrics),
                wall_seconds=float(len(metrics)),
                flop_to_target=None,
                ended_at="2024-05-01T12:01:00+00:00",
            )
        )
    writer.close()
    return path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _rewrite(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_round_trip(tmp_path: Path) -> None:
    """What the writer writes, the reader reads back record for record."""
    log = read_runlog(write_log(tmp_path / "run.jsonl", [0.5, 0.7, 0.9]))
    assert log.header.metric == "acc"
    assert list(log.signatures) == ["t1"]
    assert [e.metrics["acc"] for e in log.evaluations] == [0.5, 0.7, 0.9]
    assert log.final is not None
    assert log.final.training_flop == 30 * 750
    assert log.warnings == []
    assert _lines(tmp_path / "run.jsonl")[0]["schema"] == "algoeff.model.runlog/1"


def test_first_crossing_takes_the_first_evaluation_at_the_threshold(tmp_path: Path) -> None:
    """Later, higher evaluations do not move the crossing; a dip afterwards does not undo it."""
    log = read_runlog(write_log(tmp_path / "run.jsonl", [0.5, 0.8, 0.7, 0.95]))
    c = log_crossing(log)
    assert c.reached
    assert c.evaluation == 2
    assert c.training_flop == 20 * 750
    assert c.hardware_flop == 20 * 1000
    assert c.examples == 160
    assert c.steps == 20
    assert c.flop_per_example == 750 / 8


def test_threshold_equal_counts_as_reached() -> None:
    """'At or above' the threshold: equality reaches it (and 'at or below' for lower)."""
    points = [Point(1, 0.5, 10, 1, 1), Point(2, 0.791, 20, 2, 2)]
    assert first_crossing(points, 0.791, "higher").evaluation == 2
    lower = [Point(1, 3.0, 10, 1, 1), Point(2, 2.0, 20, 2, 2)]
    assert first_crossing(lower, 2.0, "lower").evaluation == 2
    assert not first_crossing(lower, 1.9, "lower").reached


def test_interpolation_linear_and_log() -> None:
    """Between (100 FLOP, 0.6) and (400 FLOP, 1.0), 0.8 is half-way: 250 linearly, 200 in log."""
    points = [Point(1, 0.6, 100, 10, 1), Point(2, 1.0, 400, 40, 4)]
    linear = first_crossing(points, 0.8, "higher", "linear")
    assert linear.training_flop == pytest.approx(250)
    assert linear.examples == pytest.approx(25)
    log = first_crossing(points, 0.8, "higher", "log")
    assert log.training_flop == pytest.approx(200)
    assert log.examples == pytest.approx(20)
    assert first_crossing(points, 0.8, "higher").training_flop == 400


def test_interpolation_from_the_first_evaluation_is_not_possible() -> None:
    """With nothing before the first evaluation, interpolation keeps it and says so."""
    c = first_crossing([Point(1, 0.9, 100, 10, 1)], 0.8, "higher", "log")
    assert c.training_flop == 100
    assert "not interpolated" in c.note


def test_log_interpolation_falls_back_to_linear_from_zero_flop() -> None:
    """log(0) is undefined: an evaluation before any training interpolates linearly."""
    points = [Point(1, 0.1, 0, 0, 0), Point(2, 0.9, 100, 10, 1)]
    c = first_crossing(points, 0.5, "higher", "log")
    assert c.training_flop == pytest.approx(50)
    assert "linearly" in c.note


def test_never_reached_reports_best(tmp_path: Path) -> None:
    """A run below the threshold throughout has no crossing, its best value and total FLOP."""
    c = log_crossing(read_runlog(write_log(tmp_path / "run.jsonl", [0.5, 0.7, 0.6])))
    assert not c.reached
    assert c.training_flop is None
    assert c.best_metric == 0.7
    assert c.total_training_flop == 30 * 750


def test_overrides_of_metric_threshold_direction(tmp_path: Path) -> None:
    """The header's metric and threshold are defaults; explicit values win."""
    log = read_runlog(write_log(tmp_path / "run.jsonl", [0.5, 0.7, 0.9]))
    assert log_crossing(log, threshold=0.6).evaluation == 2
    assert log_crossing(log, threshold=0.55, direction="lower").evaluation == 1


def test_unknown_metric_is_an_error_naming_the_choices(tmp_path: Path) -> None:
    log = read_runlog(write_log(tmp_path / "run.jsonl", [0.5]))
    with pytest.raises(RunLogError, match=r"line \d+: metrics: no evaluation reports 'top5'.*acc"):
        log_crossing(log, metric="top5")


def test_truncated_last_line_is_ignored_with_a_warning(tmp_path: Path) -> None:
    """A run cut off mid-write leaves a readable log: the partial last line is dropped."""
    path = write_log(tmp_path / "run.jsonl", [0.5, 0.9], final=False)
    text = path.read_text()
    path.write_text(text + '{"record":"steps","signature":"t1","ste')
    log = read_runlog(path)
    assert len(log.evaluations) == 2
    assert any("truncated last line" in w for w in log.warnings)
    assert any("no final record" in w for w in log.warnings)
    assert log_crossing(log).evaluation == 2


def test_malformed_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.5, 0.9])
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:20]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RunLogError, match=r"run.jsonl: line 3: is not JSON"):
        read_runlog(path)


@pytest.mark.parametrize(
    ("line", "change", "pattern"),
    [
        (
            0,
            {"schema": "algoeff.model.runlog/9"},
            r"line 1: schema: 'algoeff.model.runlog/9' is not supported",
        ),
        (0, {"world_size": 0}, r"line 1: world_size: 0: Input should be greater than or equal"),
        (1, {"forward_flop": "12"}, r"line 2: forward_flop: \"12\": Input should be a valid int"),
        (1, {"model_flop": 1}, r"line 2: model_flop: 1 does not match \(expected 750"),
        (2, {"training_flop": 1}, r"line 3: training_flop: 1 does not match"),
        (2, {"signature": "t9"}, r"line 3: signature: 't9' is not a training signature"),
        (2, {"extra": 1}, r"line 3: extra: unknown field"),
        (3, {"training_flop": 7501}, r"line 4: training_flop: 7501 does not match \(expected 7500"),
        (3, {"index": 5}, r"line 4: index: 5 does not match"),
        (3, {"metrics": {"acc": "high"}}, r"line 4: metrics.acc: .*valid number"),
        (4, {"record": "nonsense"}, r"line 5: record: .*"),
    ],
)
def test_bad_field_is_one_line_naming_file_line_and_field(
    tmp_path: Path, line: int, change: dict[str, object], pattern: str
) -> None:
    """Every kind of damage gives a single-line RunLogError with the offending line and field."""
    path = write_log(tmp_path / "run.jsonl", [0.5, 0.9])
    records = _lines(path)
    records[line] = {**records[line], **change}
    _rewrite(path, records)
    with pytest.raises(RunLogError, match=pattern) as info:
        read_runlog(path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(path)) or "run.jsonl" in str(info.value)


def test_header_must_come_first(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.5])
    records = _lines(path)
    _rewrite(path, records[1:])
    with pytest.raises(RunLogError, match=r"line 1: record: 'signature' \(expected a header"):
        read_runlog(path)


def test_records_after_final_are_refused(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.5])
    records = _lines(path)
    _rewrite(path, [*records, records[-1]])
    with pytest.raises(RunLogError, match="follows the final record"):
        read_runlog(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(RunLogError, match="is empty"):
        read_runlog(tmp_path / "empty.jsonl")
    with pytest.raises(RunLogError, match="cannot be read"):
        read_runlog(tmp_path / "missing.jsonl")


def test_links_oversize_and_non_utf8_files_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads go through core.files: no symbolic links, a size cap, UTF-8 only."""
    path = write_log(tmp_path / "run.jsonl", [0.5])
    (tmp_path / "link.jsonl").symlink_to(path)
    with pytest.raises(RunLogError, match=r"link\.jsonl: \(file\): is a symbolic link") as link:
        read_runlog(tmp_path / "link.jsonl")
    assert "\n" not in str(link.value)
    monkeypatch.setattr(runlog, "MAX_LOG_BYTES", 100)
    with pytest.raises(RunLogError, match=r"is \d+ bytes \(expected at most 100 bytes\)"):
        read_runlog(path)
    monkeypatch.undo()
    (tmp_path / "latin1.jsonl").write_bytes(b'{"record": "h\xe9ader"}\n')
    with pytest.raises(RunLogError, match="is not UTF-8"):
        read_runlog(tmp_path / "latin1.jsonl")
    with pytest.raises(RunLogError, match="cannot be read"):
        cached_runlog(tmp_path / "missing.jsonl")


def test_cached_read_notices_an_edit(tmp_path: Path) -> None:
    """The cache is keyed on size and mtime, so an edited log is read afresh."""
    path = write_log(tmp_path / "run.jsonl", [0.5, 0.9])
    assert log_crossing(cached_runlog(path)).evaluation == 2
    records = _lines(path)
    records[3] = {**records[3], "metrics": {"acc": 0.85}}
    _rewrite(path, records)
    assert log_crossing(cached_runlog(path)).evaluation == 1


def test_spread_over_seeds() -> None:
    """Mean, sample standard deviation, min, max and n; one run has no sd."""
    s = spread([1.0, 2.0, 3.0])
    assert s is not None
    assert (s.n, s.mean, s.min, s.max) == (3, 2.0, 1.0, 3.0)
    assert s.std == pytest.approx(1.0)
    one = spread([5.0])
    assert one is not None
    assert one.std is None
    assert spread([]) is None
    assert math.isclose(spread([2.0, 4.0]).std or 0, math.sqrt(2))  # type: ignore[union-attr]


def test_writer_refuses_records_after_close(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", [0.5])
    writer = RunLogWriter(tmp_path / "other.jsonl")
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.write(read_runlog(path).header)


def test_runlog_module_does_not_import_torch() -> None:
    """`algoeff check` reads logs without torch: the module must not pull it in."""
    import subprocess
    import sys

    code = (
        "import sys, algoeff.model.runlog, algoeff.model.mlperf, algoeff.model.methods.measured; "
        "import algoeff.cli.measure; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
