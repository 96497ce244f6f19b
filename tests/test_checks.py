"""`algoeff check` rules beyond the schema, each triggered by one change to a valid dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from algoeff.core.errors import Problem
from algoeff.dataset.checks import check_dataset
from toy_dataset import entry_dict

Write = Callable[..., Path]


def _errors(root: Path, **kw: Any) -> list[Problem]:
    return [p for p in check_dataset(root, **kw) if p.severity == "error"]


def _messages(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def test_valid_dataset_is_clean(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """The fixture dataset has no errors and no warnings."""
    root = write_dataset({"faster": faster_entry})
    assert check_dataset(root) == []


def test_stated_flop_must_match_recomputation(
    write_dataset: Write, faster_entry: dict[str, Any]
) -> None:
    """A stated training_flop 10 % off the inputs is an error that gives the right figure."""
    faster_entry["compute"]["training_flop"] = 1.65e16
    out = _messages(_errors(write_dataset({"faster": faster_entry})))
    assert (
        "faster.yaml: compute.training_flop: states 1.65e+16 FLOP but the inputs give 1.5e+16"
        in out
    )
    assert "state 1.5e+16" in out


def test_tolerance_is_stated_per_entry(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """An entry may widen its own tolerance, and then 10 % passes."""
    faster_entry["compute"]["training_flop"] = 1.65e16
    faster_entry["compute"]["tolerance"] = 0.15
    assert _errors(write_dataset({"faster": faster_entry})) == []


def test_missing_training_flop(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """An analysis must state its compute."""
    del faster_entry["compute"]["training_flop"]
    assert "compute.training_flop: is missing" in _messages(
        _errors(write_dataset({"faster": faster_entry}))
    )


def test_published_figure_disagreement_needs_explanation(write_dataset: Write) -> None:
    """A published figure off by more than its tolerance is an error until a discrepancy says why."""
    entry = entry_dict("base")
    entry["published"][0]["value"] = 4.0e16  # recomputation: 3.0e16 multiply-adds
    root = write_dataset({"base": entry})
    assert (
        "published.0: 4e+16 FLOP (multiply-add=1) is 8e+16 FLOP, 33.3% from the recomputed 6e+16"
        in _messages(_errors(root))
    )
    entry["published"][0]["discrepancy"] = "The paper rounded its epochs."
    root = write_dataset({"base": entry})
    assert _errors(root) == []


def test_explained_discrepancy_that_agrees_is_a_warning(write_dataset: Write) -> None:
    """A discrepancy note on figures that agree is stale: a warning."""
    entry = entry_dict("base")
    entry["published"][0]["discrepancy"] = "stale note"
    problems = check_dataset(write_dataset({"base": entry}))
    assert [p.severity for p in problems] == ["warning"]
    assert "published.0.discrepancy" in problems[0].field


def test_run_scope_compares_before_fraction(write_dataset: Write) -> None:
    """A published whole-run figure is compared with the run, not the fraction to target."""
    entry = entry_dict("base")
    entry["compute"] = {
        "method": "reported",
        "flop": {"value": 1e18, "unit": "FLOP", "source": "paper"},
        "fraction": {"value": 0.5, "unit": "fraction", "source": "paper"},
        "training_flop": 5e17,
    }
    entry["published"] = [
        {
            "value": 1e18,
            "unit": "FLOP",
            "convention": "multiply-add=2",
            "scope": "run",
            "source": "paper",
        }
    ]
    assert _errors(write_dataset({"base": entry})) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda e: e["result"].update(value=80.0),
            "result.value: 80 does not reach the threshold (expected >= 90 %)",
        ),
        (
            lambda e: e["training_data"].update(datasets=["toy", "jft-300m"]),
            "training_data.datasets.1: 'jft-300m' breaks the rule: Toy data only. (expected only toy)",
        ),
        (
            lambda e: e["publication"].update(date="2015-01-10"),
            "publication.date: 2015-01-10 is not in the month of arXiv 1706.00002 (expected a date in 2017-06)",
        ),
        (
            lambda e: e["publication"].update(date="2099-01-01", arxiv=None),
            "publication.date: 2099-01-01 is in the future",
        ),
        (lambda e: e.update(id="other"), "id: 'other' differs from the file name 'faster'"),
        (
            lambda e: e.update(benchmark="nope"),
            "benchmark: 'nope' differs from the folder 'toy-level'",
        ),
        (
            lambda e: e["result"].update(source="nowhere"),
            "result.source: cites 'nowhere', which is not in sources",
        ),
        (
            lambda e: e["sources"].append(dict(e["sources"][0])),
            "sources.1.id: 'paper' is used twice",
        ),
        (
            lambda e: e["publication"].update(url="https://arxiv.org/abs/1409.00001"),
            "publication.url: https://arxiv.org/abs/1409.00001 is also the URL of a different publication",
        ),
    ],
)
def test_rule(
    change: Callable[[dict[str, Any]], Any],
    expected: str,
    write_dataset: Write,
    faster_entry: dict[str, Any],
) -> None:
    """Each rule reports its problem on the changed entry."""
    change(faster_entry)
    out = _messages(_errors(write_dataset({"faster": faster_entry})))
    assert expected in out
    assert "faster.yaml" in out


def test_baseline_must_exist(write_dataset: Write) -> None:
    """A benchmark whose baseline entry is missing is an error on the benchmarks file."""
    root = write_dataset()
    (root / "analysis" / "toy-level" / "base.yaml").rename(
        root / "analysis" / "toy-level" / "renamed.yaml"
    )
    text = (
        (root / "analysis" / "toy-level" / "renamed.yaml")
        .read_text()
        .replace("id: base", "id: renamed")
    )
    (root / "analysis" / "toy-level" / "renamed.yaml").write_text(text)
    out = _messages(_errors(root))
    assert "data/benchmarks.yaml: benchmarks.0.baseline: 'base' is not an entry of toy-level" in out


def test_entry_before_baseline_is_a_warning(
    write_dataset: Write, faster_entry: dict[str, Any]
) -> None:
    """An entry published before the baseline is suspicious, not invalid."""
    faster_entry["publication"].update(
        date="2013-01-01", arxiv=None, url="https://example.org/faster"
    )
    faster_entry["sources"][0]["url"] = "https://example.org/faster"
    problems = check_dataset(write_dataset({"faster": faster_entry}))
    assert [(p.field, p.severity) for p in problems] == [("publication.date", "warning")]


def test_unsourced_input_is_a_warning(write_dataset: Write) -> None:
    """An input without a source is reported as a warning (an error under --strict)."""
    entry = entry_dict("base")
    del entry["compute"]["epochs"]["source"]
    problems = check_dataset(write_dataset({"base": entry}))
    assert [(p.field, p.severity) for p in problems] == [("compute.epochs.source", "warning")]


def test_every_problem_reported_at_once(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """Three independent faults in two files give three problems in one run."""
    faster_entry["result"]["value"] = 10.0
    faster_entry["compute"]["training_flop"] = 9e16
    other = entry_dict("typo")
    other["modle"] = "x"
    root = write_dataset({"faster": faster_entry, "typo": other})
    fields = sorted(p.field for p in _errors(root))
    assert fields == ["compute.training_flop", "modle", "result.value"]


def test_today_is_injectable(write_dataset: Write) -> None:
    """'In the future' is relative to the day given, so the rule is testable."""
    root = write_dataset()
    assert "in the future" in _messages(_errors(root, today=dt.date(2014, 1, 1)))


def test_future_date_from_yaml(write_dataset: Write) -> None:
    """Dates come from YAML as dates (not strings) and are still checked."""
    root = write_dataset()
    path = root / "analysis" / "toy-level" / "base.yaml"
    data = yaml.safe_load(path.read_text())
    data["publication"]["date"] = dt.date(2014, 9, 30)
    path.write_text(yaml.safe_dump(data))
    assert _errors(root) == []


@pytest.mark.parametrize(
    "where",
    ["analysis/stray.yaml", "analysis/toy-level/runs/extra.yaml", "analysis/toy-level/other.yml"],
)
def test_misplaced_yaml_is_reported(write_dataset: Write, where: str) -> None:
    """A YAML file anywhere but analysis/<benchmark>/<id>.yaml would be ignored: an error."""
    root = write_dataset()
    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id: stray\n")
    out = _messages(_errors(root))
    assert f"{path}: (file): is not where an analysis goes" in out


def test_supporting_files_are_allowed(write_dataset: Write) -> None:
    """Logs and learning curves may sit beside an analysis."""
    root = write_dataset()
    (root / "analysis" / "toy-level" / "runs").mkdir()
    (root / "analysis" / "toy-level" / "runs" / "seed0.jsonl").write_text("{}\n")
    (root / "analysis" / "toy-level" / "curve.csv").write_text("epoch,acc\n")
    assert _errors(root) == []


def test_undefined_benchmark_folder(write_dataset: Write) -> None:
    """A folder under analysis/ that names no benchmark is an error, even when empty."""
    root = write_dataset()
    (root / "analysis" / "typo-level").mkdir()
    out = _messages(_errors(root))
    assert "typo-level: (folder): is not a benchmark defined in data/benchmarks.yaml" in out


@pytest.mark.parametrize(
    ("threshold", "ok"), [(90.0, True), (0.9, True), (0.5, False), (50.0, False)]
)
def test_measured_entry_must_use_the_benchmark_level(
    write_dataset: Write, faster_entry: dict[str, Any], threshold: float, ok: bool
) -> None:
    """A measured entry's logs must be read at the benchmark's threshold (or it as a fraction of 1)."""
    faster_entry["compute"] = {
        "method": "measured",
        "training_flop": 1e15,
        "logs": ["run.jsonl"],
        "metric": "top1",
        "threshold": threshold,
        "direction": "higher",
    }
    out = _messages(_errors(write_dataset({"faster": faster_entry})))
    assert ("compute.threshold" not in out) is ok
    if not ok:
        assert (
            f"compute.threshold: {threshold:g} is not the benchmark's level (expected 90 % (or 0.9))"
            in out
        )


def test_arxiv_id_from_url(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """Without an arxiv field the URL's id still dates the entry; a field that contradicts it is an error."""
    faster_entry["publication"]["arxiv"] = None
    faster_entry["publication"]["date"] = "2013-01-04"
    out = _messages(_errors(write_dataset({"faster": faster_entry})))
    assert "publication.date: 2013-01-04 is not in the month of arXiv 1706.00002" in out
    faster_entry["publication"].update(date="2017-06-01", arxiv="1409.01556")
    out = _messages(_errors(write_dataset({"faster": faster_entry})))
    assert (
        "publication.arxiv: 1409.01556 is not the id in the URL https://arxiv.org/abs/1706.00002"
        in out
    )
