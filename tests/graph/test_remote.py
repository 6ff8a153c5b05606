"""citykg against a real SPARQL 1.1 server (Virtuoso): loads, the whole query catalogue, exports,
and the errors a user meets when the server is wrong, unreachable or slow."""

from __future__ import annotations

import http.server
import re
import socket
import threading

import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad
from rdflib.compare import isomorphic

import citykg
from citykg.cli import main
from citykg.errors import CitykgError
from citykg.export import export
from citykg.graph.remote import RemoteStore, query_form, triple_batches, with_prefixes
from citykg.ontology import namespace as ns
from citykg.queries import list_queries, load_query

# parameter values, by parameter type, that give non-empty answers on the Omsk 2016 tables
VALUES = {"city": "Omsk", "place": "Omsk", "subject": "Manzhouli", "integer": "2016", "year": "2016",
          "limit": "5", "agreement-kind": "twinning", "event-kind": "official-visit",
          "organisation-kind": "university", "sector": "grain", "string": "Omsk"}
# where those give no rows for one query: values by query and parameter name
OVERRIDES = {"plans": {"year": "2017"}, "conflicts": {"city": "Simferopol", "property": "country"}}
GROUP_CONCAT = re.compile(r"GROUP_CONCAT\((?:[^()]|\([^()]*\))*\)\s*(?:,\s*\"\"\s*\))?\s*AS\s+\?(\w+)", re.I)


@pytest.fixture(scope="module")
def omsk_on_virtuoso(virtuoso):
    """The Omsk 2016 tables built into Virtuoso by the command line, as a user would."""
    result = CliRunner().invoke(main, ["build", "--quiet", *virtuoso.cli_args()])
    assert result.exit_code == 0, result.output
    return virtuoso.store()


def parameter_sets(query):
    """The required parameters alone, and every parameter this test has a value for."""
    values = {p.name: OVERRIDES.get(query.name, {}).get(p.name, VALUES.get(p.type)) for p in query.params}
    missing = [p.name for p in query.params if p.required and values[p.name] is None]
    assert not missing, f"{query.name}: add a test value for parameter(s) {missing}"
    required = {p.name: values[p.name] for p in query.params if p.required}
    everything = {name: value for name, value in values.items() if value is not None}
    return [required] if everything == required else [required, everything]


def comparable(answer, query_text):
    """The rows, sorted. GROUP_CONCAT cells are compared as sorted lists of their parts, with
    nothing to join read as no parts: SPARQL leaves the order of joined values to the engine
    (Virtuoso sorts them, Oxigraph does not), and over nothing Virtuoso gives "" (as SPARQL 1.1
    says) where Oxigraph 0.5 leaves the cell unbound (docs/deploy.md)."""
    concatenated = {m.group(1) for m in GROUP_CONCAT.finditer(query_text)}
    rows = []
    for row in answer.rows:
        cells = []
        for column, term in zip(answer.columns, row):
            if column in concatenated and (term is None or isinstance(term, Literal)):
                parts = term.value.split("; ") if term is not None and term.value else []
                datatype = term.datatype.value if term is not None and term.value else None
                cells.append(("concat", tuple(sorted(parts)), datatype))
            else:
                cells.append(str(term) if term is not None else None)
        rows.append(tuple(cells))
    return sorted(rows, key=repr)


CASES = [(q.name, params) for q in list_queries() for params in parameter_sets(q)]


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{'-'.join(p) or 'none'}" for n, p in CASES])
def test_catalogue_query_gives_the_same_rows_on_virtuoso(omsk_store, omsk_on_virtuoso, name, params):
    embedded = citykg.query(omsk_store, name, **params)
    served = citykg.query(omsk_on_virtuoso, name, **params)
    assert served.columns == embedded.columns
    assert len(embedded) > 0, f"{name} {params}: no rows to compare; pick other test values"
    text = load_query(name).text
    assert comparable(served, text) == comparable(embedded, text)


