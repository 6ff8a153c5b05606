"""Benchmark linked data out: exports by format, the SPARQL endpoint, and loads into Virtuoso.

    python benchmarks/linked_data.py [--size small] [--seconds 10] [--no-virtuoso] [--ports 18480-18499]

Builds the synthetic table set of ``benchmarks/generate.py`` (``--size``) into an on-disk store,
then measures and prints Markdown tables (paste them into docs/benchmarks.md):

- export throughput, triples (or quads) per second, for each RDF format;
- ``citykg serve`` throughput: canned queries per second with 1 and 4 concurrent SPARQLWrapper
  clients, each sending the whole catalogue round-robin for ``--seconds``, on the bundled Omsk
  2016 graph and on the generated one;
- load throughput into a Virtuoso Open Source server started for the run (``virtuoso-t``), as
  SPARQL Update and through the Graph Store Protocol, and the time of every canned query there.
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
import threading
import time
from datetime import date
from pathlib import Path

import citykg
from citykg import testing
from citykg.export import EXPORTERS, export
from citykg.queries import list_queries
from citykg.queries.run import bind, run_query

HERE = Path(__file__).parent
PORTS = range(18480, 18500)
VIRTUOSO_BUFFERS = 170_000  # Virtuoso's page cache, 8 KB pages: its guide's figure for 2 GB


def parameters(store) -> dict[str, str]:
    """Parameter values that give answers: the best-connected city of the data."""
    top = run_query(store, "top-partners", {"limit": "1"}).records()[0]
    year = "2016" if "Omsk" in str(top["city"]) else "2015"
    return {"city": top["city_iri"], "subject": top["city_iri"], "integer": year, "limit": "10"}


def catalogue_texts(store) -> list[str]:
    values = parameters(store)
    texts = []
    for query in list_queries():
        params = {p.name: values[p.type] for p in query.params if p.required and p.type in values}
        if all(p.name in params for p in query.params if p.required):
            texts.append(bind(store, query, params))
    return texts


def bench_exports(store, work: Path) -> list[tuple]:
    rows = []
    for name, exporter in EXPORTERS.items():
        if exporter.kind != "rdf":
            continue
        target = work / f"export{exporter.extensions[0]}"
        started = time.perf_counter()
        count = export(store, target, name)
        elapsed = time.perf_counter() - started
        rows.append((name, "quads" if exporter.named_graphs else "triples", count, elapsed,
                     target.stat().st_size))
        target.unlink()
    return rows


def bench_endpoint(store_path: Path, texts: list[str], seconds: float, ports: range = PORTS) -> list[tuple]:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    from citykg.graph.remote import query_form

    try:
        server = testing.start_serve(store_path, ports, "--workers", "4", "--timeout", "120")
    except testing.ServerError as exc:
        raise SystemExit(str(exc)) from None
    url = f"{server.url}/sparql"
    rows = []
    try:
        for clients in (1, 4):
            latencies: list[float] = []
            failures: list[str] = []
            stop_at = time.monotonic() + seconds

            def client(offset: int) -> None:
                position = offset
                while time.monotonic() < stop_at:
                    text = texts[position % len(texts)]
                    position += 1
                    sparql = SPARQLWrapper(url)
                    sparql.setMethod(POST)
                    sparql.setQuery(text)
                    sparql.queryType = query_form(text)
                    sparql.setReturnFormat(JSON)
                    started = time.perf_counter()
                    try:
                        sparql.queryAndConvert()
                    except Exception as exc:  # counted and reported, never hidden
                        failures.append(str(exc)[:200])
                        continue
                    latencies.append(time.perf_counter() - started)

            threads = [threading.Thread(target=client, args=(i * 3,)) for i in range(clients)]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
            rows.append((clients, len(latencies), elapsed, statistics.median(latencies) if latencies else 0,
                         len(failures)))
            if failures:
                print(f"{len(failures)} failed queries, e.g. {failures[0]}", file=sys.stderr)
    finally:
        server.stop()
    return rows


def bench_virtuoso(tables: Path, embedded, work: Path, ports: range = PORTS) -> tuple[list[tuple], list[tuple]]:
    from citykg.graph.load import rebuild_store
    from citykg.loaders import load_table_set

    try:
        server = testing.start_virtuoso(work / "virtuoso", ports, buffers=VIRTUOSO_BUFFERS, max_rows=10_000_000,
                                        max_seconds=600)
    except testing.NotInstalled as exc:
        print(f"skipping the Virtuoso load: {exc}", file=sys.stderr)
        return [], []
    except testing.ServerError as exc:
        raise SystemExit(str(exc)) from None
    loaded = load_table_set(tables)
    loads, queries = [], []
    try:
        ways = [("SPARQL Update", 500, None), ("SPARQL Update", 1_000, None),
                ("Graph Store Protocol", 50_000, server.graph_store_url)]
        for way, batch, graph_store in ways:
            store = server.store(batch_triples=batch, graph_store=graph_store, timeout=600)
            started = time.perf_counter()
            rebuild_store(store, [loaded])
            elapsed = time.perf_counter() - started
            loads.append((way, batch, len(store), elapsed))
        values = parameters(embedded)
        for query in list_queries():
            params = {p.name: values[p.type] for p in query.params if p.required and p.type in values}
            started = time.perf_counter()
            answer = run_query(store, query, params)
            queries.append((query.name, len(answer), time.perf_counter() - started))
    finally:
        server.stop()
    return loads, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", help="table set size of benchmarks/generate.py")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per endpoint run")
    parser.add_argument("--no-virtuoso", action="store_true", help="skip the Virtuoso load")
    parser.add_argument("--ports", default=f"{PORTS.start}-{PORTS.stop - 1}",
                        help="loopback ports the script may take for its servers, FIRST-LAST")
    args = parser.parse_args()
    first, _, last = args.ports.partition("-")
    ports = range(int(first), int(last or first) + 1)
    work = Path(tempfile.mkdtemp(prefix="citykg-linked-"))
    try:
        tables = work / "tables"
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--size", args.size, str(tables)],
                       check=True, capture_output=True)
        store_path = work / "store"
        citykg.build(tables, store=store_path)
        store = citykg.open_store(store_path, read_only=True)
        quads = len(store)
        exports = bench_exports(store, work)
        omsk_path = work / "omsk"
        citykg.build(store=omsk_path)
        omsk = citykg.open_store(omsk_path, read_only=True)
        endpoints = []
        for data, served, path in (("Omsk 2016", omsk, omsk_path), (f"'{args.size}'", store, store_path)):
            texts = catalogue_texts(served)
            endpoints.append((data, len(served), len(texts), bench_endpoint(path, texts, args.seconds, ports)))
        loads, remote_queries = ([], []) if args.no_virtuoso else bench_virtuoso(tables, store, work, ports)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"`python benchmarks/linked_data.py --size {args.size}` — {date.today()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; generated table set '{args.size}': {quads:,} quads.\n")
    print("| export format | items | written | time | throughput | file size |")
    print("|---|---|---|---|---|---|")
    for name, unit, count, elapsed, size in exports:
        print(f"| {name} | {unit} | {count:,} | {elapsed:.2f} s | {count / elapsed:,.0f} {unit}/s | "
              f"{size / 1e6:.1f} MB |")
    print("\n| `citykg serve`: the canned queries round-robin | clients | queries | time | queries/s | "
          "median latency | failed |")
    print("|---|---|---|---|---|---|---|")
    for data, size, count, runs in endpoints:
        for clients, done, elapsed, median, failed in runs:
            print(f"| {data} ({size:,} quads, {count} queries) | {clients} | {done:,} | {elapsed:.1f} s | "
                  f"{done / elapsed:.1f} | {median * 1000:.0f} ms | {failed} |")
    if loads:
        print("\n| `citykg build` into Virtuoso (staging graphs, then one switch) | quads | time | throughput |")
        print("|---|---|---|---|")
        for way, batch, count, elapsed in loads:
            print(f"| {way}, batches of {batch:,} triples | {count:,} | {elapsed:.1f} s | "
                  f"{count / elapsed:,.0f} quads/s |")
        print("\n| canned query on Virtuoso | rows | time |")
        print("|---|---|---|")
        for name, rows, elapsed in remote_queries:
            print(f"| {name} | {rows} | {elapsed * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
