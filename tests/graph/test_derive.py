"""The derived graph: name keys, partner counts and ranks, event totals, rebuilt with every write."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from pyoxigraph import NamedNode

import citykg
from citykg.loaders import bundled_dataset
from citykg.graph.derive import name_key
from citykg.ontology import namespace as ns

CKG = ns.CKG
DERIVED = NamedNode(ns.DERIVED_GRAPH)
LABEL = NamedNode(ns.RDFS + "label")
ALT_LABEL = NamedNode(ns.SKOS + "altLabel")
TYPE = NamedNode(ns.RDF + "type")


def derived(store, prop: str) -> dict:
    """{subject IRI: set of values} of one derived property, read straight from the quads."""
    values = defaultdict(set)
    for quad in store.store.quads_for_pattern(None, NamedNode(CKG + prop), None, DERIVED):
        values[quad.subject.value].add(quad.object.value)
    return values


def union_triples(store, predicate):
    """The distinct (subject, object) pairs of a predicate over the data graphs."""
    return {(q.subject.value, q.object.value) for q in store.store.quads_for_pattern(None, predicate, None)
            if q.graph_name != DERIVED}


def expected_partner_counts(store) -> Counter:
    return Counter(s for s, _ in union_triples(store, NamedNode(CKG + "partnerOf")))


def test_every_name_of_every_place_has_its_key(omsk_store):
    places = {s for s, o in union_triples(omsk_store, TYPE) if o == CKG + "Place"}
    expected = defaultdict(set)
    for predicate in (LABEL, ALT_LABEL):
        for place, name in union_triples(omsk_store, predicate):
            if place in places:
                expected[place].add(name_key(name))
    assert len(expected) == len(places) > 15
    assert derived(omsk_store, "nameKey") == expected
    assert "омск" in expected[ns.ID + "place/geonames-1496153"]


def test_partner_counts_and_ranks(omsk_store):
    counts = expected_partner_counts(omsk_store)
    assert counts[ns.ID + "place/geonames-1496153"] >= 5  # Omsk, with all its partners
    assert {p: int(next(iter(v))) for p, v in derived(omsk_store, "partnerCount").items()} == counts
    ranks = {p: int(next(iter(v))) for p, v in derived(omsk_store, "partnerRank").items()}
    for place, count in counts.items():
        # competition ranking: 1 + the number of places with more partners
        assert ranks[place] == 1 + sum(1 for c in counts.values() if c > count)


def test_event_totals_sum_the_participations(omsk_store):
    people, groups = defaultdict(int), defaultdict(int)
    in_event = dict(union_triples(omsk_store, NamedNode(CKG + "inEvent")))
    for participation, n in union_triples(omsk_store, NamedNode(CKG + "participantCount")):
        people[in_event[participation]] += int(n)
    for participation, n in union_triples(omsk_store, NamedNode(CKG + "delegationCount")):
        groups[in_event[participation]] += int(n)
    assert people and groups
    assert {e: int(next(iter(v))) for e, v in derived(omsk_store, "participantTotal").items()} == people
    assert {e: int(next(iter(v))) for e, v in derived(omsk_store, "delegationTotal").items()} == groups


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_derived_graph_follows_every_write(tmp_path, tiny_tables, where):
    store = citykg.build(tiny_tables, store=":memory:" if where == "memory" else tmp_path / "store")
    omsk = ns.ID + "place/geonames-1496153"
    assert derived(store, "partnerCount")[omsk] == {"1"}  # Pavlodar
    assert "улан-удэ" not in set().union(*derived(store, "nameKey").values())

    citykg.load(bundled_dataset(), store=store)
    counts = expected_partner_counts(store)
    assert counts[omsk] > 1
    assert derived(store, "partnerCount") == {p: {str(c)} for p, c in counts.items()}
    assert "улан-удэ" in set().union(*derived(store, "nameKey").values())
    assert len(citykg.query(store, "partners", city="омск")) == counts[omsk]

    store.replace_graphs({ns.source_graph("omsk-2016"): []})  # that source emptied again
    assert derived(store, "partnerCount")[omsk] == {"1"}
    assert citykg.query(store, "partners", city="omsk").column("partner") == ["Pavlodar"]
    assert ns.DERIVED_GRAPH in store.graphs() and ns.DERIVED_GRAPH not in store.source_graphs()