def test_stats_graphs_and_size_match_the_embedded_store(omsk_store, omsk_on_virtuoso):
    assert omsk_on_virtuoso.graphs() == omsk_store.graphs()
    assert omsk_on_virtuoso.source_graphs() == ["https://w3id.org/citykg/graph/omsk-2016"]
    assert len(omsk_on_virtuoso) == len(omsk_store)
    assert citykg.stats(omsk_on_virtuoso) == citykg.stats(omsk_store)


def test_ask_and_construct_come_back_as_pyoxigraph_results(omsk_on_virtuoso):
    # Virtuoso 7 answers ASK with a one-cell table; the store turns it back into a boolean
    assert isinstance(omsk_on_virtuoso.query("ASK { ?c a ckg:City }"), pyoxigraph.QueryBoolean)
    assert bool(omsk_on_virtuoso.query("ASK { ?c a ckg:City }")) is True
    assert bool(omsk_on_virtuoso.query("ASK { ?c a ckg:Nothing }")) is False
    triples = omsk_on_virtuoso.query("CONSTRUCT { ?c a ckg:Country } WHERE { ?c a ckg:Country }")
    assert isinstance(triples, pyoxigraph.QueryTriples)
    assert len(list(triples)) == citykg.stats(omsk_on_virtuoso)["countries"]


def test_queries_see_only_citykg_graphs(virtuoso, omsk_on_virtuoso):
    # a graph that is not citykg's stays out of every answer, whatever the server's default graph
    other = virtuoso.store()
    other.update('INSERT DATA { GRAPH <http://example.org/other> { <http://example.org/x> a '
                 '<https://w3id.org/citykg/ontology#City> } }')
    try:
        assert citykg.stats(omsk_on_virtuoso)["cities"] == citykg.stats(virtuoso.store())["cities"]
        assert "http://example.org/other" not in omsk_on_virtuoso.graphs()
        found = omsk_on_virtuoso.query("SELECT ?c WHERE { ?c a ckg:City }")
        assert "http://example.org/x" not in {s[0].value for s in found}
    finally:
        other.update("DROP SILENT GRAPH <http://example.org/other>")


def test_cli_commands_work_against_the_server(omsk_store, omsk_on_virtuoso, virtuoso):
    import csv
    import io

    runner = CliRunner()
    served = runner.invoke(main, ["query", "partners", "-p", "city=Omsk", "-f", "csv",
                                  "--endpoint", virtuoso.query_url])
    assert served.exit_code == 0, served.output
    rows = {r["partner"]: r["agreements"] for r in csv.DictReader(io.StringIO(served.stdout))}
    expected = citykg.query(omsk_store, "partners", city="Omsk").records()
    assert rows == {r["partner"]: str(r["agreements"]) for r in expected} and "Manzhouli" in rows
    valid = runner.invoke(main, ["validate", "--endpoint", virtuoso.query_url])
    assert valid.exit_code == 0 and "valid" in valid.stdout, valid.output
    stats = runner.invoke(main, ["stats"], env={"CITYKG_ENDPOINT": virtuoso.query_url})
    assert stats.exit_code == 0 and f"triples         {len(omsk_store)}" in stats.stdout


def test_export_from_the_server_keeps_every_graph(tmp_path, omsk_store, omsk_on_virtuoso):
    for fmt in ("nquads", "turtle"):
        ours, theirs = tmp_path / f"embedded.{fmt}", tmp_path / f"virtuoso.{fmt}"
        export(omsk_store, ours, fmt)
        export(omsk_on_virtuoso, theirs, fmt)
        kind = "nquads" if fmt == "nquads" else "turtle"
        if fmt == "nquads":
            a, b = rdflib.Dataset(), rdflib.Dataset()
            a.parse(ours, format=kind)
            b.parse(theirs, format=kind)
            for graph in omsk_store.graphs():
                name = rdflib.URIRef(graph)
                assert isomorphic(a.graph(name), b.graph(name)), graph
        else:
            assert isomorphic(rdflib.Graph().parse(ours, format=kind), rdflib.Graph().parse(theirs, format=kind))


