"""SPARQL text helpers: find a query's WHERE groups and put VALUES blocks into them."""

from __future__ import annotations

import re

from citykg.errors import CitykgError

_TOKEN = re.compile(
    r'(?P<comment>#[^\n]*)|(?P<string>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\s]*>)|(?P<word>[A-Za-z_]+)|(?P<brace>[{}])|(?P<other>[\s\S])"
)


def where_group_start(text: str) -> int:
    """Offset just after the ``{`` that opens the query's outermost WHERE group."""
    depth = 0
    seen_where = False
    first_open = None
    for match in _TOKEN.finditer(text):
        if match["word"] and depth == 0 and match["word"].upper() == "WHERE":
            seen_where = True
        elif match["brace"] == "{":
            if depth == 0:
                if seen_where:
                    return match.end()
                if first_open is None:
                    first_open = match.end()
            depth += 1
        elif match["brace"] == "}":
            depth -= 1
    if first_open is None:
        raise CitykgError("cannot bind parameters: the query has no WHERE group")
    return first_open


def subquery_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the WHERE group of each subquery (``{ SELECT ... { ... } }``)."""
    groups = []
    open_braces: list[int | None] = []  # for each open brace, its group's start if a subquery's
    select_seen = False
    for match in _TOKEN.finditer(text):
        if match["word"] and match["word"].upper() == "SELECT":
            select_seen = open_braces != []  # the query's own SELECT is not a subquery
        elif match["brace"] == "{":
            open_braces.append(match.end() if select_seen else None)
            select_seen = False
        elif match["brace"] == "}" and open_braces:
            start = open_braces.pop()
            if start is not None:
                groups.append((start, match.start()))
    return groups


def with_values(text: str, values: dict[str, list]) -> str:
    """The query with ``VALUES ?var { term ... }`` blocks at the start of its WHERE group.

    A subquery sees only its own variables, so a subquery that uses a parameter gets the
    parameter's block at the start of its own WHERE group as well. Terms are written in
    N-Triples syntax by pyoxigraph, which escapes quotes and backslashes.

    >>> with_values('SELECT * WHERE { ?s ?p ?_o }', {"_o": [Literal('x" } DROP ALL #')]})
    'SELECT * WHERE {\\n  VALUES ?_o { "x\\\\" } DROP ALL #" }\\n ?s ?p ?_o }'
    """
    if not values:
        return text

    def blocks(names) -> str:
        return "".join(f"\n  VALUES ?{var} {{ {' '.join(str(t) for t in values[var])} }}" for var in names)

    inserts = [(where_group_start(text), blocks(values))]
    for start, end in subquery_groups(text):
        used = [var for var in values if re.search(rf"[?$]{var}\b", text[start:end])]
        if used:
            inserts.append((start, blocks(used)))
    for at, block in sorted(inserts, reverse=True):
        text = text[:at] + block + "\n" + text[at:]
    return text
