"""Run a query against a store: bind its parameters safely, then serialise or tabulate the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

from . import Param, Query, load_query, parse_query
from .places import find_place, places_named
from .sparql_text import query_shape_problem, with_values

XSD_INTEGER = NamedNode(ns.XSD + "integer")
KIND_SCHEMES = ("agreement-kind", "event-kind", "organisation-kind", "sector")


def resolve_query(spec: str) -> Query:
    """A catalogue name, a path to an ``.rq`` file, or SPARQL text."""
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", spec):
        return load_query(spec)
    if spec.endswith(".rq") and "\n" not in spec:
        path = Path(spec)
        if not path.is_file():
            raise CitykgError(f"no query file {spec}")
        return parse_query(path.read_text(encoding="utf-8"), path.stem)
    return parse_query(spec)


# -- parameter values to RDF terms ---------------------------------------------------------


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://", "urn:")) or (
        value.startswith("<") and value.endswith(">")
    )


def _iri(value: str) -> NamedNode:
    try:
        return NamedNode(value.strip("<>"))
    except ValueError as exc:
        raise CitykgError(f"'{value}' is not a valid IRI: {exc}") from None


def _integer(param: Param, value: str) -> Literal:
    if not re.fullmatch(r"-?\d+", value.strip()):
        raise CitykgError(f"parameter {param.name}: '{value}' is not a whole number")
    return Literal(str(int(value)), datatype=XSD_INTEGER)


SWITCH_ON = ("include", "yes", "true", "on")
SWITCH_OFF = ("exclude", "no", "false", "off")


def _switch(query: Query, param: Param, value: str) -> bool:
    """Whether a switch parameter is on: its ``# when`` lines then become part of the query."""
    folded = value.strip().lower()
    if folded not in SWITCH_ON + SWITCH_OFF:
        raise CitykgError(f"query {query.name}: parameter {param.name}: '{value}' is neither include nor exclude")
    return folded in SWITCH_ON


def _lookup(store, system_query: str, **values) -> list[NamedNode]:
    query = load_query(system_query, "system")
    text = with_values(query.text, {f"_{k}": [v] for k, v in values.items()})
    return [solution[0] for solution in store.query(text)]


def param_terms(store, param: Param, value: str) -> list:
    """The RDF terms a parameter value stands for (several when a name matches several places)."""
    if param.type in ("integer", "year"):
        return [_integer(param, value)]
    if param.type == "string":
        return [Literal(value)]
    if param.type == "iri" or _is_iri(value):
        return [_iri(value)]
    if param.type in ("city", "place"):
        # one place, never all its namesakes: an error lists them instead
        return [find_place(store, value, param.name, countries_too=param.type == "place")]
    if param.type == "subject":
        found = places_named(store, value) or _lookup(store, "resource-by-name", name=Literal(value))
        if not found:
            raise CitykgError(f"parameter {param.name}: no resource named '{value}' in the store")
        return found
    if param.type in KIND_SCHEMES:
        found = _lookup(store, "concept-by-name", name=Literal(value), scheme=NamedNode(ns.CONCEPT + param.type))
        if not found:
            known = _lookup(store, "concepts-in-scheme", scheme=NamedNode(ns.CONCEPT + param.type))
            ids = ", ".join(sorted(k.value.rsplit("/", 1)[-1] for k in known))
            raise CitykgError(f"parameter {param.name}: '{value}' is not a {param.type}: expected one of {ids}")
        return found
    raise CitykgError(f"parameter {param.name}: unsupported type {param.type}")


WHEN_LINE = re.compile(r"^(?P<indent>[ \t]*)# when (?P<name>[a-z_][a-z0-9_]*): ?(?P<pattern>.*)$", re.MULTILINE)


def with_patterns_for(text: str, bound: set[str]) -> str:
    """The query with the ``# when <param>:`` lines of the bound parameters made part of it.

    An optional parameter narrows a query best by leading its WHERE group (``?agreement ckg:party
    ?_city`` first, then the agreement's facts); written as a filter over every agreement, it makes
    the engine walk them all. Such a pattern is written commented out, as ``# when city: ...``, so
    the query as stored answers the question without the parameter, in any engine.

    >>> with_patterns_for("WHERE {\\n  # when city: ?a ckg:party ?_city .\\n  ?a a ckg:Agreement\\n}", {"city"})
    'WHERE {\\n  ?a ckg:party ?_city .\\n  ?a a ckg:Agreement\\n}'
    """
    return WHEN_LINE.sub(
        lambda m: m["indent"] + m["pattern"] if m["name"] in bound else m[0], text
    )