def test_load_replaces_one_source_and_leaves_the_others(virtuoso, tiny_tables):
    store = virtuoso.store(batch_triples=100)  # several batches per graph
    citykg.build(store=store)
    before = {g: _graph_size(store, g) for g in store.graphs()}
    citykg.load(tiny_tables, store)
    tiny = ns.source_graph("tiny")
    assert tiny in store.graphs()
    loaded = _graph_size(store, tiny)
    citykg.load(tiny_tables, store)  # again: replaced, not doubled
    assert _graph_size(store, tiny) == loaded
    assert _graph_size(store, ns.source_graph("omsk-2016")) == before[ns.source_graph("omsk-2016")]
    assert not [g for g in store.graphs() if g.startswith(ns.STAGING_GRAPH)]


def test_graph_store_protocol_loads_the_same_graph(virtuoso, omsk_store, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--quiet", *virtuoso.cli_args(), "--graph-store", virtuoso.graph_store_url])
    assert result.exit_code == 0, result.output
    store = virtuoso.store()
    assert citykg.stats(store) == citykg.stats(omsk_store)
    # the ontology's blank nodes (unions of classes, lists) arrive whole
    export(store, tmp_path / "served.nq")
    export(omsk_store, tmp_path / "embedded.nq")
    served, embedded = rdflib.Dataset(), rdflib.Dataset()
    served.parse(tmp_path / "served.nq", format="nquads")
    embedded.parse(tmp_path / "embedded.nq", format="nquads")
    ontology = rdflib.URIRef(ns.ONTOLOGY_GRAPH)
    assert isomorphic(served.graph(ontology), embedded.graph(ontology))
    wrong = virtuoso.store(graph_store=virtuoso.graph_store_url.replace("crud-auth", "crud-nowhere"))
    with pytest.raises(CitykgError, match=r"graphs are as they were and nothing was written.*refused the triples \(HTTP 404"):
        citykg.build(store=wrong)
    assert citykg.stats(store) == citykg.stats(omsk_store)


def test_a_failed_load_leaves_the_server_as_it_was(virtuoso):
    store = virtuoso.store(batch_triples=50)
    citykg.build(store=store)
    before = {g: _graph_size(store, g) for g in store.graphs()}
    good = [Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal(str(i)))
            for i in range(120)]
    # Virtuoso refuses an integer literal that is not a number: the third batch fails
    bad = [Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                Literal("many", datatype=NamedNode(ns.XSD + "integer")))]
    with pytest.raises(CitykgError) as failure:
        store.replace_graphs({ns.source_graph("omsk-2016"): good + bad})
    message = str(failure.value)
    assert "graphs are as they were" in message and "the 100 triples" in message and "dropped again" in message
    assert "SR341" in message  # the server's own words
    assert {g: _graph_size(store, g) for g in store.graphs()} == before


def test_a_server_that_cuts_answers_short_is_an_error(virtuoso_factory, tmp_path):
    server = virtuoso_factory(max_rows=1000)
    store = server.store()
    # a server with no citykg graph yet: Virtuoso's own graphs stay out of the counts
    assert store.graphs() == [] and len(store) == 0
    assert next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value == "0"
    citykg.build(store=store)
    target = tmp_path / "graph.nt"
    with pytest.raises(CitykgError, match=r"sent 10\d\d of the \d+ triples.*ResultSetMaxRows"):
        export(store, target)
    assert not target.exists() and not list(tmp_path.glob(".*partial"))


# -- errors a user meets -------------------------------------------------------------------------


def test_unreachable_endpoint_is_one_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["stats", "--endpoint", f"http://127.0.0.1:{port}/sparql"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"citykg: error: cannot reach the SPARQL endpoint "
                                      f"http://127.0.0.1:{port}/sparql: [Errno 111] Connection refused")


def test_wrong_password_and_no_write_permission(virtuoso, omsk_on_virtuoso):
    wrong = RemoteStore(virtuoso.query_url, virtuoso.update_url, user="dba", password="wrong")
    with pytest.raises(CitykgError, match=r"refused the credentials given \(HTTP 401\)"):
        wrong.replace_graphs({ns.source_graph("y"): _quads(3)})
    anonymous = RemoteStore(virtuoso.query_url)  # Virtuoso's open endpoint may only read
    with pytest.raises(CitykgError, match=r"may not write here.*sparql-auth.*server says: .*SR186"):
        anonymous.replace_graphs({ns.source_graph("y"): _quads(3)})
    assert ns.source_graph("y") not in omsk_on_virtuoso.graphs()


