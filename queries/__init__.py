"""The query catalogue: one ``.rq`` file per question, with a comment header.

A header looks like this (``#+`` lines, so the file stays plain SPARQL)::

    #+ summary: Partner cities of a city, with the kinds of agreements that link them.
    #+ param: city (city, required): the city, by English or Russian name or IRI
    #+ param: year (integer, optional): only agreements signed that year
    #+ returns: partner, partner_country, relation, since

Parameters are the variables ``?_<name>`` in the query. They are bound by a ``VALUES`` block put at
the start of the query's outermost ``WHERE`` group (and of any subquery that uses them), built from
RDF terms (never by pasting text), so a value with quotes or braces stays a value. A ``city``
parameter is looked up by name first (in the derived graph's name keys) and binds every matching
place.

An optional parameter's pattern is written as a comment line, ``# when city: ?a ckg:party ?_city .``,
at the top of the WHERE group: the binder makes it part of the query when the parameter is given,
so the engine starts from the city instead of filtering every agreement, and the stored text
still answers the question without the parameter in any engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files

from citykg.errors import CitykgError

PARAM_LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s*\((?P<type>[a-z-]+),\s*(?P<need>required|optional)(?:,\s*default\s+(?P<default>[^)]+))?\)\s*:\s*(?P<doc>.*)$")
PARAM_TYPES = ("city", "place", "subject", "integer", "year", "string", "limit", "switch",
               "agreement-kind", "event-kind", "organisation-kind", "sector", "iri")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: str | None
    doc: str


@dataclass
class Query:
    """A query of the catalogue (or an ad hoc one, with ``name`` None)."""

    text: str
    name: str | None = None
    summary: str = ""
    params: list[Param] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query(text: str, name: str | None = None) -> Query:
    """Read the ``#+`` header of a query."""
    query = Query(text=text, name=name)
    last = None  # the field an indented continuation line extends
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        content = line[2:]
        if content.startswith("  ") and content.strip() and last in ("summary", "param"):
            if last == "summary":
                query.summary += " " + content.strip()
            else:
                previous = query.params[-1]
                query.params[-1] = Param(previous.name, previous.type, previous.required,
                                         previous.default, f"{previous.doc} {content.strip()}")
            continue
        key, _, value = content.strip().partition(":")
        value = value.strip()
        last = key
        if key == "summary":
            query.summary = (query.summary + " " + value).strip()
        elif key == "param":
            match = PARAM_LINE.match(value)
            if not match or match["type"] not in PARAM_TYPES:
                raise CitykgError(f"query {name or ''} line {number}: malformed parameter line '{value}'")
            query.params.append(
                Param(match["name"], match["type"], match["need"] == "required",
                      match["default"], match["doc"].strip())
            )
        elif key == "returns":
            query.returns = [c.strip() for c in value.split(",") if c.strip()]
    return query


def _folder(kind: str = ""):
    return files(__name__) / kind if kind else files(__name__)


def list_queries() -> list[Query]:
    """The catalogue, in name order."""
    names = sorted(p.name[:-3] for p in _folder().iterdir() if p.name.endswith(".rq"))
    return [load_query(n) for n in names]


def load_query(name: str, folder: str = "") -> Query:
    """The catalogue query ``name`` (``folder`` ``system`` or ``checks`` for the others)."""
    resource = _folder(folder) / f"{name}.rq"
    if not resource.is_file():
        known = ", ".join(q.name for q in list_queries()) if not folder else ""
        raise CitykgError(f"no query named '{name}'" + (f": the catalogue has {known}" if known else ""))
    return parse_query(resource.read_text(encoding="utf-8"), name)


def list_checks() -> list[Query]:
    """Check queries: each must return no rows on a healthy graph."""
    folder = _folder("checks")
    names = sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".rq"))
    return [load_query(n, "checks") for n in names]
