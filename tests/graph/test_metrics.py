"""Network metrics: the reference figures of the Wikipedia twin-town list, per-node figures, growth."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import networkx as nx
import pytest

from citykg.graph.metrics import (GLOBAL_FIELDS, betweenness, clustering, detect_communities, eigenvector, global_metrics,
                                   growth, node_metrics)
from citykg.graph.network import project

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external"
WIKIPEDIA = EXTERNAL / "wikipedia_twin_cities_raw.csv"

# The reference figures of ../shared/data/external/README.md for wikipedia_raw (node key = city,
# country as written; undirected; self-loops dropped), to the precision the README gives them.
REFERENCE = {
    "nodes": 17_820,
    "edges": 26_111,
    "components": 1_408,
    "largest_component": 14_196,
    "mean_degree": 2.93,
    "transitivity": 0.172,
    "degree_assortativity": 0.374,
}


def rounded_like_reference(figures: dict) -> dict:
    return {
        "nodes": figures["nodes"],
        "edges": figures["edges"],
        "components": figures["components"],
        "largest_component": figures["largest_component"],
        "mean_degree": round(figures["mean_degree"], 2),
        "transitivity": round(figures["transitivity"], 3),
        "degree_assortativity": round(figures["degree_assortativity"], 3),
    }


def pairs_graph() -> nx.Graph:
    graph = nx.Graph()
    with WIKIPEDIA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a, b = (row["city1"], row["country1"]), (row["city2"], row["country2"])
            if a != b:
                graph.add_edge(a, b)
    return graph


needs_wikipedia = pytest.mark.skipif(not WIKIPEDIA.is_file(), reason=f"the external Wikipedia list is not at {WIKIPEDIA}")


@needs_wikipedia
def test_metrics_reproduce_the_reference_figures_of_the_wikipedia_list():
    graph = pairs_graph()
    figures = global_metrics(graph, with_communities=False)
    assert rounded_like_reference(figures) == REFERENCE
    assert figures["largest_component_share"] == pytest.approx(0.797, abs=0.0005)
    top = sorted(graph.degree, key=lambda item: -item[1])[:3]
    assert top == [(("Bethlehem", "Palestine"), 74), (("Shanghai", "China"), 69), (("Rio de Janeiro", "Brazil"), 58)]


def test_global_figures_of_a_small_graph():
    graph = nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4), (5, 6)])
    figures = global_metrics(graph)
    assert set(figures) == set(GLOBAL_FIELDS)
    assert figures["nodes"] == 6 and figures["edges"] == 5
    assert figures["components"] == 2 and figures["largest_component"] == 4
    assert figures["mean_degree"] == pytest.approx(10 / 6)
    assert figures["transitivity"] == pytest.approx(3 * 1 / (3 * 1 + 2))  # one triangle, two open triads
    assert figures["communities"] == 2
    assert 0.3 < figures["modularity"] < 0.5


def test_figures_that_do_not_exist_are_none():
    assert global_metrics(nx.Graph())["transitivity"] is None
    ring = nx.cycle_graph(6)  # every node has degree 2: assortativity is undefined
    assert global_metrics(ring)["degree_assortativity"] is None
    assert node_metrics(nx.Graph()) == ([], {"betweenness": "exact"})


def test_per_node_figures_of_the_omsk_interaction_network(omsk_store):
    graph = project(omsk_store, "interaction", details=False)
    rows, how = node_metrics(graph)
    assert how == {"betweenness": "exact"}
    omsk = rows[0]
    assert omsk["label"] == "Omsk" and omsk["degree"] == 12
    assert omsk["weighted_degree"] == 20  # 4 Manzhouli + 3 Urumqi + 2 Minsk + 2 Pavlodar + 2 Petropavl + 7 single visits
    assert omsk["betweenness"] == pytest.approx(1.0)  # every path between two partners runs through Omsk
    assert omsk["pagerank"] == max(r["pagerank"] for r in rows)
    manzhouli = next(r for r in rows if r["label"] == "Manzhouli")
    assert manzhouli["country"] == "CN" and manzhouli["betweenness"] == 0


def test_betweenness_is_sampled_on_large_graphs():
    _, how = node_metrics(nx.path_graph(1001))
    assert how["betweenness"] == "estimated from 100 of 1001 source nodes (seed 0)"
    graph = nx.barabasi_albert_graph(400, 2, seed=1)
    rows, how = node_metrics(graph, sample=50, seed=3)
    assert how["betweenness"] == "estimated from 50 of 400 source nodes (seed 3)"
    again, _ = node_metrics(graph, sample=50, seed=3)
    assert [r["betweenness"] for r in rows] == [r["betweenness"] for r in again]
    exact = nx.betweenness_centrality(graph)
    hub = max(exact, key=exact.get)
    assert max(rows, key=lambda r: r["betweenness"])["node"] == hub


def test_communities_are_the_same_on_every_run():
    graph = nx.les_miserables_graph()
    assert detect_communities(graph, seed=0) == detect_communities(graph, seed=0)


def test_growth_year_by_year():
    graph = nx.Graph()
    graph.add_edge("a", "b", first_year=1990)
    graph.add_edge("b", "c", first_year=2000)
    graph.add_edge("c", "a", first_year=2000)
    graph.add_edge("d", "e")  # undated
    rows, undated = growth(graph)
    assert undated == 1
    assert [(r["year"], r["nodes"], r["edges"], r["transitivity"]) for r in rows] == [(1990, 2, 1, 0.0), (2000, 3, 3, 1.0)]


def graphs_to_compare() -> list[nx.Graph]:
    """Shapes whose figures are easy to get subtly wrong: hubs, two components, a self-loop."""
    hubs = nx.barabasi_albert_graph(300, 2, seed=1)
    two_parts = nx.disjoint_union(nx.les_miserables_graph(), nx.cycle_graph(7))
    looped = nx.path_graph(6)
    looped.add_edge(2, 2)
    return [hubs, two_parts, looped, nx.empty_graph(3)]


def test_clustering_figures_are_the_figures_of_networkx():
    for graph in graphs_to_compare():
        assert clustering(graph) == (float(nx.transitivity(graph)), nx.average_clustering(graph))


@pytest.mark.parametrize("sample", [None, 2, 40])
def test_betweenness_is_the_betweenness_of_networkx(sample):
    for graph in graphs_to_compare():
        ours = betweenness(graph, sample=sample, seed=5)
        theirs = nx.betweenness_centrality(graph, k=sample if sample and sample < len(graph) else None, seed=5)
        # the same sources and scaling; the path counts are added in another order (igraph)
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_eigenvector_centrality_is_the_one_of_networkx_to_the_bit():
    weighted = nx.barabasi_albert_graph(300, 2, seed=7)
    for a, b in weighted.edges:
        weighted.edges[a, b]["weight"] = 1 + (a * b) % 5
    weighted.add_edge(3, 3, weight=2)
    for graph in [weighted, *graphs_to_compare()[:2]]:
        ours = eigenvector(graph, max_iter=1000, weight="weight")
        assert ours == nx.eigenvector_centrality(graph, max_iter=1000, weight="weight")
        assert list(ours) == list(graph)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        eigenvector(weighted, max_iter=3)


def test_betweenness_without_igraph_is_the_one_of_networkx(monkeypatch):
    monkeypatch.setitem(sys.modules, "igraph", None)  # as if the network extra were not installed
    graph = nx.barabasi_albert_graph(200, 2, seed=4)
    assert betweenness(graph, sample=30, seed=1) == nx.betweenness_centrality(graph, k=30, seed=1)
