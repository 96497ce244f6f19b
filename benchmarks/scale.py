"""Scale benchmark: `algoeff check`, `render` and `site build` on 1,000 and 10,000 entries.

Writes a synthetic dataset of valid entries (50 benchmarks, operations method
with ranges, half of them with a published figure counted multiply-add = 1) to
a temporary folder, then times each command as a subprocess of the installed
CLI, so the seconds include interpreter start-up and imports, as a user sees
them. Commands run in rounds in the order render, check, site build: `check`
compares the generated files with what `render` writes, so it must come after
it. The table gives each command cold (its first run, just after the dataset
was written) and, with --repeat, the best of the rounds, and the total of the
three commands each way. The disk is synced before each command, so that
none pays for the write-back of what came before it. The loader's parse cache
is kept in the work folder: a cold render parses every file and fills it, and
the commands after it read it.

    .venv/bin/python benchmarks/scale.py                 # 1,000 and 10,000 entries
    .venv/bin/python benchmarks/scale.py --sizes 2000 --repeat 3
    .venv/bin/python benchmarks/scale.py --sizes 10000 --phases    # where site build spends it
    .venv/bin/python benchmarks/scale.py --sizes 10000 --profile   # cProfile of site build
    .venv/bin/python benchmarks/scale.py --keep /tmp/scale   # keep the datasets and sites

--profile sees only the main process: the share of the trend fits and entry
pages that build_site gives a worker (Linux, two CPUs) is not in it; --phases
times every phase in-process.

Results and the machine they came from: docs/benchmarks/scale.md.
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

BENCHMARKS = 50
SIZES = (1_000, 10_000)
SEED = 4
FIRST_DAY = dt.date(2012, 1, 1)
DAYS = 13 * 365  # entries spread over 2012-2024
HALVING_MONTHS = 16.0  # planted trend, the efficiency paper's ImageNet figure
IMAGES = 1.28e6
EPOCHS = 90.0
BASE_MACS = 7.7e8  # AlexNet's forward multiply-adds per image
COMMANDS = ("render", "check", "site build")

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
    from algoeff.outputs.render import TABLES_END, TABLES_START

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
    """One command run: wall-clock seconds and the CPU seconds of it and its children."""

    wall: float
    user: float
    system: float


def run(command: str, root: Path, site: Path) -> tuple[Timing, int, str]:
    """Timing, exit status and the last line of output of one CLI command."""
    args = algoeff_command() + command.split() + ["--root", str(root)]
    if command == "site build":
        args += ["--out", str(site)]
    # Write back what earlier steps left dirty (the dataset's 10,000 files, the last site)
    # so that each command pays for its own disk work only.
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing = Timing(wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return timing, done.returncode, lines[-1] if lines else ""


def site_phases(root: Path, site: Path) -> dict[str, float]:
    """Seconds of each phase of an in-process site build, one after the other.

    build_site itself shares the trend fits and the entry pages with a forked
    worker when there is a spare CPU and enough work (algoeff.outputs.site.parallel);
    here every phase runs alone in this process, so the seconds add up to more
    than a real build's.
    """
    from algoeff.dataset.derive import derive
    from algoeff.dataset.load import load_dataset
    from algoeff.dataset.trend import DEFAULT_DRAWS, trend_points
    from algoeff.outputs.site import downloads
    from algoeff.outputs.site.build import (
        _Writer,
        entry_paths,
        plotly_js,
        write_entry_pages,
        write_fixed_files,
        write_trend_pages,
    )
    from algoeff.outputs.site.parallel import fit_job
    from algoeff.outputs.site.summary import headline

    marks = [time.perf_counter()]
    dataset = load_dataset(root)
    marks.append(time.perf_counter())
    views = derive(dataset)
    marks.append(time.perf_counter())
    trends = [fit_job((v.benchmark.id, trend_points(v)), DEFAULT_DRAWS) for v in views]
    marks.append(time.perf_counter())
    site.mkdir(parents=True)
    writer = _Writer(site)
    paths = entry_paths(dataset, views)
    write_entry_pages(views, paths, writer, "https://example.org/")
    marks.append(time.perf_counter())
    has_csv = write_fixed_files(dataset, views, writer, plotly_js())
    entries = {v.benchmark.id: downloads.entries_json(v, paths) for v in views}
    marks.append(time.perf_counter())
    headlines = [headline(v, t) for v, t in zip(views, trends, strict=True)]
    write_trend_pages(headlines, paths, writer, has_csv, entries)
    marks.append(time.perf_counter())
    names = (
        "load",
        "derive",
        "trend fits",
        "entry pages",
        "assets, CSV, entries' JSON",
        "home, benchmark pages, JSON",
    )
    return {name: b - a for name, a, b in zip(names, marks[:-1], marks[1:], strict=True)}


def profile_site(root: Path, site: Path, top: int = 25) -> str:
    """cProfile of an in-process site build, the functions with the most cumulative time."""
    from algoeff.outputs.site import build_site

    profiler = cProfile.Profile()
    profiler.enable()
    build_site(root, site)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--benchmarks", type=int, default=BENCHMARKS)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of the three commands; the table shows the first (cold) and the best",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile site build at each size")
    parser.add_argument(
        "--phases", action="store_true", help="time the phases of an in-process site build"
    )
    parser.add_argument("--keep", type=Path, help="write the datasets here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="algoeff-scale-"))
    # The loader's parse cache (algoeff.cache) goes with the datasets: the first command
    # on a dataset parses every file, the later ones read the cache, and nothing is left
    # in ~/.cache. An explicit ALGOEFF_CACHE_DIR or ALGOEFF_CACHE=0 is respected.
    os.environ.setdefault("ALGOEFF_CACHE_DIR", str(work / "parse-cache"))
    # size -> command -> each run, in order; the first is the cold one
    runs: dict[int, dict[str, list[Timing]]] = {}
    failed = False
    try:
        for size in args.sizes:
            root = work / f"data-{size}"
            site = work / f"site-{size}"
            start = time.perf_counter()
            write_dataset(root, size, args.benchmarks)
            print(f"{size} entries written in {time.perf_counter() - start:.1f} s", flush=True)
            runs[size] = {}
            # Rounds, not one command repeated: every command's first run is cold in the
            # same sense (just after the dataset was written), and a round's commands run
            # in the order a user would run them.
            for _ in range(args.repeat):
                for command in COMMANDS:
                    timing, status, last = run(command, root, site)
                    runs[size].setdefault(command, []).append(timing)
                    if status != 0:
                        failed = True
                        print(f"  {command}: exit {status}: {last}", flush=True)
                    print(
                        f"  {command:<10} {timing.wall:7.2f} s "
                        f"(CPU: user {timing.user:.2f} s, system {timing.system:.2f} s)",
                        flush=True,
                    )
                round_total = sum(times[-1].wall for times in runs[size].values())
                print(f"  {'total':<10} {round_total:7.2f} s", flush=True)
            if args.phases:
                for phase, seconds in site_phases(root, work / f"phases-site-{size}").items():
                    print(f"  site build phase {phase:<26} {seconds:7.2f} s", flush=True)
            if args.profile:
                print(profile_site(root, work / f"profile-site-{size}"))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(runs)
    if failed:
        sys.exit(1)


def print_table(runs: dict[int, dict[str, list[Timing]]]) -> None:
    """Markdown: each command cold (its first run) and best of the runs, and the totals;
    then the CPU seconds of the cold runs (user, and system: mostly the file system)."""
    sizes = sorted(runs)
    repeated = any(len(times) > 1 for by_command in runs.values() for times in by_command.values())
    kinds = ("cold", "best") if repeated else ("cold",)
    header = [f"{s:,} {kind} (s)" for s in sizes for kind in kinds]
    print("\n| command | " + " | ".join(header) + " | ratio (cold) |")
    print("|---|" + "---:|" * (len(header) + 1))

    def cold(size: int, command: str) -> Timing:
        if command == "total":
            firsts = [times[0] for times in runs[size].values()]
            return Timing(*(sum(column) for column in zip(*firsts, strict=True)))
        return runs[size][command][0]

    def best(size: int, command: str) -> float:
        if command == "total":
            return sum(min(t.wall for t in times) for times in runs[size].values())
        return min(t.wall for t in runs[size][command])

    for command in (*COMMANDS, "total"):
        cells = [
            cold(s, command).wall if k == "cold" else best(s, command) for s in sizes for k in kinds
        ]
        walls = [cold(s, command).wall for s in sizes]
        ratio = f"{walls[-1] / walls[0]:.1f}" if len(walls) > 1 else ""
        print(f"| {command} | " + " | ".join(f"{c:.2f}" for c in cells) + f" | {ratio} |")

    header = [f"{s:,} cold: {part} (s)" for s in sizes for part in ("user", "system")]
    print("\n| command | " + " | ".join(header) + " |")
    print("|---|" + "---:|" * len(header))
    for command in (*COMMANDS, "total"):
        cells = [getattr(cold(s, command), part) for s in sizes for part in ("user", "system")]
        print(f"| {command} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
