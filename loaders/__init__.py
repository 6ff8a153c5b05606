"""Loaders: read a table set, check it, resolve its places offline and turn it into RDF quads.

``load_table_set(path)`` is the one entry point; it writes nothing anywhere. The graph layer puts the
quads it returns into a store, all at once or not at all.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from citykg.errors import CitykgError, TableError, TableSetError
from citykg.ontology import known_concepts

from .check import check_table_set
from .tables import read_table_set
from .to_rdf import PlaceResolution, RdfOutput, table_set_to_rdf

__all__ = ["LoadedTables", "load_table_set", "bundled_dataset", "PlaceResolution"]


@dataclass
class LoadedTables:
    """A table set turned into quads, ready for the store."""

    source: str
    path: Path
    rdf: RdfOutput
    warnings: list[str] = field(default_factory=list)

    @property
    def graphs(self):
        return self.rdf.graphs

    @property
    def quad_count(self) -> int:
        return sum(len(q) for q in self.rdf.graphs.values())


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
) -> LoadedTables:
    """Read, check and convert a table set; raise :class:`TableSetError` listing every problem.

    With ``strict``, a place that cannot be matched to the gazetteer is an error too.

    >>> loaded = load_table_set(bundled_dataset())
    >>> loaded.source, loaded.rdf.unresolved
    ('omsk-2016', [])
    """
    path = Path(path)
    source = source or path.stem
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tables = read_table_set(path, encoding=encoding)
        except TableError as exc:
            raise TableSetError([exc]) from None
        errors = check_table_set(tables, known_concepts())
        if errors:
            raise TableSetError(errors)
        rdf = table_set_to_rdf(tables, source)
    notes = [str(w.message) for w in caught] + rdf.warnings
    if strict and rdf.unresolved:
        raise TableSetError(
            [
                TableError(p.file, f"place '{p.name}' ({p.country}) is not in the gazetteer", p.row, "name_en")
                for p in rdf.unresolved
            ]
        )
    return LoadedTables(source, path, rdf, notes)
