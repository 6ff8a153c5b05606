"""Real servers on the loopback interface, for the tests and the benchmark scripts.

Not a step of the data flow: the harness around it. The tests (``tests/graph/conftest.py``,
``tests/test_serve.py``) and the benchmarks (``benchmarks/run.py``, ``benchmarks/linked_data.py``)
start the same servers the same way, so the one copy lives in the package that both import
(the tests run with ``--import-mode=importlib`` and are no package; the benchmarks are scripts):

- :func:`free_port` picks a free port from the caller's own range, in random order, so that
  sessions running side by side rarely reach for the same one;
- :func:`start_virtuoso` starts Virtuoso Open Source (``virtuoso-t``) with a throw-away database
  folder, and :meth:`Virtuoso.bulk_load` loads files with Virtuoso's own bulk loader;
- :func:`start_serve` starts ``citykg serve`` in its own process.

A server that another process beat to its port stops at once; each start then tries again on
another port. Nothing here imports pytest: a missing program raises :class:`NotInstalled`, a
server that does not come up :class:`ServerError`, and each caller decides what that means (the
tests skip or fail, the benchmarks report "not measured").
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO_START_SECONDS = 90
SERVE_START_SECONDS = 60

VIRTUOSO_INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
DirsAllowed = {dirs_allowed}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 8
MaxKeepAlives = 8
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


class ServerError(RuntimeError):
    """A server did not come up; the message holds the end of its log."""


class NotInstalled(ServerError):
    """The server's program is not on this machine."""


