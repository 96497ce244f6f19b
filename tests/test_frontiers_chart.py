"""The README's cross-benchmark outputs: the halving-time table and the frontiers chart."""

from __future__ import annotations

import copy
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import fit_trend
from algoeff.outputs.render import TABLES_END, TABLES_START
from algoeff.outputs.tables import halving_table
from toy_dataset import BENCHMARK, entry_dict


def _dated(entry_id: str, benchmark: str, date: str, epochs: float) -> dict[str, Any]:
    data = entry_dict(entry_id, benchmark=benchmark, name=f"Net {entry_id}", model="Net")
    # One publication per (benchmark, entry): its own arXiv id, URL and title.
    number = zlib.crc32(f"{benchmark}/{entry_id}".encode()) % 90000 + 10000
    arxiv = f"{date[2:4]}{date[5:7]}.{number}"
    title = f"{entry_id} on {benchmark}"
    url = f"https://arxiv.org/abs/{arxiv}"
    data["publication"] = {"title": title, "url": url, "arxiv": arxiv, "date": date}
    data["sources"] = [{"id": "paper", "title": title, "url": url}]
    data["compute"] = dict(
        data["compute"],
        epochs={"value": epochs, "unit": "epoch", "source": "paper"},
        training_flop=6.0e15 * epochs,
    )
    data["published"] = []
    return data


def _two_benchmarks(root: Path) -> Path:
    """Benchmark a: three frontier entries; benchmark b: two."""
    plan = {
        "a-level": [
            ("base", "2014-09-10", 10),
            ("mid", "2016-03-01", 4),
            ("late", "2018-05-01", 1),
        ],
        "b-level": [("base", "2014-09-10", 10), ("next", "2017-02-01", 5)],
    }
    benchmarks = []
    for bench_id, entries in plan.items():
        bench = copy.deepcopy(BENCHMARK)
        bench.update(id=bench_id, name=bench_id, label=bench_id.split("-")[0].upper())
        benchmarks.append(bench)
        folder = root / "analysis" / bench_id
        folder.mkdir(parents=True)
        for entry_id, date, epochs in entries:
            data = _dated(entry_id, bench_id, date, epochs)
            (folder / f"{entry_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (root / "data").mkdir()
    (root / "data" / "benchmarks.yaml").write_text(yaml.safe_dump({"benchmarks": benchmarks}))
    (root / "README.md").write_text(f"# Two\n\n{TABLES_START}\n{TABLES_END}\n")
    return root


def test_halving_table_marks_two_point_fits(tmp_path: Path) -> None:
    """Three frontier points give an interval; two points give none, and the table says why."""
    views = derive(load_dataset(_two_benchmarks(tmp_path)))
    table = halving_table(views, {v.benchmark.id: fit_trend(v) for v in views})
    rows = {line.split(" | ")[0]: line for line in table.splitlines() if line.startswith("| ")}
    assert "none (two points)" in rows["| B-level"]
    assert "none" not in rows["| A-level"] and "–" in rows["| A-level"].split(" | ")[5]
    assert "| 10.0x |" in rows["| A-level"] and "| 2.00x |" in rows["| B-level"]


def test_frontiers_chart_is_rendered_and_checked_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render draws docs/img/frontiers.svg with one legend entry per benchmark; check verifies
    it from its stamp without matplotlib; an edit makes it stale."""
    pytest.importorskip("matplotlib")
    root = _two_benchmarks(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    svg = root / "docs" / "img" / "frontiers.svg"
    text = svg.read_text()
    assert "A-level" in text or "A-level" in (root / "README.md").read_text()
    assert "(docs/img/frontiers.svg)" in (root / "README.md").read_text()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert runner.invoke(cli, ["check", "--root", str(root)]).exit_code == 0
    svg.write_text(text.replace("</svg>", "<text>edited</text></svg>"))
    result = runner.invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 1 and "frontiers.svg: (file): is out of date" in result.output
