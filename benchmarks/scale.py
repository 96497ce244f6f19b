"""Scale benchmark: `algoeff build` (check + render + site, one load) on synthetic datasets.

Writes a synthetic dataset of valid entries (50 benchmarks, operations method
with ranges, half of them with a published figure counted multiply-add = 1) to
a temporary folder, then times `algoeff build` as a subprocess of the installed
CLI, so the seconds include interpreter start-up and imports, as a user sees
them. Each size is built --repeat times (default 3): the first run is cold (just
after the dataset was written), the table gives it and the best of the runs, and
the cost per entry. The disk is synced before each run. --phases times the
parts of one in-process build (load, checks, derived files, site); --profile
prints a cProfile of one.

    .venv/bin/python benchmarks/scale.py                      # 1,000, 3,000 and 10,000 entries
    .venv/bin/python benchmarks/scale.py --sizes 10000 --phases
    .venv/bin/python benchmarks/scale.py --sizes 10000 --profile
    .venv/bin/python benchmarks/scale.py --keep /tmp/scale    # keep the datasets and sites

Results and the machine they came from: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import math
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from algoeff.dataset.checks import audit_dataset
from algoeff.dataset.load import load_dataset
from algoeff.outputs.build import build_all
from algoeff.outputs.render import TABLES_END, TABLES_START, write_outputs
from algoeff.outputs.site.build import write_site

BENCHMARKS = 50
SIZES = (1_000, 3_000, 10_000)
SEED = 4
FIRST_DAY = dt.date(2012, 1, 1)
DAYS = 13 * 365  # entries spread over 2012-2024
HALVING_MONTHS = 16.0  # planted trend, the efficiency paper's ImageNet figure
IMAGES = 1.28e6
EPOCHS = 90.0
BASE_MACS = 7.7e8  # AlexNet's forward multiply-adds per image
TARGET_S = 30.0  # docs/benchmarks.md: 10,000 entries through `algoeff build`

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _benchmark(b: int, baseline: str) -> dict[str, Any]:
    return {
        "id": f"synthetic-{b:02d}",
        "name": f"Synthetic benchmark {b}",
        "label": f"Synthetic {b}",
        "task": "classification",
        "dataset": "Synthetic",
        "metric": {"name": "top-1 accuracy", "unit": "%"},
        "threshold": 80.0,
        "direction": "higher",
        "training_data": {"allowed": ["synthetic"], "rule": "Synthetic data only."},
        "baseline": baseline,
    }


def _entry(rng: random.Random, b: int, i: int, day: dt.date) -> dict[str, Any]:
    """One valid entry; compute falls with the planted trend, times log-normal noise."""
    years = (day - FIRST_DAY).days / 365.25
    scale = 2.0 ** (-years * 12 / HALVING_MONTHS) * math.exp(rng.gauss(0, 0.6)) if i else 1.0
    macs = BASE_MACS * scale
    epochs = EPOCHS if i == 0 else float(rng.randint(4, 90))
    flop = macs * 2 * 3 * IMAGES * epochs  # the operations method's own product
    url = f"https://example.org/synthetic/{b:02d}/{i:05d}"
    title = f"Synthetic network {b}-{i}"
    entry: dict[str, Any] = {
        "id": f"e{i:05d}",
        "benchmark": f"synthetic-{b:02d}",
        "name": f"Net {b}-{i}",
        "model": f"Net {b}-{i}",
        "publication": {"title": title, "url": url, "date": day},
        "result": {"value": round(80 + rng.random() * 5, 2), "source": "paper", "where": "Table 1"},
        "training_data": {"datasets": ["synthetic"]},
        "compute": {
            "method": "operations",
            "forward_macs": {"value": macs, "unit": "multiply-add", "source": "paper"},
            "passes": {"value": 3.0, "unit": "pass", "source": "paper"},
            "examples": {"value": IMAGES, "unit": "image", "source": "paper"},
            "epochs": {
                "value": epochs,
                "low": epochs * 0.8,
                "high": epochs * 1.25,
                "unit": "epoch",
                "source": "paper",
                "where": "Figure 2",
            },
            "training_flop": flop,
        },
        "analysis": {"name": "Synthetic analysis", "url": "https://example.org/analysis"},
        "notes": "Synthetic entry written by benchmarks/scale.py.",
        "sources": [{"id": "paper", "title": title, "url": url, "where": "Table 1"}],
    }
    if i % 2:
        entry["published"] = [
            {"value": flop / 2, "unit": "FLOP", "convention": "multiply-add=1", "source": "paper"}
        ]
    return entry


def write_dataset(root: Path, entries: int, benchmarks: int = BENCHMARKS) -> None:
    """A valid dataset of ``entries`` entries spread evenly over ``benchmarks`` benchmarks."""
    rng = random.Random(SEED)
    per = entries // benchmarks
    defs = []
    for b in range(benchmarks):
        folder = root / "analysis" / f"synthetic-{b:02d}"
        folder.mkdir(parents=True)
        # The baseline is the earliest entry; the rest follow at random days.
        offsets = sorted(rng.randrange(1, DAYS) for _ in range(per - 1))
        later = [FIRST_DAY + dt.timedelta(days=d) for d in offsets]
        days = [FIRST_DAY, *later]
        for i, day in enumerate(days):
            data = _entry(rng, b, i, day)
            text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
            (folder / f"{data['id']}.yaml").write_text(text, encoding="utf-8")
        defs.append(_benchmark(b, "e00000"))
    (root / "data").mkdir()
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.dump({"benchmarks": defs}, Dumper=_Dumper, sort_keys=False), encoding="utf-8"
    )
    (root / "README.md").write_text(f"# Synthetic\n\n{TABLES_START}\n{TABLES_END}\n")


def algoeff_command() -> list[str]:
    script = Path(sys.executable).with_name("algoeff")
    if script.is_file():
        return [str(script)]
    found = shutil.which("algoeff")
    if found is None:
        sys.exit("error: the algoeff command is not installed (pip install -e '.[site]')")
    return [found]


class Timing(NamedTuple):
    """One run: wall-clock seconds and the CPU seconds of the command."""

    wall: float
    user: float
    system: float


def run_build(root: Path, site: Path) -> tuple[Timing, int, str]:
    """Timing, exit status and the last line of output of `algoeff build`."""
    args = [*algoeff_command(), "build", "--root", str(root), "--out", str(site)]
    # Write back what earlier steps left dirty so that each run pays for its own disk work.
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing = Timing(wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return timing, done.returncode, lines[-1] if lines else ""


def phases(root: Path, site: Path) -> dict[str, float]:
    """Seconds of each part of one in-process build, in the order `build_all` runs them."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    load_dataset(root)
    out["load (read, parse, validate)"] = time.perf_counter() - start
    start = time.perf_counter()
    audit = audit_dataset(root)
    out["load + derive + checks"] = time.perf_counter() - start
    start = time.perf_counter()
    write_outputs(audit.dataset, audit.views)
    out["derived files (CSV, README, chart)"] = time.perf_counter() - start
    start = time.perf_counter()
    write_site(audit.dataset, audit.views, site)
    out["site (trend fits, pages)"] = time.perf_counter() - start
    return out


