"""Query workers for ``citykg serve``: each query of an on-disk store runs in a process of its own.

Oxigraph cannot stop a query once it runs. In a thread, a query past its time limit went on using
a core and memory until it ended, and a few cross joins held every thread: the endpoint answered
nothing but 503 until restarted. A worker process can be stopped: a query past the limit is killed
with its process, which is replaced, and a query that outgrows the worker's memory limit (or
crashes the parser) ends that process only. Workers open the store read-only and reopen it when a
load has replaced it, so the endpoint answers from the data as it is now.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pyoxigraph

DEFAULT_MEMORY_MB = 4096


@dataclass
class Outcome:
    kind: str  # select | ask | graph
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)


def evaluate(store, text: str, max_rows: int, dataset: dict | None = None) -> Outcome:
    """Run the query and keep at most ``max_rows + 1`` rows (one more tells that it is too many)."""
    if dataset and hasattr(store, "store"):
        from citykg.ontology import namespace as ns

        result = store.store.query(text, prefixes=ns.PREFIXES, **dataset)
    else:
        result = store.query(text)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return Outcome("ask", ["answer"], boolean=bool(result))
    if isinstance(result, pyoxigraph.QueryTriples):
        return Outcome("graph", triples=list(islice(result, max_rows + 1)))
    columns = [v.value for v in result.variables]
    rows = [tuple(solution[i] for i in range(len(columns))) for solution in islice(result, max_rows + 1)]
    return Outcome("select", columns, rows)


class WorkerTimeout(Exception):
    """The query ran past its time limit; its worker was stopped."""


class WorkerLost(Exception):
    """The worker ended while it ran the query (memory limit, or a crash in the engine)."""


class WorkersBusy(Exception):
    """No worker became free within the time limit."""


def _store_generation(path: Path) -> tuple[int, int]:
    # a load swaps a new folder in under the same name: the folder's identity tells it happened
    found = os.stat(path)
    return found.st_ino, found.st_dev


def _work(connection, path: str, memory_bytes: int) -> None:
    """A worker's life: open the store, answer queries one by one until the pipe closes."""
    import resource

    from citykg.graph.store import open_store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops the workers
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    store, generation = open_store(path, read_only=True), _store_generation(Path(path))
    connection.send(("ready", None))
    while True:
        try:
            text, dataset, max_rows = connection.recv()
        except (EOFError, OSError):
            return
        try:
            now = _store_generation(Path(path))
            if now != generation:
                store, generation = open_store(path, read_only=True), now
            connection.send(("ok", evaluate(store, text, max_rows, dataset)))
        except SyntaxError as exc:
            connection.send(("syntax", str(exc)))
        except MemoryError:
            connection.send(("memory", "the query needed more memory than a worker may use"))
        except Exception as exc:  # the engine's own errors (type errors, bad IRIs) go back as text
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, path: str, memory_bytes: int):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, path, memory_bytes), daemon=True,
                                       name="citykg-query-worker")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, seconds: float) -> None:
        if not self.ready and self.connection.poll(seconds):
            status, _ = self.connection.recv()
            self.ready = status == "ready"
        if not self.ready:
            raise WorkerLost("a query worker did not start")

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()


class WorkerPool:
    """``workers`` processes over the store at ``path``; ``run`` gives a query to a free one."""

    def __init__(self, path: str | Path, workers: int = 4, memory_mb: int = DEFAULT_MEMORY_MB):
        self.path, self.memory_bytes = str(path), memory_mb * 1024 * 1024
        self.context = multiprocessing.get_context("spawn")  # no fork of a process with threads and open files
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(workers):
            self._add()
        for worker in list(self.all):
            worker.wait_ready(60)

    def _add(self) -> None:
        worker = _Worker(self.context, self.path, self.memory_bytes)
        with self.lock:
            self.all.add(worker)
        self.idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self.lock:
            self.all.discard(worker)
        if not self.closed:
            self._add()

    def run(self, text: str, dataset: dict | None, max_rows: int, timeout: float) -> Outcome:
        try:
            worker = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise WorkersBusy() from None
        try:
            worker.wait_ready(60)
            worker.connection.send((text, dataset, max_rows))
            finished = worker.connection.poll(timeout)
            if finished:
                status, payload = worker.connection.recv()
        except (EOFError, OSError, WorkerLost):
            self._replace(worker)
            raise WorkerLost("the query worker ended while it ran the query (its memory limit, or a crash "
                             "of the query engine)") from None
        if not finished:
            self._replace(worker)  # the only way to stop a query that Oxigraph is running
            raise WorkerTimeout()
        self.idle.put(worker)
        if status == "ok":
            return payload
        if status == "syntax":
            raise SyntaxError(payload)
        if status == "memory":
            raise MemoryError(payload)
        raise ValueError(payload)

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = list(self.all)
            self.all.clear()
        for worker in workers:
            worker.stop()
