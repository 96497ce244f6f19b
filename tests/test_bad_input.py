"""A corpus of bad inputs: each gets a one-line error naming file and field, and costs no data.

Files under tests/corpus/bad/ are dropped into a valid dataset; entries built
here vary one field of a valid entry. For each, `algoeff check` and `algoeff
render` must exit 1 with the expected message, print no traceback, and leave
every file of the dataset byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.files import MAX_FILE_BYTES
from toy_dataset import entry_dict

CORPUS = Path(__file__).parent / "corpus" / "bad"

# file in the corpus -> text the one-line error must contain
CORPUS_EXPECTATIONS = {
    "malformed.yaml": "line 4: malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 3)",
    "python-tag.yaml": "line 2: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    "custom-tag.yaml": "YAML tag '!shout' is not allowed",
    "alias.yaml": "anchors and aliases are not allowed",
    "duplicate-key.yaml": "line 2: duplicate key 'id'",
    "not-a-mapping.yaml": "(document)",
    "empty.yaml": "(file): is empty",
    "latin1.yaml": "(file): is not UTF-8 (byte 7)",
    "deep.yaml": "line 1: is nested more than 32 levels deep",
    "explicit-float-tag.yaml": "line 2: YAML tag 'tag:yaml.org,2002:float' is not allowed",
    "two-documents.yaml": "line 2: holds more than one YAML document",
    "complex-key.yaml": "line 1: a mapping key must be plain text",
}


def _with(entry: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``entry`` with the dotted ``path`` set to ``value`` (or removed when value is ...)."""
    *parents, last = path.split(".")
    node = entry
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return entry


# (field to change, new value, expected text); the entry is written as bad.yaml
ENTRY_CASES = [
    ("compute.epochs.value", -3, "compute.epochs.value: -3: Input should be greater than 0"),
    ("compute.epochs.value", 0, "compute.epochs.value: 0: Input should be greater than 0"),
    (
        "compute.training_flop",
        float("nan"),
        "compute.training_flop: nan: Input should be a finite number",
    ),
    (
        "compute.training_flop",
        float("inf"),
        "compute.training_flop: inf: Input should be a finite number",
    ),
    ("compute.training_flop", -1.0, "compute.training_flop: -1.0: Input should be greater than 0"),
    (
        "compute.training_flop",
        "lots",
        "compute.training_flop: 'lots': Input should be a valid number",
    ),
    ("compute.training_flop", True, "compute.training_flop: True: Input should be a valid number"),
    ("compute.training_flop", 1e400, "compute.training_flop: inf: Input should be a finite number"),
    (
        "publication.date",
        "2014-09-31",
        "publication.date: '2014-09-31': Input should be a valid date",
    ),
    (
        "publication.date",
        "2014-09-17 25:00:00",
        "publication.date: '2014-09-17 25:00:00': Input should be a valid date",
    ),
    ("compute.examples.unit", "images", "compute.examples.unit: 'images': Input should be"),
    ("compute.forward_macs", ..., "compute: give exactly one of forward_flop and forward_macs"),
    (
        "compute.method",
        "guess",
        "compute.method: 'guess' is not a known method (expected one of 'operations'",
    ),
    ("compute.method", ..., "compute.method: is missing (expected one of 'operations'"),
    ("name", ..., "name: is missing (expected a value)"),
    ("colour", "blue", "colour: unknown field"),
    ("compute.epochs.epochz", 3, "compute.epochs.epochz: unknown field"),
    (
        "publication.url",
        "javascript:alert(1)",
        "publication.url: 'javascript:alert(1)' is not an http(s) URL",
    ),
    ("publication.date", "2014-13-45", "publication.date: '2014-13-45'"),
    ("id", "../../etc/passwd", "id: '../../etc/passwd': String should match pattern"),
    ("id", "Bad Id", "id: 'Bad Id': String should match pattern"),
    ("publication.arxiv", "1409.1", "publication.arxiv: '1409.1' is not a new-style arXiv id"),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _run_all(root: Path, bad: Path, expected: str) -> None:
    before = _snapshot(root)
    runner = CliRunner()
    for args in (
        ["check", "--root", str(root)],
        ["render", "--root", str(root)],
        ["check", str(bad)],
        ["show", "--root", str(root)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if expected in line]
        assert lines, (args, expected, result.output)
        assert lines[0].startswith(f"{bad}: ") or bad.name in lines[0]
    assert _snapshot(root) == before


@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTATIONS))
def test_corpus_file(name: str, write_dataset: Callable[..., Path]) -> None:
    """Each corpus file gets its one-line error and changes nothing."""
    root = write_dataset()
    bad = root / "analysis" / "toy-level" / name
    shutil.copyfile(CORPUS / name, bad)
    _run_all(root, bad, CORPUS_EXPECTATIONS[name])


@pytest.mark.parametrize(("field", "value", "expected"), ENTRY_CASES)
def test_bad_field(
    field: str, value: Any, expected: str, write_dataset: Callable[..., Path]
) -> None:
    """A valid entry with one bad field gets an error naming that field."""
    root = write_dataset()
    bad = root / "analysis" / "toy-level" / "bad.yaml"
    data = _with(entry_dict("bad"), field, value)
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    _run_all(root, bad, expected)


def test_symbolic_link_is_refused(write_dataset: Callable[..., Path]) -> None:
    """A link named like an entry is never followed (it could point at /dev/zero or /etc)."""
    root = write_dataset()
    bad = root / "analysis" / "toy-level" / "link.yaml"
    bad.symlink_to("/etc/passwd")
    _run_all(root, bad, "(file): is a symbolic link (expected a regular file)")


def test_fifo_is_refused_without_blocking(write_dataset: Callable[..., Path]) -> None:
    """A named pipe named like an entry is refused before it is opened (opening would hang)."""
    root = write_dataset()
    bad = root / "analysis" / "toy-level" / "pipe.yaml"
    os.mkfifo(bad)
    _run_all(root, bad, "(file): is not a regular file (expected a regular file)")


def test_oversized_file(write_dataset: Callable[..., Path]) -> None:
    """A file larger than any analysis is refused before it is parsed."""
    root = write_dataset()
    bad = root / "analysis" / "toy-level" / "huge.yaml"
    bad.write_text("notes: " + "x" * (MAX_FILE_BYTES + 1) + "\n")
    _run_all(
        root,
        bad,
        f"(file): is {MAX_FILE_BYTES + 9} bytes (expected at most {MAX_FILE_BYTES} bytes)",
    )
