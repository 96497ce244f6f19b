"""Parsing untrusted YAML safely, and turning validation errors into one-line problems.

Submitted files are untrusted. A file is read by ``core.files`` (a regular file of
bounded size, in UTF-8), then parsed by
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

import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from algoeff.core.errors import Problem, ProblemsError
from algoeff.core.files import MAX_FILE_BYTES, display_path, one_problem, read_text

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


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar under the YAML 1.2 core schema."""
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # over Python's 4,300 digits: as a float it is inf, refused as such
            return float(value)
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
        return _at_mark(shown, event.start_mark, message, expected)

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
        raise one_problem(shown, "(file)", "is empty", "a YAML mapping")
    return result[0]


def _at_mark(shown: str, mark: Any, message: str, expected: str) -> ProblemsError:
    """One problem at a libyaml mark: the field says the line, and line/col carry it too."""
    line, col = mark.line + 1, mark.column + 1
    return ProblemsError([Problem(shown, f"line {line}", message, expected, line=line, col=col)])


def parse_yaml(text: str, shown: str) -> Any:
    """Parse one YAML document safely; raises ProblemsError with the line of the fault."""
    try:
        return _build(yaml.parse(text, Loader=_Parser), shown)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "is not valid YAML"
        if exc.context and exc.context_mark is not None and exc.problem:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        if mark is None:
            raise one_problem(shown, "(file)", f"malformed YAML: {problem}", "valid YAML") from None
        raise _at_mark(shown, mark, f"malformed YAML: {problem}", "valid YAML") from None
    except yaml.YAMLError as exc:
        raise one_problem(shown, "(file)", f"malformed YAML: {exc}", "valid YAML") from None


def load_yaml(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and safely parse ``path``."""
    return parse_yaml(read_text(path, max_bytes), display_path(path))


Position = tuple[int, int]  # 1-based line and column


def node_positions(text: str) -> dict[tuple[str, ...], Position]:
    """Where each node of a YAML document starts, by its key path.

    The path of a mapping value is its keys from the top, that of a list item its index
    as text (``("sources", "0", "id")``), as in a problem's dotted field; the position is
    that of the key (of the item in a list), the line a reader looks at. Kept apart from
    the parse that builds the data, which runs over every file on every load: positions
    are wanted only for annotations. A document that does not parse gives the positions
    found before the fault (its problem carries its own line).
    """
    positions: dict[tuple[str, ...], Position] = {}
    # Open containers, innermost last: [is a mapping, path, pending key path or next index].
    stack: list[list[Any]] = []
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    events: Any = yaml.parse(text, Loader=_Parser)
    try:
        for event in events:
            cls = event.__class__
            if cls in ends:
                stack.pop()
                continue
            if cls is not scalar and cls is not alias and cls not in starts:
                continue
            mark: Position = (event.start_mark.line + 1, event.start_mark.column + 1)
            if not stack:
                path: tuple[str, ...] = ()
                positions.setdefault(path, mark)
            elif stack[-1][0]:
                top = stack[-1]
                if top[2] is None:  # a key
                    if cls is not scalar:
                        break  # a non-text key: the parse proper refuses the file
                    key: tuple[str, ...] = (*top[1], event.value)
                    top[2] = key
                    positions.setdefault(key, mark)
                    continue
                path, top[2] = top[2], None
            else:
                top = stack[-1]
                path = (*top[1], str(top[2]))
                top[2] += 1
                positions.setdefault(path, mark)
            if cls in starts:
                is_mapping = cls is yaml.MappingStartEvent
                stack.append([is_mapping, path, None if is_mapping else 0])
    except yaml.YAMLError:
        pass
    return positions


def locate(problem: Problem, positions: Mapping[tuple[str, ...], Position]) -> Problem:
    """``problem`` with the line and column of its field, or of the nearest enclosing node
    that the file has (a missing field is shown on its parent); unchanged when the field is
    not a path in the document (``(file)``, ``line 3``) or already located."""
    if problem.line is not None or problem.field.startswith("("):
        return problem
    parts = tuple(problem.field.split("."))
    for end in range(len(parts), 0, -1):
        found = positions.get(parts[:end])
        if found is not None:
            return dataclasses.replace(problem, line=found[0], col=found[1])
    return problem


def locate_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Each problem about a YAML file located in that file (read again, once per file).

    Paths are as the problems show them, relative to the working directory; a file
    that cannot be read or parsed leaves its problems unlocated.
    """
    cache: dict[str, dict[tuple[str, ...], Position]] = {}
    out = []
    for problem in problems:
        if problem.line is None and problem.path.endswith((".yaml", ".yml")):
            if problem.path not in cache:
                try:
                    cache[problem.path] = node_positions(read_text(Path(problem.path)))
                except ProblemsError:
                    cache[problem.path] = {}
            problem = locate(problem, cache[problem.path])
        out.append(problem)
    return out


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


def _without_union_tags(loc: list[str], data: Any) -> list[str]:
    """``loc`` without the tags that pydantic inserts for a discriminated union.

    For ``compute: {method: operations, epochs: ...}`` pydantic reports the location
    ``compute.operations.epochs``; the tag is not a key of the input mapping but one of
    its values (the discriminator's), which is how it is recognized here without this
    layer knowing the methods.
    """
    kept: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict) and part not in node and part in node.values():
            continue  # the union's tag, not a field
        kept.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = None
    return kept


def validation_problems(
    exc: ValidationError,
    shown: str,
    prefix: str = "",
    data: Any = None,
    union_tags: Mapping[str, Sequence[str]] | None = None,
) -> list[Problem]:
    """One problem per pydantic error, the field written as a dotted path.

    ``data`` is the validated input; with it, discriminated-union tags are dropped
    from the path. ``union_tags`` (discriminator -> tags) completes the message for a
    missing discriminator, which pydantic gives without the tags.
    """
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
        loc = _without_union_tags(loc, data)
        field = ".".join(filter(None, [prefix, *loc])) or "(document)"
        message = err["msg"]
        ctx = err.get("ctx") or {}
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field += f".{ctx.get('discriminator', 'method').strip(chr(39))}"
            tag = ctx.get("tag")
            message = f"{tag!r} is not a known method" if tag is not None else "is missing"
            discriminator = ctx.get("discriminator", "").strip(chr(39))
            known = (union_tags or {}).get(discriminator, ())
            tags = ctx.get("expected_tags") or ", ".join(repr(t) for t in known)
            problems.append(Problem(shown, field, message, f"one of {tags}" if tags else ""))
            continue
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "is missing"
        elif err.get("input", ...) is None and err["type"].endswith("_type"):
            message = "is empty"  # a key written without a value, as `algoeff new` leaves them
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
        tags = getattr(model, "union_tags", None)
        raise ProblemsError(validation_problems(exc, shown, data=data, union_tags=tags)) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read, parse and validate ``path`` as ``model``."""
    return validate(load_yaml(path), model, display_path(path))
