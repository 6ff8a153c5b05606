"""`citykg load-wikidata` against a local SPARQL endpoint holding a small Wikidata-shaped sample,
and offline from a saved answer. The endpoint is a minimal SPARQL protocol server (GET and POST)
over a pyoxigraph store, run in a thread; it can answer 429 or 503 first, to test the retries."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph
import pytest
from click.testing import CliRunner

import citykg
from citykg.cli import main
from citykg.errors import CitykgError
from citykg.graph import open_store
from citykg.graph.load import add_table_set
from citykg.loaders.mapping import map_table
from citykg.loaders.wikidata import answer_to_table, fetch_p190, p190_query, read_answer
from citykg.mappings import shipped_mappings

DATA = Path(__file__).parents[1] / "data" / "wikidata"
SAMPLE = DATA / "sample.ttl"
SAVED = DATA / "p190-aachen-reims.json"
PORT = 18611
AACHEN = "https://w3id.org/citykg/id/place/geonames-3247449"


class Endpoint(ThreadingHTTPServer):
    """A SPARQL endpoint over a pyoxigraph store; ``fail`` holds the statuses to answer first."""

    def __init__(self):
        super().__init__(("127.0.0.1", PORT), Handler)
        self.store = pyoxigraph.Store()
        self.store.load(path=str(SAMPLE), format=pyoxigraph.RdfFormat.TURTLE)
        self.fail: list[tuple[int, str | None]] = []
        self.requests: list[dict] = []


class Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_GET(self):
        self.answer(parse_qs(self.path.partition("?")[2]).get("query", [""])[0])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
        if self.headers.get("Content-Type", "").startswith("application/sparql-query"):
            self.answer(body)
        else:
            self.answer(parse_qs(body).get("query", [""])[0])

    def answer(self, query: str):
        self.server.requests.append({"agent": self.headers.get("User-Agent", ""), "at": time.monotonic()})
        if self.server.fail:
            status, retry_after = self.server.fail.pop(0)
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(b"slow down")
            return
        try:
            result = self.server.store.query(query)
        except SyntaxError as exc:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(exc).encode("utf-8"))
            return
        body = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def endpoint():
    server = Endpoint()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def url(endpoint):
    endpoint.fail.clear()
    endpoint.requests.clear()
    return f"http://127.0.0.1:{PORT}/sparql"


def load_answer(answer, tmp_path):
    table = tmp_path / "wikidata-p190.csv"
    answer_to_table(answer, table)
    store = open_store(":memory:")
    mapped = map_table(table, shipped_mappings()["wikidata-p190-full"])
    add_table_set(store, mapped)
    return store, mapped


def test_fetches_pairs_with_labels_countries_coordinates_and_ids(url, endpoint, tmp_path):
    answer = fetch_p190(["Q1017"], url)
    assert len(answer["results"]["bindings"]) == 5
    assert endpoint.requests[0]["agent"].startswith("citykg/")
    store, mapped = load_answer(answer, tmp_path)
    # Wikidata gives GeoNames ids: the cities resolve exactly, the county by its name
    methods = {o.label: o.method for o in mapped.outcomes.values()}
    assert methods["Aachen"] == methods["Reims"] == "geonames-id"
    assert [o.place_class for o in mapped.outcomes.values() if o.label == "Arlington County"] == ["Region"]
    partners = {r["partner"]: r for r in citykg.query(store, "partners", city="Ахен").records()}
    assert set(partners) == {"Reims", "Toledo", "Halifax", "Kostroma", "Arlington County"}
    assert partners["Toledo"]["since"] == 1984 and partners["Halifax"]["since"] == ""
    assert partners["Reims"]["partner_ru"] == "Реймс"
    same = citykg.query(store, f"SELECT ?q WHERE {{ <{AACHEN}> owl:sameAs ?q FILTER(STRSTARTS(STR(?q), 'http://www.wikidata')) }}")
    assert same.column("q") == ["http://www.wikidata.org/entity/Q1017"]


def test_the_saved_answer_is_what_the_sample_endpoint_answers(url):
    # the offline fixture stays in step with the sample it was saved from
    assert fetch_p190(["Q1017", "Reims"], url) == read_answer(SAVED)


def test_a_pair_stated_by_both_cities_is_one_partnership_with_two_passages(tmp_path):
    store, mapped = load_answer(read_answer(SAVED), tmp_path)
    assert mapped.rows == 6 and len(mapped.agreements) == 5
    passages = citykg.query(store, f"""SELECT (COUNT(DISTINCT ?row) AS ?n) WHERE {{
        ?a ckg:party <{AACHEN}>, <https://w3id.org/citykg/id/place/geonames-2984114> ; prov:wasDerivedFrom ?row }}""")
    assert passages.records() == [{"n": 2}]


def test_retries_after_429_honouring_retry_after(url, endpoint):
    endpoint.fail[:] = [(429, "1")]
    messages = []
    answer = fetch_p190(["Q1017"], url, on_retry=messages.append)
    assert len(answer["results"]["bindings"]) == 5
    first, second = endpoint.requests
    assert second["at"] - first["at"] >= 0.95  # waited the second Retry-After asked for
    assert messages == [f"{url} answered HTTP 429; retrying in 1 s (attempt 2 of 5)"]


def test_backs_off_on_503_without_retry_after_then_gives_up(url, endpoint):
    endpoint.fail[:] = [(503, None)] * 3
    waits = []
    with pytest.raises(CitykgError, match="answered HTTP 503 .* after 3 attempts"):
        fetch_p190(["Q1017"], url, attempts=3, backoff_s=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0]  # doubling back-off between the three attempts
    assert len(endpoint.requests) == 3


def test_an_empty_answer_is_an_error_not_no_partners(url, tmp_path):
    answer = fetch_p190(["Nowhere"], url)
    with pytest.raises(CitykgError, match="Wikidata returned no P190 pairs for Nowhere: an empty answer is an error"):
        answer_to_table(answer, tmp_path / "t.csv", "Nowhere")


def test_a_rejected_query_and_an_unreachable_endpoint(url):
    with pytest.raises(CitykgError, match="cannot reach http://127.0.0.1:18612/sparql"):
        fetch_p190(["Q1017"], "http://127.0.0.1:18612/sparql", attempts=1)
    assert "VALUES ?city { wd:Q1017 }" in p190_query(["Q1017"])


def test_cli_loads_from_the_endpoint_and_offline(url, tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "store")
    result = runner.invoke(main, ["load-wikidata", "--cities", "Q1017", "--wikidata-endpoint", url, "--store", store,
                                  "--save", str(tmp_path / "answer.json")])
    assert result.exit_code == 0, result.output
    assert "5 statements" in result.output and "loaded wikidata-p190" in result.output
    assert read_answer(tmp_path / "answer.json")["results"]["bindings"]
    offline = runner.invoke(main, ["load-wikidata", "--from-file", str(SAVED), "--store", store])
    assert offline.exit_code == 0, offline.output
    sources = runner.invoke(main, ["query", "sources", "--store", store, "-f", "json"])
    rows = json.loads(sources.output)["results"]["bindings"]
    assert [(r["source"]["value"], r["agreements"]["value"]) for r in rows] == [("wikidata-p190", "5")]
    empty = runner.invoke(main, ["load-wikidata", "--cities", "Nowhere", "--wikidata-endpoint", url, "--store", store])
    assert empty.exit_code == 1 and "citykg: error: Wikidata returned no P190 pairs for Nowhere" in empty.output
