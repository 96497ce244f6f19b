"""`algoeff diff`: the dataset at a git revision against the working tree, in Markdown."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.dataset.checks import audit_dataset
from algoeff.outputs.diff import changed_fields, diff_markdown

# The `write_dataset` fixture of tests/conftest.py (not importable by name beside tests/site/).
WriteDataset = Callable[..., Path]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _repo(root: Path) -> Path:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    return root


def _diff(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["diff", "--root", str(root), *args])
    return result.exit_code, result.output


def _write(root: Path, entry_id: str, data: dict[str, Any]) -> None:
    path = root / "analysis" / "toy-level" / f"{entry_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_nothing_changed_is_one_line(write_dataset: WriteDataset) -> None:
    root = _repo(write_dataset())
    code, out = _diff(root, "--base", "HEAD")
    assert code == 0
    assert out.count("\n") == 1
    assert out.startswith("No change to the dataset against `HEAD` (")


def test_default_base_is_the_merge_base_with_main(write_dataset: WriteDataset) -> None:
    root = _repo(write_dataset())
    code, out = _diff(root)
    assert (code, out.split(" (")[0]) == (0, "No change to the dataset against `main`")


def test_bad_revision_is_one_line(write_dataset: WriteDataset) -> None:
    root = _repo(write_dataset())
    for ref in ("nope", "--output=/tmp/x", "HEAD~5"):
        code, out = _diff(root, "--base", ref)
        assert code == 1
        assert out.count("\n") == 1 and out.startswith(f"error: {ref!r} is not a commit")


def test_new_state_of_the_art(write_dataset: WriteDataset, faster_entry: dict[str, Any]) -> None:
    """A faster entry: added, the new state of the art with its factors, a new halving time;
    the working tree is left as it was."""
    root = _repo(write_dataset())
    _write(root, "faster", faster_entry)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
    code, out = _diff(root, "--base", "HEAD")
    assert code == 0, out
    assert "| toy-level | Faster net (`faster`) | added | — | 0.174 |  |" in out
    assert "**toy-level**: the frontier changed." in out
    assert (
        "| Faster net (`faster`) | 2017-06-01 | 0.174 | 4.00x | 4.00x over `base` "
        "| **new state of the art** |"
    ) in out
    # One point before (no fit), two after (a line without an interval).
    assert "| toy-level | — (one date) | 16.3 months (no interval: two points) |" in out
    after = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
    assert after.stdout == status.stdout


def test_changed_and_removed(write_dataset: WriteDataset, faster_entry: dict[str, Any]) -> None:
    root = write_dataset({"faster": faster_entry})
    old = audit_dataset(root)
    slower = dict(faster_entry, name="Faster net, corrected")
    slower["compute"] = dict(faster_entry["compute"], epochs={"value": 20, "unit": "epoch"})
    slower["compute"]["training_flop"] = 1.2e17
    _write(root, "faster", slower)
    out = diff_markdown(old, audit_dataset(root), "`x`")
    assert (
        "| toy-level | Faster net, corrected (`faster`) | changed | 0.174 | 1.39 "
        "| `compute.epochs.source`, `compute.epochs.value`, `compute.training_flop`, `name` |"
    ) in out
    assert "| Faster net (`faster`) | 2017-06-01 | 0.174 | — | — | leaves the frontier |" in out
    (root / "analysis" / "toy-level" / "faster.yaml").unlink()
    out = diff_markdown(old, audit_dataset(root), "`x`")
    assert "| toy-level | Faster net (`faster`) | removed | 0.174 | — |  |" in out
    assert "| — | — | removed |" in out


def test_no_dataset_at_the_base_means_everything_is_new(write_dataset: WriteDataset) -> None:
    out = diff_markdown(None, audit_dataset(write_dataset()), "`x`")
    assert "| toy-level | Base net (`base`) | added | — | 0.694 |  |" in out
    assert "| **new state of the art** |" in out


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": 2}, ["a"]),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, ["a.c"]),
        ({"s": [{"id": "x"}]}, {"s": [{"id": "x"}, {"id": "y"}]}, ["s.1.id"]),
        ({"a": None}, {}, ["a"]),
    ],
)
def test_changed_fields(old: dict[str, Any], new: dict[str, Any], fields: list[str]) -> None:
    assert changed_fields(old, new) == fields


def test_entry_names_are_escaped(write_dataset: WriteDataset, faster_entry: dict[str, Any]) -> None:
    """An entry's name is untrusted: it cannot add a column or a link to the summary."""
    root = write_dataset()
    old = audit_dataset(root)
    _write(root, "faster", dict(faster_entry, name="x | [y](https://evil.example)"))
    out = diff_markdown(old, audit_dataset(root), "`x`")
    assert r"x \| \[y\](https://evil.example) (`faster`)" in out