def test_a_query_the_server_rejects_shows_its_message(omsk_on_virtuoso):
    with pytest.raises(CitykgError, match=r"rejected the query \(HTTP 400\): server says: Virtuoso 37000 Error SP030"):
        omsk_on_virtuoso.query("SELECT * WHERE { ?s ?p }")


def test_a_page_instead_of_results_a_partial_answer_and_a_silent_server(tmp_path):
    class Page(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path.startswith("/partial"):
                # what Virtuoso sends when its "anytime" time limit cut the answer short
                body = b'{"head": {"vars": ["n"]}, "results": {"bindings": []}}'
                media, extra = "application/sparql-results+json", {
                    "X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
            else:
                body = b"<!DOCTYPE html><html><body><h1>Welcome to the portal</h1></body></html>"
                media, extra = "text/html", {}
            self.send_response(200)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    page = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections and never answers
    try:
        url = f"http://127.0.0.1:{page.server_address[1]}/"
        with pytest.raises(CitykgError, match=r"answered with an HTML page instead of SPARQL results.*Welcome to the portal"):
            RemoteStore(url).query("SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(CitykgError, match=r"returned a partial answer \(S1TAT: RC...: Returning incomplete"):
            RemoteStore(url + "partial").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        slow = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/sparql", timeout=1)
        with pytest.raises(CitykgError, match=r"did not answer the query within 1 s"):
            slow.query("SELECT * WHERE { ?s ?p ?o }")
    finally:
        page.shutdown()
        silent.close()


def test_bad_endpoint_options():
    with pytest.raises(CitykgError, match="expected the http"):
        RemoteStore("localhost:8890/sparql")
    with pytest.raises(CitykgError, match="password was given without a user"):
        RemoteStore("http://127.0.0.1:1/sparql", password="x")
    result = CliRunner().invoke(main, ["stats", "--endpoint", "http://127.0.0.1:1/sparql", "--store", "/tmp/x"])
    assert result.exit_code == 1 and "pass one of them" in result.stderr


# -- the pieces ------------------------------------------------------------------------------------


def test_batches_keep_blank_nodes_together_and_escape_literals():
    blank = pyoxigraph.BlankNode()
    quads = _quads(5) + [Quad(blank, NamedNode("http://example.org/p"), Literal('a "quoted"\nline')),
                         Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/q"), blank)]
    batches = list(triple_batches(quads, 2))
    assert [b.count for b in batches] == [2, 2, 1, 2] and batches[-1].blanks
    assert batches[0].update("http://example.org/g").startswith("INSERT DATA { GRAPH <http://example.org/g>")
    last = batches[-1].update("http://example.org/g")
    assert last.startswith("INSERT { GRAPH") and last.endswith("WHERE {}")
    assert '"a \\"quoted\\"\\nline"' in last
    assert len(list(pyoxigraph.parse(batches[-1].ntriples(), format=pyoxigraph.RdfFormat.N_TRIPLES))) == 2


def test_query_form_and_prefixes():
    assert query_form("# SELECT in a comment\nPREFIX a: <http://x/INSERT>\nASK { ?s ?p 'DELETE' }") == "ASK"
    assert query_form("prefix x: <http://x/> insert data { x:a x:b x:c }") == "INSERT"
    text = with_prefixes("SELECT * WHERE { ?s a ckg:City ; rdfs:label ?l }", ns.PREFIXES)
    assert text.startswith("PREFIX ckg: <https://w3id.org/citykg/ontology#>\nPREFIX rdfs:")
    declared = "PREFIX ckg: <http://elsewhere/>\nSELECT * WHERE { ?s a ckg:City }"
    assert with_prefixes(declared, ns.PREFIXES) == declared


def _quads(count: int) -> list[Quad]:
    return [Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal(str(i)))
            for i in range(count)]


def _graph_size(store, graph: str) -> int:
    return store._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
