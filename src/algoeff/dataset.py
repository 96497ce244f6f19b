"""The dataset on disk: benchmark definitions and one analysis file per entry.

    data/benchmarks.yaml                      the benchmarks
    analysis/<benchmark-id>/<entry-id>.yaml   one entry each, so two submissions never collide

Loading never stops at the first bad file: every problem is collected, and the
entries that did load are kept so that later checks can still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from algoeff.errors import InputError, Problem, ProblemsError
from algoeff.loading import display_path, load_model
from algoeff.schema import Benchmark, BenchmarkFile, Entry

BENCHMARKS_FILE = Path("data") / "benchmarks.yaml"
ANALYSIS_DIR = Path("analysis")
ENTRY_SUFFIX = ".yaml"


@dataclass(frozen=True)
class LoadedEntry:
    """An entry and the file it came from."""

    entry: Entry
    path: Path

    @property
    def shown(self) -> str:
        return display_path(self.path)


@dataclass
class Dataset:
    root: Path
    benchmarks: dict[str, Benchmark]
    entries: list[LoadedEntry]
    problems: list[Problem] = field(default_factory=list)

    def entries_of(self, benchmark_id: str) -> list[LoadedEntry]:
        """Entries of one benchmark, by publication date then id."""
        return sorted(
            (e for e in self.entries if e.entry.benchmark == benchmark_id),
            key=lambda e: (e.entry.publication.date, e.entry.id),
        )


def is_dataset_root(path: Path) -> bool:
    return (path / BENCHMARKS_FILE).is_file()


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) that holds a dataset."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_dataset_root(candidate):
            return candidate
    raise InputError(
        f"{display_path(here)}: no dataset found here or above "
        f"(expected a folder with {BENCHMARKS_FILE}); pass --root"
    )


def entry_files(root: Path) -> list[Path]:
    """Every analysis file under ``root``, sorted so that output is deterministic."""
    base = root / ANALYSIS_DIR
    if not base.is_dir():
        return []
    return sorted(base.glob(f"*/*{ENTRY_SUFFIX}"))


def load_entry(path: Path) -> LoadedEntry:
    """Load one analysis file; raises ProblemsError listing what is wrong with it."""
    return LoadedEntry(load_model(path, Entry), path)


def load_benchmarks(root: Path) -> dict[str, Benchmark]:
    file = load_model(root / BENCHMARKS_FILE, BenchmarkFile)
    out: dict[str, Benchmark] = {}
    shown = display_path(root / BENCHMARKS_FILE)
    for i, bench in enumerate(file.benchmarks):
        if bench.id in out:
            raise ProblemsError(
                [
                    Problem(
                        shown, f"benchmarks.{i}.id", f"{bench.id!r} is defined twice", "unique ids"
                    )
                ]
            )
        out[bench.id] = bench
    return out


def load_dataset(root: Path, files: list[Path] | None = None) -> Dataset:
    """Load the benchmarks and every entry, collecting problems."""
    benchmarks = load_benchmarks(root)
    problems: list[Problem] = []
    entries: list[LoadedEntry] = []
    for path in entry_files(root) if files is None else files:
        try:
            entries.append(load_entry(path))
        except ProblemsError as exc:
            problems.extend(exc.problems)
    return Dataset(root, benchmarks, entries, problems)