def bind(store, query: Query, params: dict[str, str]) -> str:
    """The query text with its parameters bound; checks names, required values and types."""
    unknown = [k for k in params if query.params and not query.param(k)]
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise CitykgError(f"query {query.name}: unknown parameter {', '.join(unknown)} (parameters: {known})")
    text = query.text
    values: dict[str, list] = {}
    declared = query.params or [Param(k, "string", False, None, "") for k in params]
    for param in declared:
        value = params.get(param.name, param.default)
        if value is None or value == "":
            if param.required:
                raise CitykgError(f"query {query.name}: parameter '{param.name}' is required ({param.doc})")
            continue
        if param.type == "switch":
            if not _switch(query, param, value):
                continue
            values[f"_{param.name}"] = [Literal(SWITCH_ON[0])]
            continue
        if param.type == "limit":
            limit = int(_integer(param, value).value)
            text, count = re.subn(r"(?i)\bLIMIT\s+\d+\s*$", f"LIMIT {limit}", text.rstrip())
            if not count:
                raise CitykgError(f"query {query.name}: parameter {param.name} needs a final LIMIT clause")
            # also a value, for a query that can narrow its work to what the limit keeps
            values[f"_{param.name}"] = [Literal(str(limit), datatype=XSD_INTEGER)]
            continue
        if not query.params and _is_iri(value):
            values[f"_{param.name}"] = [_iri(value)]
        else:
            values[f"_{param.name}"] = param_terms(store, param, value)
    bound = {name[1:] for name in values}
    for line in WHEN_LINE.finditer(text):
        needed = set(re.findall(r"[?$]_([a-z][a-z0-9_]*)", line["pattern"])) - bound
        if line["name"] in bound and needed:
            raise CitykgError(f"query {query.name}: parameter {line['name']} needs parameter {', '.join(sorted(needed))} as well")
    text = with_patterns_for(text, bound)
    return with_values(text, values)


# -- answers --------------------------------------------------------------------------------


def plain(term):
    """An RDF term as a plain Python value: IRIs and strings as str, numbers as int or float."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype else ""
        if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger", "#positiveInteger")):
            return int(term.value)
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        return term.value
    return term.value


@dataclass
class Answer:
    """The answer of a query: rows of RDF terms (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""

    kind: str  # select | ask | graph
    columns: list[str]
    rows: list[tuple]
    boolean: bool | None = None
    triples: list | None = None

    def records(self) -> list[dict]:
        """Rows as dicts of plain Python values."""
        return [dict(zip(self.columns, (plain(t) for t in row))) for row in self.rows]

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [plain(row[index]) for row in self.rows]

    def to_dataframe(self):
        """The rows as a pandas DataFrame (needs pandas: ``pip install 'citykg[notebook]'``)."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            raise CitykgError("a DataFrame needs pandas: pip install 'citykg[notebook]'") from None

        return pd.DataFrame(self.records(), columns=self.columns)

    def __len__(self) -> int:
        return len(self.rows)


def run_query(store, spec: str | Query, params: dict[str, str] | None = None) -> Answer:
    """Run a catalogue query (by name), a query file or SPARQL text with parameters.

    >>> from citykg import build
    >>> store = build(store=":memory:")
    >>> answer = run_query(store, "partners", {"city": "Омск"})
    >>> sorted(answer.column("partner"))[:3]
    ['Kaifeng', 'Manzhouli', 'Mogilev']
    """
    query = spec if isinstance(spec, Query) else resolve_query(spec)
    problem = query_shape_problem(query.text)
    if problem:  # the parser would overflow its stack and end the process
        raise CitykgError(f"query {query.name or ''}: {problem}".replace("query : ", ""))
    text = bind(store, query, params or {})
    try:
        result = store.query(text)
    except SyntaxError as exc:
        raise CitykgError(f"query {query.name or ''} is not valid SPARQL: {exc}") from None
    if isinstance(result, pyoxigraph.QueryBoolean):
        return Answer("ask", ["answer"], [(Literal(str(bool(result)).lower()),)], boolean=bool(result))
    if isinstance(result, pyoxigraph.QueryTriples):
        return Answer("graph", ["subject", "predicate", "object"], [], triples=list(result))
    columns = [v.value for v in result.variables]
    rows = [tuple(solution[c] for c in columns) for solution in result]
    return Answer("select", columns, rows)
