"""Benchmark loading the external tables through the shipped mappings, place resolution included.

    python benchmarks/loading.py [--runs 3] [--big-mb 20]

Each load runs as its own ``citykg load TABLE --mapping M`` process (so its peak memory is its
own), into a fresh on-disk store: cold (no gazetteer cache: the cities1000 name index is built)
and warm (median of ``--runs``). Then, in one process, the phases of the Wikipedia load (reading
and resolving, making quads, writing the store). ``--big-mb`` also loads a table of that many
megabytes (the Wikipedia rows repeated) to show that memory does not grow with the file.
Prints Markdown for docs/benchmarks.md. The tables are read from ../shared/data/external/.
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

EXTERNAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "external"
TABLES = {
    "wikipedia-raw": "wikipedia_twin_cities_raw.csv",
    "wikipedia-geocoded": "wikipedia_twin_cities_geocoded.csv",
    "germany-rgre": "germany_partnerships_rgre_2015.csv",
}
# runs citykg's command line and reports the process's peak memory on the last line of stderr
CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = ['citykg', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('citykg', run_name='__main__')\n"
    "finally:\n"
    "    print(f'peak-rss-kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
)


def load_process(table: Path, mapping: str, store: Path, cache: Path) -> tuple[float, float]:
    """(seconds, peak MiB) of one ``citykg load --mapping`` process."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "load", str(table), "--mapping", mapping, "--store", str(store)],
        env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"citykg load failed:\n{done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1].split()[-1]) / 1024
    return elapsed, peak


def phases(table: Path, mapping: str) -> dict[str, float]:
    """Seconds spent reading and resolving, making quads, and writing an in-memory store."""
    from citykg.graph import open_store
    from citykg.graph.load import add_table_set
    from citykg.loaders.mapping import map_table
    from citykg.loaders.places import PlaceMention, gazetteer
    from citykg.mappings import shipped_mappings

    started = time.perf_counter()
    gazetteer()
    index = time.perf_counter() - started
    mapped = map_table(table, shipped_mappings()[mapping])
    started = time.perf_counter()
    quads = list(mapped.graphs[mapped.graph])
    making = time.perf_counter() - started
    # resolution alone, on a fresh resolver with the same mentions
    from citykg.loaders.places import PlaceResolver

    resolver = PlaceResolver(mapped.mapping.min_population, mapped.mapping.max_distance_km)
    mentions: list[PlaceMention] = list(mapped.outcomes)
    started = time.perf_counter()
    for mention in mentions:
        resolver.resolve(mention)
    resolving = time.perf_counter() - started
    store = open_store(":memory:")
    mapped = map_table(table, shipped_mappings()[mapping])
    started = time.perf_counter()
    add_table_set(store, mapped)
    whole = time.perf_counter() - started
    return {
        "gazetteer index from cache": index,
        f"resolving the {len(mentions):,} distinct place mentions": resolving,
        f"reading, resolving and making the {len(quads):,} source quads": making,
        "the whole load into an in-memory store": whole,
    }


def big_table(source: Path, megabytes: int, target: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    rows = 0
    with target.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        while handle.tell() < megabytes * 1_000_000:
            for line in body:
                handle.write(line + "\n")
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=0, help="also load a generated table of this size")
    args = parser.parse_args()
    if not (EXTERNAL / TABLES["wikipedia-raw"]).is_file():
        raise SystemExit(f"the external tables are not at {EXTERNAL.resolve()}")
    work = Path(tempfile.mkdtemp(prefix="citykg-bench-loading-"))
    try:
        print(f"`python benchmarks/loading.py --runs {args.runs}"
              + (f" --big-mb {args.big_mb}" if args.big_mb else "")
              + f"` — {date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
        print("| load (own process, fresh on-disk store) | rows | time | peak memory |\n|---|---|---|---|")
        cache = work / "cache"
        for name, file in TABLES.items():
            table = EXTERNAL / file
            rows = sum(1 for _ in table.open(encoding="utf-8")) - 1
            if name == "wikipedia-raw":
                seconds, peak = load_process(table, name, work / "cold", cache)
                print(f"| {name}, cold (gazetteer index built) | {rows:,} | {seconds:.1f} s | {peak:.0f} MiB |")
            results = []
            for run in range(args.runs):
                shutil.rmtree(work / "warm", ignore_errors=True)
                results.append(load_process(table, name, work / "warm", cache))
            seconds = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            print(f"| {name}, warm (median of {args.runs}) | {rows:,} | {seconds:.1f} s | {peak:.0f} MiB |")
        shutil.rmtree(work / "warm", ignore_errors=True)
        load_process(EXTERNAL / TABLES["wikipedia-raw"], "wikipedia-raw", work / "both", cache)
        seconds, peak = load_process(EXTERNAL / TABLES["germany-rgre"], "germany-rgre", work / "both", cache)
        print(f"| germany-rgre into a store holding wikipedia-raw | 5,881 | {seconds:.1f} s | {peak:.0f} MiB |")
        if args.big_mb:
            big = work / "big.csv"
            rows = big_table(EXTERNAL / TABLES["wikipedia-raw"], args.big_mb, big)
            seconds, peak = load_process(big, "wikipedia-raw", work / "big", cache)
            print(f"| {args.big_mb} MB table (Wikipedia rows repeated) | {rows:,} | {seconds:.1f} s | {peak:.0f} MiB |")
        os.environ["XDG_CACHE_HOME"] = str(cache)
        print("\n| phase of the wikipedia-raw load (in process, warm) | time |\n|---|---|")
        for phase, seconds in phases(EXTERNAL / TABLES["wikipedia-raw"], "wikipedia-raw").items():
            print(f"| {phase} | {seconds:.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
