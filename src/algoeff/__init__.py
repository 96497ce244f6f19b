"""algoeff: the training compute it takes to reach a fixed level of performance.

Public API (the CLI is a thin layer over it):

    load_dataset(root)           benchmarks and analysis entries from disk
    derive(dataset)              estimates, reduction factors and the frontier
    audit_dataset(root)          load + derive + every check, in one pass
    check_repository(root)       what `algoeff check` reports: the dataset and its generated files
    Entry, Benchmark             the dataset's models (JSON Schema: schema.json_schemas())
    Operations, Hardware, Transformer, Reported, Measured
                                 compute methods; .estimate() gives an Estimate in FLOP

Measuring PyTorch training lives in algoeff.measure (extra `torch`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from algoeff.core.errors import AlgoeffError, InputError, MissingExtraError, Problem, ProblemsError
from algoeff.dataset.checks import Audit, audit_dataset, check_dataset
from algoeff.dataset.derive import BenchmarkView, Row, derive
from algoeff.dataset.load import Dataset, LoadedEntry, find_root, load_dataset
from algoeff.model.methods import (
    Estimate,
    Hardware,
    Measured,
    MethodContext,
    Operations,
    Reported,
    Transformer,
)
from algoeff.model.schema import Benchmark, Entry
from algoeff.outputs.render import check_repository

try:
    __version__ = version("algoeff")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "AlgoeffError",
    "Audit",
    "Benchmark",
    "BenchmarkView",
    "Dataset",
    "Entry",
    "Estimate",
    "Hardware",
    "InputError",
    "LoadedEntry",
    "Measured",
    "MethodContext",
    "MissingExtraError",
    "Operations",
    "Problem",
    "ProblemsError",
    "Reported",
    "Row",
    "Transformer",
    "__version__",
    "audit_dataset",
    "check_dataset",
    "check_repository",
    "derive",
    "find_root",
    "load_dataset",
]
