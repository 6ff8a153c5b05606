"""The network's SPARQL queries (``queries/network/``): running them and reading their rows.

Rows come back as plain values (str, int, float, None), in tuples in the order of the query's SELECT
(the large queries: a world-sized projection reads 120,000 rows) or in dicts by column name.
Reading a row costs far more in the store than in Python: an on-disk Oxigraph store looks up the
text of every IRI in a row (a few microseconds each), so the queries ask for as few IRIs as they can.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

# A query for what some nodes or links are lists the ones wanted in VALUES blocks of at most this
# many IRIs, up to a limit per query (``listed_up_to``) above which it reads every row instead.
# What a listed IRI costs depends on the query's shape: a place 1.3 ms (its properties are read by
# hash joins, cheap for all places at once), an agreement, event or passage 0.1 ms (looked up one
# by one); reading every row costs 1 s for the 20,000 places of the world-sized benchmark store,
# 3 s for its 60,000 agreements and 8 s for its 100,000 events.
VALUES_LIMIT = 500
XSD_INTEGER = NamedNode(ns.XSD + "integer")
# literals that become numbers, by datatype; any other literal is its lexical form
NUMBERS = {ns.XSD + name: int for name in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger", "gYear")}
NUMBERS.update({ns.XSD + name: float for name in ("decimal", "double", "float")})


def query_text(name: str, values: dict[str, list] | None = None) -> str:
    """The text of a ``queries/network`` query with ``values`` bound: the ``# when <param>:``
    lines of the parameters given become part of it, and each value list a VALUES block."""
    from citykg.queries import load_query
    from citykg.queries.run import with_patterns_for, with_values

    text = load_query(name, "network").text
    if not values:
        return text
    return with_values(with_patterns_for(text, {var.lstrip("_") for var in values}), values)


def table(store, name: str, values: dict[str, list] | None = None) -> tuple[list[str], list[tuple]]:
    """The columns and rows of a ``queries/network`` query, ``values`` bound with VALUES blocks;
    each row a tuple of plain values in the order of the query's SELECT."""
    try:
        result = store.query(query_text(name, values))
    except SyntaxError as exc:
        raise CitykgError(f"network query {name} is not valid SPARQL: {exc}") from None
    columns = [v.value for v in result.variables]
    return columns, [tuple([t.value if type(t) is NamedNode else plain(t) for t in solution]) for solution in result]


def rows(store, name: str, values: dict[str, list] | None = None) -> list[dict]:
    """The rows of a ``queries/network`` query as dicts by column name."""
    columns, found = table(store, name, values)
    return [dict(zip(columns, row)) for row in found]


def plain(term):
    """An RDF term as a Python value: an IRI or string as str, a number as int or float."""
    if term is None:
        return None
    if isinstance(term, Literal):
        number = NUMBERS.get(term.datatype.value)
        if number is not None:
            try:
                return number(term.value)
            except ValueError:  # an ill-typed literal ("12a"^^xsd:integer) stays as written
                return term.value
    return term.value


def narrowed(store, name: str, var: str, wanted, *, listed_up_to: int = VALUES_LIMIT,
             as_dicts: bool = True) -> list:
    """Rows of an attribute query for the ``wanted`` IRIs only: listed in VALUES blocks when there
    are at most ``listed_up_to``, else every row read and the wanted kept. Dicts, or with
    ``as_dicts=False`` tuples in the order of the query's SELECT."""
    wanted = set(wanted)
    if not wanted:
        return []
    if len(wanted) > listed_up_to:
        columns, found = table(store, name)
        at = columns.index(var)
        found = [row for row in found if row[at] in wanted]
    else:
        listed, found = sorted(wanted), []
        for start in range(0, len(listed), VALUES_LIMIT):
            columns, batch = table(store, name, {var: [NamedNode(iri) for iri in listed[start:start + VALUES_LIMIT]]})
            found += batch
    return [dict(zip(columns, row)) for row in found] if as_dicts else found


def tail(iri: str) -> str:
    """The last segment of an IRI: ``twinning`` of ``.../agreement-kind/twinning``."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
