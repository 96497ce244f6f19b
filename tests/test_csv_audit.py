"""The audit of a CSV in the original tracker's format, on the original itself and on variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from algoeff.cli import cli
from algoeff.dataset.csv_audit import audit_csv

SEED = Path(__file__).parent / "data" / "seed" / "efficiency_sota.csv"
REPO = Path(__file__).resolve().parents[1]
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


def _write(tmp_path: Path, lines: list[str], name: str = "variant.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


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


def test_project_csv_audits_clean() -> None:
    """The CSV that `algoeff render` writes (seed columns, then the extra ones) has no problem."""
    for path in (REPO / "efficiency_sota.csv", REPO / "tests" / "golden" / "efficiency_sota.csv"):
        assert _lines(path) == []
    result = CliRunner().invoke(cli, ["check", "--strict", str(REPO / "efficiency_sota.csv")])
    assert result.exit_code == 0, result.output


def test_extra_columns_without_flop_are_accepted(tmp_path: Path) -> None:
    """Columns after the seed's eight are allowed; without the FLOP columns only the eight are
    audited, and the seed's findings are the same."""
    lines = SEED.read_text().splitlines()
    wider = [lines[0] + ",note", *(line + ",x" for line in lines[1:])]

    def findings(path: Path) -> list[str]:
        return [line.split(": ", 1)[1] for line in _lines(path)]

    assert findings(_write(tmp_path, wider)) == findings(SEED)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A CSV saved by Excel as "CSV UTF-8" starts with a byte order mark; its header still counts."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes())
    assert len([line for line in _lines(path) if ": warning: " not in line]) == 10


def test_baseline_printed_with_decimals(tmp_path: Path) -> None:
    """A baseline factor printed "1.00" or "1.0" is a baseline like "1"; "1.5" is not."""
    lines = SEED.read_text().splitlines()
    lines[1] = lines[1].replace(",3.1,1,", ",3.1,1.00,")
    lines[7] = lines[7].replace(",17,1,", ",17,1.0,")
    joined = "\n".join(_lines(_write(tmp_path, lines)))
    assert "baseline rows" not in joined
    lines[9] = lines[9].replace(",465,1,", ",465,1.5,")
    joined = "\n".join(_lines(_write(tmp_path, lines)))
    assert "Metric Seq2Seq: has 0 baseline rows" in joined


def test_formula_cells_are_errors(tmp_path: Path) -> None:
    """Cells a spreadsheet would run (= + - @ tab CR first) are errors; signed numbers and
    apostrophe-quoted text are not."""
    lines = SEED.read_text().splitlines()
    lines[2] = lines[2].replace("GoogLeNet", '=HYPERLINK(""https://evil.example"")')
    lines[2] = lines[2].replace(",0.71,", ",-1,")
    lines[3] = lines[3].replace("AI and Efficiency,", '"@SUM(A1)",')
    lines[4] = lines[4].replace("AI and Efficiency,", '"\tcmd",')
    lines[5] = lines[5].replace("AI and Efficiency,", "'=quoted,")
    found = _lines(_write(tmp_path, lines))
    formulas = [line for line in found if "would run as a spreadsheet formula" in line]
    assert len(formulas) == 3, formulas
    assert any("row 3 (=HYPERLINK" in line and ": Publication: " in line for line in formulas)
    assert any(line.split(": ")[1].startswith("row 4 (MobileNet)") for line in formulas)
    assert any(line.split(": ")[1].startswith("row 5 (ShuffleNet (1x))") for line in formulas)
    assert any("Compute (teraflops-s/days): '-1' is not a positive number" in x for x in found)


def _project_rows() -> list[str]:
    return (REPO / "tests" / "golden" / "efficiency_sota.csv").read_text().splitlines()


