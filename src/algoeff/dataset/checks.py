"""`algoeff check`: every rule an entry must satisfy beyond its schema.

Each rule returns problems instead of raising, so that one run reports every
problem at once. Rules: recomputation against the stated and the published
figures, threshold reached, training-data rule, one existing baseline per
benchmark, dates (valid, not in the future, consistent with the arXiv id),
sources cited by existing ids, ids equal to file names, one URL per
publication, learning curves (dataset/curves.py), and generated files in sync.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from algoeff.core.errors import Problem, ProblemsError
from algoeff.core.fields import arxiv_year_month
from algoeff.core.files import display_path
from algoeff.core.units import to_flop
from algoeff.dataset.curves import curve_problems
from algoeff.dataset.derive import BenchmarkView, Row, derive
from algoeff.dataset.load import BENCHMARKS_FILE, Dataset, LoadedEntry, load_dataset
from algoeff.model.methods import Measured
from algoeff.model.schema import Benchmark, Entry


def _relative_gap(a: float, b: float) -> float:
    return abs(a - b) / b


def check_recomputation(row: Row) -> list[Problem]:
    """The stated figure and each published figure against the recomputation."""
    entry, shown, est = row.entry, row.loaded.shown, row.estimate
    problems = []
    stated = entry.compute.training_flop
    if stated is None:
        problems.append(
            Problem(
                shown,
                "compute.training_flop",
                "is missing",
                f"the compute the entry states; the inputs give {est.flop:.4g}",
            )
        )
    elif (gap := _relative_gap(stated, est.flop)) > entry.compute.tolerance:
        problems.append(
            Problem(
                shown,
                "compute.training_flop",
                f"states {stated:.4g} FLOP but the inputs give {est.flop:.4g} ({gap:.1%} apart)",
                f"within {entry.compute.tolerance:.1%}; fix the inputs or state {est.flop:.4g}",
            )
        )
    for i, fig in enumerate(entry.published):
        canonical = to_flop(fig.value, fig.unit, fig.convention)
        target = est.flop if fig.scope == "to-target" else est.run_flop
        gap = _relative_gap(canonical, target)
        field = f"published.{i}"
        if gap > fig.tolerance and fig.discrepancy is None:
            problems.append(
                Problem(
                    shown,
                    field,
                    f"{fig.value:g} {fig.unit} ({fig.convention}) is {canonical:.4g} FLOP, "
                    f"{gap:.1%} from the recomputed {target:.4g} ({fig.scope})",
                    f"within {fig.tolerance:.1%}, or a 'discrepancy' saying why",
                )
            )
        elif gap <= fig.tolerance and fig.discrepancy is not None:
            problems.append(
                Problem(
                    shown,
                    f"{field}.discrepancy",
                    f"explains a difference, but the figures agree ({gap:.1%} apart)",
                    "no discrepancy note when the figures agree",
                    "warning",
                )
            )
    return problems


def check_entry(
    loaded: LoadedEntry, benchmarks: dict[str, Benchmark], today: dt.date
) -> list[Problem]:
    """Rules that need only the entry and its benchmark definition."""
    entry, shown, path = loaded.entry, loaded.shown, loaded.path
    problems: list[Problem] = []

    def add(field: str, message: str, expected: str = "", severity: str = "error") -> None:
        problems.append(Problem(shown, field, message, expected, severity))  # type: ignore[arg-type]

    if entry.id != path.stem:
        add("id", f"{entry.id!r} differs from the file name {path.stem!r}", f"id: {path.stem}")
    if entry.benchmark != path.parent.name:
        add(
            "benchmark",
            f"{entry.benchmark!r} differs from the folder {path.parent.name!r}",
            f"benchmark: {path.parent.name}",
        )
    bench = benchmarks.get(entry.benchmark)
    if bench is None:
        add(
            "benchmark",
            f"unknown benchmark {entry.benchmark!r}",
            f"one of {', '.join(sorted(benchmarks))}",
        )
    else:
        if not bench.reached(entry.result.value):
            sign = ">=" if bench.direction == "higher" else "<="
            add(
                "result.value",
                f"{entry.result.value:g} does not reach the threshold",
                f"{sign} {bench.threshold:g} {bench.metric.unit}",
            )
        problems += _measured_level(entry, bench, shown)
        allowed = bench.training_data.allowed
        if allowed is not None:
            for i, name in enumerate(entry.training_data.datasets):
                if name not in allowed:
                    add(
                        f"training_data.datasets.{i}",
                        f"{name!r} breaks the rule: {bench.training_data.rule}",
                        f"only {', '.join(allowed)}",
                    )

    date = entry.publication.date
    if date > today:
        add(
            "publication.date",
            f"{date.isoformat()} is in the future",
            f"a date on or before {today}",
        )
    url_id = _ARXIV_URL.search(entry.publication.url)
    arxiv = entry.publication.arxiv or (url_id.group(1) if url_id else None)
    if url_id and entry.publication.arxiv and url_id.group(1) != entry.publication.arxiv:
        add(
            "publication.arxiv",
            f"{entry.publication.arxiv} is not the id in the URL {entry.publication.url}",
            url_id.group(1),
        )
    if arxiv is not None:
        year, month = arxiv_year_month(arxiv)
        if (date.year, date.month) != (year, month):
            add(
                "publication.date",
                f"{date.isoformat()} is not in the month of arXiv {arxiv}",
                f"a date in {year}-{month:02d}",
            )

    ids = [s.id for s in entry.sources]
    for i, sid in enumerate(ids):
        if sid in ids[:i]:
            add(f"sources.{i}.id", f"{sid!r} is used twice", "unique source ids")
    cited: list[tuple[str, str | None]] = [("result.source", entry.result.source)]
    cited += [(f"published.{i}.source", f.source) for i, f in enumerate(entry.published)]
    for name, q in entry.compute.quantities():
        field = f"compute.{name}"
        cited.append((f"{field}.source", q.source))
        if q.source is None:
            add(
                f"{field}.source",
                "input cites no source",
                "the id of an entry in sources",
                "warning",
            )
    for field, cited_id in cited:
        if cited_id is not None and cited_id not in ids:
            add(field, f"cites {cited_id!r}, which is not in sources", f"one of {', '.join(ids)}")
    return problems


def _measured_level(entry: Entry, bench: Benchmark, shown: str) -> list[Problem]:
    """A measured entry's logs must have been read at the benchmark's own level.

    Logs often record a percentage as a fraction of one (top-5 0.791 for 79.1 %),
    so a threshold 100 times smaller is the same level when the benchmark's unit is %.
    """
    compute = entry.compute
    if not isinstance(compute, Measured):
        return []
    problems = []
    scales = (1.0, 100.0) if bench.metric.unit == "%" else (1.0,)
    if not any(math.isclose(compute.threshold * k, bench.threshold) for k in scales):
        problems.append(
            Problem(
                shown,
                "compute.threshold",
                f"{compute.threshold:g} is not the benchmark's level",
                f"{bench.threshold:g} {bench.metric.unit}"
                + (f" (or {bench.threshold / 100:g})" if len(scales) > 1 else ""),
            )
        )
    if compute.direction != bench.direction:
        problems.append(
            Problem(
                shown,
                "compute.direction",
                f"{compute.direction!r} differs from the benchmark's",
                repr(bench.direction),
            )
        )
    return problems


_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
_WORD = re.compile(r"[a-z0-9]+")


def _norm_title(title: str) -> str:
    return " ".join(_WORD.findall(title.casefold()))


def _norm_url(url: str) -> str:
    url = url.split("#", 1)[0].rstrip("/")
    return re.sub(r"^http://", "https://", url)


def check_urls(entries: list[LoadedEntry]) -> list[Problem]:
    """The same URL must not stand for two different publications anywhere in the dataset."""
    first: dict[str, tuple[str, str]] = {}  # url -> (normalized title, where first seen)
    problems = []
    for loaded in sorted(entries, key=lambda e: str(e.path)):
        e = loaded.entry
        pairs = [("publication.url", e.publication.url, e.publication.title)]
        pairs += [(f"sources.{i}.url", s.url, s.title) for i, s in enumerate(e.sources)]
        for field, url, title in pairs:
            key, norm = _norm_url(url), _norm_title(title)
            seen = first.setdefault(key, (norm, f"{loaded.shown} ({title})"))
            if seen[0] != norm:
                problems.append(
                    Problem(
                        loaded.shown,
                        field,
                        f"{url} is also the URL of a different publication: {seen[1]}",
                        "one URL per publication, with the same title everywhere",
                    )
                )
    return problems


def check_baselines(dataset: Dataset, views: list[BenchmarkView]) -> list[Problem]:
    """Exactly one baseline per benchmark: the named entry must exist and be the earliest."""
    shown = display_path(dataset.root / BENCHMARKS_FILE)
    problems = []
    for i, view in enumerate(views):
        bench = view.benchmark
        field = f"benchmarks.{i}.baseline"
        if view.baseline is None:
            problems.append(
                Problem(
                    shown,
                    field,
                    f"{bench.baseline!r} is not an entry of {bench.id}",
                    f"analysis/{bench.id}/{bench.baseline}.yaml",
                )
            )
            continue
        base_date = view.baseline.entry.publication.date
        for row in view.rows:
            if row.entry.publication.date < base_date:
                problems.append(
                    Problem(
                        row.loaded.shown,
                        "publication.date",
                        f"predates the baseline {bench.baseline!r}",
                        f"on or after {base_date}",
                        "warning",
                    )
                )
    return problems


@dataclass(frozen=True)
class Audit:
    """A loaded dataset, its derived views, and every problem found in it."""

    dataset: Dataset
    views: list[BenchmarkView]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def audit_dataset(
    root: Path,
    files: list[Path] | None = None,
    *,
    today: dt.date | None = None,
) -> Audit:
    """Load, derive and check the dataset at ``root`` (or only ``files``) in one pass.

    The generated files are not compared here (they are outputs, a layer above):
    ``outputs.render.check_repository`` adds that.
    """
    dataset = load_dataset(root, files)
    problems = list(dataset.problems)
    day = today or dt.date.today()
    for loaded in dataset.entries:
        problems += check_entry(loaded, dataset.benchmarks, day)
    views = derive(dataset, problems)
    for view in views:
        for row in view.rows:
            problems += check_recomputation(row)
            stated = row.entry.compute.training_flop or row.estimate.flop
            problems += curve_problems(row.loaded, view.benchmark, stated)
    problems += check_urls(dataset.entries)
    if files is None:
        problems += check_baselines(dataset, views)
    problems = sorted(set(problems), key=lambda p: (p.path, p.field, p.message))
    return Audit(dataset, views, problems)


def clean_audit(root: Path) -> Audit:
    """The dataset and its views for commands that need valid data (render, show, trend);
    raises ProblemsError with every error otherwise."""
    audit = audit_dataset(root)
    if audit.errors:
        raise ProblemsError(audit.errors)
    return audit


def check_dataset(
    root: Path,
    files: list[Path] | None = None,
    *,
    today: dt.date | None = None,
) -> list[Problem]:
    """Every problem in the dataset at ``root`` (or only in ``files``), sorted."""
    return audit_dataset(root, files, today=today).problems
