"""A contributor's session, end to end, in a temporary git repository: `algoeff new`, fill
the fields in place, `check`, `render`, commit, and `diff --base` the previous commit."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.parsing import node_positions

# The `write_dataset` fixture of tests/conftest.py (not importable by name beside tests/site/).
WriteDataset = Callable[..., Path]

FILE = Path("analysis") / "toy-level" / "my-net.yaml"

# What the contributor reads off the paper: a net that needs a fifth of the baseline's
# compute (forward 2e8 FLOP x 3 passes x 1e6 examples x 10 epochs = 6e15 FLOP x 2).
FILLED = {
    "name": "My net",
    "model": "My net",
    "result.value": "92.5",
    "compute.forward_flop.value": "4.0e+8",
    "compute.passes.value": "3",
    "compute.examples.value": "1.0e+6",
    "compute.epochs.value": "10",
    "analysis.name": "A contributor",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _algoeff(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--root", str(root)])
    return result.exit_code, result.output


def fill(path: Path, values: dict[str, str]) -> None:
    """Write each value after its key, on the key's own line, keeping the comment there
    (as a person filling the scaffold in an editor would)."""
    lines = path.read_text().splitlines()
    positions = node_positions(path.read_text())
    for field, value in values.items():
        line, col = positions[tuple(field.split("."))]
        key = field.split(".")[-1]
        text = lines[line - 1]
        start = col - 1 + len(key) + 1  # after "key:"
        assert text[col - 1 : start] == f"{key}:"
        lines[line - 1] = f"{text[:start]} {value}"
    path.write_text("\n".join(lines) + "\n")


def test_a_first_submission(write_dataset: WriteDataset) -> None:
    """Each step as a contributor takes it; the summary names the new state of the art."""
    root = write_dataset()
    code, out = _algoeff(root, "render")
    assert code == 0, out
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the dataset before")

    code, out = _algoeff(
        root, "new", "toy-level", "my-net", "--method", "operations",
        "--arxiv", "1706.00003", "--title", "My net", "--date", "2017-06-12",
    )  # fmt: skip
    assert code == 0, out
    code, out = _algoeff(root, "check", str(root / FILE))
    assert code == 1
    assert "Traceback" not in out
    assert f"{root / FILE}: compute.epochs.value: is empty" in out

    fill(root / FILE, FILLED)
    code, out = _algoeff(root, "check", str(root / FILE))
    # Once the inputs are filled, check names the one field left and the figure to state.
    assert code == 1
    assert out.splitlines()[0] == (
        f"{root / FILE}: compute.training_flop: is missing "
        "(expected the compute the entry states; the inputs give 1.2e+16)"
    )
    fill(root / FILE, {"compute.training_flop": "1.2e+16"})
    code, out = _algoeff(root, "check", str(root / FILE))
    assert code == 0, out

    code, out = _algoeff(root, "render")
    assert code == 0, out
    code, out = _algoeff(root, "check")
    assert code == 0, out
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "My net")

    code, out = _algoeff(root, "diff", "--base", "HEAD~1")
    assert code == 0, out
    assert "| toy-level | My net (`my-net`) | added | — | 0.139 |  |" in out
    assert "**toy-level**: the frontier changed." in out
    assert (
        "| My net (`my-net`) | 2017-06-12 | 0.139 | 5.00x | 5.00x over `base` "
        "| **new state of the art** |"
    ) in out
