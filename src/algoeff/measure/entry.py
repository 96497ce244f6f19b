"""A `measured` analysis entry from run logs, written atomically once validated. No torch.

``write_measured_entry`` turns the compute-to-target of one or more run logs (seeds)
into a YAML entry whose ``measured`` method `algoeff check` recomputes from the logs;
``entry_data`` is the same entry as plain data. Both serve `algoeff measure
--emit-analysis` and scripts such as examples/digits_efficiency.py.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import Any

import yaml

from algoeff.core.errors import InputError, ProblemsError
from algoeff.core.fields import ID_PATTERN
from algoeff.core.files import display_path, write_atomic
from algoeff.core.parsing import parse_yaml, validate
from algoeff.core.units import Direction
from algoeff.model.methods import MethodContext
from algoeff.model.runlog import RULE_TEXT, Crossing, Rule, RunLog
from algoeff.model.schema import Entry

PLACEHOLDER_URL = "https://example.org/edit-me"
PLACEHOLDER_ID = "edit-me"
_PLACEHOLDER_TITLE = "EDIT ME"


def _whole(value: float | None) -> float | int | None:
    """Whole numbers as int, so that the YAML reads 72 rather than 72.0."""
    return int(value) if value is not None and float(value).is_integer() else value


def write_measured_entry(
    path: Path,
    runlogs: list[RunLog],
    crossings: list[Crossing],
    metric: str,
    threshold: float,
    direction: Direction,
    rule: Rule,
    *,
    force: bool = False,
    **options: Any,
) -> tuple[Entry, list[str]]:
    """Write a `measured` entry for ``runlogs`` atomically, after validating and recomputing it.

    ``options`` fill the entry's other fields (entry_id, benchmark, name, model, title,
    url, date, dataset, percent); returns the entry and the fields left as placeholders
    to edit. Every run must have reached the threshold; the logs must lie in the
    entry's folder or below. Problems raise InputError (one line).
    """
    shown = display_path(path)
    if path.suffix != ".yaml":
        raise InputError(f"{shown}: must end in .yaml (an analysis entry)")
    never = [log for log, c in zip(runlogs, crossings, strict=True) if not c.reached]
    if never:
        sign = ">=" if direction == "higher" else "<="
        raise InputError(
            f"{never[0].shown}: never reached {metric} {sign} {threshold:g}; a measured entry "
            "needs every run to reach it (drop the log or lower the threshold)"
        )
    if path.exists() and not force:
        raise InputError(f"{shown}: exists; pass --force to overwrite it")
    folder = path.parent.resolve()
    rel_logs = []
    for log in runlogs:
        rel = Path(os.path.relpath(log.path.resolve(), folder))
        if ".." in rel.parts:
            raise InputError(
                f"{display_path(log.path)}: lies outside {display_path(folder)}; an entry "
                "reads its logs from its own folder or below (move the logs or the entry)"
            )
        rel_logs.append(rel.as_posix())
    data, placeholders = entry_data(
        path, runlogs, crossings, rel_logs, metric, threshold, direction, rule, options
    )
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # Validate exactly what will be on disk, and recompute it as `algoeff check` will.
    try:
        entry = validate(parse_yaml(text, shown), Entry, shown)
    except ProblemsError as exc:
        raise InputError(f"the entry would not validate: {exc.problems[0]}") from None
    estimate = entry.compute.estimate(MethodContext(entry_dir=folder))
    stated = entry.compute.training_flop
    if stated is None or not math.isclose(estimate.flop, stated, rel_tol=1e-9):
        raise InputError(f"{shown}: recomputation {estimate.flop:g} != stated {stated:g}")
    write_atomic(path, text.encode("utf-8"))
    return entry, placeholders


def entry_data(
    path: Path,
    runlogs: list[RunLog],
    crossings: list[Crossing],
    rel_logs: list[str],
    metric: str,
    threshold: float,
    direction: Direction,
    rule: Rule,
    options: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """The entry as plain data, and the fields left as placeholders for a person to fill."""
    placeholders: list[str] = []

    def pick(name: str, default: Any, field: str) -> Any:
        value = options.get(name)
        if value is not None:
            return value
        if default in (PLACEHOLDER_ID, PLACEHOLDER_URL) or str(default).startswith(
            _PLACEHOLDER_TITLE
        ):
            placeholders.append(field)
        return default

    first = runlogs[0].header
    model = pick("model", first.model.class_name, "model")
    folder_name = path.parent.name
    benchmark = pick(
        "benchmark",
        folder_name if re.match(ID_PATTERN, folder_name) else PLACEHOLDER_ID,
        "benchmark",
    )
    entry_id = options.get("entry_id") or path.stem
    if not re.match(ID_PATTERN, entry_id):
        raise InputError(
            f"{entry_id!r} is not an id (lower-case words joined by '-' or '.'); pass --id"
        )
    started = dt.date.fromisoformat(first.started_at[:10])
    date = options.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    values = [c.training_flop or 0.0 for c in crossings]
    mean = sum(values) / len(values)
    scale = 100.0 if options.get("percent") else 1.0
    url = pick("url", PLACEHOLDER_URL, "publication.url")
    title = pick("title", f"{_PLACEHOLDER_TITLE}: the publication of {model}", "publication.title")
    runs = [
        {
            "log": rel,
            "evaluation": c.evaluation,
            "metric_value": c.metric_value,
            "examples": _whole(c.examples),
            "steps": _whole(c.steps),
            "training_flop": _whole(c.training_flop),
            "flop_per_example": c.flop_per_example,
        }
        for rel, c in zip(rel_logs, crossings, strict=True)
    ]
    seeds = [log.header.seed for log in runlogs]
    seed_text = (
        "seeds " + ", ".join(str(s) for s in seeds)
        if all(s is not None for s in seeds)
        else "seeds not all recorded"
    )
    notes = (
        f"Measured with algoeff's ComputeMeter ({first.counter}, torch {first.torch_version}, "
        f"{first.device}); {len(runlogs)} run(s), {seed_text}. training_flop is the mean over "
        "the runs of the training FLOP (model FLOP, multiply-add = 2) up to the "
        f"{RULE_TEXT[rule]}; the range is their min and max. Evaluation compute is not included."
    )
    data: dict[str, Any] = {
        "id": entry_id,
        "benchmark": benchmark,
        "name": pick("name", model, "name"),
        "model": model,
        "publication": {
            "title": title,
            "url": url,
            "date": date if date is not None else started,
        },
        "result": {
            "value": min(c.metric_value or 0.0 for c in crossings) * scale,
            "source": "runs",
            "where": f"evaluation records of the run logs ({metric}, lowest over runs"
            + (", x 100 as a percentage)" if scale != 1 else ")"),
        },
        "training_data": {"datasets": [pick("dataset", PLACEHOLDER_ID, "training_data.datasets")]},
        "compute": {
            "method": "measured",
            "training_flop": mean,
            "logs": rel_logs,
            "metric": metric,
            "threshold": threshold,
            "direction": direction,
            "rule": rule,
            "runs": runs,
        },
        "analysis": {"name": "algoeff measure (ComputeMeter run logs)"},
        "notes": notes,
        "sources": [
            {
                # `algoeff check` wants one title per URL: the runs are cited as the publication.
                "id": "runs",
                "title": title,
                "url": url,
                "where": ("run logs (algoeff.model.runlog/1): " + ", ".join(rel_logs))[:500],
            }
        ],
    }
    if date is None:
        placeholders.append("publication.date")
    return data, placeholders
