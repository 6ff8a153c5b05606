"""``citykg serve`` against hostile clients: queries that crashed the parser, SERVICE calls to other
servers, cross joins that never end, slow and idle connections, and a load while it serves. Every
test talks to a real server on 127.0.0.1, with bounded request counts and times."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg import testing
from citykg.cli import main

PORTS = range(18500, 18540)
CROSS_JOIN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
MEMORY_BOUND_MB = 1500  # the server and its two workers, on the Omsk store (docs/reliability.md)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "store"
    result = CliRunner().invoke(main, ["build", "--quiet", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def server(built):
    served = testing.start_serve(built, PORTS, "--timeout", "2", "--workers", "2", "--socket-timeout", "1.5",
                                 "--max-connections", "24", "--max-rows", "100000000")
    yield served
    said = served.stop()
    assert "Traceback" not in said, said


def ask(url: str, query: str, timeout: float = 10) -> tuple[int, str]:
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url + "/sparql", data=data, headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_raw(url: str, body: bytes, content_type: str = "application/sparql-query") -> tuple[int, str]:
    request = urllib.request.Request(url + "/sparql", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{ " * 3000 + "}" * 3000,
    "SELECT (" + "1+" * 50000 + "1 AS ?x) WHERE {}",
    "SELECT * WHERE { " + "FILTER(" * 2000 + "true" + ")" * 2000 + " }",
    "ASK { " + "[ <http://e/p> " * 3000 + "]" * 3000 + " }",
])
def test_queries_that_crashed_the_parser_are_refused_and_the_server_lives(server, query):
    status, text = post_raw(server.url, query.encode())
    assert status == 400 and "at most" in text and len(text.splitlines()) == 1
    assert server.process.poll() is None
    assert ask(server.url, COUNT)[0] == 200


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/sparql> AS ?x) SERVICE ?x {{ ?s ?p ?o }} }}",
])
def test_service_calls_reach_no_other_server(server, template):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    try:
        status, text = ask(server.url, template.format(port=listener.getsockname()[1]))
        assert status == 400 and "SERVICE" in text and "refused" in text
        with pytest.raises(socket.timeout):
            listener.accept()  # nobody called
    finally:
        listener.close()


def test_cross_joins_are_stopped_and_the_server_answers_right_after(server):
    with ThreadPoolExecutor(10) as clients:
        statuses = list(clients.map(lambda _: ask(server.url, CROSS_JOIN, timeout=30)[0], range(10)))
    assert statuses == [503] * 10
    started = time.monotonic()
    status, text = ask(server.url, COUNT)
    assert status == 200 and time.monotonic() - started < 1.0
    assert rss_mb(server.process.pid) < MEMORY_BOUND_MB


def test_a_slow_header_is_dropped_after_the_socket_timeout(server):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        assert connection.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5


def test_a_body_shorter_than_its_length_gets_408(server):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                           b"Content-Length: 100\r\n\r\nASK {}")
        answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408")


def test_an_idle_connection_is_closed(server):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        started = time.monotonic()
        assert connection.recv(1024) == b""
        assert time.monotonic() - started < 5


def test_too_many_connections_get_503_and_the_server_recovers(server):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    held = [socket.create_connection((host, int(port)), timeout=10) for _ in range(30)]
    try:
        time.sleep(0.3)
        answers = []
        for connection in held[24:]:
            connection.settimeout(2)
            try:
                answers.append(connection.recv(200))
            except socket.timeout:
                answers.append(b"(no answer)")
        assert any(a.startswith(b"HTTP/1.1 503") for a in answers), answers
    finally:
        for connection in held:
            connection.close()
    time.sleep(2)  # the held connections time out on the server's side too
    assert ask(server.url, COUNT)[0] == 200


def test_a_long_bind_path_gets_an_answer_not_a_dropped_connection(server):
    url = server.url + "/bind?query=partners&city=" + "x" * 60000
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status in (400, 414)


def test_four_clients_for_ten_seconds_without_an_error(server):
    errors, answers = [], []
    deadline = time.monotonic() + 10

    def client():
        while time.monotonic() < deadline:
            status, text = ask(server.url, "SELECT ?s WHERE { ?s a ?c } LIMIT 50")
            (answers if status == 200 and text.count("\n") == 51 else errors).append(status)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(answers) > 40


def test_a_load_while_serving_is_seen_by_the_next_query(tmp_path):
    store = tmp_path / "store"
    assert CliRunner().invoke(main, ["build", "--quiet", "--store", str(store)]).exit_code == 0
    served = testing.start_serve(store, PORTS, "--workers", "1")
    try:
        before = int(ask(served.url, COUNT)[1].splitlines()[1])
        table = Path(__file__).parent / "data" / "tables" / "districts" / "pairs.csv"
        result = CliRunner().invoke(main, ["load", str(table), "--mapping", "wikipedia-raw", "--store", str(store)],
                                    env={**os.environ})
        assert result.exit_code == 0, result.output
        after = int(ask(served.url, COUNT)[1].splitlines()[1])
        assert after > before
    finally:
        served.stop()
