"""The embedded store: persistent, atomic loads, one named graph per source, rdflib view."""

from __future__ import annotations

import pytest
from pyoxigraph import NamedNode, Quad

import citykg
from citykg.errors import CitykgError, TableSetError
from citykg.graph import open_store
from citykg.ontology import namespace as ns


def snapshot(store) -> set:
    return set(store.store)


def test_store_persists_on_disk(tmp_path, tiny_tables):
    path = tmp_path / "store"
    store = citykg.build(tiny_tables, store=path)
    count = len(store)
    del store
    reopened = open_store(path, read_only=True)
    assert len(reopened) == count > 0
    assert ns.source_graph("tiny") in reopened.source_graphs()


def test_each_table_set_has_its_own_named_graph(tiny_tables):
    store = citykg.build(store=":memory:")
    citykg.load(tiny_tables, store=store)
    assert store.source_graphs() == [ns.source_graph("omsk-2016"), ns.source_graph("tiny")]
    assert {ns.GAZETTEER_GRAPH, ns.ONTOLOGY_GRAPH} <= set(store.graphs())


def test_loading_the_same_tables_twice_changes_nothing(tiny_tables):
    store = citykg.build(tiny_tables, store=":memory:")
    before = snapshot(store)
    citykg.load(tiny_tables, store=store)
    assert snapshot(store) == before


def test_a_bad_table_set_leaves_the_store_as_it_was(tmp_path, tiny_tables):
    store = citykg.build(tiny_tables, store=tmp_path / "store")
    before = snapshot(store)
    places = tiny_tables / "places.csv"
    places.write_text(places.read_text(encoding="utf-8").replace("RU,,p1", "RU,,p404"), encoding="utf-8")
    with pytest.raises(TableSetError):
        citykg.build(tiny_tables, store=store)
    with pytest.raises(TableSetError):
        citykg.load(tiny_tables, store=store)
    assert snapshot(store) == before


def test_a_crash_while_writing_leaves_the_store_as_it_was(tmp_path, tiny_tables):
    store = citykg.build(tiny_tables, store=tmp_path / "store")
    before = snapshot(store)
    graph = NamedNode(ns.source_graph("tiny"))

    def quads_then_crash():
        for quad in list(store.store.quads_for_pattern(None, None, None, graph))[:10]:
            yield Quad(quad.subject, quad.predicate, quad.object, graph)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.replace_graphs({graph.value: quads_then_crash()}, drop_others=True)
    assert snapshot(store) == before
    assert not [g for g in store.graphs() if g.startswith(ns.STAGING_GRAPH)]


def test_rdflib_dataset_sees_the_same_store(tiny_tables):
    # DISTINCT: rdflib's union of graphs is a bag, and a city is typed in its source's graph and
    # in the gazetteer graph
    store = citykg.build(tiny_tables, store=":memory:")
    dataset = store.rdflib_dataset()
    rows = list(dataset.query(
        "SELECT DISTINCT ?label WHERE { ?c a <https://w3id.org/citykg/ontology#City> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = 'en') }"
    ))
    assert sorted(str(r[0]) for r in rows) == ["Jinju", "Omsk", "Pavlodar"]


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(CitykgError, match="no store at .*: run 'citykg build' first"):
        open_store(tmp_path / "nothing-here", read_only=True)


def test_a_store_in_use_is_a_clear_error(tmp_path):
    first = open_store(tmp_path / "store")
    with pytest.raises(CitykgError, match="cannot open the store"):
        open_store(tmp_path / "store")
    del first


def test_a_process_that_died_between_the_two_renames_loses_nothing(tmp_path, tiny_tables):
    path = tmp_path / "store"
    count = len(citykg.build(tiny_tables, store=path))
    # what a process killed mid-swap leaves: the old store renamed away, a half-built new one
    path.rename(tmp_path / "store.previous-4242")
    (tmp_path / "store.building-4242").mkdir()
    reopened = open_store(path)
    assert len(reopened) == count
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "tiny"]


def test_load_into_a_store_on_disk_keeps_the_other_sources(tmp_path, tiny_tables):
    store = citykg.build(store=tmp_path / "store")
    omsk = {q for q in store.store if q.graph_name.value == ns.source_graph("omsk-2016")}
    citykg.load(tiny_tables, store=store)
    citykg.load(tiny_tables, store=store)
    assert {q for q in store.store if q.graph_name.value == ns.source_graph("omsk-2016")} == omsk
    assert store.source_graphs() == [ns.source_graph("omsk-2016"), ns.source_graph("tiny")]