def test_flop_columns_are_checked(tmp_path: Path) -> None:
    """In `algoeff render`'s format, flop_low <= flop <= flop_high, all positive, and the compute
    column equals flop / 8.64e16 to its printed precision."""
    lines = _project_rows()
    # GoogLeNet: 1.2288e+17 FLOP is 0.711 tfs-days counted multiply-add = 1 (the original
    # tracker's ImageNet convention, named in compute_convention); 0.811 is off by more
    # than the rounding, and 1.42 (the canonical figure) is off by the convention.
    assert ",0.711,4.33," in lines[2] and "1.2288e+17,1.2288e+17,1.2288e+17" in lines[2]
    assert ",multiply-add=1," in lines[2]
    lines[2] = lines[2].replace(",0.711,4.33,", ",0.811,4.33,")
    # MobileNet: flop above flop_high.
    lines[3] = lines[3].replace("4.8154e+16,4.8154e+16,4.8154e+16", "4.8154e+16,4.8154e+16,4e+16")
    # ShuffleNet: a non-number and a zero.
    lines[4] = lines[4].replace("2.5805e+16,2.5805e+16,2.5805e+16", "abc,0,2.5805e+16")
    found = "\n".join(_lines(_write(tmp_path, lines)))
    assert (
        "row 3 (GoogLeNet): Compute (teraflops-s/days): 0.811 is not flop in teraflop/s-days (multiply-add=1) = 0.711"
        in found
    )
    assert "row 4 (MobileNet): flop: 4.8154e+16 <= 4.8154e+16 <= 4e+16 does not hold" in found
    assert "row 5 (ShuffleNet (1x)): flop: 'abc' is not a positive number" in found
    assert "row 5 (ShuffleNet (1x)): flop_low: '0' is not a positive number" in found


def test_compute_agreeing_within_rounding_passes(tmp_path: Path) -> None:
    """A compute column printed to fewer digits than the flop column is still consistent."""
    lines = _project_rows()
    lines[2] = lines[2].replace(",0.711,4.33,", ",0.71,4.3,")
    assert _lines(_write(tmp_path, lines)) == []


def test_compute_column_follows_its_convention(tmp_path: Path) -> None:
    """The compute column is read in the row's compute_convention: the canonical figure in a
    multiply-add=1 row is wrong by 2x, and an unknown convention is reported."""
    lines = _project_rows()
    canonical = lines[2].replace(",0.711,4.33,", ",1.42,4.33,")
    unknown = lines[3].replace(",multiply-add=1,", ",multiply-add=3,", 1)
    found = "\n".join(_lines(_write(tmp_path, [lines[0], lines[1], canonical, unknown])))
    assert "row 3 (GoogLeNet): Compute (teraflops-s/days): 1.42 is not flop" in found
    assert "compute_convention: 'multiply-add=3' is not a counting convention" in found


def test_rows_must_match_the_header(tmp_path: Path) -> None:
    """A row with more non-empty cells than the header (an unquoted comma) is reported; trailing
    empty cells are not."""
    lines = SEED.read_text().splitlines()
    lines[2] += ",extra"
    lines[3] += ",,"
    found = "\n".join(_lines(_write(tmp_path, lines)))
    assert "row 3: has 9 cells (expected 8 cells, one per header column)" in found
    assert "row 4:" not in found


def test_zero_compute_and_bad_arxiv_month_are_problems_not_tracebacks(tmp_path: Path) -> None:
    """A zero compute in a later row and an arXiv id with month 13 give one-line problems."""
    lines = SEED.read_text().splitlines()
    lines[2] = lines[2].replace(",0.71,", ",0,").replace("1409.4842", "1413.4842")
    found = "\n".join(_lines(_write(tmp_path, lines)))
    assert "row 3 (GoogLeNet): Compute (teraflops-s/days): '0' is not a positive number" in found
    assert "row 3 (GoogLeNet): Publication link: arXiv id 1413.4842 has no month" in found


def test_control_characters_are_escaped_in_problems(tmp_path: Path) -> None:
    """A name with a terminal escape sequence or bidi override is printed escaped, and a long
    cell is cut, so one problem stays one readable line."""
    lines = SEED.read_text().splitlines()
    lines[2] = (
        lines[2].replace("GoogLeNet", "Goog\x1b[31mLe\u202eNet").replace("9/17/2014", "x" * 500)
    )
    result = CliRunner().invoke(cli, ["check", str(_write(tmp_path, lines))])
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "row 3 (Goog\\x1b[31mLe\\u202eNet)" in result.output
    assert all(len(line) < 400 for line in result.output.splitlines())
