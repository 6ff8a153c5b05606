"""citykg: a knowledge graph of city partnerships.

The data flows one way: tables -> ``citykg.loaders`` -> ``citykg.graph`` (the store) -> ``citykg.queries``.
This module is the Python API over those steps:

>>> import citykg
>>> store = citykg.build(store=":memory:")          # the bundled Omsk 2016 tables
>>> answer = citykg.query(store, "partners", city="Omsk")
>>> "Manzhouli" in answer.column("partner")
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from citykg.errors import CitykgError, TableError, TableSetError

try:
    __version__ = version("citykg")  # one place for the version: pyproject.toml
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
__all__ = [
    "CitykgError",
    "TableError",
    "TableSetError",
    "build",
    "load",
    "open_store",
    "query",
    "stats",
]


def open_store(path: str | Path | None = None, *, read_only: bool = False):
    """The store at ``path`` (default: :func:`citykg.graph.default_store_path`), or ``":memory:"``."""
    from citykg.graph import open_store as _open

    return _open(path, read_only=read_only)


def build(tables: str | Path | None = None, store=None, *, strict: bool = False, source: str | None = None):
    """Rebuild a store from one table set (default: the bundled Omsk 2016 tables) and return it.

    ``store`` is a path, ``":memory:"`` or an open store. If the tables are bad, the store is left as
    it was and :class:`TableSetError` says what is wrong.
    """
    from citykg.graph.load import rebuild_store
    from citykg.loaders import bundled_dataset, load_table_set

    # streamed: the rows become triples while the store takes them (checked and resolved first)
    loaded = load_table_set(tables or bundled_dataset(), source, strict=strict, stream=True)
    target = store if hasattr(store, "replace_graphs") else open_store(store)
    rebuild_store(target, [loaded])
    return target


def load(tables: str | Path, store=None, *, strict: bool = False, source: str | None = None, mapping=None,
         lookups: dict | None = None):
    """Add (or replace) one table set in a store, in its own named graph; return the store.

    With ``mapping`` (a mapping file or a shipped mapping's name, see docs/mappings.md),
    ``tables`` is one foreign table read through it; ``lookups`` names the files it joins
    (``{"labels": "labels.tsv"}``).
    """
    from citykg.graph.load import add_table_set
    from citykg.loaders import load_table_set

    if mapping is not None:
        from citykg.loaders.mapping import read_foreign_table

        loaded = read_foreign_table(tables, mapping, source, strict=strict, lookups=lookups)
        target = store if hasattr(store, "replace_graphs") else open_store(store)
        add_table_set(target, loaded)
        return target
    loaded = load_table_set(tables, source, strict=strict, stream=True)
    target = store if hasattr(store, "replace_graphs") else open_store(store)
    add_table_set(target, loaded)
    return target


def query(store, name_or_sparql: str, **params):
    """Run a catalogue query by name (or a ``.rq`` file, or SPARQL text) with its parameters.

    Returns an :class:`citykg.queries.run.Answer`: ``.columns``, ``.rows``, ``.records()``,
    ``.to_dataframe()``.
    """
    from citykg.queries.run import run_query

    return run_query(store, name_or_sparql, {k: str(v) for k, v in params.items()})


def stats(store) -> dict:
    """Counts of what the store holds."""
    from citykg.queries import load_query
    from citykg.queries.run import run_query

    answer = run_query(store, load_query("stats", "system"))
    counts = answer.records()[0] if answer.rows else {}
    counts = {k: (v or 0) for k, v in counts.items()}
    counts["triples"] = len(store)
    counts["graphs"] = len(store.graphs())
    return counts
