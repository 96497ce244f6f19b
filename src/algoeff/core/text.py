"""The one policy for untrusted text: which characters are refused, escaped or dropped.

Submitted text could forge a second line in a report, reorder what a reader sees
("Trojan Source", CVE-2021-42574) or make a spreadsheet run a formula (OWASP "CSV
injection"). The same two character classes serve every layer:

- the schema refuses them in submitted fields (``core.fields``);
- problem lines escape them for the terminal (``core.errors``);
- tables and CSV cells drop or blank them (``outputs.tables``).
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL_CHARS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# Bidirectional marks, embeddings, overrides and isolates (Unicode TR9).
BIDI_CHARS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

_UNSAFE = re.compile(f"[{CONTROL_CHARS}{BIDI_CHARS}]")
# Long text (a description) may hold tabs and line breaks (\t and \n), nothing else.
_UNSAFE_EXCEPT_NEWLINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI_CHARS}]")
_BIDI = re.compile(f"[{BIDI_CHARS}]")
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")

# First characters that make a spreadsheet evaluate a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unsafe_char(text: str, *, multiline: bool = False) -> str | None:
    """The first control or bidi character in ``text`` (line breaks allowed when
    ``multiline``), or None when there is none."""
    match = (_UNSAFE_EXCEPT_NEWLINE if multiline else _UNSAFE).search(text)
    return match.group() if match else None


def escaped(text: str) -> str:
    """``text`` with every control and bidi character written as its escape (``\\x1b``)."""
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def plain_text(text: str) -> str:
    """``text`` on one line: bidi characters dropped, controls turned into spaces."""
    return _CONTROL.sub(" ", _BIDI.sub("", text))


def csv_safe(text: str) -> str:
    """``plain_text`` with a cell that a spreadsheet would evaluate neutralized by a quote."""
    text = plain_text(text)
    # A leading space does not stop every spreadsheet from reading " =1+1" as a formula.
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text
