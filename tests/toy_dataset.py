"""A small valid dataset for tests: one toy benchmark, a baseline entry, helpers to vary it.

Imported by name (``from toy_dataset import entry_dict``) from any test folder;
conftest modules cannot be imported that way once there are several.
"""

from __future__ import annotations

import copy
from typing import Any

BENCHMARK: dict[str, Any] = {
    "id": "toy-level",
    "name": "Toy-level accuracy",
    "label": "Toy",
    "task": "classification",
    "dataset": "Toy",
    "metric": {"name": "top-1 accuracy", "unit": "%"},
    "threshold": 90.0,
    "direction": "higher",
    "training_data": {"allowed": ["toy"], "rule": "Toy data only."},
    "baseline": "base",
}

ENTRY: dict[str, Any] = {
    "id": "base",
    "benchmark": "toy-level",
    "name": "Base net",
    "model": "Base net",
    "publication": {
        "title": "A base network",
        "url": "https://arxiv.org/abs/1409.00001",
        "arxiv": "1409.00001",
        "date": "2014-09-10",
    },
    "result": {"value": 91.0, "source": "paper", "where": "Table 1"},
    "training_data": {"datasets": ["toy"]},
    "compute": {
        "method": "operations",
        "forward_macs": {"value": 1.0e9, "unit": "multiply-add", "source": "paper"},
        "passes": {"value": 3, "unit": "pass", "source": "paper"},
        "examples": {"value": 1.0e6, "unit": "example", "source": "paper"},
        "epochs": {"value": 10, "unit": "epoch", "source": "paper"},
        "training_flop": 6.0e16,
    },
    "published": [
        {
            "value": 3.0e16,
            "unit": "FLOP",
            "convention": "multiply-add=1",
            "source": "paper",
            "where": "Table 2",
        }
    ],
    "analysis": {"name": "Toy analysis", "url": "https://example.org/toy-analysis"},
    "sources": [
        {"id": "paper", "title": "A base network", "url": "https://arxiv.org/abs/1409.00001"}
    ],
}


def entry_dict(entry_id: str, **changes: Any) -> dict[str, Any]:
    """A valid entry named ``entry_id``; ``changes`` replace top-level fields."""
    data = copy.deepcopy(ENTRY)
    data["id"] = entry_id
    data.update(changes)
    return data
