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


# The SPARQL parser recurses once per nesting level and once per operator of a chain: 3,000 nested
# groups or 10,000 chained "1+" overflow its stack and end the process (SIGSEGV). A query is looked
# at before it is parsed; these bounds are far above what any real query needs.
MAX_DEPTH = 100
MAX_OPERATORS = 2000
MAX_QUERY_CHARACTERS = 1_000_000
OPERATOR_CHARACTERS = set("+-*/=<>!|&")


def query_shape_problem(text: str, *, max_depth: int = MAX_DEPTH, max_operators: int = MAX_OPERATORS,
                        max_characters: int = MAX_QUERY_CHARACTERS) -> str | None:
    """Why a query text is refused before parsing (too long, too deeply nested, too many operators),
    or None; strings, IRIs and comments are skipped, so their contents never count.

    >>> query_shape_problem("SELECT * WHERE " + "{ " * 3000 + "}" * 3000)
    'the query nests groups or brackets 3000 deep; at most 100 are accepted'
    >>> query_shape_problem('SELECT * WHERE { ?s ?p "{{{{" }') is None
    True
    """
    if len(text) > max_characters:
        return f"the query has {len(text):,} characters; at most {max_characters:,} are accepted"
    depth = deepest = operators = 0
    for match in _TOKEN.finditer(text):
        other = match["other"] or match["brace"]
        if not other:
            continue
        if other in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif other in "})]":
            depth -= 1
        elif other in OPERATOR_CHARACTERS:
            operators += 1
    if deepest > max_depth:
        return f"the query nests groups or brackets {deepest} deep; at most {max_depth} are accepted"
    if operators > max_operators:
        return f"the query has {operators:,} operators; at most {max_operators:,} are accepted"
    return None


def uses_service(text: str) -> list[str]:
    """The endpoints a query's SERVICE clauses name (``?var`` for one given by a variable)."""
    found = []
    tokens = [m for m in _TOKEN.finditer(text) if not (m["comment"] or (m["other"] and m["other"].isspace()))]
    for i, match in enumerate(tokens):
        if match["word"] and match["word"].upper() == "SERVICE":
            following = tokens[i + 1:i + 4]
            while following and following[0]["word"] and following[0]["word"].upper() == "SILENT":
                following = following[1:]
            target = following[0] if following else None
            if target is not None and target["iri"]:
                found.append(target["iri"][1:-1])
            else:
                found.append("?var" if target is None or target["other"] in ("?", "$") else target[0])
    return found
