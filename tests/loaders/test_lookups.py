"""A headerless relations file joined to a labels file: Wikidata's P190 as a query or dump gives it.
The item decides identity: one node per QID, two items that share a name stay two nodes."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

import citykg
from citykg.errors import CitykgError
from citykg.graph.network import project
from citykg.loaders.mapping import parse_mapping, read_foreign_table

DATA = Path(__file__).parents[1] / "data" / "wikidata"
RELATIONS, LABELS = DATA / "p190-relations.tsv", DATA / "p190-labels.tsv"


def pairs() -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in RELATIONS.read_text().splitlines()]


@pytest.fixture(scope="module")
def store():
    return citykg.load(RELATIONS, citykg.open_store(":memory:"), mapping="wikidata-p190", lookups={"labels": LABELS})


def test_one_node_per_item_and_the_figures_of_the_pairs(store):
    network = project(store, "partnership", details=False)
    plain = nx.Graph(pairs())
    assert network.number_of_nodes() == plain.number_of_nodes() == 6
    assert network.number_of_edges() == plain.number_of_edges()
    assert nx.degree_assortativity_coefficient(network) == pytest.approx(nx.degree_assortativity_coefficient(plain))
    same_as = citykg.query(store, "SELECT ?place ?item WHERE { ?place owl:sameAs ?item FILTER(STRSTARTS(STR(?item), 'http://www.wikidata.org/')) }")
    items = {}
    for row in same_as.records():
        items.setdefault(row["item"], set()).add(row["place"])
    assert len(items) == 6 and all(len(places) == 1 for places in items.values())


def test_two_items_with_one_label_are_two_places(store):
    victorias = citykg.query(store, "SELECT DISTINCT ?place WHERE { ?place rdfs:label 'Victoria'@en }").column("place")
    assert len(victorias) == 2
    for qid in ("Q2132", "Q3553"):
        assert len(citykg.query(store, "partners", city=qid)) >= 1


def test_every_node_has_its_label_not_an_id(store):
    network = project(store, "partnership", details=False)
    assert sorted(network.nodes[n]["label"] for n in network) == ["Berlin", "Paris", "Prague", "Victoria", "Victoria", "Vienna"]


def test_the_lookup_file_must_be_named():
    with pytest.raises(CitykgError, match="--lookup labels=FILE"):
        read_foreign_table(RELATIONS, "wikidata-p190")


@pytest.mark.parametrize("relations, labels, message", [
    ("Q64\tQ999\n", "Q64\tBerlin\n", "'Q999' is not a key of the lookup 'labels'"),
    ("Q64\tQ90\n", "Q64\tBerlin\nQ90\tParis\nQ64\tBerlin, Germany\n", "key 'Q64' comes twice with two values"),
    ("Q64\n", "Q64\tBerlin\n", "the row has 1 cells, but the mapping reads column 2"),
    ("Berlin\tQ90\n", "Berlin\tBerlin\nQ90\tParis\n", "'Berlin' is not a Wikidata item id"),
])
def test_bad_joins_name_the_file_row_and_column(tmp_path, relations, labels, message):
    (tmp_path / "relations.tsv").write_text(relations)
    (tmp_path / "labels.tsv").write_text(labels)
    store = citykg.open_store(":memory:")
    before = len(store)
    with pytest.raises(CitykgError) as caught:
        citykg.load(tmp_path / "relations.tsv", store, mapping="wikidata-p190", lookups={"labels": tmp_path / "labels.tsv"})
    assert message in str(caught.value) and ("row " in str(caught.value))
    assert len(store) == before


def test_a_lookup_the_mapping_does_not_declare_is_refused():
    with pytest.raises(CitykgError, match="declares no such lookup"):
        read_foreign_table(RELATIONS, "wikidata-p190", lookups={"names": LABELS, "labels": LABELS})
    with pytest.raises(CitykgError, match="joins the lookup 'names', which 'lookups' does not declare"):
        parse_mapping({"parties": [{"name": {"column": 1, "lookup": "names"}}, {"name": 2}],
                       "agreement": {"kind": {"value": "twinning"}}})


def test_the_command_line_names_the_lookup(tmp_path):
    from click.testing import CliRunner

    from citykg.cli import main

    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["load", str(RELATIONS), "--mapping", "wikidata-p190",
                                       "--lookup", f"labels={LABELS}", "--store", str(store)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["query", "partners", "-p", "city=Q1085", "--store", str(store), "--format", "csv"])
    assert result.exit_code == 0 and "Berlin" in result.output
