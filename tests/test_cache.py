"""The parse cache: keyed by content, pruned to what was used, off with ALGOEFF_CACHE=0."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from algoeff.cache import ParseCache
from algoeff.dataset import load_dataset

Write = Callable[..., Path]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ALGOEFF_CACHE_DIR", str(folder))
    monkeypatch.delenv("ALGOEFF_CACHE", raising=False)
    return folder


def _stored(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ParseCache(root).path.read_text())
    return data


def test_second_load_uses_cache_and_edits_are_reparsed(
    write_dataset: Write, faster_entry: dict[str, Any], cache_dir: Path
) -> None:
    """An unchanged file comes from the cache; an edited one is parsed again, its old data dropped."""
    root = write_dataset({"faster": faster_entry})
    first = load_dataset(root)
    assert len(_stored(root)) == 2
    assert load_dataset(root).entries == first.entries
    path = root / "analysis" / "toy-level" / "faster.yaml"
    path.write_text(path.read_text().replace("Faster net", "Edited net"))
    again = load_dataset(root)
    assert {e.entry.name for e in again.entries} == {"Base net", "Edited net"}
    assert len(_stored(root)) == 2


def test_bad_files_are_not_cached(write_dataset: Write, cache_dir: Path) -> None:
    """A file that fails to parse is reported every time, never stored."""
    root = write_dataset()
    (root / "analysis" / "toy-level" / "bad.yaml").write_text("a: [\n")
    for _ in range(2):
        assert [p.field for p in load_dataset(root).problems] == ["line 2"]
    assert len(_stored(root)) == 1


def test_unreadable_cache_is_ignored(write_dataset: Write, cache_dir: Path) -> None:
    """A corrupt cache file only costs the time to parse again."""
    root = write_dataset()
    path = ParseCache(root).path
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert len(load_dataset(root).entries) == 1
    assert len(_stored(root)) == 1


def test_cache_can_be_turned_off(
    write_dataset: Write, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALGOEFF_CACHE", "0")
    root = write_dataset()
    load_dataset(root)
    assert not cache_dir.exists()