def free_port(ports: range, exclude=()) -> int:
    """A port of ``ports`` that nothing listens on now, in random order."""
    for port in random.sample(ports, len(ports)):
        if port in exclude:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServerError(f"no free port in {ports.start}-{ports.stop - 1}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            answer.read()
            return answer.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop_process(process: subprocess.Popen, seconds: float = 20) -> None:
    """Stop a server, asking first (Virtuoso writes a checkpoint as it stops)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- Virtuoso ---------------------------------------------------------------------------------------


@dataclass
class Virtuoso:
    """A running Virtuoso: its endpoints (query, authenticated update, Graph Store Protocol), the
    account, its database folder and its SQL port."""

    query_url: str
    update_url: str
    graph_store_url: str
    user: str
    password: str
    folder: Path
    sql_port: int
    process: subprocess.Popen

    def store(self, **options):
        """A :class:`citykg.graph.remote.RemoteStore` on this server, allowed to write."""
        from citykg.graph.remote import RemoteStore

        return RemoteStore(self.query_url, self.update_url, user=self.user, password=self.password, **options)

    def cli_args(self) -> list[str]:
        return ["--endpoint", self.query_url, "--update-endpoint", self.update_url,
                "--user", self.user, "--password", self.password]

    def isql(self, sql: str, timeout: float | None = None) -> str:
        """Run SQL statements (separated by ``;``) through Virtuoso's ``isql``; its output."""
        program = isql_program()
        run = subprocess.run([program, f"127.0.0.1:{self.sql_port}", self.user, self.password,
                              "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", f"exec={sql}"],
                             capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        said = run.stdout + run.stderr
        if run.returncode != 0 or "*** Error" in said:
            raise ServerError(f"isql failed on '{sql[:200]}': {said.strip()[-1000:]}")
        return run.stdout

    def bulk_load(self, folder: Path, pattern: str, graph: str, timeout: float | None = None) -> None:
        """Load the files of ``folder`` that match ``pattern`` with Virtuoso's bulk loader
        (``ld_dir``, ``rdf_loader_run``, then a checkpoint); N-Quads files (``.nq``) keep their
        graphs, triple files go to ``graph``. ``folder`` must be one of the server's
        ``DirsAllowed`` (``start_virtuoso(load_dirs=...)``)."""
        def text(value) -> str:
            return "'" + str(value).replace("'", "''") + "'"

        self.isql(f"ld_dir({text(Path(folder).resolve())}, {text(pattern)}, {text(graph)}); "
                  "rdf_loader_run(); checkpoint;", timeout=timeout)
        failed = self.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if failed.strip():
            raise ServerError(f"Virtuoso's bulk loader failed: {failed.strip()[:1000]}")

    def stop(self) -> None:
        stop_process(self.process)


def isql_program() -> str:
    """Virtuoso's SQL client: ``isql-vt`` in Debian, ``isql`` beside ``virtuoso-t`` elsewhere
    (unixODBC's ``isql`` on the PATH is another program)."""
    found = shutil.which("isql-vt")
    server = shutil.which("virtuoso-t")
    if found is None and server is not None:
        beside = Path(server).resolve().parent / "isql"
        found = str(beside) if beside.exists() else None
    if found is None:
        raise NotInstalled("isql-vt is not installed (Debian package virtuoso-opensource)")
    return found


def start_virtuoso(folder: Path, ports: range, *, max_rows: int = 1_000_000, max_seconds: int = 60,
                   buffers: int = 10_000, load_dirs=(), attempts: int = 3) -> Virtuoso:
    """Start a server with its database in ``folder`` (a new subfolder per try) on two ports of
    ``ports``; returns once its SPARQL endpoint answers. ``buffers`` is Virtuoso's page cache, in
    8 KB pages (10,000 suits a test graph; a few million triples want 100,000 or more);
    ``load_dirs`` are the folders :meth:`Virtuoso.bulk_load` may read."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise NotInstalled("virtuoso-t is not installed (Debian package virtuoso-opensource)")
    folder = Path(folder)
    for attempt in range(attempts):
        started = _start_virtuoso(binary, folder / f"db-{attempt}", ports, max_rows=max_rows,
                                  max_seconds=max_seconds, buffers=buffers, load_dirs=load_dirs)
        if started is not None:
            return started
    tail = (folder / f"db-{attempts - 1}" / "server.log").read_text(errors="replace")[-2000:]
    raise ServerError(f"Virtuoso did not start in {folder}:\n{tail}")


def _start_virtuoso(binary: str, folder: Path, ports: range, *, max_rows: int, max_seconds: int,
                    buffers: int, load_dirs) -> Virtuoso | None:
    """One try; None when the server stopped before it answered (a port taken meanwhile)."""
    folder.mkdir(parents=True)
    sql_port = free_port(ports)
    http_port = free_port(ports, exclude={sql_port})
    dirs = ", ".join([".", *(str(Path(d).resolve()) for d in load_dirs)])
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        sql_port=sql_port, http_port=http_port, folder=folder, max_rows=max_rows, max_seconds=max_seconds,
        buffers=buffers, dirty_buffers=buffers * 3 // 4, dirs_allowed=dirs))
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen([binary, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    online = f"HTTP server online at 127.0.0.1:{http_port}"
    deadline = time.monotonic() + VIRTUOSO_START_SECONDS
    while True:
        # the log line tells that the port is this server's, not another session's
        if online in (folder / "server.log").read_text(errors="replace") and _answers(f"{base}/sparql?query=ASK%7B%7D"):
            break
        if process.poll() is not None:
            return None
        if time.monotonic() > deadline:
            stop_process(process)
            tail = (folder / "server.log").read_text(errors="replace")[-2000:]
            raise ServerError(f"Virtuoso did not start within {VIRTUOSO_START_SECONDS} s in {folder}:\n{tail}")
        time.sleep(0.2)
    return Virtuoso(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth", "dba", "dba",
                    folder, sql_port, process)


# -- citykg serve -----------------------------------------------------------------------------------


@dataclass
class ServeProcess:
    """``citykg serve`` running in its own process, at ``url`` (no trailing slash)."""

    url: str
    process: subprocess.Popen
    log: object  # the server's stderr: a file, not a pipe that could fill up while nobody reads

    def stop(self) -> str:
        """Stop the server; what it wrote on stderr."""
        stop_process(self.process, seconds=10)
        said = self.said()
        self.log.close()
        return said

    def said(self) -> str:
        """What the server wrote on stderr so far (read without moving the file's offset, which
        the server shares)."""
        return os.pread(self.log.fileno(), 1 << 20, 0).decode("utf-8", "replace")


def start_serve(store, ports: range, *options: str, env: dict | None = None, attempts: int = 3) -> ServeProcess:
    """``citykg serve --store STORE --port P --quiet OPTIONS...`` as users start it; returns once
    its page answers."""
    for _ in range(attempts):
        port = free_port(ports)
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [sys.executable, "-m", "citykg", "serve", "--store", str(store), "--port", str(port), "--quiet",
             *options],
            stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL, env=env,
        )
        served = ServeProcess(f"http://127.0.0.1:{port}", process, log)
        deadline = time.monotonic() + SERVE_START_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            # it prints its address once it holds the port: only then is an answer its own
            if f"127.0.0.1:{port}/" in served.said() and _answers(served.url + "/"):
                return served
            time.sleep(0.1)
        said = served.stop()
        if "cannot listen" not in said:
            raise ServerError(f"citykg serve did not start: {said.strip()[-2000:] or 'no output'}")
    raise ServerError(f"citykg serve found no free port in {ports.start}-{ports.stop - 1} in {attempts} tries")
