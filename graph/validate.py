"""Validate a store: SHACL shapes (pySHACL) over its data, and the check queries (zero rows each)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph

from citykg.ontology import shapes_graph
from citykg.queries import list_checks
from citykg.queries.run import plain

from .store import GraphStore

SH = "http://www.w3.org/ns/shacl#"


@dataclass
class Violation:
    focus: str
    path: str
    message: str
    value: str
    severity: str
    shape: str


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    failed_checks: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.conforms and not self.failed_checks


def store_as_rdflib_graph(store: GraphStore):
    """All triples of the store (the union of its graphs) in an rdflib Graph, for pySHACL."""
    import rdflib

    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def validate_store(store: GraphStore) -> ValidationReport:
    """SHACL-validate the store's data (the ontology graph included, for classes and concept
    schemes) and run every check query."""
    import pyshacl
    from rdflib import Namespace

    sh = Namespace(SH)
    data = store_as_rdflib_graph(store)
    conforms, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", abort_on_first=False, allow_warnings=True
    )
    violations = []
    for result in results_graph.subjects(sh.resultSeverity, None):
        def one(prop):
            values = list(results_graph.objects(result, prop))
            # shapes carry messages in English and Russian: report the English one
            english = [v for v in values if getattr(v, "language", None) == "en"]
            return str((english or values or [""])[0])

        violations.append(
            Violation(
                focus=one(sh.focusNode),
                path=one(sh.resultPath),
                message=one(sh.resultMessage),
                value=one(sh.value),
                severity=one(sh.resultSeverity).rsplit("#", 1)[-1],
                shape=one(sh.sourceShape),
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path, v.message))
    failed = {}
    for check in list_checks():
        result = store.query(check.text)
        columns = [v.value for v in result.variables]
        rows = [{c: plain(s[c]) for c in columns} for s in result]
        if rows:
            failed[check.name] = rows
    return ValidationReport(bool(conforms), violations, failed)
