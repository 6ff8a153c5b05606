"""The citykg ontology: OWL classes and properties, SKOS kinds and sectors, SHACL shapes (Turtle).

The Turtle files in this folder are the source of truth; this module only finds and parses them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import pyoxigraph

from .namespace import CONCEPT, CONCEPT_SCHEMES, SKOS

ONTOLOGY_FILES = ("citykg.ttl", "kinds.ttl")
SHAPES_FILE = "shapes.ttl"


def path(name: str):
    """The packaged file ``name`` (``citykg.ttl``, ``kinds.ttl``, ``shapes.ttl``, ...)."""
    return files(__name__) / name


def read_text(name: str) -> str:
    return path(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def ontology_triples() -> tuple[pyoxigraph.Triple, ...]:
    """The ontology and its concept schemes as triples."""
    triples = []
    for name in ONTOLOGY_FILES:
        triples.extend(
            q.triple for q in pyoxigraph.parse(read_text(name), format=pyoxigraph.RdfFormat.TURTLE)
        )
    return tuple(triples)


@lru_cache(maxsize=1)
def known_concepts() -> dict[str, frozenset[str]]:
    """Concept ids of each scheme: ``{"agreement-kind": {"twinning", ...}, ...}``."""
    in_scheme = SKOS + "inScheme"
    found: dict[str, set[str]] = {scheme: set() for scheme in CONCEPT_SCHEMES}
    for triple in ontology_triples():
        if triple.predicate.value != in_scheme:
            continue
        scheme = triple.object.value.removeprefix(CONCEPT)
        local = triple.subject.value.removeprefix(f"{CONCEPT}{scheme}/")
        if scheme in found:
            found[scheme].add(local)
    return {scheme: frozenset(ids) for scheme, ids in found.items()}


def ontology_graph():
    """The ontology (classes, properties, kinds) as an rdflib Graph."""
    import rdflib

    graph = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        graph.parse(data=read_text(name), format="turtle")
    return graph


def shapes_graph():
    """The SHACL shapes as an rdflib Graph."""
    import rdflib

    return rdflib.Graph().parse(data=read_text(SHAPES_FILE), format="turtle")
