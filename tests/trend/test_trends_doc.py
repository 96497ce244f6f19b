"""docs/trends.md: its table of figures is what `algoeff trend` computes from the bundled data."""

from __future__ import annotations

from pathlib import Path

from algoeff.cli.trend import markdown_table
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import fit_trend

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "trends.md"
START = "<!-- trend-figures: start (generated; do not edit) -->"
END = "<!-- trend-figures: end -->"


def test_trends_doc_table_is_current(update_golden: bool) -> None:
    """The generated region equals the table of the current data (rewrite: --update-golden)."""
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    views = [v for v in derive(load_dataset(REPO)) if v.frontier]
    table = markdown_table([fit_trend(v) for v in views])
    expected = f"{text[:start]}\n\n{table}\n{text[end:]}"
    if update_golden and expected != text:
        DOC.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "docs/trends.md is out of date: pytest tests/trend --update-golden"
