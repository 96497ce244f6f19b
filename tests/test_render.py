"""`algoeff render`: golden outputs for the bundled dataset, determinism, atomicity, escaping."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.core.files import write_atomic
from algoeff.core.text import csv_safe
from algoeff.dataset.csv_audit import SEED_COLUMNS
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.outputs.tables import (
    CSV_COLUMNS,
    csv_text,
    markdown_tables,
    md,
    md_url,
)

GOLDEN = Path(__file__).parent / "golden"
Write = Callable[..., Path]


def _compare_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_text(text)
    assert path.read_text() == text, f"{name} changed; rerun with --update-golden if intended"


def test_golden_csv_and_tables(repo_root: Path, update_golden: bool) -> None:
    """The bundled dataset's CSV and README tables match the reviewed golden files."""
    views = derive(load_dataset(repo_root))
    _compare_golden("efficiency_sota.csv", csv_text(views), update_golden)
    _compare_golden("README-tables.md", markdown_tables(views), update_golden)


def test_repository_outputs_are_in_sync(repo_root: Path) -> None:
    """The committed CSV, README and schemas are what render would write."""
    result = CliRunner().invoke(cli, ["render", "--check", "--root", str(repo_root)])
    assert result.exit_code == 0, result.output


def test_csv_keeps_the_seed_columns_first(repo_root: Path) -> None:
    """The seed's eight columns come first with the same names; dates are ISO 8601."""
    rows = list(csv.reader(io.StringIO(csv_text(derive(load_dataset(repo_root))))))
    assert tuple(rows[0][: len(SEED_COLUMNS)]) == SEED_COLUMNS
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(len(r[1]) == 10 and r[1][4] == "-" for r in rows[1:])


def test_render_is_deterministic(
    write_dataset: Write, faster_entry: dict[str, Any], tmp_path: Path
) -> None:
    """Rendering two copies of a dataset gives byte-identical files."""
    root = write_dataset({"faster": faster_entry})
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    for r in (root, copy):
        assert CliRunner().invoke(cli, ["render", "--root", str(r)]).exit_code == 0
    for rel in ("efficiency_sota.csv", "README.md", "schema/entry.schema.json"):
        assert (root / rel).read_bytes() == (copy / rel).read_bytes()


