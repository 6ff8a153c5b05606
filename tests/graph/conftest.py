"""A real Virtuoso Open Source server for the tests of citykg against a SPARQL 1.1 server.

The fixture starts ``virtuoso-t`` on 127.0.0.1 with a throw-away database folder (by
``citykg.testing``, which the benchmarks use too) and stops it at the end of the session. Without
Virtuoso the tests that need it are skipped, except under CI (``CI=true``), where a missing server
is a failure: CI installs it and must run those tests.
"""

from __future__ import annotations

import os

import pytest

from citykg.testing import NotInstalled, ServerError, Virtuoso
from citykg.testing import start_virtuoso as _start_virtuoso

PORTS = range(18400, 18460)  # this area's share of the test ports


def start_virtuoso(folder, **options) -> Virtuoso:
    """A server in ``folder`` (``citykg.testing.start_virtuoso`` options); the test is skipped
    when Virtuoso is not installed (failed under CI) and fails when it does not start."""
    try:
        return _start_virtuoso(folder, PORTS, **options)
    except NotInstalled as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc}: CI must run the SPARQL server tests")
        pytest.skip(f"{exc}: install it to run the SPARQL server tests")
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A Virtuoso server for the whole session (tests share it: each works in its own graphs or
    rebuilds what it needs)."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture
def virtuoso_factory(tmp_path):
    """Start extra servers with other settings (stopped after the test)."""
    servers = []

    def start(**options) -> Virtuoso:
        folder = tmp_path / f"virtuoso-{len(servers)}"
        folder.mkdir()
        servers.append(start_virtuoso(folder, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
