"""Streamed table sets reach the store as N-Triples, loaded in threads: the same graph as from quads,
cells as they were written, and a chunk that fails leaves the store as it was."""

from __future__ import annotations

import csv
import shutil

import pytest

from citykg.graph import open_store
from citykg.graph.load import rebuild_store
from citykg.loaders import NTriplesGraph, load_table_set
from citykg.ontology import namespace as ns


def _quads(store) -> set[str]:
    """The store's quads; blank nodes (the ontology's OWL lists) named by position, not label."""
    quads = set()
    for q in store.store.quads_for_pattern(None, None, None, None):
        text = str(q)
        quads.add(f"blank node quad in {q.graph_name} with {q.predicate}" if "_:" in text else text)
    return quads


def _rewrite_cell(path, row_id: str, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == row_id:
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_a_streamed_build_equals_the_build_from_quads(where, tiny_tables, tmp_path):
    from_quads = open_store(":memory:")
    rebuild_store(from_quads, [load_table_set(tiny_tables)])
    streamed = open_store(":memory:" if where == "memory" else tmp_path / "store")
    rebuild_store(streamed, [load_table_set(tiny_tables, stream=True)])
    assert _quads(streamed) == _quads(from_quads)
    assert len(streamed) > 100


def test_cells_with_quotes_backslashes_and_line_breaks_arrive_as_written(tiny_tables, tmp_path):
    name = 'The "Irtysh" club \\ Омск\nsecond line\ttab'
    _rewrite_cell(tiny_tables / "organisations.csv", "pavlodar-admin", "name_en", name)
    store = open_store(tmp_path / "store")
    rebuild_store(store, [load_table_set(tiny_tables, stream=True)])
    entity = ns.entity("tiny", "pavlodar-admin")
    labels = [row["l"].value for row in store.query(
        f'SELECT ?l WHERE {{ <{entity}> rdfs:label ?l FILTER(LANG(?l) = "en") }}')]
    assert labels == [name]


def test_two_streamed_table_sets_share_the_gazetteer_graph(tiny_tables, tmp_path):
    other = tmp_path / "tiny-again"
    shutil.copytree(tiny_tables, other)
    from_quads = open_store(":memory:")
    rebuild_store(from_quads, [load_table_set(tiny_tables), load_table_set(other)])
    streamed = open_store(tmp_path / "store")
    rebuild_store(streamed, [load_table_set(tiny_tables, stream=True), load_table_set(other, stream=True)])
    assert _quads(streamed) == _quads(from_quads)
    assert set(streamed.source_graphs()) == {ns.source_graph("tiny"), ns.source_graph("tiny-again")}


def test_a_chunk_the_store_cannot_read_leaves_it_as_it_was(tiny_tables, tmp_path):
    store = open_store(tmp_path / "store")
    rebuild_store(store, [load_table_set(tiny_tables, stream=True)])
    before = _quads(store)
    good = b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"
    graph = ns.source_graph("broken")
    with pytest.raises(SyntaxError):
        store.replace_graphs({graph: NTriplesGraph(graph, [good] * 5 + [b"<https://example.org/a> oops .\n"])})
    assert _quads(store) == before
    assert not list(tmp_path.glob("store.building-*"))
