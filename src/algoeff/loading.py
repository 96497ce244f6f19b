"""Reading untrusted YAML safely, and turning validation errors into one-line problems.

Submitted files are untrusted. A file must be a regular file (not a symbolic
link, device or pipe) of at most MAX_FILE_BYTES, in UTF-8. It is parsed by
libyaml into events and built into plain dicts, lists and scalars here, so
nothing is ever constructed from a tag: any explicit tag (``!!python/object``,
``!!float``, ``!custom``), anchor or alias is refused, as are duplicate keys,
non-scalar keys, several documents and nesting deeper than MAX_DEPTH.

Plain scalars follow the YAML 1.2 core schema (``true``/``false``, ``null``,
decimal integers and floats such as ``1e17``, ``.inf``, ``.nan``); anything else,
dates included, stays a string, which the models parse. So ``yes``, ``010`` and
``0x1F`` do not silently become ``True``, 8 and 31 as YAML 1.1 would have it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from algoeff.errors import Problem, ProblemsError

# An analysis is a page of YAML; 256 KiB is far beyond any real one and stops a
# huge or malicious file before it is parsed.
MAX_FILE_BYTES = 256 * 1024
# Deeper than any analysis needs, far below Python's recursion limit.
MAX_DEPTH = 32

# The C parser when PyYAML was built with libyaml (it is on PyPI's wheels).
_Parser: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})

M = TypeVar("M", bound=BaseModel)


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when it lies below it, for messages.

    Deliberately no ``resolve()``: an error names the file as the user sees it, not
    where a link points, and this runs for every file of a large dataset.
    """
    text = os.fspath(path)
    cwd = os.getcwd()
    if text.startswith(cwd + os.sep):
        return text[len(cwd) + 1 :]
    return text


def _one(path: str, field: str, message: str, expected: str = "") -> ProblemsError:
    return ProblemsError([Problem(path, field, message, expected)])


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ProblemsError otherwise."""
    shown = display_path(path)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            raise _one(shown, "(file)", "is a symbolic link", "a regular file")
        if not stat.S_ISREG(info.st_mode):
            raise _one(shown, "(file)", "is not a regular file", "a regular file")
        if info.st_size > max_bytes:
            raise _one(shown, "(file)", f"is {info.st_size} bytes", f"at most {max_bytes} bytes")
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _one(shown, "(file)", f"cannot be read: {exc.strerror}", "a readable file") from None
    if len(raw) > max_bytes:  # it grew after lstat
        raise _one(shown, "(file)", f"is over {max_bytes} bytes", f"at most {max_bytes} bytes")
    return raw


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular, UTF-8 file of at most ``max_bytes``; ProblemsError otherwise."""
    return decode_utf8(read_bytes(path, max_bytes), display_path(path))


def decode_utf8(raw: bytes, shown: str) -> str:
    """``raw`` as UTF-8 text; ProblemsError naming the first bad byte otherwise."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _one(shown, "(file)", f"is not UTF-8 (byte {exc.start})", "UTF-8 text") from None


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar under the YAML 1.2 core schema."""
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.fullmatch(value):
        return float("nan")
    return value


