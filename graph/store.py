"""The embedded store: a pyoxigraph ``Store`` on disk or in memory, written a source at a time.

A load replaces a source's named graph atomically: the new quads go into a staging graph in one
transaction, then one SPARQL update drops the old graph and moves the staging graph into its place.
If anything fails before that update, the staging graph is dropped and the store is as it was.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterable

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

MEMORY = ":memory:"


def default_store_path() -> Path:
    """``$CITYKG_STORE``, else ``$XDG_DATA_HOME/citykg/store`` (``~/.local/share/citykg/store``)."""
    if os.environ.get("CITYKG_STORE"):
        return Path(os.environ["CITYKG_STORE"])
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "citykg" / "store"


class GraphStore:
    """citykg's quads in an Oxigraph store; the default graph of queries is the union of all graphs."""

    def __init__(self, store: pyoxigraph.Store, path: Path | None):
        self.store = store
        self.path = path

    # -- reading --------------------------------------------------------------------------

    def query(self, text: str, *, prefixes: dict[str, str] | None = None):
        """Run a SPARQL query over the union of all named graphs."""
        return self.store.query(
            text, use_default_graph_as_union=True, prefixes=prefixes or ns.PREFIXES
        )

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def source_graphs(self) -> list[str]:
        """The named graphs that hold a loaded table set (not the ontology or gazetteer)."""
        special = {ns.ONTOLOGY_GRAPH, ns.GAZETTEER_GRAPH}
        return [g for g in self.graphs() if g not in special and not g.startswith(ns.STAGING_GRAPH)]

    def __len__(self) -> int:
        return len(self.store)

    def rdflib_dataset(self):
        """The same store as an rdflib ``Dataset`` (through oxrdflib): no copy is made."""
        import rdflib
        from oxrdflib import OxigraphStore

        return rdflib.Dataset(store=OxigraphStore(store=self.store), default_union=True)

    # -- writing --------------------------------------------------------------------------

    def replace_graphs(self, graphs: dict[str, Iterable[Quad]], *, drop_others: bool = False) -> None:
        """Put each graph's quads in place of what the graph held, atomically.

        With ``drop_others`` every other graph goes too (a rebuild). Graphs are replaced, not
        merged, except the gazetteer graph, which every source shares and which only grows.
        """
        staging = {}
        try:
            for graph, quads in graphs.items():
                target = NamedNode(f"{ns.STAGING_GRAPH}{uuid.uuid4().hex}")
                staging[graph] = target
                self.store.extend(Quad(q.subject, q.predicate, q.object, target) for q in quads)
            operations = []
            if drop_others:
                keep = set(staging.values())
                operations += [f"DROP SILENT GRAPH <{g}>" for g in self.graphs() if NamedNode(g) not in keep]
            for graph, target in staging.items():
                if graph == ns.GAZETTEER_GRAPH and not drop_others:
                    operations.append(f"ADD SILENT <{target.value}> TO <{graph}>")
                    operations.append(f"DROP SILENT GRAPH <{target.value}>")
                else:
                    if not drop_others:
                        operations.append(f"DROP SILENT GRAPH <{graph}>")
                    operations.append(f"MOVE SILENT <{target.value}> TO <{graph}>")
            if operations:
                self.store.update(" ;\n".join(operations))
        except BaseException:
            for target in staging.values():
                try:
                    self.store.remove_graph(target)
                except Exception:  # the store itself failed: nothing more to undo here
                    pass
            raise
        self.flush()

    def drop_staging(self) -> None:
        """Drop staging graphs left by a process that died mid-load."""
        for graph in self.graphs():
            if graph.startswith(ns.STAGING_GRAPH):
                self.store.remove_graph(NamedNode(graph))

    def flush(self) -> None:
        if self.path is not None:
            self.store.flush()


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> GraphStore:
    """Open (or create) the store at ``path``; ``":memory:"`` for a store in memory.

    >>> store = open_store(":memory:")
    >>> len(store)
    0
    """
    if path is None:
        path = default_store_path()
    if str(path) == MEMORY:
        return GraphStore(pyoxigraph.Store(), None)
    path = Path(path).expanduser()
    if read_only:
        if not path.exists():
            raise CitykgError(f"no store at {path}: run 'citykg build' first (or pass --store)")
        try:
            return GraphStore(pyoxigraph.Store.read_only(str(path)), path)
        except OSError as exc:
            raise CitykgError(f"cannot open the store at {path}: {exc}") from None
    try:
        path.mkdir(parents=True, exist_ok=True)
        store = GraphStore(pyoxigraph.Store(str(path)), path)
    except OSError as exc:
        message = str(exc)
        if "lock" in message.lower():
            message = "it is in use by another citykg process (a running 'citykg serve'?)"
        raise CitykgError(f"cannot open the store at {path}: {message}") from None
    store.drop_staging()
    return store
