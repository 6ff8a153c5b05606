"""Network metrics, as networkx defines and computes them: global figures, per-node figures and
the growth of a network year by year.

Figures that do not exist for a graph (the assortativity of a graph whose nodes all have the same
degree, the eigenvector centrality of a graph where power iteration does not converge) are None, not
an error. Community detection (Louvain) and sampled betweenness take a seed, so a figure is the same
on every run.

Three are computed faster than networkx's own functions would, to the same values: both
clustering figures come from one count of triangles, with networkx's arithmetic; eigenvector
centrality is networkx's power iteration done by numpy, to the same bits; betweenness counts its
shortest paths with igraph (C) when it is installed, from the same source nodes networkx would
sample, and is scaled as networkx scales it (the figures agree to the last bits of rounding).
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
    figures["transitivity"], figures["average_clustering"] = clustering(graph)
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


def clustering(graph: nx.Graph) -> tuple[float, float]:
    """The transitivity and the average clustering coefficient (zeros counted), as
    ``nx.transitivity`` and ``nx.average_clustering`` compute them, from one count of triangles
    (each of those counts them again, in Python, node by node)."""
    triangles = nx.triangles(graph)
    closed, triads, local = 0, 0, []
    for node, neighbours in graph.adj.items():
        degree = len(neighbours) - (node in neighbours)  # a self-loop closes no triangle
        twice = 2 * triangles[node]  # networkx's count: each triangle at a node from both sides
        closed += twice
        triads += degree * (degree - 1)
        local.append(0 if twice == 0 else twice / (degree * (degree - 1)))
    transitivity = 0 if closed == 0 else closed / triads
    return float(transitivity), sum(local) / len(local)


def betweenness(graph: nx.Graph, *, sample: int | None = None, seed: int | None = SEED) -> dict:
    """Shortest-path betweenness of every node, normalised, exact or estimated from ``sample``
    source nodes: the figures of ``nx.betweenness_centrality(graph, k=sample, seed=seed)``.

    igraph counts the paths when it is installed (networkx's Brandes in Python took 20 s from 100
    sources on 17,917 nodes; igraph 0.3 s); the sources are drawn as networkx draws them and the
    sums scaled as it scales them (the Brandes and Pich estimator: a source is not counted as a
    path's end for itself).
    """
    n = graph.number_of_nodes()
    if sample is not None and sample >= n:
        sample = None  # networkx: k equal to the number of nodes is the exact figure
    try:
        import igraph
    except ImportError:
        return nx.betweenness_centrality(graph, k=sample, seed=seed)
    nodes = list(graph)
    sources = None if sample is None else nx.utils.create_py_random_state(seed).sample(nodes, sample)
    index = {node: number for number, node in enumerate(nodes)}
    shape = igraph.Graph(n=n, edges=[(index[a], index[b]) for a, b in graph.edges() if a != b])
    # igraph counts a path between s and t once; networkx counts it from s and from t
    sums = [2 * value for value in shape.betweenness(
        directed=False, sources=None if sources is None else [index[s] for s in sources])]
    pairs = n - 1  # the ends a path through a node can have, the node itself left out
    if pairs < 2:
        return dict(zip(nodes, sums))
    if sources is None:
        return {node: value * (1 / (pairs * (pairs - 1))) for node, value in zip(nodes, sums)}
    of_source = 1 / ((sample - 1) * (pairs - 1)) if sample > 1 else math.nan
    of_other = 1 / (sample * (pairs - 1))
    drawn = set(sources)
    return {node: value * (of_source if node in drawn else of_other) for node, value in zip(nodes, sums)}


def eigenvector(graph: nx.Graph, *, max_iter: int = 1000, tol: float = 1.0e-6, weight: str | None = "weight") -> dict:
    """``nx.eigenvector_centrality(graph, max_iter=max_iter, tol=tol, weight=weight)``: the same power
    iteration, to the same bits, with each step done by numpy instead of a Python loop (6.5 s to
    0.5 s on the Wikipedia list, whose 1,378 components make it converge slowly).

    Each step adds every node's share to its neighbours in networkx's order (``numpy.add.at`` adds
    in the order it is given, one addition at a time), and the norm and the test for convergence are
    networkx's own Python arithmetic, so the rounding is networkx's too.
    """
    try:
        import numpy as np
    except ImportError:
        return nx.eigenvector_centrality(graph, max_iter=max_iter, tol=tol, weight=weight)
    n = graph.number_of_nodes()
    if n == 0:
        raise nx.NetworkXPointlessConcept("cannot compute centrality for the null graph")
    nodes = list(graph)
    index = {node: number for number, node in enumerate(nodes)}
    giver, taker, share = [], [], []
    for node, neighbours in graph.adjacency():  # networkx's order: nodes, then each one's neighbours
        for neighbour, data in neighbours.items():
            giver.append(index[node])
            taker.append(index[neighbour])
            share.append(data.get(weight, 1) if weight else 1)
    giver, taker, share = np.array(giver, dtype=np.intp), np.array(taker, dtype=np.intp), np.array(share, dtype=float)
    x = np.full(n, 1 / n)
    for _ in range(max_iter):
        last = x
        x = last.copy()  # (A + I) x, as networkx iterates
        np.add.at(x, taker, last[giver] * share)
        norm = math.hypot(*x.tolist()) or 1
        x = x / norm
        if sum(abs(a - b) for a, b in zip(x.tolist(), last.tolist())) < n * tol:
            return dict(zip(nodes, x.tolist()))
    raise nx.PowerIterationFailedConvergence(max_iter)


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
        between = betweenness(graph, sample=sample, seed=seed)
        how = {"betweenness": f"estimated from {sample} of {n} source nodes (seed {seed})"}
    else:
        between = betweenness(graph)
        how = {"betweenness": "exact"}
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {v: 1 / n for v in graph}
    try:
        eigen = eigenvector(graph, max_iter=1000, weight="weight")
    except (nx.PowerIterationFailedConvergence, nx.NetworkXException):
        eigen = {}
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
            "betweenness": between.get(node),
            "eigenvector": _number(eigen.get(node)),
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
