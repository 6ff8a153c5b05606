"""Streamed loads: a table set converted while the store takes it gives the very same graph."""

from __future__ import annotations

import pytest

import citykg
from citykg.errors import CitykgError
from citykg.graph import open_store
from citykg.graph.load import rebuild_store
from citykg.loaders import bundled_dataset, load_table_set
from citykg.loaders.gazetteer import resolve_country
from citykg.ontology import namespace as ns


def _quads(store) -> set[str]:
    """The store's quads; blank nodes (the ontology's OWL lists) named by position, not label,
    since a load may relabel them."""
    quads = set()
    for q in store.store.quads_for_pattern(None, None, None, None):
        text = str(q)
        if "_:" in text:
            text = f"blank node quad in {q.graph_name} with {q.predicate}"
        quads.add(text)
    return quads


@pytest.mark.parametrize("tables", ["omsk", "tiny"])
def test_streamed_build_equals_the_build_from_lists(tables, tiny_tables, tmp_path):
    path = bundled_dataset() if tables == "omsk" else tiny_tables
    listed = open_store(":memory:")
    rebuild_store(listed, [load_table_set(path)])
    streamed = open_store(tmp_path / "store")  # on disk: the copy-and-swap write
    rebuild_store(streamed, [load_table_set(path, stream=True)])
    assert _quads(streamed) == _quads(listed)
    assert len(streamed) == len(listed) > 100


def test_a_stream_converts_in_steps_and_counts_what_it_gave(tiny_tables, monkeypatch):
    monkeypatch.setattr("citykg.loaders.to_rdf.ROWS_PER_STEP", 2)
    loaded = load_table_set(tiny_tables, stream=True)
    # places are resolved before anything is streamed, so a strict load can fail up front
    assert loaded.rdf.places and loaded.quad_count == 0
    steps = []
    loaded.on_rows = steps.append
    store = open_store(":memory:")
    rebuild_store(store, [loaded])
    assert loaded.head_rows + sum(steps) == loaded.rows
    assert len(steps) > 3  # the other tables came two rows at a time
    assert loaded.quad_count == sum(len(q) for q in load_table_set(tiny_tables).graphs.values())


def test_a_stream_is_consumed_once(tiny_tables):
    loaded = load_table_set(tiny_tables, stream=True)
    rebuild_store(open_store(":memory:"), [loaded])
    with pytest.raises(CitykgError, match="already loaded"):
        list(loaded.graphs[ns.source_graph(loaded.source)])


def test_a_bad_table_set_leaves_the_store_as_it_was(tiny_tables, tmp_path):
    store = citykg.build(store=tmp_path / "store")
    before = _quads(store)
    loaded = load_table_set(tiny_tables, stream=True)
    loaded.steps = _failing(loaded.steps)
    with pytest.raises(RuntimeError, match="disk full"):
        rebuild_store(store, [loaded])
    assert _quads(open_store(tmp_path / "store", read_only=True)) == before


def _failing(steps):
    yield next(steps)
    raise RuntimeError("disk full")


def test_kosovo_is_known_by_its_code():
    # GeoNames files Kosovo's cities under XK, which ISO 3166 has not assigned
    assert resolve_country("XK").name_en == "Kosovo"
