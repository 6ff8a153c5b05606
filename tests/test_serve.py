"""``citykg serve``: a real server process answers SPARQLWrapper as ``citykg query`` answers, refuses
updates, enforces its limits, and its page works in a real (headless) Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from click.testing import CliRunner
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

import citykg
from citykg import testing
from citykg.cli import main
from citykg.errors import CitykgError
from citykg.queries import list_queries
from citykg.queries.run import bind
from citykg.serve import Limits, accepted, make_server, negotiate, serve_in_thread

PORTS = range(18460, 18500)  # this area's share of the test ports (Virtuoso takes the lower ones)
VALUES = {"city": "Omsk", "subject": "Manzhouli", "integer": "2016", "limit": "5", "string": "country"}
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) = STR(?f)) }"


def free_port() -> int:
    return testing.free_port(PORTS)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "store"
    result = CliRunner().invoke(main, ["build", "--quiet", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def server(built):
    """``citykg serve`` as users start it, in its own process."""
    try:
        served = testing.start_serve(built, PORTS)
    except testing.ServerError as exc:
        pytest.fail(str(exc))
    yield served.url
    err = served.stop()
    assert "127.0.0.1" in err and "Traceback" not in err, err


@pytest.fixture(scope="module")
def tight(omsk_store):
    """An endpoint in this process with small limits."""
    httpd = make_server(omsk_store, "127.0.0.1", free_port(), limits=Limits(timeout=0.5, max_rows=100), quiet=True)
    serve_in_thread(httpd)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    httpd.endpoint.close()


def sparql(base, text, fmt=JSON):
    from citykg.graph.remote import query_form

    client = SPARQLWrapper(f"{base}/sparql")
    client.setMethod(POST)
    client.setQuery(text)
    # SPARQLWrapper guesses the query form from words in comments too ("loaded" reads as LOAD,
    # and it then sends the query as an update): tell it
    client.queryType = query_form(text)
    client.setReturnFormat(fmt)
    return client


def cases():
    for query in list_queries():
        params = {p.name: VALUES[p.type] for p in query.params if p.required}
        yield query, params


@pytest.mark.parametrize("query,params", list(cases()), ids=lambda v: getattr(v, "name", None) or "-")
def test_sparqlwrapper_gets_the_rows_citykg_query_prints(server, built, omsk_store, query, params):
    text = bind(omsk_store, query, params)
    answer = sparql(server, text).queryAndConvert()
    argv = ["query", query.name, "-f", "json", "--store", str(built)]
    for key, value in params.items():
        argv += ["-p", f"{key}={value}"]
    printed = CliRunner().invoke(main, argv)
    assert printed.exit_code == 0, printed.output
    expected = json.loads(printed.stdout)
    assert answer["head"]["vars"] == expected["head"]["vars"] == query.returns
    assert answer["results"]["bindings"] == expected["results"]["bindings"]


def test_ask_construct_and_other_formats(server, omsk_store):
    assert sparql(server, "ASK { ?c a ckg:City }").queryAndConvert()["boolean"] is True
    graph = sparql(server, "CONSTRUCT { ?c a ckg:Country } WHERE { ?c a ckg:Country }", TURTLE).queryAndConvert()
    countries = rdflib.Graph().parse(data=graph, format="turtle")
    assert len(countries) == citykg.stats(omsk_store)["countries"]
    table = sparql(server, "SELECT DISTINCT ?c WHERE { ?c a ckg:Country } ORDER BY ?c", CSV).queryAndConvert()
    assert table.decode().splitlines()[0] == "c" and len(table.decode().splitlines()) == len(countries) + 1
    for accept, check in [
        ("application/sparql-results+xml", lambda body: b"<sparql" in body),
        ("text/tab-separated-values", lambda body: body.startswith(b"?c")),
    ]:
        status, headers, body = fetch(server, "/sparql", {"query": "SELECT ?c WHERE { ?c a ckg:Country }"}, accept=accept)
        assert status == 200 and headers["Content-Type"].startswith(accept) and check(body)
    status, headers, body = fetch(server, "/sparql", {"query": "DESCRIBE <https://w3id.org/citykg/id/country/CN>"},
                                  accept="application/ld+json")
    assert status == 200 and json.loads(body)["@context"]["@vocab"] == "https://w3id.org/citykg/ontology#"
    status, _, body = fetch(server, "/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "format": "xml"}))
    assert status == 200 and b"<boolean>true</boolean>" in body


def test_updates_are_refused_and_change_nothing(server, omsk_store):
    before = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").queryAndConvert()
    client = sparql(server, "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.query()
    assert refused.value.code == 403 and b"read-only" in refused.value.read()
    mistaken = SPARQLWrapper(f"{server}/sparql")
    mistaken.setMethod(POST)
    mistaken.setQuery("# cities\n# as loaded\nSELECT * WHERE { ?s ?p ?o } LIMIT 1")  # read as LOAD
    with pytest.raises(urllib.error.HTTPError) as refused:
        mistaken.query()
    assert refused.value.code == 403 and b"sends a query as an update" in refused.value.read()
    for body, media in [("update=DROP+ALL", "application/x-www-form-urlencoded"),
                        ("DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
                        ("query=CLEAR+ALL", "application/x-www-form-urlencoded")]:
        status, _, message = fetch(server, "/sparql", body.encode(), content_type=media)
        assert status == 403 and b"SPARQL Update is refused" in message
    after = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").queryAndConvert()
    assert after == before


def test_bad_requests_get_one_clear_error(server):
    with pytest.raises(QueryBadFormed, match="not valid SPARQL"):
        sparql(server, "SELECT * WHERE { ?s ?p }").query()
    cases = [
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, "image/png", 406, b"cannot answer as 'image/png'"),
        ({"query": ""}, None, 400, b"the query is empty"),
        ({"query": ["ASK {}", "ASK {}"]}, None, 400, b"more than one 'query'"),
    ]
    for params, accept, status, message in cases:
        got, _, body = fetch(server, "/sparql?" + urllib.parse.urlencode(params, doseq=True), accept=accept)
        assert got == status and message in body, body
    got, _, body = fetch(server, "/sparql", b"<x/>", content_type="application/xml")
    assert got == 415 and b"application/sparql-query" in body
    got, _, body = fetch(server, "/nowhere")
    assert got == 404 and b"/sparql" in body
    got, _, body = fetch(server, "/bind", {"query": "partners", "city": "Atlantis"})
    assert got == 400 and b"no place named 'Atlantis'" in body


def test_time_limit_answers_503(tight):
    started = time.monotonic()
    status, _, body = fetch(tight, "/sparql", {"query": SLOW_QUERY})
    assert status == 503 and b"time limit of 0.5 s" in body and b"--timeout" in body
    assert time.monotonic() - started < 2


def test_result_size_limit_answers_422(tight):
    status, _, body = fetch(tight, "/sparql", {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert status == 422 and b"more than 100 rows" in body and b"--max-rows" in body
    status, _, body = fetch(tight, "/sparql", {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"})
    assert status == 422 and b"more than 100 triples" in body
    status, _, _ = fetch(tight, "/sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100"})
    assert status == 200


def test_a_taken_port_is_a_clear_error(omsk_store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        with pytest.raises(CitykgError, match=r"cannot listen on 127.0.0.1:\d+: it is in use"):
            make_server(omsk_store, "127.0.0.1", taken.getsockname()[1])


def test_content_negotiation_prefers_quality_then_specificity():
    offers = {"application/sparql-results+json": 1, "text/csv": 1}
    assert negotiate("text/csv;q=0.5, application/sparql-results+json", offers) == "application/sparql-results+json"
    assert negotiate("text/*", offers) == "text/csv"
    assert negotiate(None, offers) == "application/sparql-results+json"
    assert negotiate("image/png, text/csv;q=0", offers) is None
    assert accepted("a/b;q=0.2, c/d") == [("c/d", 1.0), ("a/b", 0.2)]


def test_the_page_runs_a_canned_query_in_chromium(server, omsk_store):
    driver = chromium()
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ready
        from selenium.webdriver.support.ui import Select, WebDriverWait

        driver.get(server + "/")
        wait = WebDriverWait(driver, 20)
        wait.until(lambda d: len(Select(d.find_element(By.ID, "canned")).options) > 1)
        Select(driver.find_element(By.ID, "canned")).select_by_value("partners")
        wait.until(ready.presence_of_element_located((By.ID, "param-city"))).send_keys("Omsk")
        driver.find_element(By.ID, "run").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "rows"))
        header = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#results th")]
        rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
        expected = citykg.query(omsk_store, "partners", city="Omsk")
        assert header == expected.columns
        assert len(rows) == len(expected) and driver.find_element(By.ID, "status").text.startswith(f"{len(expected)} rows")
        assert {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows} == set(expected.column("partner"))
        # nothing but the endpoint itself was asked for
        hosts = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(url.startswith(server) for url in hosts), hosts
    finally:
        driver.quit()


def chromium():
    """Headless Chromium driven by Debian's chromedriver (never a downloaded one)."""
    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver_path:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are not installed: CI must run the browser test")
        pytest.skip("chromium and chromium-driver are not installed (Debian packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def fetch(base, path, data=None, *, accept=None, content_type=None):
    """(status, headers, body) of one request; a dict of ``data`` is sent as a form."""
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data, doseq=True).encode()
        content_type = content_type or "application/x-www-form-urlencoded"
    request = urllib.request.Request(base + path, data=data)
    if accept:
        request.add_header("Accept", accept)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
