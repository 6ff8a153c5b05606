"""Network metrics, all computed by networkx's own algorithms: global figures, per-node figures and
the growth of a network year by year.

Figures that do not exist for a graph (the assortativity of a graph whose nodes all have the same
degree, the eigenvector centrality of a graph where power iteration does not converge) are None, not
an error. Community detection (Louvain) and sampled betweenness take a seed, so a figure is the same
on every run.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import networkx as nx

GLOBAL_FIELDS = (
    "nodes", "edges", "components", "largest_component", "largest_component_share", "mean_degree",
    "density", "transitivity", "average_clustering", "degree_assortativity", "communities", "modularity",
)
NODE_FIELDS = (
    "node", "label", "country", "degree", "weighted_degree", "betweenness", "eigenvector", "pagerank", "community",
)
# Exact betweenness costs one breadth-first search per node; above this many nodes it is estimated
# from a sample of source nodes (Brandes and Pich's estimator, networkx's ``k``).
EXACT_BETWEENNESS_UP_TO = 1000
BETWEENNESS_SAMPLE = 100
SEED = 0


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def detect_communities(graph: nx.Graph, *, seed: int = SEED) -> list[set]:
    """Louvain communities (by link weight), largest first."""
    if graph.number_of_edges() == 0:
        return [{n} for n in graph]
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    return sorted(found, key=lambda c: (-len(c), min(map(str, c))))


def global_metrics(graph: nx.Graph, *, with_communities: bool = True, seed: int = SEED,
                   communities: list[set] | None = None) -> dict:
    """The network's global figures (see ``GLOBAL_FIELDS``); edges count each pair once."""
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    figures = dict.fromkeys(GLOBAL_FIELDS)
    figures.update(nodes=n, edges=m, components=0, largest_component=0, mean_degree=0.0, density=0.0)
    if n == 0:
        return figures
    components = [len(c) for c in nx.connected_components(graph)]
    figures["components"] = len(components)
    figures["largest_component"] = max(components)
    figures["largest_component_share"] = max(components) / n
    figures["mean_degree"] = 2 * m / n
    figures["density"] = nx.density(graph)
    figures["transitivity"] = float(nx.transitivity(graph))
    figures["average_clustering"] = nx.average_clustering(graph)
    with warnings.catch_warnings():
        # a graph whose nodes all have one degree has no assortativity: numpy warns, we say None
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            figures["degree_assortativity"] = _number(nx.degree_assortativity_coefficient(graph)) if m else None
        except (ValueError, ZeroDivisionError, nx.NetworkXError):
            figures["degree_assortativity"] = None
    if with_communities and m:
        found = communities if communities is not None else detect_communities(graph, seed=seed)
        figures["communities"] = len(found)
        figures["modularity"] = nx.community.modularity(graph, found, weight="weight")
    return figures


def node_metrics(graph: nx.Graph, *, sample: int | None = None, seed: int = SEED,
                 communities: list[set] | None = None) -> tuple[list[dict], dict]:
    """Per-node figures, best-connected first, and a note of how they were computed.

    ``sample`` is the number of source nodes betweenness is estimated from (default: exact up to
    ``EXACT_BETWEENNESS_UP_TO`` nodes, else ``BETWEENNESS_SAMPLE``); 0 means exact.
    """
    n = graph.number_of_nodes()
    if n == 0:
        return [], {"betweenness": "exact"}
    if sample is None:
        sample = 0 if n <= EXACT_BETWEENNESS_UP_TO else BETWEENNESS_SAMPLE
    if sample and sample < n:
        betweenness = nx.betweenness_centrality(graph, k=sample, seed=seed)
        how = {"betweenness": f"estimated from {sample} of {n} source nodes (seed {seed})"}
    else:
        betweenness = nx.betweenness_centrality(graph)
        how = {"betweenness": "exact"}
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {v: 1 / n for v in graph}
    try:
        eigenvector = nx.eigenvector_centrality(graph, max_iter=1000, weight="weight")
    except (nx.PowerIterationFailedConvergence, nx.NetworkXException):
        eigenvector = {}
        how["eigenvector"] = "power iteration did not converge (a bipartite or very sparse graph): left empty"
    found = communities if communities is not None else detect_communities(graph, seed=seed)
    community_of = {node: index for index, members in enumerate(found) for node in members}
    weighted = dict(graph.degree(weight="weight"))
    rows = []
    for node, degree in graph.degree():
        data = graph.nodes[node]
        rows.append({
            "node": node,
            "label": data.get("label", node if isinstance(node, str) else str(node)),
            "country": data.get("country"),
            "degree": degree,
            "weighted_degree": weighted[node],
            "betweenness": betweenness.get(node),
            "eigenvector": _number(eigenvector.get(node)),
            "pagerank": pagerank.get(node),
            "community": community_of.get(node),
        })
    rows.sort(key=lambda r: (-r["degree"], -(r["betweenness"] or 0), str(r["label"])))
    return rows, how


def growth(graph: nx.Graph, *, with_communities: bool = True, seed: int = SEED,
           progress: Callable[[int], None] | None = None) -> tuple[list[dict], int]:
    """The global figures of the cumulative network at the end of each year in which a link first
    appears (a link counts from its ``first_year``), and how many links have no year."""
    years = sorted({y for _, _, y in graph.edges(data="first_year") if y is not None})
    undated = sum(1 for _, _, y in graph.edges(data="first_year") if y is None)
    rows = []
    for year in years:
        if progress:
            progress(year)
        edges = [(a, b) for a, b, y in graph.edges(data="first_year") if y is not None and y <= year]
        figures = global_metrics(graph.edge_subgraph(edges), with_communities=with_communities, seed=seed)
        rows.append({"year": year, **figures})
    return rows, undated
