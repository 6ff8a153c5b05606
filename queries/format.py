"""Answers as text: an aligned table for people, SPARQL CSV/TSV/JSON/XML results for tools.

The machine formats are the W3C SPARQL 1.1 results formats, written by rdflib's serialisers, so
pandas, YASGUI and other SPARQL tools read them as they read any endpoint's answers.
"""

from __future__ import annotations

import io

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

from .run import Answer

FORMATS = ("table", "csv", "tsv", "json", "xml")
SHORT = sorted(((iri, prefix) for prefix, iri in ns.PREFIXES.items()), key=lambda p: -len(p[0]))
SHORT = [(ns.ID, "id:")] + [(iri, f"{prefix}:") for iri, prefix in SHORT]


def short(value: str) -> str:
    for iri, prefix in SHORT:
        if value.startswith(iri):
            return prefix + value[len(iri):]
    return value


def cell_text(term, width: int | None = 60) -> str:
    if term is None:
        return ""
    text = term.value
    if term.__class__.__name__ == "NamedNode":
        text = short(text)
    text = " ".join(text.split())
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def as_table(answer: Answer, width: int | None = 60) -> str:
    """An aligned plain-text table (long cells are cut for the screen; other formats never cut)."""
    if answer.kind == "ask":
        return "yes" if answer.boolean else "no"
    cells = [[cell_text(t, width) for t in row] for row in answer.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(answer.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(answer.columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _rdflib_result(answer: Answer):
    from oxrdflib._converter import from_ox
    from rdflib.query import Result
    from rdflib.term import Variable

    if answer.kind == "ask":
        result = Result("ASK")
        result.askAnswer = answer.boolean
        return result
    result = Result("SELECT")
    result.vars = [Variable(c) for c in answer.columns]
    result.bindings = [
        {Variable(c): from_ox(t) for c, t in zip(answer.columns, row) if t is not None}
        for row in answer.rows
    ]
    return result


def serialise(answer: Answer, fmt: str = "table") -> str:
    """The answer in one of :data:`FORMATS` (graph answers are always Turtle)."""
    if answer.kind == "graph":
        import pyoxigraph

        return pyoxigraph.serialize(answer.triples, format=pyoxigraph.RdfFormat.TURTLE,
                                    prefixes=ns.PREFIXES).decode("utf-8")
    if fmt == "table":
        return as_table(answer)
    if fmt not in FORMATS:
        raise CitykgError(f"unknown format '{fmt}': expected one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    _rdflib_result(answer).serialize(buffer, format="json" if fmt == "tsv" else fmt, encoding="utf-8")
    if fmt == "tsv":
        # rdflib writes no TSV results; pyoxigraph does, from the JSON results
        import pyoxigraph

        results = pyoxigraph.parse_query_results(buffer.getvalue(), format=pyoxigraph.QueryResultsFormat.JSON)
        return results.serialize(format=pyoxigraph.QueryResultsFormat.TSV).decode("utf-8")
    return buffer.getvalue().decode("utf-8")
