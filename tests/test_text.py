"""The one character policy for untrusted text (core.text), at its boundaries."""

from __future__ import annotations

import pytest

from algoeff.core.errors import Problem
from algoeff.core.text import csv_safe, escaped, plain_text, unsafe_char


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x1b",
        "\x1f",
        "\x7f",
        "\x85",
        "\x9f",
        "\u2028",
        "\u2029",
        "\u061c",
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202e",
        "\u2066",
        "\u2069",
    ],
)
def test_every_unsafe_character_is_caught_by_every_use(char: str) -> None:
    """The schema refuses it, a problem line escapes it, a table drops or blanks it."""
    text = f"a{char}b"
    assert unsafe_char(text) == char
    assert unsafe_char(text, multiline=True) == char
    assert char not in escaped(text)
    assert char not in plain_text(text)
    assert char not in csv_safe(text)
    assert char not in str(Problem("f.yaml", "name", text))


@pytest.mark.parametrize("char", [" ", "~", "\xa0", "\xff", "\u200d", "\u2030", "\u2065", "\u206a"])
def test_neighbours_of_the_unsafe_ranges_are_kept(char: str) -> None:
    """Just outside each range: ordinary text, kept as written."""
    text = f"a{char}b"
    assert unsafe_char(text) is None
    assert escaped(text) == text
    assert plain_text(text) == text


def test_long_text_allows_tab_and_newline_only() -> None:
    """A description may break lines; a carriage return could still forge one."""
    assert unsafe_char("a\tb\nc", multiline=True) is None
    assert unsafe_char("a\tb") == "\t"
    assert unsafe_char("a\nb") == "\n"
    assert unsafe_char("a\rb", multiline=True) == "\r"


def test_escaped_shows_the_character_code() -> None:
    assert escaped("x\x1b[31my\u202e") == "x\\x1b[31my\\u202e"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        (" =1", "' =1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("a=1", "a=1"),
        ("1e17", "1e17"),
    ],
)
def test_csv_safe_neutralizes_formulas(cell: str, expected: str) -> None:
    assert csv_safe(cell) == expected
