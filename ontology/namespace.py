"""The IRIs citykg mints and the vocabularies it writes with: the one place that builds IRIs.

Resolved places are named after their GeoNames id (``id/place/geonames-1496153``) and countries after
their ISO code (``id/country/CN``), so the same city from several sources is one node. Everything a
source table set defines (events, agreements, ...) is named inside that source
(``id/omsk-2016/ev-trade-missions-2016``), and each source has its own named graph
(``graph/omsk-2016``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import NamedNode

BASE = "https://w3id.org/citykg/"
CKG = BASE + "ontology#"
ONTOLOGY = BASE + "ontology"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
CONCEPT = BASE + "concept/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
SCHEMA = "https://schema.org/"
GN = "http://www.geonames.org/ontology#"

PREFIXES = {
    "ckg": CKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "geo": GEO,
    "schema": SCHEMA,
    "gn": GN,
    "agk": CONCEPT + "agreement-kind/",
    "evk": CONCEPT + "event-kind/",
    "ork": CONCEPT + "organisation-kind/",
    "sec": CONCEPT + "sector/",
}

CONCEPT_SCHEMES = ("agreement-kind", "event-kind", "organisation-kind", "sector")

ONTOLOGY_GRAPH = GRAPH + "ontology"
GAZETTEER_GRAPH = GRAPH + "gazetteer"
DERIVED_GRAPH = GRAPH + "derived"  # computed by the store after every write (graph/derive.py)
STAGING_GRAPH = GRAPH + "staging/"  # graphs being written; never visible after a load


def term(prefix: str, local: str) -> NamedNode:
    """``term("ckg", "City")`` is ``<https://w3id.org/citykg/ontology#City>``."""
    return NamedNode(PREFIXES[prefix] + local)


def slug(text: str) -> str:
    """A readable, IRI-safe piece of a name: ``"Ulan-Ude" -> "ulan-ude"``."""
    from citykg.loaders.gazetteer import normalise_name

    return quote(re.sub(r"\s+", "-", normalise_name(text)), safe="-")


def source_graph(source: str) -> str:
    return GRAPH + quote(source, safe="-_.")


def entity(source: str, local_id: str) -> str:
    # ids of the table model are letters, digits, "-" and "_": nothing to quote (a world-sized
    # table set has hundreds of thousands of them)
    if not _SAFE_ID.fullmatch(local_id):
        local_id = quote(local_id, safe="-_.")
    return _entity_prefix(source) + local_id


_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]+")


@lru_cache(maxsize=64)
def _entity_prefix(source: str) -> str:
    return ID + quote(source, safe="-_.") + "/"


def dataset(source: str) -> str:
    return ID + "dataset/" + quote(source, safe="-_.")


def geonames_place(geonames_id: int) -> str:
    return f"{ID}place/geonames-{geonames_id}"


def unresolved_place(country_code: str | None, name: str) -> str:
    """A place the gazetteer lacks, named by country and name so that sources merge on them."""
    return f"{ID}place/{(country_code or 'xx').lower()}-{slug(name)}"


def wikidata_place(qid: str) -> str:
    """A place the gazetteer lacks but the table identifies by its Wikidata item: the item decides
    its identity, so two items are two nodes and one item from two sources is one."""
    return f"{ID}place/wikidata-{qid}"


def partnership(place_a: str, place_b: str) -> str:
    """The partnership of two places, whichever source asserts it: named after the sorted pair of
    place IRIs, so that every source's claims about the pair land on one node."""
    first, second = sorted(p.removeprefix(f"{ID}place/") for p in (place_a, place_b))
    digest = hashlib.sha1(f"{first}|{second}".encode("utf-8")).hexdigest()[:16]
    return f"{ID}partnership/{digest}"


def country(code: str) -> str:
    return f"{ID}country/{code.upper()}"


def concept(scheme: str, local_id: str) -> str:
    return f"{CONCEPT}{scheme}/{quote(local_id, safe='-_.')}"