def profile_build(root: Path, site: Path, top: int = 25) -> str:
    """cProfile of an in-process build, the functions with the most cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    build_all(root, site)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--benchmarks", type=int, default=BENCHMARKS)
    parser.add_argument("--repeat", type=int, default=3, help="builds per size (first is cold)")
    parser.add_argument("--profile", action="store_true", help="cProfile one build per size")
    parser.add_argument("--phases", action="store_true", help="time the parts of one build")
    parser.add_argument("--keep", type=Path, help="write the datasets here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="algoeff-scale-"))
    runs: dict[int, list[Timing]] = {}
    failed = False
    try:
        for size in args.sizes:
            root = work / f"data-{size}"
            site = work / f"site-{size}"
            start = time.perf_counter()
            write_dataset(root, size, args.benchmarks)
            print(f"{size} entries written in {time.perf_counter() - start:.1f} s", flush=True)
            for _ in range(args.repeat):
                timing, status, last = run_build(root, site)
                runs.setdefault(size, []).append(timing)
                failed = failed or status != 0
                print(
                    f"  build {timing.wall:7.2f} s (CPU: user {timing.user:.2f} s, "
                    f"system {timing.system:.2f} s){'' if status == 0 else ': ' + last}",
                    flush=True,
                )
            if args.phases:
                for phase, seconds in phases(root, work / f"phases-site-{size}").items():
                    print(f"  phase {phase:<36} {seconds:7.2f} s", flush=True)
            if args.profile:
                print(profile_build(root, work / f"profile-site-{size}"))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(runs)
    if failed:
        sys.exit(1)


def print_table(runs: dict[int, list[Timing]]) -> None:
    """Markdown: cold and best wall time per size, CPU of the cold run, ms per entry."""
    print("\n| entries | cold (s) | best (s) | cold CPU user / system (s) | best, ms per entry |")
    print("|---:|---:|---:|---:|---:|")
    for size in sorted(runs):
        cold, best = runs[size][0], min(t.wall for t in runs[size])
        print(
            f"| {size:,} | {cold.wall:.2f} | {best:.2f} | {cold.user:.2f} / {cold.system:.2f} "
            f"| {1000 * best / size:.2f} |"
        )
    largest = max(runs, default=0)
    if largest >= 10_000:
        best = min(t.wall for t in runs[largest])
        verdict = "meets" if best <= TARGET_S else "misses"
        print(f"\n{largest:,} entries: best {best:.1f} s, {verdict} the {TARGET_S:.0f} s target.")


if __name__ == "__main__":
    main()
