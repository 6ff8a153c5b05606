"""Where nodes go when a network is drawn: a force-directed layout computed once, in Python.

Each connected component is laid out on its own and the components are packed in rows, largest
first, each in a square whose side grows with the square root of its size: a force-directed layout
of the whole graph would push the many small components of a partner network (pairs of twin towns)
to a ring around a crushed core. Components of up to ``SPRING_UP_TO`` nodes use networkx's spring
layout; larger ones igraph's Fruchterman-Reingold layout (C, with a grid for repulsion), because the
spring layout's repulsion is quadratic and written in Python: tens of seconds for 5,000 nodes, where
igraph takes under one.
"""

from __future__ import annotations

import math

import networkx as nx

SPRING_UP_TO = 500
SEED = 0
NODE_SPACE = 120.0  # canvas units of width per square root of a component's node count
GAP = 0.25  # space between packed components, as a share of the smaller one's side


def positions(graph: nx.Graph, *, seed: int = SEED) -> dict:
    """Node -> (x, y) in canvas units, centred on 0, 0; y grows downwards, as on a screen."""
    if graph.number_of_nodes() == 0:
        return {}
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c))))
    boxes = []
    for members in components:
        side = NODE_SPACE * math.sqrt(len(members)) + (NODE_SPACE if len(members) > 1 else 0)
        boxes.append((members, side, _unit_layout(graph.subgraph(members), seed)))
    placed = _pack(boxes)
    xs = [p[0] for p in placed.values()]
    ys = [p[1] for p in placed.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {node: (x - cx, y - cy) for node, (x, y) in placed.items()}


def _unit_layout(component: nx.Graph, seed: int) -> dict:
    """The component laid out in the unit square [0, 1]²."""
    n = component.number_of_nodes()
    if n == 1:
        return {next(iter(component)): (0.5, 0.5)}
    if n == 2:  # most components of a twin-town network are one pair
        a, b = sorted(component, key=str)
        return {a: (0.0, 0.5), b: (1.0, 0.5)}
    if n <= SPRING_UP_TO:
        raw = nx.spring_layout(component, seed=seed, weight=None, k=1.5 / math.sqrt(n))
    else:
        raw = _igraph_layout(component, seed)
    xs = [p[0] for p in raw.values()]
    ys = [p[1] for p in raw.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return {node: ((x - min(xs)) / span, (y - min(ys)) / span) for node, (x, y) in raw.items()}


def _pack(boxes: list) -> dict:
    """Shelf packing: rows of components, largest first, each row as wide as the largest one (or
    as the square root of their total area, if that is wider)."""
    width = max(boxes[0][1], math.sqrt(sum(side * side for _, side, _ in boxes)) * 1.2)
    placed, x, y, row_height = {}, 0.0, 0.0, 0.0
    for members, side, unit in boxes:
        gap = GAP * min(side, boxes[-1][1])
        if x > 0 and x + side > width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (ux, uy) in unit.items():
            placed[node] = (x + ux * side, y + uy * side)
        x += side + gap
        row_height = max(row_height, side + gap)
    return placed


def _igraph_layout(graph: nx.Graph, seed: int) -> dict:
    import random

    try:
        import igraph
    except ImportError:  # without the network extra: the same kind of layout, much slower
        return nx.spring_layout(graph, seed=seed, weight=None, iterations=30)
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    shape = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in graph.edges()])
    state = random.getstate()
    random.seed(seed)  # igraph draws its starting positions from Python's random module
    try:
        coordinates = shape.layout_fruchterman_reingold(grid=True, niter=300)
    finally:
        random.setstate(state)
    return {node: tuple(coordinates[i]) for i, node in enumerate(nodes)}
