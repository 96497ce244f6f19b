"""The site's downloadable files: everything as JSON, the CSV, the JSON Schemas.

All are deterministic (sorted keys, fixed order of benchmarks and entries) so a
rebuild gives identical bytes.
"""

from __future__ import annotations

import json
from typing import Any

from algoeff.dataset.derive import BenchmarkView, Row
from algoeff.model.schema import SCHEMA_VERSION, json_schemas
from algoeff.outputs.site.citation import BuildInfo
from algoeff.outputs.site.summary import Headline
from algoeff.outputs.tables import csv_text

Paths = dict[tuple[str, str], str | None]  # (benchmark id, entry id) -> file in the repository

UNITS = {"flop": "FLOP, one multiply-add = 2", "tfs_days": "1e12 FLOP/s for one day"}


def _row(row: Row, path: str | None) -> dict[str, Any]:
    return {
        "entry": row.entry.model_dump(mode="json"),
        "path": path,
        "estimate": row.estimate.as_dict(),
        "reduction": None
        if row.reduction is None
        else {"value": row.reduction.value, "low": row.reduction.low, "high": row.reduction.high},
        "on_frontier": row.on_frontier,
        "tier": row.tier,
    }


def everything(headlines: list[Headline], paths: Paths, info: BuildInfo) -> dict[str, Any]:
    """Benchmarks with their entries and every derived number, as one JSON-ready mapping,
    with the dataset version and the commit and date of the build (``info``).

    ``paths`` maps (benchmark id, entry id) to the entry file's path in the repository.
    """
    benchmarks = []
    for h in headlines:
        view: BenchmarkView = h.view
        benchmarks.append(
            {
                "benchmark": view.benchmark.model_dump(mode="json"),
                "best_entry": None if h.best is None else h.best.entry.id,
                "trend": None if h.trend is None else h.trend.as_dict(),
                "moore_factor": h.moore_factor,
                "span_years": h.span_years,
                "entries": [_row(r, paths[r.entry.benchmark, r.entry.id]) for r in view.rows],
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        **info.as_dict(),
        "units": UNITS,
        "benchmarks": benchmarks,
    }


def everything_json(headlines: list[Headline], paths: Paths, info: BuildInfo) -> bytes:
    """``everything`` as the JSON download: sorted keys, UTF-8, no NaN, one line."""
    data = everything(headlines, paths, info)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def schema_files() -> dict[str, bytes]:
    """File name -> JSON Schema (entry.schema.json, benchmarks.schema.json)."""
    return {
        f"{name}.schema.json": (json.dumps(schema, indent=2, sort_keys=True) + "\n").encode()
        for name, schema in sorted(json_schemas().items())
    }


def csv_meta(info: BuildInfo, csv_name: str) -> bytes:
    """The CSV's companion (efficiency_sota.meta.json): which dataset version, commit and
    date the CSV comes from; the CSV itself stays the file `algoeff render` writes."""
    data = {
        "file": csv_name,
        **info.as_dict(),
        "columns": {
            "Compute (teraflops-s/days)": "tfs-days in the row's compute_convention "
            "(the original tracker's, as published)",
            "flop, flop_low, flop_high": UNITS["flop"],
            "tier": "verification tier: reported, estimated, counted or measured",
        },
    }
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def csv_bytes(views: list[BenchmarkView]) -> bytes:
    """The frontier CSV: the same file that `algoeff render` writes (outputs.tables)."""
    return csv_text(views).encode()
