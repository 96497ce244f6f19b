"""The JSON download is exactly json.dumps of the whole mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_fixtures import write_dataset

from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.trend import fit_trends
from algoeff.outputs.site import downloads
from algoeff.outputs.site.build import DEFAULT_REPO_URL, entry_paths
from algoeff.outputs.site.citation import build_info
from algoeff.outputs.site.summary import headline

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dataset", ["bundled", "hostile"])
def test_json_download_is_the_dumped_mapping(dataset: str, tmp_path: Path) -> None:
    """Same bytes as json.dumps(everything(...)) (sorted keys, UTF-8, no NaN); the hostile
    dataset brings quotes, '<' and non-ASCII."""
    root = REPO if dataset == "bundled" else write_dataset(tmp_path / "data-set")
    loaded = load_dataset(root)
    views = derive(loaded)
    trends = fit_trends(views, draws=200)
    headlines = [headline(v, trends[v.benchmark.id]) for v in views]
    paths = entry_paths(loaded, views)
    info = build_info(loaded, DEFAULT_REPO_URL)
    whole = json.dumps(
        downloads.everything(headlines, paths, info),
        sort_keys=True,
        ensure_ascii=False,
        allow_nan=False,
    )
    expected = (whole + "\n").encode()
    assert downloads.everything_json(headlines, paths, info) == expected
    assert len(json.loads(expected)["benchmarks"]) == len(views)
    assert max(expected) > 127  # non-ASCII text went through as UTF-8
