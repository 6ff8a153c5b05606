"""Put loaded table sets into a store: a rebuild from scratch, or one more source."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from pyoxigraph import NamedNode, Quad

from citykg.loaders import LoadedTables, NTriplesGraph
from citykg.ontology import namespace as ns
from citykg.ontology import ontology_triples

from .store import GraphStore


def ontology_quads() -> list[Quad]:
    graph = NamedNode(ns.ONTOLOGY_GRAPH)
    return [Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples()]


def rebuild_store(store: GraphStore, table_sets: list[LoadedTables]) -> None:
    """Replace everything in the store by the ontology and these table sets, atomically."""
    parts: dict[str, list[Iterable[Quad]]] = {ns.ONTOLOGY_GRAPH: [ontology_quads()]}
    for loaded in table_sets:
        for graph, quads in loaded.graphs.items():
            parts.setdefault(graph, []).append(quads)
    # chained, not copied: a streamed table set's quads go to the store as they are made
    graphs = {graph: _chained(graph, quads) for graph, quads in parts.items()}
    store.replace_graphs(graphs, drop_others=True)


def _chained(graph: str, parts: list[Iterable[Quad]]) -> Iterable[Quad]:
    """One graph's parts as one; streamed N-Triples stay N-Triples, for the store's fast path."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(part, NTriplesGraph) for part in parts):
        return NTriplesGraph(graph, itertools.chain.from_iterable(p.ntriples_chunks() for p in parts))
    return itertools.chain.from_iterable(parts)


def add_table_set(store: GraphStore, loaded: LoadedTables) -> None:
    """Replace the source's named graph by this table set (and add to the gazetteer graph)."""
    graphs = dict(loaded.graphs)
    if ns.ONTOLOGY_GRAPH not in store.graphs():
        graphs[ns.ONTOLOGY_GRAPH] = ontology_quads()
    store.replace_graphs(graphs)
