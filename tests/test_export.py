"""Exports: every RDF format parses back into the same graph, by rdflib and by independent parsers
(rapper from raptor2-utils, pyld for JSON-LD); networks open again in networkx; the ontology page."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

import citykg.export as export_module
from citykg.cli import main
from citykg.errors import CitykgError
from citykg.export import EXPORTERS, context, export, guess_format
from citykg.ontology import namespace as ns

TRIPLE_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
QUAD_FORMATS = {"nquads": "nquads", "trig": "trig"}
RAPPER = {"turtle": "turtle", "ntriples": "ntriples", "nquads": "nquads", "trig": "trig", "rdfxml": "rdfxml"}


@pytest.fixture(scope="module")
def merged(omsk_store):
    """The union of the store's graphs."""
    return _as_rdflib(omsk_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))


def _as_rdflib(triples) -> rdflib.Graph:
    """pyoxigraph triples as rdflib reads them from N-Triples (so that "x" and "x"^^xsd:string,
    one literal in RDF 1.1, compare equal as rdflib's parsers make them)."""
    import pyoxigraph

    data = pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


@pytest.fixture(scope="module")
def files(omsk_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    written = {}
    for name in list(TRIPLE_FORMATS) + list(QUAD_FORMATS):
        path = folder / f"omsk{EXPORTERS[name].extensions[0]}"
        written[name] = (path, export(omsk_store, path))
    return written


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_merged_formats_parse_back_into_the_same_graph(files, merged, fmt):
    path, count = files[fmt]
    back = rdflib.Graph().parse(path, format=TRIPLE_FORMATS[fmt])
    assert count == len(merged) == len(back)
    assert isomorphic(back, merged)


@pytest.mark.parametrize("fmt", QUAD_FORMATS)
def test_quad_formats_keep_every_named_graph(files, omsk_store, fmt):
    path, count = files[fmt]
    back = rdflib.Dataset()
    back.parse(path, format=QUAD_FORMATS[fmt])
    assert count == len(omsk_store)
    assert sorted(str(g.identifier) for g in back.graphs() if len(g)) == omsk_store.graphs()
    for graph in omsk_store.graphs():
        quads = omsk_store.store.quads_for_pattern(None, None, None, export_module.NamedNode(graph))
        expected = _as_rdflib(q.triple for q in quads)
        assert isomorphic(back.graph(rdflib.URIRef(graph)), expected), graph


@pytest.mark.parametrize("fmt", RAPPER)
def test_rapper_accepts_every_format_it_reads(files, fmt):
    rapper = shutil.which("rapper")
    if rapper is None:
        if os.environ.get("CI") == "true":
            pytest.fail("rapper is not installed (Debian package raptor2-utils): CI must run this check")
        pytest.skip("rapper is not installed (Debian package raptor2-utils)")
    path, count = files[fmt]
    run = subprocess.run([rapper, "--count", "--input", RAPPER[fmt], str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Error" not in run.stderr and "Warning" not in run.stderr, run.stderr
    assert re.search(rf"returned {count} (triples|statements)", run.stderr), run.stderr


def test_pyld_expands_the_jsonld_into_the_same_triples(files, merged):
    from pyld import jsonld

    path, _ = files["jsonld"]
    document = json.loads(path.read_text(encoding="utf-8"))
    expanded = jsonld.expand(document)  # no document loader needed: the context is inline
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), merged)


def test_jsonld_is_compacted_with_the_published_context(files):
    path, _ = files["jsonld"]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["@context"] == context()["@context"]
    nodes: dict[str, dict] = {}
    for node in document["@graph"]:  # a subject whose triples sit in several graphs comes in parts
        whole = nodes.setdefault(node["@id"], {})
        for key, value in node.items():
            whole[key] = {**whole[key], **value} if isinstance(value, dict) and key in whole else value
    omsk = next(n for n in nodes.values() if n.get("label", {}).get("en") == "Omsk" and "City" in _list(n.get("@type")))
    assert omsk["label"]["ru"] == "Омск"
    assert omsk["@id"].startswith("id:place/geonames-")
    assert "id:place/geonames-2035836" in _list(omsk["partnerOf"])  # Manzhouli, as a compact IRI
    assert isinstance(omsk["population"], int) or omsk["population"].isdigit()
    assert all(not key.startswith("http") for node in nodes.values() for key in node)


def test_export_compaction_writes_what_pyld_alone_writes(omsk_store):
    """The export remembers pyld's term choices and skips its second expansion: the node objects
    must still be the ones pyld writes from scratch, for every chunk of the bundled graph."""
    triples = list(export_module.iter_triples(omsk_store, None))
    processor = export_module.compaction_processor()
    chunks = list(export_module.subject_chunks(triples, 300))
    assert len(chunks) > 5
    for chunk in chunks:
        assert export_module.compact_jsonld(chunk, processor) == export_module.compact_jsonld(chunk)
    assert len(processor.terms) > 20  # it did remember choices, across chunks
    # a property with values of other shapes than the ones remembered gets other terms; IRIs
    # in namespaces a term reaches into, or that no term starts, are pyld's to compact
    from pyoxigraph import Literal, NamedNode, Triple

    place, population = NamedNode(ns.ID + "place/x"), NamedNode(ns.CKG + "population")
    odd = [Triple(place, population, Literal("many")), Triple(place, population, Literal("viele", language="de")),
           Triple(place, NamedNode(ns.CKG + "partnerOf"), NamedNode(ns.CKG + "City"))]
    odd += [Triple(NamedNode(iri), NamedNode(ns.CKG + "partnerOf"), place) for iri in (
        "https://w3id.org/citykg/x", "https://w3id.org/citykg/ontology#Nothing", "http://example.org/a/b",
        ns.ID + "place/", "urn:x:y", "https://w3id.org/citykg/concept/agreement-kind/twinning")]
    for triple in odd:
        assert export_module.compact_jsonld([triple], processor) == export_module.compact_jsonld([triple]), triple


def test_merged_export_writes_a_triple_held_by_several_graphs_once(tmp_path):
    from pyoxigraph import Literal, NamedNode, Quad

    from citykg import open_store

    store = open_store(":memory:")
    shared = (NamedNode(ns.ID + "place/x"), NamedNode(ns.RDFS + "label"), Literal("X", language="en"))
    store.replace_graphs({
        ns.source_graph("a"): [Quad(*shared, NamedNode(ns.source_graph("a")))],
        ns.source_graph("b"): [Quad(*shared, NamedNode(ns.source_graph("b"))),
                               Quad(shared[0], NamedNode(ns.CKG + "population"), Literal(5),
                                    NamedNode(ns.source_graph("b")))],
    })
    path = tmp_path / "merged.nt"
    assert export(store, path) == 2
    assert len(path.read_text().splitlines()) == 2


def test_context_keeps_up_with_the_ontology():
    """Every ckg: property is a bare term through @vocab; the ones that link nodes must be
    coerced to @id and the numeric ones typed, or the compact form falls back to value objects."""
    from citykg.ontology import ontology_graph

    terms = context()["@context"]
    graph = ontology_graph()
    assert terms["@vocab"] == ns.CKG
    for prop in graph.subjects(rdflib.RDF.type, rdflib.OWL.ObjectProperty):
        name = str(prop).removeprefix(ns.CKG)
        if str(prop).startswith(ns.CKG):
            assert terms.get(name, {}).get("@type") == "@id", f"context.jsonld: coerce ckg:{name} to @id"
    for prop in graph.subjects(rdflib.RDF.type, rdflib.OWL.DatatypeProperty):
        name = str(prop).removeprefix(ns.CKG)
        datatype = graph.value(prop, rdflib.RDFS.range)
        if str(prop).startswith(ns.CKG) and datatype in (rdflib.XSD.integer, rdflib.XSD.decimal):
            assert terms.get(name, {}).get("@type") == f"xsd:{datatype.removeprefix(str(rdflib.XSD))}", name


def test_one_graph_only_and_its_errors(omsk_store, tmp_path):
    path = tmp_path / "gazetteer.nt"
    count = export(omsk_store, path, graph="gazetteer")
    gazetteer = [q for q in omsk_store.store.quads_for_pattern(None, None, None,
                                                                export_module.NamedNode(ns.GAZETTEER_GRAPH))]
    assert count == len(gazetteer) == len(rdflib.Graph().parse(path, format="nt"))
    with pytest.raises(CitykgError, match=r"--graph 'nowhere': no such graph.*gazetteer, omsk-2016, ontology"):
        export(omsk_store, tmp_path / "x.nt", graph="nowhere")


def test_format_from_extension_and_bad_formats(omsk_store, tmp_path):
    assert [guess_format(f"a{ext}") for ext in (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".gexf")] == [
        "turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml", "gexf"]
    with pytest.raises(CitykgError, match=r"cannot tell the format from '.*\.dat': pass --format"):
        export(omsk_store, tmp_path / "graph.dat")
    with pytest.raises(CitykgError, match=r"unknown export format 'png': expected one of turtle, "):
        export(omsk_store, tmp_path / "graph.ttl", "png")


def test_a_failed_export_leaves_no_file(omsk_store, tmp_path):
    target = tmp_path / "net.graphml"
    with pytest.raises(CitykgError, match="unknown network kind"):
        export(omsk_store, target, network="nonsense")
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_while_streaming(omsk_store, monkeypatch):
    import io

    monkeypatch.setattr(export_module, "PROGRESS_EVERY", 500)
    seen = []
    count = export(omsk_store, io.BytesIO(), "nquads", progress=seen.append)
    assert seen == list(range(500, count + 1, 500))


def test_cli_export_to_stdout_and_file(tmp_path):
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(main, ["build", "-q", "--store", str(store)]).exit_code == 0
    result = runner.invoke(main, ["export", "-f", "nt", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert len(rdflib.Graph().parse(data=result.stdout, format="nt")) > 2000
    assert re.search(r"exported [\d,]+ triples as N-Triples, all graphs merged to standard output", result.stderr)
    result = runner.invoke(main, ["export", "--out", str(tmp_path / "g.trig"), "--store", str(store)])
    assert result.exit_code == 0 and (tmp_path / "g.trig").stat().st_size > 0
    result = runner.invoke(main, ["export", "-f", "csv", "--store", str(store)])
    assert result.exit_code == 2 and "--format csv writes two tables" in result.stderr


# -- networks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt,read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_files_open_in_networkx_again(omsk_store, tmp_path, fmt, read):
    from citykg.graph.network import project

    path = tmp_path / f"partners.{fmt}"
    export(omsk_store, path)
    expected = project(omsk_store, "partnership")
    back = read(path)
    assert set(back.nodes) == set(expected.nodes)
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in expected.edges()}
    omsk = next(n for n, d in expected.nodes(data=True) if d.get("label") == "Omsk")
    assert back.nodes[omsk]["label"] == "Omsk"


def test_network_csv_writes_links_and_nodes(omsk_store, tmp_path):
    import csv

    from citykg.graph.network import project

    export(omsk_store, tmp_path / "partners.csv", network="partnership")
    links = list(csv.DictReader(open(tmp_path / "partners.csv", encoding="utf-8")))
    nodes = list(csv.DictReader(open(tmp_path / "partners-nodes.csv", encoding="utf-8")))
    expected = project(omsk_store, "partnership")
    assert len(links) == expected.number_of_edges() and len(nodes) == expected.number_of_nodes()
    assert {"source", "target"} <= set(links[0]) and "label" in nodes[0]


# -- the ontology ------------------------------------------------------------------------------------


def test_export_ontology_writes_turtle_jsonld_and_an_offline_page(tmp_path):
    from pyld import jsonld

    from citykg.ontology import ontology_graph

    result = CliRunner().invoke(main, ["export-ontology", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citykg.jsonld", "citykg.ttl", "context.jsonld", "index.html"]
    ontology = ontology_graph()
    assert isomorphic(rdflib.Graph().parse(tmp_path / "citykg.ttl", format="turtle"), ontology)
    document = json.loads((tmp_path / "citykg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), ontology)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Agreement" in page and "partnerOf" in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page), "the page must not load anything"


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


