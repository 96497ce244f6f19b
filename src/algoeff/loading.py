"""Reading untrusted YAML safely, and turning validation errors into one-line problems.

Submitted files are untrusted: they are read with the C safe loader, any
explicit tag, anchor or alias is refused (nothing is ever constructed beyond
plain mappings, lists, strings, numbers, booleans and dates), duplicate keys are
errors rather than silently overwritten, and files over MAX_FILE_BYTES or not
UTF-8 are refused before parsing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from algoeff.errors import Problem, ProblemsError

# An analysis is a page of YAML; 256 KiB is far beyond any real one and stops a
# huge or malicious file before it is parsed.
MAX_FILE_BYTES = 256 * 1024

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The tags the safe loader resolves implicitly; anything else was written explicitly.
_PLAIN_TAGS = frozenset(
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)

M = TypeVar("M", bound=BaseModel)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; raises ProblemsError for a missing, oversized or non-UTF-8 file."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _one(shown, "(file)", f"is {size} bytes", f"at most {max_bytes} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise _one(shown, "(file)", f"cannot be read: {exc.strerror}", "a readable file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _one(shown, "(file)", f"is not UTF-8 (byte {exc.start})", "UTF-8 text") from None


def _one(path: str, field: str, message: str, expected: str = "") -> ProblemsError:
    return ProblemsError([Problem(path, field, message, expected)])


def _walk(node: yaml.Node, path: str, seen: set[int], where: list[str]) -> None:
    """Refuse explicit tags, aliases and duplicate keys anywhere below ``node``."""
    line = f"line {node.start_mark.line + 1}"
    if id(node) in seen:
        raise _one(path, line, "anchors and aliases are not allowed", "plain YAML")
    seen.add(id(node))
    if node.tag not in _PLAIN_TAGS:
        raise _one(path, line, f"YAML tag {node.tag!r} is not allowed", "plain YAML, no tags")
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in keys:
                    raise _one(
                        path,
                        f"line {key.start_mark.line + 1}",
                        f"duplicate key {key.value!r}",
                        "each key once",
                    )
                keys.add(key.value)
            _walk(key, path, seen, where)
            _walk(value, path, seen, where)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, path, seen, where)


def parse_yaml(text: str, shown: str) -> Any:
    """Parse one YAML document safely; raises ProblemsError with the line of the fault."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _one(shown, "(file)", "is empty", "a YAML mapping")
        _walk(node, shown, set(), [])
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = exc.problem or exc.context or "is not valid YAML"
        if exc.context and exc.context_mark is not None and exc.problem:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise _one(shown, where, f"malformed YAML: {problem}", "valid YAML") from None
    except yaml.YAMLError as exc:
        raise _one(shown, "(file)", f"malformed YAML: {exc}", "valid YAML") from None
    finally:
        loader.dispose()


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
    if kind.startswith("string"):
        return "text"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern', '')}"
    if kind.startswith("date"):
        return "a date YYYY-MM-DD"
    return ""


def validation_problems(exc: ValidationError, shown: str, prefix: str = "") -> list[Problem]:
    """One problem per pydantic error, the field written as a dotted path."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
        # Discriminated unions add the chosen tag ("operations") to the path; drop it.
        loc = [
            p
            for i, p in enumerate(loc)
            if not (i > 0 and loc[i - 1] == "compute" and p.isidentifier() and p in _METHOD_TAGS)
        ]
        field = ".".join(filter(None, [prefix, *loc])) or "(document)"
        message = err["msg"]
        ctx = err.get("ctx") or {}
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field += f".{ctx.get('discriminator', 'method').strip(chr(39))}"
            tag = ctx.get("tag")
            message = f"{tag!r} is not a known method" if tag is not None else "is missing"
            tags = ctx.get("expected_tags") or ", ".join(repr(t) for t in _METHOD_TAGS)
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


_METHOD_TAGS = ("operations", "hardware", "transformer", "reported", "measured")


def validate(data: Any, model: type[M], shown: str) -> M:
    """Validate parsed data against ``model``; raises ProblemsError listing every error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(validation_problems(exc, shown)) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read, parse and validate ``path`` as ``model``."""
    return validate(load_yaml(path), model, display_path(path))
