"""Benchmark the core path: build the bundled Omsk 2016 graph, then run every canned query.

    python benchmarks/core.py [--runs 50]

Prints a Markdown table (paste it into docs/benchmarks.md): the whole-process time of
``citykg build`` (cold: no gazetteer cache; warm: cache present), the in-process build time, and
p50/p95 latency of each catalogue query on the on-disk store.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import citykg
from citykg.queries import list_queries
from citykg.queries.run import run_query

PARAMS = {"city": "Omsk", "subject": "Manzhouli"}


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def whole_process_build(store: Path, cache: Path) -> float:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    command = [sys.executable, "-m", "citykg", "build", "--quiet", "--store", str(store)]
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per query")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citykg-bench-"))
    try:
        cache = work / "cache"
        cold = whole_process_build(work / "store", cache)
        warm = [whole_process_build(work / "store", cache) for _ in range(3)]
        in_process = [timed(citykg.build, store=work / f"store-{i}") for i in range(3)]
        store = citykg.open_store(work / "store", read_only=True)
        rows = []
        for query in list_queries():
            params = {p.name: PARAMS[p.name] for p in query.params if p.required}
            run_query(store, query.name, params)  # first run parses and warms caches
            times = [timed(run_query, store, query.name, params) for _ in range(args.runs)]
            rows.append((query.name, statistics.median(times), percentile(times, 0.95)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{date.today().isoformat()}\n")
    print("| step | time |\n|---|---|")
    print(f"| `citykg build` whole process, cold (gazetteer index built and cached) | {cold:.2f} s |")
    print(f"| `citykg build` whole process, warm (median of 3) | {statistics.median(warm):.2f} s |")
    print(f"| `citykg.build()` in process, warm (median of 3) | {statistics.median(in_process):.2f} s |")
    print(f"\n| query (on-disk store, {args.runs} runs) | p50 | p95 |\n|---|---|---|")
    for name, p50, p95 in rows:
        print(f"| {name} | {p50 * 1000:.1f} ms | {p95 * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
