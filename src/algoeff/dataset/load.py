"""The dataset on disk: benchmark definitions and one analysis file per entry.

    data/benchmarks.yaml                      the benchmarks
    data/dataset.yaml                         the dataset's version (optional)
    analysis/<benchmark-id>/<entry-id>.yaml   one entry each, so two submissions never collide

Loading never stops at the first bad file: every problem is collected, and the
entries that did load are kept so that later checks can still run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import Field

from algoeff.core.errors import InputError, Problem, ProblemsError
from algoeff.core.fields import StrictModel
from algoeff.core.files import display_path, read_text
from algoeff.core.parsing import load_model, parse_yaml, validate
from algoeff.model.schema import Benchmark, BenchmarkFile, Entry

BENCHMARKS_FILE = Path("data") / "benchmarks.yaml"
DATASET_FILE = Path("data") / "dataset.yaml"
ANALYSIS_DIR = Path("analysis")
ENTRY_SUFFIX = ".yaml"


@dataclass(frozen=True)
class LoadedEntry:
    """An entry and the file it came from."""

    entry: Entry
    path: Path

    @cached_property
    def shown(self) -> str:
        return display_path(self.path)


class DatasetFile(StrictModel):
    """data/dataset.yaml: the dataset's semantic version (a new entry or benchmark is minor,
    a corrected figure a patch; CHANGELOG.md, "Data versions", lists each)."""

    version: str = Field(pattern=r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@dataclass
class Dataset:
    root: Path
    benchmarks: dict[str, Benchmark]
    entries: list[LoadedEntry]
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None  # data/dataset.yaml; None when the file is absent

    def entries_of(self, benchmark_id: str) -> list[LoadedEntry]:
        """Entries of one benchmark, by publication date then id."""
        return self._by_benchmark.get(benchmark_id, [])

    @cached_property
    def _by_benchmark(self) -> dict[str, list[LoadedEntry]]:
        groups: dict[str, list[LoadedEntry]] = {}
        for loaded in self.entries:
            groups.setdefault(loaded.entry.benchmark, []).append(loaded)
        for group in groups.values():
            group.sort(key=lambda e: (e.entry.publication.date, e.entry.id))
        return groups


def is_dataset_root(path: Path) -> bool:
    return (path / BENCHMARKS_FILE).is_file()


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) that holds a dataset."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_dataset_root(candidate):
            return candidate
    raise InputError(
        f"no dataset found at {display_path(here)} or above "
        f"(expected a folder with {BENCHMARKS_FILE}); pass --root"
    )


def scan_analysis(root: Path) -> tuple[list[Path], list[Problem]]:
    """Every analysis file under ``root``, sorted; and a problem for each YAML file that sits
    anywhere but ``analysis/<benchmark-id>/<entry-id>.yaml`` (it would be silently ignored).

    Supporting files of other kinds (logs, learning curves) may sit anywhere below.
    """
    base = root / ANALYSIS_DIR
    files: list[Path] = []
    problems: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        depth = len(Path(dirpath).relative_to(base).parts)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if depth == 1 and name.endswith(ENTRY_SUFFIX):
                files.append(path)
            elif name.lower().endswith((".yaml", ".yml")):
                problems.append(
                    Problem(
                        display_path(path),
                        "(file)",
                        "is not where an analysis goes, so it would be ignored",
                        f"{ANALYSIS_DIR}/<benchmark-id>/<entry-id>{ENTRY_SUFFIX}",
                    )
                )
    return files, problems


def entry_files(root: Path) -> list[Path]:
    """Every analysis file under ``root``, sorted so that output is deterministic."""
    return scan_analysis(root)[0]


def _undefined_folders(root: Path, benchmarks: dict[str, Benchmark]) -> list[Problem]:
    base = root / ANALYSIS_DIR
    if not base.is_dir():
        return []
    return [
        Problem(
            display_path(folder),
            "(folder)",
            "is not a benchmark defined in " + str(BENCHMARKS_FILE),
            f"one of {', '.join(benchmarks)}",
        )
        for folder in sorted(base.iterdir())
        if folder.is_dir() and folder.name not in benchmarks
    ]


def load_entry(path: Path) -> LoadedEntry:
    """Load one analysis file; raises ProblemsError listing what is wrong with it."""
    shown = display_path(path)
    data = parse_yaml(read_text(path), shown)
    return LoadedEntry(validate(data, Entry, shown), path)


def load_benchmarks(root: Path) -> dict[str, Benchmark]:
    file = load_model(root / BENCHMARKS_FILE, BenchmarkFile)
    out: dict[str, Benchmark] = {}
    shown = display_path(root / BENCHMARKS_FILE)
    twice = []
    for i, bench in enumerate(file.benchmarks):
        if bench.id in out:
            twice.append(
                Problem(shown, f"benchmarks.{i}.id", f"{bench.id!r} is defined twice", "unique ids")
            )
        out[bench.id] = bench
    if twice:
        raise ProblemsError(twice)
    return out


def load_version(root: Path) -> str | None:
    """The version in data/dataset.yaml, or None without the file; ProblemsError if invalid."""
    path = root / DATASET_FILE
    return load_model(path, DatasetFile).version if path.is_file() else None


def load_dataset(root: Path, files: list[Path] | None = None) -> Dataset:
    """Load the benchmarks, the version and every entry, collecting problems."""
    benchmarks = load_benchmarks(root)
    problems: list[Problem] = []
    if files is None:
        files, problems = scan_analysis(root)
        problems += _undefined_folders(root, benchmarks)
    version = None
    try:
        version = load_version(root)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    entries: list[LoadedEntry] = []
    for path in files:
        try:
            entries.append(load_entry(path))
        except ProblemsError as exc:
            problems.extend(exc.problems)
    return Dataset(root, benchmarks, entries, problems, version)
