"""The embedded store: a pyoxigraph ``Store`` on disk or in memory, written a source at a time.

Every write replaces whole named graphs and is atomic: readers see the store as it was or as it
is after the write, never half of it, and a write that fails leaves it as it was.

- On disk, the new state is written into a sibling folder (a fresh one for a rebuild, a RocksDB
  checkpoint of the current store for a load) with Oxigraph's bulk loader, and the folders are
  swapped by renaming. This runs at bulk-load speed: copying graphs inside one transaction
  (SPARQL ``MOVE``) was about 8 times slower.
- In memory, a rebuild fills a new store and swaps the object; a load writes a staging graph in
  one transaction and moves it into place with one SPARQL update.

Each write also computes the derived graph (``graph/derive.py``) again, before the swap on disk, so
the lookup keys and partner counts always describe the graphs beside them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from citykg.errors import CitykgError
from citykg.graph.derive import derived_quads
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
        special = {ns.ONTOLOGY_GRAPH, ns.GAZETTEER_GRAPH, ns.DERIVED_GRAPH}
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
        if self.path is None:
            self._replace_in_memory(graphs, drop_others)
        else:
            self._replace_by_swap(graphs, drop_others)

    def _replace_in_memory(self, graphs, drop_others: bool) -> None:
        if drop_others:
            fresh = pyoxigraph.Store()
            _bulk_load(fresh, _retarget(graphs))
            _write_derived(fresh)
            self.store = fresh
            return
        staging = {}
        try:
            for graph, quads in graphs.items():
                target = NamedNode(f"{ns.STAGING_GRAPH}{uuid.uuid4().hex}")
                staging[graph] = target
                self.store.extend(Quad(q.subject, q.predicate, q.object, target) for q in quads)
            operations = []
            for graph, target in staging.items():
                if graph == ns.GAZETTEER_GRAPH:
                    operations.append(f"ADD SILENT <{target.value}> TO <{graph}>")
                    operations.append(f"DROP SILENT GRAPH <{target.value}>")
                else:
                    operations.append(f"DROP SILENT GRAPH <{graph}>")
                    operations.append(f"MOVE SILENT <{target.value}> TO <{graph}>")
            if operations:
                self.store.update(" ;\n".join(operations))
            _write_derived(self.store)
        except BaseException:
            for target in staging.values():
                try:
                    self.store.remove_graph(target)
                except Exception:  # the store itself failed: nothing more to undo here
                    pass
            raise

    def _replace_by_swap(self, graphs, drop_others: bool) -> None:
        path = self.path
        building = path.with_name(f"{path.name}.building-{os.getpid()}")
        _remove_folder(building)
        try:
            if drop_others:
                new = pyoxigraph.Store(str(building))
            else:
                self.store.flush()
                self.store.backup(str(building))
                new = pyoxigraph.Store(str(building))
                for graph in graphs:
                    if graph != ns.GAZETTEER_GRAPH and new.contains_named_graph(NamedNode(graph)):
                        new.remove_graph(NamedNode(graph))
            _bulk_load(new, _retarget(graphs))
            _write_derived(new)
            new.flush()
            del new
        except BaseException:
            _remove_folder(building)
            raise
        # The swap: two renames. Between them the store folder is briefly absent; open_store
        # puts the previous folder back if a process died right there.
        previous = path.with_name(f"{path.name}.previous-{os.getpid()}")
        self.store = None
        os.rename(path, previous)
        os.rename(building, path)
        self.store = pyoxigraph.Store(str(path))
        _remove_folder(previous)

    def drop_staging(self) -> None:
        """Drop staging graphs left by a process that died mid-load (in-memory writes only)."""
        for graph in self.graphs():
            if graph.startswith(ns.STAGING_GRAPH):
                self.store.remove_graph(NamedNode(graph))

    def flush(self) -> None:
        if self.path is not None:
            self.store.flush()


# Quads handed to Oxigraph's bulk loader per call. One call with millions of quads holds them all,
# and the loader's buffers beside them (about 1.7 GB for 2 million); chunks of this size load as
# fast (much smaller ones are slower) and keep memory flat, so a generator of quads is loaded
# without ever being all in memory.
BULK_CHUNK = 250_000
# Chunks of N-Triples loading at once, each in a thread of its own. ``bulk_extend`` holds the GIL
# from start to end, so quads made in Python and loaded with it take turns with their making;
# ``bulk_load`` of N-Triples lets go of it, so Oxigraph parses and writes one chunk while Python
# makes the next. Two keep both cores busy; a third waits ready, so memory stays bounded.
LOADS_AT_ONCE = 2


class _ByGraph(list):
    """(graph node, quads) pairs: each graph's content with the graph it is loaded into."""


