"""Loaders: read a table set, check it, resolve its places offline and turn it into RDF quads.

``load_table_set(path)`` is the one entry point for citykg's own table sets, and
``mapping.read_foreign_table(table, mapping)`` for a foreign table read through a mapping
(``docs/mappings.md``); neither writes anything anywhere. The graph layer puts the quads they return
into a store, all at once or not at all.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from citykg.errors import CitykgError, TableError, TableSetError
from citykg.ontology import known_concepts
from citykg.ontology import namespace as ns

from citykg.collector import gc_paused
from .check import check_table_set
from .tables import read_table_set
from .to_rdf import NTriplesGraph, PlaceResolution, RdfOutput, stream_table_set_rdf, table_set_to_rdf

__all__ = ["LoadedTables", "load_table_set", "bundled_dataset", "NTriplesGraph", "PlaceResolution"]

# Triples in a chunk of a streamed table set, at most. The store loads each chunk as a batch of
# its own, two at a time beside the conversion, and RocksDB merges the batches again in the
# background. Fewer, larger chunks cost less CPU, more memory, and less overlap: for the world
# benchmark set (2.1 million triples), chunks of 200,000 or 400,000 triples made RocksDB merge
# for 6-8 CPU seconds and 800,000 for 4, while the build's peak memory went from 1.65 to 1.8-1.9 GB.
CHUNK_LINES = 400_000


@dataclass
class LoadedTables:
    """A table set turned into quads, ready for the store."""

    source: str
    path: Path
    rdf: RdfOutput
    warnings: list[str] = field(default_factory=list)
    rows: int = 0  # rows in the table set
    head_rows: int = 0  # when streamed: rows converted before the store starts (places and passages)
    # streamed (load_table_set(..., stream=True)): the conversion steps still to run, and a
    # callback told how many rows each step converted (a progress bar)
    steps: Iterator[int] | None = field(default=None, repr=False)
    on_rows: Callable[[int], None] | None = field(default=None, repr=False)
    _streamed: int = field(default=0, repr=False)
    _consumed: bool = field(default=False, repr=False)

    @property
    def graphs(self):
        """Quads by named graph: lists, or when streamed, :class:`NTriplesGraph` streams that the
        store consumes once, a step of the conversion at a time."""
        if self.steps is None:
            return self.rdf.graphs
        source = ns.source_graph(self.source)
        # The source first, as ever. The gazetteer's triples are all made already and could load
        # first, sparing a little wait at the end, but the order changes which of a country's two
        # English labels Virtuoso's MIN picks in the organisations query (tests/graph/test_remote.py).
        return {
            source: NTriplesGraph(source, self._source_chunks()),
            ns.GAZETTEER_GRAPH: NTriplesGraph(ns.GAZETTEER_GRAPH, self._gazetteer_chunks()),
        }

    @property
    def quad_count(self) -> int:
        """How many quads the table set made (when streamed: known once the store took them)."""
        if self.steps is None:
            return sum(len(lines) for lines in self.rdf.lines.values())
        return self._streamed

    def _take(self, graph: str, at_least: int = 0) -> Iterator[bytes]:
        """The graph's lines written so far, as one chunk, once there are ``at_least`` of them."""
        lines = self.rdf.lines.get(graph)
        if lines and len(lines) >= at_least:
            self._streamed += len(lines)
            text = "".join(lines)
            lines.clear()  # before encoding: two copies of a chunk in memory at a time, not three
            chunk = text.encode()
            del text
            yield chunk

    def _source_chunks(self) -> Iterator[bytes]:
        graph = ns.source_graph(self.source)
        if self._consumed:
            raise CitykgError(f"the quads of {self.source} were already loaded: load the tables again")
        self._consumed = True
        yield from self._take(graph)
        # about ten triples a row: five chunks or so, fewer than that only above 200,000 rows
        chunk_lines = min(CHUNK_LINES, 2 * self.rows)
        steps = iter(self.steps)
        while True:
            with gc_paused():  # only while converting: the store runs between two steps
                rows = next(steps, None)
            if rows is None:
                break
            if self.on_rows:
                self.on_rows(rows)
            yield from self._take(graph, chunk_lines)
        yield from self._take(graph)

    def _gazetteer_chunks(self) -> Iterator[bytes]:
        # only places write to the gazetteer graph, and they are all written before streaming starts
        yield from self._take(ns.GAZETTEER_GRAPH)


def bundled_dataset(name: str = "omsk-2016") -> Path:
    """The folder of a table set shipped with citykg."""
    from importlib.resources import files

    path = Path(str(files("citykg") / "datasets" / name))
    if not path.is_dir():
        raise CitykgError(f"no bundled dataset '{name}'")
    return path


def load_table_set(
    path: str | Path,
    source: str | None = None,
    *,
    strict: bool = False,
    encoding: str | None = None,
    stream: bool = False,
) -> LoadedTables:
    """Read, check and convert a table set; raise :class:`TableSetError` listing every problem.

    With ``strict``, a place that cannot be matched to the gazetteer is an error too. With
    ``stream``, places are resolved now and the rest is converted while the store loads it
    (``graphs`` are generators), so a world-sized table set never sits in memory as quads.

    >>> loaded = load_table_set(bundled_dataset())
    >>> loaded.source, loaded.rdf.unresolved
    ('omsk-2016', [])
    """
    path = Path(path)
    source = source or path.stem
    with warnings.catch_warnings(record=True) as caught, gc_paused():
        warnings.simplefilter("always")
        try:
            tables = read_table_set(path, encoding=encoding)
        except TableError as exc:
            raise TableSetError([exc]) from None
        errors = check_table_set(tables, known_concepts())
        if errors:
            raise TableSetError(errors)
        if stream:
            rdf, done, steps = stream_table_set_rdf(tables, source)
        else:
            rdf, done, steps = table_set_to_rdf(tables, source), 0, None
    notes = [str(w.message) for w in caught] + rdf.warnings
    if strict and rdf.unresolved:
        raise TableSetError(
            [
                TableError(p.file, f"place '{p.name}' ({p.country}) is not in the gazetteer", p.row, "name_en")
                for p in rdf.unresolved
            ]
        )
    rows = sum(len(t.rows) for t in tables.values())
    return LoadedTables(source, path, rdf, notes, rows=rows, head_rows=done, steps=steps)
