"""Put loaded table sets into a store: a rebuild from scratch, or one more source."""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad

from citykg.loaders import LoadedTables
from citykg.ontology import namespace as ns
from citykg.ontology import ontology_triples

from .store import GraphStore


def ontology_quads() -> list[Quad]:
    graph = NamedNode(ns.ONTOLOGY_GRAPH)
    return [Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples()]


def rebuild_store(store: GraphStore, table_sets: list[LoadedTables]) -> None:
    """Replace everything in the store by the ontology and these table sets, atomically."""
    graphs: dict[str, list[Quad]] = {ns.ONTOLOGY_GRAPH: ontology_quads()}
    for loaded in table_sets:
        for graph, quads in loaded.graphs.items():
            graphs.setdefault(graph, []).extend(quads)
    store.replace_graphs(graphs, drop_others=True)


def add_table_set(store: GraphStore, loaded: LoadedTables) -> None:
    """Replace the source's named graph by this table set (and add to the gazetteer graph)."""
    graphs = dict(loaded.graphs)
    if ns.ONTOLOGY_GRAPH not in store.graphs():
        graphs[ns.ONTOLOGY_GRAPH] = ontology_quads()
    store.replace_graphs(graphs)
