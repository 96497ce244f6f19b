"""`algoeff check --format`: GitHub annotations on the line of the YAML node, JSON objects,
and the text format unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.errors import Problem, workflow_command
from algoeff.core.parsing import locate, node_positions
from toy_dataset import entry_dict

# The `write_dataset` fixture of tests/conftest.py (not importable by name beside tests/site/).
WriteDataset = Callable[..., Path]

BAD = """\
id: bad
benchmark: toy-level
name: Bad net
model: Bad net
publication:
  title: A bad network
  url: https://example.org/bad
  date: 2015-01-01
result:
  value: 91.0
  source: paper
training_data:
  datasets: [toy]
compute:
  method: operations
  training_flop: 6.0e+16
  forward_macs:
    value: 1.0e+9
    unit: multiply-add
    source: paper
  examples:
    value: 1.0e+6
    unit: example
    source: paper
  epochs:
    value: -3
    unit: epoch
    source: paper
analysis:
  name: Toy
sources:
  - id: paper
    title: A bad network
    url: https://example.org/bad
"""


def _run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", "--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bad_root(write_dataset: WriteDataset) -> Path:
    root = write_dataset()
    (root / "analysis" / "toy-level" / "bad.yaml").write_text(BAD)
    return root


def test_github_points_at_the_node(bad_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The annotation names the file as the repository sees it, the line and column of the
    offending key, and ends the job's log line with the text problem."""
    monkeypatch.chdir(bad_root)
    code, out, err = _run(bad_root, "--format", "github")
    assert code == 1
    assert out == (
        "::error file=analysis/toy-level/bad.yaml,line=26,col=5,title=compute.epochs.value"
        "::compute.epochs.value: -3: Input should be greater than 0 (expected a number "
        "greater than 0)\n"
    )
    assert err == "1 error(s), 0 warning(s)\n"


def test_text_is_unchanged(bad_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--format text (the default) prints what check always printed, on stderr."""
    monkeypatch.chdir(bad_root)
    default = _run(bad_root)
    assert default == _run(bad_root, "--format", "text")
    assert default == (
        1,
        "",
        "analysis/toy-level/bad.yaml: compute.epochs.value: -3: Input should be greater than 0 "
        "(expected a number greater than 0)\n1 error(s), 0 warning(s)\n",
    )


def test_json_has_the_same_problems(bad_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_root)
    code, out, _ = _run(bad_root, "--format", "json")
    assert code == 1
    assert json.loads(out) == [
        {
            "path": "analysis/toy-level/bad.yaml",
            "field": "compute.epochs.value",
            "message": "-3: Input should be greater than 0",
            "expected": "a number greater than 0",
            "severity": "error",
            "line": 26,
            "col": 5,
        }
    ]


def test_json_and_github_when_clean(write_dataset: WriteDataset) -> None:
    """No problems: an empty list, no annotation, exit 0."""
    root = write_dataset()
    CliRunner().invoke(cli, ["render", "--root", str(root)])
    assert _run(root, "--format", "json")[:2] == (0, "[]\n")
    assert _run(root, "--format", "github")[:2] == (0, "")


def test_warning_is_a_warning_unless_strict(write_dataset: WriteDataset) -> None:
    """An input without a source is ::warning; --strict makes it ::error (and exit 1)."""
    data = entry_dict("faster")
    del data["compute"]["epochs"]["source"]
    root = write_dataset({"faster": data})
    file = root / "analysis" / "toy-level" / "faster.yaml"
    code, out, _ = _run(root, str(file), "--format", "github")
    line = yaml.safe_dump(data, sort_keys=False).splitlines().index("  epochs:") + 1
    assert code == 0
    assert out.startswith(f"::warning file={file},line={line},col=3,title=compute.epochs.source::")
    code, out, _ = _run(root, str(file), "--format", "github", "--strict")
    assert code == 1
    assert out.startswith("::error ")


def test_malformed_yaml_is_located(write_dataset: WriteDataset) -> None:
    root = write_dataset()
    file = root / "analysis" / "toy-level" / "broken.yaml"
    file.write_text("id: broken\nname: [unclosed\n")
    _, out, _ = _run(root, str(file), "--format", "github")
    assert out.startswith(f"::error file={file},line=3,col=1,title=line 3::line 3: malformed YAML")


def test_escapes_untrusted_text() -> None:
    """%, CR and LF are escaped in the message, and also : and , in properties, so a
    submitted value can neither start a command of its own nor add a property."""
    problem = Problem(
        "analysis/a,b:c.yaml",
        "name",
        "50% done\r\n::error file=x::forged, really",
        "a:b",
        line=3,
        col=1,
    )
    assert workflow_command(problem) == (
        "::error file=analysis/a%2Cb%3Ac.yaml,line=3,col=1,title=name::"
        "name: 50%25 done\\r\\n::error file=x::forged, really (expected a:b)"
    )
    raw = Problem("p.yaml", "f,x:y%", "100%\nnext")
    # Control characters are first written as escapes (as in the text line), so no raw
    # line break ever reaches the log.
    assert (
        workflow_command(raw) == "::error file=p.yaml,title=f%2Cx%3Ay%25::f,x:y%25: 100%25\\nnext"
    )
    assert "\n" not in workflow_command(raw)


def test_positions_of_keys_and_items() -> None:
    positions = node_positions("a: 1\nb:\n  c:\n  d:\n    - x: 1\n      y:\n    - z\n")
    assert positions[("a",)] == (1, 1)
    assert positions[("b", "c")] == (3, 3)
    assert positions[("b", "d", "0", "y")] == (6, 7)
    assert positions[("b", "d", "1")] == (7, 7)


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("b.c", (3, 3)),  # the node itself
        ("b.c.value", (3, 3)),  # missing below an existing node: shown on that node
        ("b.missing", (2, 1)),  # a missing key: shown on its parent
        ("nothing", None),  # no enclosing node at all
        ("(file)", None),  # not a path
    ],
)
def test_locate_falls_back_to_the_nearest_enclosing_node(
    field: str, where: tuple[int, int] | None
) -> None:
    located = locate(Problem("f.yaml", field, "m"), node_positions("a: 1\nb:\n  c:\n"))
    assert (located.line, located.col) == (where or (None, None))
    assert located == Problem("f.yaml", field, "m")  # position is not part of identity