def _build(events: Any, shown: str) -> Any:
    """Plain Python data from a libyaml event stream, refusing what the module docstring lists.

    Iterative, so nesting cannot exhaust the interpreter's stack; written for speed, since
    it runs over every event of every file. Mapping keys are kept as the text written.
    """
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    document_start = yaml.DocumentStartEvent
    # Open containers, innermost last; for a mapping: [dict, pending key or None, keys seen].
    stack: list[list[Any]] = []
    result: list[Any] = []
    documents = 0

    def fail(event: Any, message: str, expected: str) -> ProblemsError:
        return _one(shown, f"line {event.start_mark.line + 1}", message, expected)

    for event in events:
        cls = event.__class__
        if cls is scalar_event or cls is mapping_start or cls is sequence_start:
            if event.anchor is not None:
                raise fail(event, "anchors and aliases are not allowed", "plain YAML")
            if event.tag is not None:
                raise fail(event, f"YAML tag {event.tag!r} is not allowed", "plain YAML, no tags")
            top = stack[-1] if stack else None
            if cls is scalar_event:
                text = event.value
                if top is not None and top[1] is None and type(top[0]) is dict:
                    if text in top[2]:
                        raise fail(event, f"duplicate key {text!r}", "each key once")
                    top[2].add(text)
                    top[1] = text
                    continue
                value: Any = _plain(text) if not event.style else text
            else:
                if top is not None and top[1] is None and type(top[0]) is dict:
                    raise fail(event, "a mapping key must be plain text", "text keys")
                if len(stack) >= MAX_DEPTH:
                    raise fail(
                        event, f"is nested more than {MAX_DEPTH} levels deep", "a shallow file"
                    )
                stack.append([{}, None, set()] if cls is mapping_start else [[], None, None])
                continue
        elif cls is mapping_end or cls is sequence_end:
            value = stack.pop()[0]
            top = stack[-1] if stack else None
        elif cls is alias_event:
            raise fail(event, "anchors and aliases are not allowed", "plain YAML")
        elif cls is document_start:
            documents += 1
            if documents > 1:
                raise fail(event, "holds more than one YAML document", "one document")
            continue
        else:
            continue
        if top is None:
            result.append(value)
        elif type(top[0]) is dict:
            top[0][top[1]] = value
            top[1] = None
        else:
            top[0].append(value)
    if not result:
        raise _one(shown, "(file)", "is empty", "a YAML mapping")
    return result[0]


def parse_yaml(text: str, shown: str) -> Any:
    """Parse one YAML document safely; raises ProblemsError with the line of the fault."""
    try:
        return _build(yaml.parse(text, Loader=_Parser), shown)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = exc.problem or exc.context or "is not valid YAML"
        if exc.context and exc.context_mark is not None and exc.problem:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise _one(shown, where, f"malformed YAML: {problem}", "valid YAML") from None
    except yaml.YAMLError as exc:
        raise _one(shown, "(file)", f"malformed YAML: {exc}", "valid YAML") from None


def load_yaml(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and safely parse ``path``."""
    return parse_yaml(read_text(path, max_bytes), display_path(path))


def _expected(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "a value"
    if kind == "extra_forbidden":
        return "only the fields of the schema; check the spelling"
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return str(err["msg"]).replace("Input should be ", "a number ")
    if kind.startswith(("float", "int")):
        return "a finite number"
    if kind == "finite_number":
        return "a finite number"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern', '')}"
    if kind.startswith("string"):
        return "text"
    if kind.startswith("date"):
        return "a date YYYY-MM-DD"
    return ""


def validation_problems(exc: ValidationError, shown: str, prefix: str = "") -> list[Problem]:
    """One problem per pydantic error, the field written as a dotted path."""
    from algoeff.methods import METHODS  # here, not at import: methods import this module

    method_tags = tuple(METHODS)
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
        # Discriminated unions add the chosen tag ("operations") to the path; drop it.
        loc = [
            p
            for i, p in enumerate(loc)
            if not (i > 0 and loc[i - 1] == "compute" and p.isidentifier() and p in method_tags)
        ]
        field = ".".join(filter(None, [prefix, *loc])) or "(document)"
        message = err["msg"]
        ctx = err.get("ctx") or {}
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field += f".{ctx.get('discriminator', 'method').strip(chr(39))}"
            tag = ctx.get("tag")
            message = f"{tag!r} is not a known method" if tag is not None else "is missing"
            tags = ctx.get("expected_tags") or ", ".join(repr(t) for t in method_tags)
            problems.append(Problem(shown, field, message, f"one of {tags}"))
            continue
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "is missing"
        elif err["type"] not in ("value_error", "assertion_error") and "input" in err:
            value = repr(err["input"])
            message = f"{value[:60]}: {message}"
        message = message.replace("Value error, ", "")
        problems.append(Problem(shown, field, message, _expected(err)))
    return problems


def validate(data: Any, model: type[M], shown: str) -> M:
    """Validate parsed data against ``model``; raises ProblemsError listing every error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(validation_problems(exc, shown)) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read, parse and validate ``path`` as ``model``."""
    return validate(load_yaml(path), model, display_path(path))
