"""Hostile submitted content against today's new surfaces: every one is a one-line problem
or inert text, never a traceback and never a field or line injected into an output."""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.parsing import parse_yaml
from algoeff.model.mlperf import MlperfLogError, is_mlperf_log, read_mlperf
from algoeff.model.runlog import RunLogError, read_runlog
from algoeff.model.scaffold import scaffold, scaffold_methods
from algoeff.model.schema import Benchmark
from algoeff.outputs.site.build import build_site
from toy_dataset import BENCHMARK, entry_dict

WriteDataset = Callable[..., Path]  # the write_dataset fixture of tests/conftest.py

# Python refuses to turn a string of more than 4,300 digits into an int (CVE-2020-10735).
DIGITS = "1" * 5000
DEEP = "[" * 100_000


def test_a_plain_integer_of_thousands_of_digits_is_a_problem_not_a_traceback() -> None:
    """Python's int() refuses over 4,300 digits; the parser must not pass that on raw."""
    data = parse_yaml(f"training_flop: {DIGITS}\n", "f.yaml")
    assert data["training_flop"] == float("inf")  # then refused as "a finite number"


def test_check_reports_a_huge_integer_on_its_field(write_dataset: WriteDataset) -> None:
    """`algoeff check` names the file and field of a 5,000-digit number, one line."""
    root = write_dataset()
    path = root / "analysis" / "toy-level" / "base.yaml"
    text = path.read_text().replace("training_flop: 6.0e+16", f"training_flop: {DIGITS}")
    assert DIGITS in text
    path.write_text(text)
    result = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "base.yaml: compute.training_flop:" in result.output


def _curve_dataset(write_dataset: WriteDataset, csv_text: str) -> Path:
    curve = {"file": "curves/base.csv", "source": "paper"}
    root = write_dataset({"base": entry_dict("base", curve=curve)})
    folder = root / "analysis" / "toy-level" / "curves"
    folder.mkdir()
    (folder / "base.csv").write_text(csv_text)
    return root


def test_a_curve_cell_over_the_csv_field_limit_is_a_problem(write_dataset: WriteDataset) -> None:
    """A 200,000-character cell (csv's limit is 131,072) is one problem on curve.file."""
    csv_text = f'training_flop,value,step\n1e15,50,1\n6e16,91,"{"x" * 200_000}"\n'
    root = _curve_dataset(write_dataset, csv_text)
    result = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = [x for x in result.output.splitlines() if "curve.file" in x]
    assert "base.csv line 3" in line


def test_site_build_refuses_an_unreadable_curve_in_one_line(
    write_dataset: WriteDataset, tmp_path: Path
) -> None:
    """`algoeff site build` does not run the checks; the curve's CSV error is still one line."""
    csv_text = f'training_flop,value\n1e15,50\n6e16,91,"{"x" * 200_000}"\n'
    root = _curve_dataset(write_dataset, csv_text)
    result = CliRunner().invoke(
        cli, ["site", "build", "--root", str(root), "--out", str(tmp_path / "site")]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "site").exists()


def _corrupt_gzip(path: Path) -> Path:
    data = bytearray(gzip.compress(b":::MLLOG {}\n" * 5000))
    for i in range(30, 60):  # the deflate stream, after the 10-byte header
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_gzip_log_is_one_line(tmp_path: Path) -> None:
    """A .gz whose deflate stream is damaged (zlib.error, not OSError) is an MlperfLogError."""
    path = _corrupt_gzip(tmp_path / "result_0.txt.gz")
    with pytest.raises(MlperfLogError, match=r"result_0\.txt\.gz: is not gzip data"):
        read_mlperf(path)
    assert is_mlperf_log(path) is False


@pytest.mark.parametrize(
    "payload",
    [DEEP, '{"time_ms": ' + DIGITS + ', "key": "x"}'],
    ids=["nested", "huge-int"],
)
def test_mlperf_event_json_that_python_cannot_decode_is_one_line(
    tmp_path: Path, payload: str
) -> None:
    """Deep nesting (RecursionError) or a 5,000-digit number (ValueError) in an event."""
    path = tmp_path / "r.log"
    path.write_text(f":::MLLOG {payload}\n:::MLLOG {{}}\n")
    with pytest.raises(MlperfLogError, match=r"r\.log: line 1: the event after :::MLLOG is not"):
        read_mlperf(path)


