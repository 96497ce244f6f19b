"""`algoeff new`: the scaffold of a new analysis, and what `algoeff check` says about it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.model.methods import Hardware, Operations, Reported, Transformer
from algoeff.model.scaffold import live_inputs, scaffold_methods

# The `write_dataset` fixture of tests/conftest.py (not importable by name beside tests/site/).
WriteDataset = Callable[..., Path]

FILE = Path("analysis") / "toy-level" / "my-net.yaml"


def _new(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["new", *args, "--root", str(root)])
    return result.exit_code, result.output


def _check(root: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", str(root / FILE), "--root", str(root), *args])
    return result.exit_code, result.output.splitlines()


def _empty_fields(node: Any, prefix: str = "") -> set[str]:
    """Dotted paths of the keys written without a value."""
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return {prefix} if node is None else set()
    return {p for k, v in items for p in _empty_fields(v, f"{prefix}.{k}".lstrip("."))}


@pytest.mark.parametrize("method", sorted(scaffold_methods()))
def test_check_lists_exactly_the_empty_fields(write_dataset: WriteDataset, method: str) -> None:
    """For every method, check on a fresh scaffold exits 1 with one line per empty field,
    and the fields it names are exactly the keys written without a value."""
    root = write_dataset()
    code, out = _new(root, "toy-level", "my-net", "--method", method)
    assert code == 0, out
    leaves = _empty_fields(yaml.safe_load((root / FILE).read_text()))
    leaves = {p for p in leaves if not p.endswith("where")}  # optional provenance
    # Named once the inputs are filled, with the figure they give (tests/test_contributor_e2e.py).
    leaves.remove("compute.training_flop")
    code, lines = _check(root)
    assert code == 1
    problems = [line for line in lines if line.startswith(str(root / FILE))]
    assert all(": is empty" in line for line in problems)
    named = {line.split(": ")[1] for line in problems}
    assert named == leaves
    assert len(problems) == len(named)  # one line per field
    assert "Traceback" not in "\n".join(lines)


def test_options_fill_the_publication(write_dataset: WriteDataset) -> None:
    """--arxiv, --title and --date fill the publication and the paper source."""
    root = write_dataset()
    code, out = _new(
        root, "toy-level", "my-net", "--method", "operations", "--arxiv", "1905.11946",
        "--title", "Rethinking: scaling, again", "--date", "2019-05-28",
    )  # fmt: skip
    assert code == 0, out
    data = yaml.safe_load((root / FILE).read_text())
    assert data["publication"] == {
        "title": "Rethinking: scaling, again",
        "url": "https://arxiv.org/abs/1905.11946",
        "arxiv": "1905.11946",
        "date": __import__("datetime").date(2019, 5, 28),
    }
    assert data["sources"] == [
        {
            "id": "paper",
            "title": "Rethinking: scaling, again",
            "url": "https://arxiv.org/abs/1905.11946",
        }
    ]
    assert data["training_data"] == {"datasets": ["toy"]}  # the only dataset allowed
    _, lines = _check(root)
    assert not any("publication" in line or "sources" in line for line in lines)


def test_refuses_to_overwrite(write_dataset: WriteDataset) -> None:
    """An existing file is never replaced: exit 1, one line, the file unchanged."""
    root = write_dataset()
    (root / FILE).write_text("mine\n")
    code, out = _new(root, "toy-level", "my-net", "--method", "operations")
    assert code == 1
    assert (
        out == f"error: {root / FILE} already exists; choose another ENTRY_ID or edit that file\n"
    )
    assert (root / FILE).read_text() == "mine\n"


def test_refuses_an_existing_baseline_name(write_dataset: WriteDataset) -> None:
    """The baseline's own file counts as existing too."""
    root = write_dataset()
    code, _ = _new(root, "toy-level", "base", "--method", "operations")
    assert code == 1


def test_unknown_benchmark_lists_the_known(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    code, out = _new(root, "nope", "my-net", "--method", "operations")
    assert code == 2
    assert "unknown benchmark 'nope' (expected one of: toy-level)" in out
    assert not (root / "analysis" / "nope").exists()


def test_unknown_method_lists_the_known(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    code, out = _new(root, "toy-level", "my-net", "--method", "measured")
    assert code == 2
    assert "'hardware', 'operations', 'reported', 'transformer'" in out


@pytest.mark.parametrize(
    ("entry_id", "ok"),
    [
        ("a", True),
        ("my-net.v2", True),
        ("a" * 80, True),  # the longest id
        ("a" * 81, False),
        ("My-Net", False),
        ("-net", False),
        ("net-", False),
        ("a..b", False),
        ("../escape", False),
        ("a/b", False),
    ],
)
def test_validates_the_id(write_dataset: WriteDataset, entry_id: str, ok: bool) -> None:
    """The id becomes the file name: lower-case, no path characters, at most 80 long."""
    root = write_dataset()
    code, out = _new(root, "toy-level", entry_id, "--method", "reported")
    assert code == (0 if ok else 2), out
    assert (root / "analysis" / "toy-level" / f"{entry_id}.yaml").is_file() == ok


def test_bad_arxiv_id_is_one_line(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    code, out = _new(root, "toy-level", "my-net", "--method", "operations", "--arxiv", "123")
    assert code == 1
    assert out == "error: arXiv id '123': '123' is not a new-style arXiv id such as 1905.11946\n"


def test_live_inputs_are_one_of_each_alternative() -> None:
    """Required inputs and the largest set of optional ones the model accepts together."""
    assert live_inputs(Operations) == ["forward_flop", "passes", "examples", "epochs"]
    assert live_inputs(Hardware) == ["count", "hours", "peak_tflop_per_s", "utilization"]
    assert live_inputs(Transformer) == ["params", "tokens", "layers", "context", "d_model"]
    assert live_inputs(Reported) == ["flop"]


def test_alternatives_are_written_commented_out(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    _new(root, "toy-level", "my-net", "--method", "operations")
    text = (root / FILE).read_text()
    assert "  # forward_macs:  # forward multiply-adds per example" in text
    assert "    unit: FLOP\n" in text
    assert "    unit: example  # or: image, sentence-pair, token, sequence\n" in text
