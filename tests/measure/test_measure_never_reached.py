"""`algoeff measure` on runs that never reached the target: the total trained comes from the
final record, or from the sum of the logged steps when there is none, and says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from algoeff.cli.measure import measure
from algoeff.core.units import format_flop
from algoeff.model.runlog import read_runlog

from .test_runlog import write_log


def test_final_record_gives_the_total_when_never_reached(tmp_path: Path) -> None:
    log = write_log(tmp_path / "run.jsonl", [0.1, 0.2], flop_per_step=1000, steps_per_eval=10)
    final = read_runlog(log).final
    assert final is not None
    result = CliRunner().invoke(measure, [str(log)])
    assert result.exit_code == 3
    assert "NEVER REACHED" in result.output
    shown = f"{format_flop(final.training_flop)} FLOP trained in all, from the final record"
    assert shown in result.output
    data = json.loads(CliRunner().invoke(measure, [str(log), "--json"]).output)
    assert data["runs"][0]["trained_flop"] == final.training_flop
    assert data["runs"][0]["trained_flop_from"] == "final record"


def test_a_run_without_evaluations_reports_what_it_trained(tmp_path: Path) -> None:
    """30 steps, no evaluation: not 0 FLOP (the last evaluation's), the final record's."""
    torch = pytest.importorskip("torch")
    from algoeff.measure.meter import ComputeMeter

    model = torch.nn.Linear(8, 4)
    log = tmp_path / "run.jsonl"
    with ComputeMeter(model, metric="acc", threshold=0.9, log_path=log, flush_every=7) as meter:
        for _ in range(30):
            with meter.step(examples=4):
                model(torch.randn(4, 8)).sum().backward()
    total = meter.result.training_flop
    assert total == 30 * 2 * (2 * 4 * 8 * 4)
    out = CliRunner().invoke(measure, [str(log)]).output
    assert f"{format_flop(total)} FLOP trained in all, from the final record" in out

    # Cut off before close(): the steps flushed so far (28 of 30, in groups of 7).
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(line + "\n" for line in log.read_text().splitlines()[:-2]))
    out = CliRunner().invoke(measure, [str(cut)]).output
    expected = format_flop(28 * total // 30)
    assert f"{expected} FLOP trained in all, from the sum of the logged steps" in out