@pytest.mark.parametrize("payload", [DEEP, '{"a": ' + DIGITS + "}"], ids=["nested", "huge-int"])
def test_run_log_json_that_python_cannot_decode_is_one_line(tmp_path: Path, payload: str) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(payload + "\n{}\n")
    with pytest.raises(RunLogError, match=r"run\.jsonl: line 1: is not JSON"):
        read_runlog(path)


def test_check_reports_a_deeply_nested_mlperf_log(write_dataset: WriteDataset) -> None:
    """`algoeff check` on a measured entry whose log nests 100,000 deep: one line, exit 1."""
    root = write_dataset()
    folder = root / "analysis" / "toy-level"
    (folder / "r.log").write_text(f":::MLLOG {DEEP}\n")
    data = yaml.safe_load((folder / "base.yaml").read_text())
    data["compute"] = {
        "method": "measured",
        "format": "mlperf",
        "logs": ["r.log"],
        "metric": "eval_accuracy",
        "threshold": 0.9,
        "flop_per_example": 1e9,
        "flop_per_example_source": "counted",
        "runs": [
            {
                "log": "r.log",
                "evaluation": 1,
                "metric_value": 0.9,
                "examples": 1e6,
                "training_flop": 1e15,
                "flop_per_example": 1e9,
            }
        ],
        "training_flop": 1e15,
    }
    (folder / "base.yaml").write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "r.log: line 1" in result.output


def test_scaffold_keeps_a_multiline_benchmark_rule_in_its_comment() -> None:
    """A benchmark's rule (long text, may hold line breaks) cannot add keys to a new file."""
    bench = dict(BENCHMARK)
    bench["training_data"] = {"allowed": ["toy"], "rule": "Toy only.\nnotes: injected\n# x"}
    text = scaffold(Benchmark.model_validate(bench), "my-net", scaffold_methods()["operations"])
    data = parse_yaml(text, "scaffold.yaml")
    assert "notes" not in data
    assert data["training_data"] == {"datasets": ["toy"]}


def _bibtex(page: str) -> str:
    match = re.search(r'<pre class="bibtex"><code>(.*?)</code></pre>', page, re.S)
    assert match is not None
    return html.unescape(match.group(1))


def test_entry_file_name_cannot_inject_bibtex_fields(
    write_dataset: WriteDataset, tmp_path: Path
) -> None:
    """`site build` skips `check` (which ties file names to ids): a file name with braces
    reaches the permalink, and must not close the BibTeX entry or add a field."""
    root = write_dataset()
    folder = root / "analysis" / "toy-level"
    (folder / "base.yaml").rename(folder / "base}},title={Pwned}}@misc{x,.yaml")
    out = tmp_path / "site"
    build_site(root, out, commit="a" * 40, date="2024-01-01")
    bib = _bibtex((out / "entries" / "toy-level" / "base" / "index.html").read_text())
    depth, closed = 0, []
    for i, char in enumerate(bib):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "}" and depth == 0:
            closed.append(i)
    assert closed == [len(bib) - 1], bib  # only the last brace closes the entry
    assert re.findall(r"^  (\w+) = ", bib, re.M) == [
        "author",
        "title",
        "year",
        "version",
        "note",
        "howpublished",
    ]


def test_a_noncharacter_in_a_name_leaves_the_feed_well_formed(
    write_dataset: WriteDataset, tmp_path: Path
) -> None:
    """U+FFFE and U+FFFF pass the text policy but XML 1.0 forbids them: one in an entry's
    name must not make feed.xml unreadable to every feed reader."""
    root = write_dataset({"base": entry_dict("base", name="Base \ufffe net \uffff")})
    out = tmp_path / "site"
    build_site(root, out, commit="a" * 40, date="2024-01-01")
    feed = ElementTree.parse(out / "feed.xml").getroot()
    titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Base  net  (Toy-level accuracy)" in titles
