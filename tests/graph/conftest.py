"""A real Virtuoso Open Source server for the tests of citykg against a SPARQL 1.1 server.

The fixture starts ``virtuoso-t`` on 127.0.0.1 with a throw-away database folder and stops it at the
end of the session. Without Virtuoso the tests that need it are skipped, except under CI
(``CI=true``), where a missing server is a failure: CI installs it and must run those tests.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

PORTS = range(18400, 18460)  # this area's share of the test ports
START_SECONDS = 90

INI = """\
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
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .

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


@dataclass
class Virtuoso:
    """A running server: its query endpoint, its authenticated update endpoint and the account."""

    query_url: str
    update_url: str
    graph_store_url: str
    user: str
    password: str
    folder: Path

    def store(self, **options):
        from citykg.graph.remote import RemoteStore

        return RemoteStore(self.query_url, self.update_url, user=self.user, password=self.password, **options)

    def cli_args(self) -> list[str]:
        return ["--endpoint", self.query_url, "--update-endpoint", self.update_url,
                "--user", self.user, "--password", self.password]


def free_port(exclude=()) -> int:
    # in random order: test sessions running side by side rarely reach for the same port
    for port in random.sample(PORTS, len(PORTS)):
        if port in exclude:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def start_virtuoso(folder: Path, *, max_rows: int = 1_000_000, max_seconds: int = 60, attempts: int = 3):
    """Start a server in ``folder``; returns (process, Virtuoso) once its endpoint answers."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        reason = "virtuoso-t is not installed (Debian package virtuoso-opensource)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must run the SPARQL server tests")
        pytest.skip(f"{reason}: install it to run the SPARQL server tests")
    for attempt in range(attempts):
        started = _start(binary, folder / f"db-{attempt}", max_rows, max_seconds)
        if started is not None:
            return started
    tail = (folder / f"db-{attempts - 1}" / "server.log").read_text(errors="replace")[-2000:]
    pytest.fail(f"Virtuoso did not start in {folder}:\n{tail}")


def _start(binary: str, folder: Path, max_rows: int, max_seconds: int):
    """One try; None when the server stopped before it answered (a port taken meanwhile)."""
    folder.mkdir(parents=True)
    sql_port = free_port()
    http_port = free_port(exclude={sql_port})
    (folder / "virtuoso.ini").write_text(
        INI.format(sql_port=sql_port, http_port=http_port, folder=folder, max_rows=max_rows,
                   max_seconds=max_seconds)
    )
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen([binary, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    online = f"HTTP server online at 127.0.0.1:{http_port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        # the log line tells that the port is this server's, not another test session's
        if online in (folder / "server.log").read_text(errors="replace"):
            try:
                with urllib.request.urlopen(f"{base}/sparql?query=ASK%7B%7D", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        if process.poll() is not None:
            return None
        if time.monotonic() > deadline:
            stop(process)
            tail = (folder / "server.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"Virtuoso did not start in {folder}:\n{tail}")
        time.sleep(0.2)
    return process, Virtuoso(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                             "dba", "dba", folder)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A Virtuoso server for the whole session (tests share it: each works in its own graphs or
    rebuilds what it needs)."""
    process, server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop(process)


@pytest.fixture
def virtuoso_factory(tmp_path):
    """Start extra servers with other settings (stopped after the test)."""
    processes = []

    def start(**options) -> Virtuoso:
        folder = tmp_path / f"virtuoso-{len(processes)}"
        folder.mkdir()
        process, server = start_virtuoso(folder, **options)
        processes.append(process)
        return server

    yield start
    for process in processes:
        stop(process)
