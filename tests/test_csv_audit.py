"""The audit of a CSV in the original tracker's format, on the original itself and on variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.csv_audit import audit_csv

SEED = Path(__file__).parent / "data" / "seed" / "efficiency_sota.csv"
DAY = dt.date(2026, 11, 28)


def _lines(path: Path) -> list[str]:
    return [str(p) for p in audit_csv(path, DAY)]


def test_seed_audit_finds_known_faults() -> None:
    """The original CSV: five rows dated outside their arXiv month, a reduction factor that its own
    compute column contradicts, and three analysis links that point at ShuffleNet v2."""
    lines = _lines(SEED)
    errors = [line for line in lines if ": warning: " not in line]
    joined = "\n".join(errors)
    for row, month in (
        (6, "2018-07"),
        (8, "2015-12"),
        (10, "2014-09"),
        (11, "2017-06"),
        (12, "2016-09"),
        (13, "2017-06"),
    ):
        assert f"row {row} " in joined and f"a date in {month}" in joined
    assert (
        "row 9 (EfficientNet (b1)): Reduction Factor: 10 disagrees with 17 / 0.75 = 22.7" in joined
    )
    for row in (11, 12, 13):
        assert f"row {row} " in joined
    assert joined.count("https://arxiv.org/abs/1807.11164 is also the link of row 6") == 3
    assert len(errors) == 10


def test_rounded_reduction_factors_pass() -> None:
    """Factors consistent with the rounding of the printed numbers are not flagged (465 / 8 ~ 61)."""
    joined = "\n".join(_lines(SEED))
    for name in (
        "GoogLeNet): Reduction",
        "MobileNet): Reduction",
        "Transformer (Base)): Reduction",
        "Transformer (Big)): Reduction",
        "EfficientNet (b0)): Reduction",
    ):
        assert name not in joined


def test_bad_cells(tmp_path: Path) -> None:
    """Non-dates, non-positive compute, non-http links and a row that does not beat an earlier one."""
    text = SEED.read_text().splitlines()
    header, rows = text[0], text[1:3]
    rows[1] = (
        rows[1]
        .replace("9/17/2014", "someday")
        .replace("0.71", "-1")
        .replace("https://arxiv.org/abs/1409.4842", "javascript:alert(1)")
    )
    extra = "AlexNet,9/18/2014,Slower,https://example.org/slower,5,0.62,x,https://example.org/a"
    path = tmp_path / "fork.csv"
    path.write_text("\n".join([header, *rows, extra]) + "\n")
    joined = "\n".join(_lines(path))
    assert "row 3 (GoogLeNet): Publication Date: 'someday' is not a date" in joined
    assert "row 3 (GoogLeNet): Compute (teraflops-s/days): '-1' is not a positive number" in joined
    assert (
        "row 3 (GoogLeNet): Publication link: 'javascript:alert(1)' is not an http(s) URL" in joined
    )
    assert (
        "row 4 (Slower): Compute (teraflops-s/days): 5 does not beat an earlier row (3.1)" in joined
    )


def test_wrong_header(tmp_path: Path) -> None:
    """A CSV with other columns is rejected in one line naming the expected ones."""
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    (line,) = _lines(path)
    assert line.startswith(f"{path}: header:") and "Metric, Publication Date" in line


def test_cli_check_on_csv_exits_1_and_prints_every_problem() -> None:
    """`algoeff check FILE.csv` audits the original format and exits 1 on its errors."""
    result = CliRunner().invoke(cli, ["check", str(SEED)])
    assert result.exit_code == 1
    assert "10 error(s), 6 warning(s)" in result.output
    assert "Traceback" not in result.output


def test_oversized_cell_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    """A cell beyond the csv module's field limit (131072 characters) is reported on its row and
    the rows after it are still audited."""
    lines = SEED.read_text().splitlines()
    huge = lines[2].replace("GoogLeNet", "G" * 200_000, 1)
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([lines[0], lines[1], huge, *lines[3:]]) + "\n")
    found = _lines(path)
    assert f"{path}: row 3: cannot be parsed: field larger than field limit" in "\n".join(found)
    assert any("row 4 (MobileNet)" in line for line in found)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert all(len(line) < 500 for line in result.output.splitlines())


def test_oversized_header_cell_is_a_problem(tmp_path: Path) -> None:
    """A header that the csv module cannot parse is one problem, not a traceback."""
    path = tmp_path / "huge-header.csv"
    path.write_text("Metric," + "x" * 200_000 + "\n")
    (line,) = _lines(path)
    assert line.startswith(f"{path}: header: cannot be parsed: field larger than field limit")
