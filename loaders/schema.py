"""The table model: which tables a table set has, their columns, and what each cell must hold.

``docs/tables.md`` explains every column to users; this module is the same model for the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Cell types: text, id, int, date, year, choice, ref (one id), refs (;-separated ids),
# kinds (;-separated concept ids), country (code or name).


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"
    required: bool = False  # the cell must not be empty
    refers_to: tuple[str, ...] = ()  # tables a ref/refs cell may point into
    choices: tuple[str, ...] = ()
    scheme: str = ""  # concept scheme of a kinds cell
    minimum: int = 0  # smallest value of an int cell


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False  # the table set must have this table
    one_of: tuple[str, ...] = ()  # at least one of these columns must be filled on each row

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


AGENTS = ("places", "organisations")
PASSAGE = Column("passage", "ref", refers_to=("passages",))
NOTE = Column("note")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "documents",
            (
                Column("id", "id", True),
                Column("title_ru"),
                Column("title_en"),
                Column("publisher"),
                Column("year", "year"),
                Column("language"),
                Column("file"),
            ),
            required=True,
            one_of=("title_ru", "title_en"),
        ),
        Table(
            "passages",
            (
                Column("id", "id", True),
                Column("document", "ref", True, refers_to=("documents",)),
                Column("paragraph", "int", True, minimum=1),
                Column("text", "text", True),
            ),
            required=True,
        ),
        Table(
            "places",
            (
                Column("id", "id", True),
                Column("kind", "choice", True, choices=("city", "country", "region", "place")),
                Column("name_en"),
                Column("name_ru"),
                Column("country", "country"),
                Column("geonames_id", "int"),
                PASSAGE,
                NOTE,
            ),
            required=True,
            one_of=("name_en", "name_ru"),
        ),
        Table(
            "organisations",
            (
                Column("id", "id", True),
                Column("kind", "kinds", True, scheme="organisation-kind"),
                Column("name_en"),
                Column("name_ru"),
                Column("place", "ref", refers_to=("places",)),
                PASSAGE,
                NOTE,
            ),
            one_of=("name_en", "name_ru"),
        ),
        Table(
            "events",
            (
                Column("id", "id", True),
                Column("kind", "kinds", True, scheme="event-kind"),
                Column("status", "choice", True, choices=("held", "planned")),
                Column("name_en"),
                Column("name_ru"),
                Column("date", "date"),
                Column("place", "ref", refers_to=("places",)),
                Column("part_of", "ref", refers_to=("events",)),
                Column("passage", "ref", True, refers_to=("passages",)),
                NOTE,
            ),
            one_of=("name_en", "name_ru"),
        ),
        Table(
            "agreements",
            (
                Column("id", "id", True),
                Column("kind", "kinds", True, scheme="agreement-kind"),
                Column("title_en"),
                Column("title_ru"),
                Column("date", "date"),
                Column("parties", "refs", refers_to=AGENTS),
                Column("documents", "int", minimum=1),
                Column("event", "ref", refers_to=("events",)),
                Column("place", "ref", refers_to=("places",)),
                Column("framework", "ref", refers_to=("agreements",)),
                Column("sectors", "kinds", scheme="sector"),
                Column("passage", "ref", True, refers_to=("passages",)),
                NOTE,
            ),
        ),
        Table(
            "participations",
            (
                Column("id", "id", True),
                Column("event", "ref", True, refers_to=("events",)),
                Column("participant", "ref", refers_to=AGENTS),
                Column("from_place", "ref", refers_to=("places",)),
                Column("role"),
                Column("participants", "int"),
                Column("delegations", "int"),
                Column(
                    "count_qualifier",
                    "choice",
                    choices=("exact", "more_than", "at_least", "about"),
                ),
                Column("passage", "ref", True, refers_to=("passages",)),
                NOTE,
            ),
        ),
        Table(
            "concepts",
            (
                Column("id", "id", True),
                Column(
                    "scheme",
                    "choice",
                    True,
                    choices=("agreement-kind", "event-kind", "organisation-kind", "sector"),
                ),
                Column("label_en", "text", True),
                Column("label_ru", "text", True),
                Column("broader", "text"),
                Column("definition_en"),
                Column("definition_ru"),
            ),
        ),
    )
}

# Tables are checked and written in this order: a table only refers to tables before it,
# except agreements.framework, which refers to its own table.
TABLE_ORDER = list(TABLES)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