def _bulk_load(store: pyoxigraph.Store, quads: Iterable[Quad] | _ByGraph) -> None:
    if isinstance(quads, _ByGraph):
        _load_by_graph(store, quads)
        return
    quads = iter(quads)
    while chunk := list(itertools.islice(quads, BULK_CHUNK)):
        store.bulk_extend(chunk)


def _load_by_graph(store: pyoxigraph.Store, parts: _ByGraph) -> None:
    """Graphs given as N-Triples chunks (``ntriples_chunks()``, as the loaders stream a table
    set) go to ``bulk_load`` in threads; graphs given as quads to ``bulk_extend``."""
    loading: deque = deque()
    with ThreadPoolExecutor(LOADS_AT_ONCE, thread_name_prefix="citykg-bulk-load") as pool:
        try:
            for node, content in parts:
                chunks = getattr(content, "ntriples_chunks", None)
                if chunks is None:
                    _bulk_load(store, (
                        q if q.graph_name == node else Quad(q.subject, q.predicate, q.object, node)
                        for q in content
                    ))
                    continue
                for chunk in chunks():
                    if len(loading) > LOADS_AT_ONCE:
                        loading.popleft().result()
                    # N-Triples name no graph: to_graph puts every triple where it belongs. Lenient:
                    # the IRIs are not checked again; the loaders' terms were made, and checked,
                    # by pyoxigraph (loaders/to_rdf.py)
                    loading.append(pool.submit(store.bulk_load, chunk, pyoxigraph.RdfFormat.N_TRIPLES,
                                               to_graph=node, lenient=True))
            while loading:
                loading.popleft().result()
        finally:
            # after a failure, what has not started never will, and the pool waits for the rest
            for load in loading:
                load.cancel()


def _write_derived(store: pyoxigraph.Store) -> None:
    """Compute the derived graph (graph/derive.py) again from what the store now holds."""
    graph = NamedNode(ns.DERIVED_GRAPH)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)

    def select(text: str) -> list:
        return list(store.query(text, use_default_graph_as_union=True, prefixes=ns.PREFIXES))

    _bulk_load(store, derived_quads(select))


def _retarget(graphs: dict[str, Iterable[Quad]]) -> _ByGraph:
    """Every quad in the graph it is given under (so a stray graph name in the input cannot leak)."""
    return _ByGraph((NamedNode(graph), quads) for graph, quads in graphs.items())


def _remove_folder(folder: Path) -> None:
    # A store given up on after a failed write may still be open, and RocksDB compacting in the
    # background then removes and adds files while the folder goes: try again until it is gone.
    for attempt in range(10):
        if not folder.exists():
            return
        try:
            shutil.rmtree(folder)
        except OSError:
            if attempt == 9:
                raise


def _recover(path: Path) -> None:
    """Finish or undo a write that a dead process left half done."""
    for leftover in path.parent.glob(f"{path.name}.building-*"):
        _remove_folder(leftover)
    previous = sorted(path.parent.glob(f"{path.name}.previous-*"))
    if previous and not path.exists():
        os.rename(previous[-1], path)  # died between the two renames: the old store is intact
        previous = previous[:-1]
    for leftover in previous:
        _remove_folder(leftover)


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
    if not read_only and path.parent.exists():
        _recover(path)
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
