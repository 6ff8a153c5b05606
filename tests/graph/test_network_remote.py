"""The network projections from a real SPARQL server (Virtuoso) are the ones from the embedded store."""

from __future__ import annotations

import pytest

import citykg
from citykg.graph.network import KINDS, project


@pytest.fixture(scope="module")
def omsk_remote(virtuoso):
    return citykg.build(store=virtuoso.store())


@pytest.mark.parametrize("kind", KINDS)
def test_projections_from_the_server_match_the_embedded_store(omsk_store, omsk_remote, kind):
    here, there = project(omsk_store, kind), project(omsk_remote, kind)
    assert sorted(here.nodes) == sorted(there.nodes)
    assert {n: pytest.approx(d) for n, d in here.nodes(data=True)} == dict(there.nodes(data=True))
    assert {frozenset((a, b)): d for a, b, d in here.edges(data=True)} == {frozenset((a, b)): d for a, b, d in there.edges(data=True)}


def test_filters_and_the_endpoint_url_work_on_the_server(omsk_remote, virtuoso):
    twins = project(omsk_remote, "partnership", kinds=["twinning"], city="Omsk")
    assert {twins.nodes[n]["label"] for n in twins} == {"Omsk", "Manzhouli", "Urumqi"}
    # a bare URL is a server too; its default graph is the union of what it holds
    assert project(virtuoso.query_url, "partnership").number_of_edges() == 5