def test_failed_write_leaves_old_file(
    write_dataset: Write, faster_entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rename fails, the old file is intact and no temporary file is left."""
    root = write_dataset({"faster": faster_entry})
    readme_before = (root / "README.md").read_bytes()

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    result = CliRunner().invoke(cli, ["render", "--root", str(root)])
    assert result.exit_code != 0
    assert (root / "README.md").read_bytes() == readme_before
    assert not list(root.rglob("*.tmp"))


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_render_keeps_file_modes(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """A rewritten README keeps its 0644; a new CSV gets 0644 under umask 022 (not mkstemp's 0600)."""
    root = write_dataset({"faster": faster_entry})
    readme = root / "README.md"
    readme.chmod(0o644)
    before = readme.read_bytes()
    with _umask(0o022):
        assert CliRunner().invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    assert readme.read_bytes() != before
    assert _mode(readme) == 0o644
    assert _mode(root / "efficiency_sota.csv") == 0o644


def test_write_atomic_modes_follow_the_old_file_or_the_umask(tmp_path: Path) -> None:
    """An existing file keeps its own mode (0640 here); a new one gets 0666 less the umask."""
    old = tmp_path / "old.txt"
    old.write_text("before")
    old.chmod(0o640)
    with _umask(0o022):
        write_atomic(old, b"after")
    assert old.read_bytes() == b"after" and _mode(old) == 0o640
    with _umask(0o027):
        write_atomic(tmp_path / "new.txt", b"new")
    assert _mode(tmp_path / "new.txt") == 0o640
    assert os.umask(0o022) == 0o022 and not list(tmp_path.glob("*.tmp"))


def test_umask_without_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where /proc does not report the umask, it is read by setting and restoring it."""
    monkeypatch.setattr("algoeff.core.files._PROC_STATUS", tmp_path / "no-such-file")
    with _umask(0o077):
        write_atomic(tmp_path / "new.txt", b"new")
        assert os.umask(0o077) == 0o077
    assert _mode(tmp_path / "new.txt") == 0o600


def test_bad_dataset_writes_nothing(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """render refuses to write anything while the dataset has errors."""
    faster_entry["compute"]["training_flop"] = 1.0e17
    root = write_dataset({"faster": faster_entry})
    result = CliRunner().invoke(cli, ["render", "--root", str(root)])
    assert result.exit_code == 1
    assert "compute.training_flop" in result.output
    assert not (root / "efficiency_sota.csv").exists()


def test_untrusted_text_is_neutralized(write_dataset: Write, faster_entry: dict[str, Any]) -> None:
    """A formula-like name is quoted in the CSV; markup in a name is escaped in the README."""
    faster_entry["name"] = '=HYPERLINK("https://evil.example")'
    faster_entry["analysis"]["name"] = "<script>alert(1)</script> | [x](javascript:y)"
    root = write_dataset({"faster": faster_entry})
    assert CliRunner().invoke(cli, ["render", "--root", str(root)]).exit_code == 0
    rows = list(csv.reader((root / "efficiency_sota.csv").open()))
    assert rows[2][2].startswith("'=HYPERLINK")
    readme = (root / "README.md").read_text()
    assert "<script>" not in readme
    assert "\\<script\\>" in readme and "\\| \\[x\\]" in readme


def _table_row(tables: str, name: str) -> str:
    (row,) = [line for line in tables.splitlines() if line.startswith(f"| [{name}](")]
    return row


def test_published_figure_is_shown_as_the_source_printed_it(repo_root: Path) -> None:
    """The README's published figure is the source's number (17, 8, 0.75, 2.661e+17), not one
    rounded or padded to three significant figures (17.0, 8.00, 2.66e+17)."""
    tables = markdown_tables(derive(load_dataset(repo_root)))
    assert "| 17 tfs-day (1 multiply-add = 1) |" in _table_row(tables, "ResNet-50")
    assert "| 0.75 tfs-day (1 multiply-add = 1) |" in _table_row(tables, "EfficientNet (b1)")
    assert "| 8 tfs-day |" in _table_row(tables, "Transformer (Base)")
    assert "| 2.661e+17 FLOP (1 multiply-add = 1) |" in _table_row(tables, "AlexNet")


def test_range_column_does_not_call_a_figure_exact(repo_root: Path) -> None:
    """An estimate whose inputs carry no range (GNMT's reported 1.4e20 FLOP) says so, rather
    than calling its inputs exact; one with a range shows it."""
    tables = markdown_tables(derive(load_dataset(repo_root)))
    assert "exact" not in tables
    assert "| 1620 | no stated range |" in _table_row(tables, "GNMT")
    assert "| 7.60 | 5.70–9.50 |" in _table_row(tables, "Transformer (Base)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\rb\tc\nd", "a b c d"),
        ("x\x00y\x1bz\x7f\x85.", "x y z  ."),
        ("Le\u202eteN\u202c", "LeteN"),
        ("\u2066iso\u2069 \u200fmark", "iso mark"),
        ("line\u2028sep", "line sep"),
        ("<b>|[x]", "\\<b\\>\\|\\[x\\]"),
    ],
)
def test_md_neutralizes_controls_and_bidi(text: str, expected: str) -> None:
    """Markdown cells lose control characters (to spaces) and bidi overrides (dropped)."""
    assert md(text) == expected


def test_md_url_percent_encodes_delimiters() -> None:
    """A link target cannot end the cell (|), open code (`), escape its closing parenthesis
    (a backslash), or hide whitespace, controls or bidi overrides."""
    assert (
        md_url("https://x.org/a|b`c d\te\\f(g)<h>\u202ei\x00j\u00a0k/é")
        == "https://x.org/a%7Cb%60c%20d%09e%5Cf%28g%29%3Ch%3E%E2%80%AEi%00j%C2%A0k/é"
    )
    assert md_url("https://arxiv.org/abs/1905.11946?x=1&y=2#s") == (
        "https://arxiv.org/abs/1905.11946?x=1&y=2#s"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le\u202eteN", "LeteN"),
        ("a\r\nb\x07", "a  b "),
        ("\u202e=cmd()", "'=cmd()"),
        ("\t=cmd()", "' =cmd()"),
        (" @SUM(A1)", "' @SUM(A1)"),
        ("ResNet-50", "ResNet-50"),
    ],
)
def test_csv_cells_drop_controls_and_bidi(text: str, expected: str) -> None:
    """CSV cells lose controls and bidi overrides before the formula check, so neither can hide a
    formula behind them."""
    assert csv_safe(text) == expected


def test_hostile_text_is_refused_at_the_schema(
    write_dataset: Write, faster_entry: dict[str, Any]
) -> None:
    """Bidi overrides, CR and tab in a name, and | or a bidi override in a URL, never reach the
    outputs: the schema refuses them, and render writes nothing."""
    faster_entry["name"] = "Fast\u202eer\r\tnet"
    faster_entry["analysis"]["url"] = "https://example.org/a|b\u202ec(d)"
    root = write_dataset({"faster": faster_entry})
    result = CliRunner().invoke(cli, ["render", "--root", str(root)])
    assert result.exit_code == 1
    assert (
        "faster.yaml: name: contains a line break, tab, control or bidi character" in result.output
    )
    assert (
        "faster.yaml: analysis.url:" in result.output and "is not an http(s) URL" in result.output
    )
    assert not (root / "efficiency_sota.csv").exists()


def test_tables_neutralize_hostile_text_anyway() -> None:
    """Second line of defence: the table writers neutralize what the schema would refuse."""
    cell = md("Fast\u202eer\r\tnet | [x](y)")
    assert "\u202e" not in cell and "\r" not in cell and "\t" not in cell
    assert "\\|" in cell and "\\[x\\]" in cell
    assert (
        md_url("https://example.org/a|b\u202ec(d)") == "https://example.org/a%7Cb%E2%80%AEc%28d%29"
    )
    assert "\u202e" not in csv_safe("x\u202ey") and csv_safe("=1+1").startswith("'")


def test_readme_without_markers_is_an_error(write_dataset: Write) -> None:
    """A README that lost its markers is reported, not silently skipped."""
    root = write_dataset()
    (root / "README.md").write_text("# no markers\n")
    result = CliRunner().invoke(cli, ["render", "--root", str(root)])
    assert result.exit_code == 1
    assert "README.md: (file): has no table markers" in result.output


CORE_ONLY = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('matplotlib', 'plotly', 'torch'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
from algoeff.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("args", [["check"], ["render", "--check"]])
def test_check_passes_with_only_the_core_installed(repo_root: Path, args: list[str]) -> None:
    """Without the extras (matplotlib, plotly, torch), the clean repository passes: the
    chart's freshness is read from its stamp, never from which extras are installed."""
    done = subprocess.run(
        [sys.executable, "-c", CORE_ONLY, *args, "--root", str(repo_root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
