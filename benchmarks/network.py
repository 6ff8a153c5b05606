"""Benchmark the partner networks: projection, metrics, page writing and opening in Chromium.

    python benchmarks/network.py [--runs 3] [--skip-browser]

On the bundled Omsk 2016 data and on the Wikipedia twin-town list of ../shared/data/external/
(loaded with ``citykg load TABLE --mapping wikipedia-raw``; without that loader the list is written
into the store with one place per (city, country) as written, and the output says so). Prints a
Markdown section for docs/benchmarks.md; each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import citykg
from citykg.graph.metrics import global_metrics, node_metrics
from citykg.graph.network import project
from citykg.visualise.maps import write_map_page
from citykg.visualise.pages import write_network_page

ROOT = Path(__file__).resolve().parents[1]
WIKIPEDIA = ROOT.parent / "shared" / "data" / "external" / "wikipedia_twin_cities_raw.csv"
PAGE_NODES = 5000


def median_time(runs: int, function, *args, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def load_wikipedia(path: Path) -> str:
    """Load the list into the on-disk store at ``path``; say how."""
    store = citykg.open_store(path)
    if importlib.util.find_spec("citykg.loaders.mapping"):
        from citykg.graph.load import add_table_set
        from citykg.loaders.mapping import map_table
        from citykg.mappings import find_mapping

        started = time.perf_counter()
        add_table_set(store, map_table(WIKIPEDIA, find_mapping("wikipedia-raw")))
        how = f"loaded with `citykg load --mapping wikipedia-raw` ({time.perf_counter() - started:.0f} s)"
    else:
        how = "written one place per (city, country) as written: the mapping loader is not available"
        store.replace_graphs(as_written(), drop_others=True)
    del store  # closes the store, so that it can be opened read-only below
    return how


def as_written() -> dict:
    import csv
    import hashlib

    from pyoxigraph import Literal, NamedNode, Quad

    from citykg.graph.load import ontology_quads
    from citykg.ontology import namespace as ns

    graph = NamedNode(ns.source_graph("wikipedia-as-written"))
    a, label = NamedNode(ns.RDF + "type"), NamedNode(ns.RDFS + "label")
    twinning = NamedNode(ns.concept("agreement-kind", "twinning"))
    quads, places = [], {}
    with WIKIPEDIA.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            ends = []
            for city, country in ((row["city1"], row["country1"]), (row["city2"], row["country2"])):
                if (city, country) not in places:
                    node = NamedNode(ns.ID + "place/as-written-" + hashlib.sha1(f"{city}|{country}".encode()).hexdigest()[:16])
                    places[(city, country)] = node
                    quads += [Quad(node, a, NamedNode(ns.CKG + "City"), graph), Quad(node, a, NamedNode(ns.CKG + "Place"), graph),
                              Quad(node, label, Literal(city, language="en"), graph)]
                ends.append(places[(city, country)])
            agreement = NamedNode(ns.entity("wikipedia-as-written", f"row-{number}"))
            quads += [Quad(agreement, a, NamedNode(ns.CKG + "Agreement"), graph),
                      Quad(agreement, NamedNode(ns.CKG + "agreementKind"), twinning, graph)]
            quads += [Quad(agreement, NamedNode(ns.CKG + "party"), end, graph) for end in ends]
    return {graph.value: quads, ns.ONTOLOGY_GRAPH: ontology_quads()}


def in_memory_copy(store):
    import pyoxigraph

    from citykg.graph.store import GraphStore

    copy = GraphStore(pyoxigraph.Store(), None)
    copy.store.extend(store.store.quads_for_pattern(None, None, None, None))
    return copy


def open_in_chromium(paths: list[Path]) -> dict[Path, float]:
    """Seconds from navigation until each page has drawn itself, with the network blocked."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
    seconds = {}
    try:
        for path in paths:
            started = time.perf_counter()
            driver.get(path.resolve().as_uri())
            while not driver.execute_script("return Boolean(window.citykg && window.citykg.ready)"):
                if time.perf_counter() - started > 120:
                    raise RuntimeError(f"{path} did not draw within 120 s")
                time.sleep(0.05)
            seconds[path] = time.perf_counter() - started
    finally:
        driver.quit()
    return seconds


def measure(name: str, store, work: Path, runs: int, rows: list, pages: dict) -> None:
    for kind in ("partnership", "interaction"):
        seconds, graph = median_time(runs, project, store, kind, details=False, attributes=False)
        rows.append((name, f"project {kind} network: structure only, as `citykg metrics` does ({graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} links)", seconds))
        seconds, graph = median_time(runs, project, store, kind, details=False)
        rows.append((name, f"project {kind} network with node attributes (names, countries, coordinates)", seconds))
        if graph.number_of_edges() == 0:
            continue
        seconds, graph = median_time(runs, project, store, kind)
        rows.append((name, f"project {kind} network with link details and quotes", seconds))
        if kind != "partnership":
            continue
        seconds, _ = median_time(runs, global_metrics, graph)
        rows.append((name, "global metrics (with Louvain communities and modularity)", seconds))
        seconds, result = median_time(1, node_metrics, graph)
        rows.append((name, f"per-node metrics (betweenness {result[1]['betweenness']})", seconds))
        seconds, view = median_time(runs, project, store, kind, limit=PAGE_NODES)
        rows.append((name, f"project the {view.number_of_nodes():,}-node view for a page", seconds))
        page = work / f"{name}-network.html"
        seconds, _ = median_time(runs, write_network_page, view, page)
        rows.append((name, f"write the network page ({view.number_of_nodes():,} nodes, {page.stat().st_size / 1e6:.1f} MB)", seconds))
        pages[page] = (name, f"open the network page in Chromium ({view.number_of_nodes():,} nodes)")
        map_page = work / f"{name}-map.html"
        seconds, _ = median_time(runs, write_map_page, view, map_page)
        rows.append((name, "write the map page", seconds))
        pages[map_page] = (name, "open the map page in Chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each step (the median is shown)")
    parser.add_argument("--skip-browser", action="store_true", help="do not open the pages in Chromium")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citykg-network-bench-"))
    rows: list[tuple[str, str, float]] = []
    pages: dict[Path, tuple[str, str]] = {}
    try:
        citykg.build(store=work / "omsk")
        omsk = citykg.open_store(work / "omsk", read_only=True)
        measure("Omsk 2016 (on-disk store)", omsk, work, args.runs, rows, pages)
        how = "not measured: the list is not in ../shared/data/external/"
        if WIKIPEDIA.is_file():
            how = load_wikipedia(work / "wikipedia")
            disk = citykg.open_store(work / "wikipedia", read_only=True)
            measure("Wikipedia list (on-disk store)", disk, work, args.runs, rows, pages)
            memory = in_memory_copy(disk)
            for label, options in (("structure only", {"details": False, "attributes": False}),
                                   ("with node attributes", {"details": False}), ("with link details and quotes", {})):
                seconds, graph = median_time(args.runs, project, memory, "partnership", **options)
                rows.append(("Wikipedia list (in-memory store)", f"project partnership network: {label}", seconds))
        if not args.skip_browser:
            for page, seconds in open_in_chromium(list(pages)).items():
                rows.append((*pages[page], seconds))
        print(f"## Networks\n\n`python benchmarks/network.py --runs {args.runs}` — {date.today()}, "
              f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
              f"Wikipedia list: {how}.\n")
        print("| data | step | time |\n|---|---|---|")
        for data, step, seconds in rows:
            print(f"| {data} | {step} | {seconds:.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
