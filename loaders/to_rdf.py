"""Turn a checked table set into RDF: the source's own graph and the gazetteer's facts.

What the source says goes into the source's named graph, each fact linked to its passage with
``prov:wasDerivedFrom``. What the gazetteer says about a place (GeoNames identity, coordinates,
population, its country) goes into the shared gazetteer graph. When the two disagree about a
city's country, both statements stay, each in its own graph.

The writer writes N-Triples lines, not pyoxigraph ``Quad`` objects: making a ``Quad`` costs more
than the whole line, and Oxigraph's bulk loader parses N-Triples without holding the GIL, so
the store loads one chunk of lines while the next is being written (see :class:`NTriplesGraph`).
Every term in a line is written by pyoxigraph: ``str()`` of a ``NamedNode`` or ``Literal`` is its
N-Triples form, the IRI checked and the literal escaped when the term is made. All that is
written here is the statement around three terms, ``subject predicate object .``, which is the
whole of an N-Triples statement.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from citykg.ontology import namespace as ns

from .check import parse_date, split_list
from .gazetteer import Resolution, country_by_code, resolve_city, resolve_country
from .tables import RawTable

A = NamedNode(ns.RDF + "type")
LABEL = NamedNode(ns.RDFS + "label")
NOTE = NamedNode(ns.SKOS + "note")
DERIVED = NamedNode(ns.PROV + "wasDerivedFrom")
SAME_AS = NamedNode(ns.OWL + "sameAs")
XSD_INTEGER = NamedNode(ns.XSD + "integer")
XSD_DECIMAL = NamedNode(ns.XSD + "decimal")
ROWS_PER_STEP = 20_000  # rows converted between two hand-overs to the store when streaming


# -- terms, in N-Triples ----------------------------------------------------------------------


def iri(value: str) -> str:
    return str(NamedNode(value))


@lru_cache(maxsize=None)
def vocabulary(value: str) -> str:
    """An IRI that comes back again and again (properties, classes, concepts), made once."""
    return str(NamedNode(value))


@lru_cache(maxsize=None)
def ckg(local: str) -> str:
    return str(NamedNode(ns.CKG + local))


def text(value: str, language: str | None = None) -> str:
    return str(Literal(value, language=language))


@lru_cache(maxsize=1 << 12)
def token(value: str) -> str:
    """A plain literal out of a short list of values (a method, a role), made once."""
    return str(Literal(value))


@lru_cache(maxsize=1 << 16)
def integer(value: int | str) -> str:
    # Always xsd:integer: Oxigraph stores xsd:positiveInteger and its kin as xsd:integer anyway.
    return str(Literal(str(int(value)), datatype=XSD_INTEGER))


@lru_cache(maxsize=1 << 16)
def date_and_year(cell: str) -> tuple[str, str]:
    """A checked date cell as its literal (xsd:date, gYearMonth or gYear) and its year."""
    lexical, datatype, year = parse_date(cell)
    return str(Literal(lexical, datatype=NamedNode(ns.XSD + datatype))), integer(year)


@lru_cache(maxsize=None)
def concept_iri(scheme: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return vocabulary(value)
    return vocabulary(ns.concept(scheme, value))


RDF_TYPE, RDFS_LABEL, SKOS_NOTE, WAS_DERIVED_FROM, OWL_SAME_AS = (
    str(term) for term in (A, LABEL, NOTE, DERIVED, SAME_AS)
)


@dataclass
class PlaceResolution:
    """How one row of the places table was matched to the gazetteer."""

    file: str
    row: int
    place_id: str
    name: str
    country: str | None
    iri: str
    resolution: Resolution | None  # None for countries

    @property
    def method(self) -> str:
        return self.resolution.method if self.resolution else "iso-3166"


@dataclass
class RdfOutput:
    """The triples of one table set as N-Triples lines by named graph, and what happened on the way."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    places: list[PlaceResolution] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def graph_lines(self, graph: str) -> list[str]:
        """The list the lines of one graph go to (a streaming consumer empties it in place)."""
        return self.lines.setdefault(graph, [])

    @property
    def graphs(self) -> dict[str, list[Quad]]:
        """The same triples as quads, by named graph."""
        return {
            graph: list(NTriplesGraph(graph, ["".join(lines).encode()]))
            for graph, lines in self.lines.items()
            if lines
        }

    @property
    def unresolved(self) -> list[PlaceResolution]:
        return [p for p in self.places if p.resolution and not p.resolution.resolved]


class NTriplesGraph:
    """One named graph's triples as chunks of N-Triples text (UTF-8), made while they are taken.

    The embedded store gives the chunks to Oxigraph's bulk loader, which parses them without
    holding the GIL: one chunk loads while the next is being converted. Anything else that takes
    quads iterates it as quads.
    """

    def __init__(self, graph: str, chunks: Iterable[bytes]):
        self.graph = graph
        self.chunks = chunks

    def ntriples_chunks(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def __iter__(self) -> Iterator[Quad]:
        node = NamedNode(self.graph)
        for chunk in self.chunks:
            for quad in parse(chunk, RdfFormat.N_TRIPLES):
                yield Quad(quad.subject, quad.predicate, quad.object, node)


class _Writer:
    """Writes one table set; holds what the tables define so rows can refer to each other."""

    def __init__(self, tables: dict[str, RawTable], source: str):
        self.tables = dict(tables)  # steps() swaps slices of rows in
        self.source = source
        self.graph = ns.source_graph(source)
        self.out = RdfOutput()
        self.source_lines = self.out.graph_lines(self.graph)
        self.gazetteer_lines = self.out.graph_lines(ns.GAZETTEER_GRAPH)
        self.iri: dict[str, str] = {}  # table id -> its node, in N-Triples
        self.place_of: dict[str, str] = {}  # organisation or place id -> place id it is in
        self.kind_of: dict[str, str] = {}  # place id -> kind
        self.label_en: dict[str, str] = {}
        self.concept_scheme: dict[str, str] = {}
        self.countries_written: set[str] = set()
        self.host_of: dict[str, str] = {}  # event id -> place id
        self.held: set[str] = set()  # ids of events that took place

    # -- helpers --------------------------------------------------------------------------

    # s, p and o are terms in N-Triples (see the module's docstring)

    def say(self, s: str, p: str, o: str):
        self.source_lines.append(f"{s} {p} {o} .\n")

    def gazetteer(self, s: str, p: str, o: str):
        self.gazetteer_lines.append(f"{s} {p} {o} .\n")

    def rows(self, table: str):
        raw = self.tables.get(table)
        return raw.rows if raw else []

    def entity(self, local_id: str) -> str:
        node = self.iri.get(local_id)
        if node is None:  # ids are unique in a checked table set: one id, one node
            node = self.iri[local_id] = iri(ns.entity(self.source, local_id))
        return node

    def labels(self, node, cells, en="name_en", ru="name_ru"):
        if cells.get(en):
            self.say(node, RDFS_LABEL, text(cells[en], "en"))
        if cells.get(ru):
            self.say(node, RDFS_LABEL, text(cells[ru], "ru"))

    def common(self, node, cells):
        if cells.get("passage"):
            self.say(node, WAS_DERIVED_FROM, self.iri[cells["passage"]])
        if cells.get("note"):
            self.say(node, SKOS_NOTE, text(cells["note"], "en"))

    def concept(self, scheme: str, value: str) -> str:
        return concept_iri(scheme, value)

    def dated(self, node, cells, prop: str):
        if cells.get("date"):
            date, year = date_and_year(cells["date"])
            self.say(node, ckg(prop), date)
            self.say(node, ckg("year"), year)

    # -- tables ---------------------------------------------------------------------------

    def write(self) -> RdfOutput:
        """Every table at once: :meth:`steps` with one slice per table, its quads all kept."""
        for _ in self.steps(rows_per_step=sys.maxsize):
            pass
        return self.out

    def steps(self, rows_per_step: int = ROWS_PER_STEP):
        """:meth:`write` in steps, so that a consumer can take the quads away between them: first
        the source's head (concepts, documents, passages and places, all resolved), then the other
        tables a slice of rows at a time. Yields how many rows each step wrote. A table's rows are
        let go once written (what later tables need of them is kept aside: ids, places, labels)."""
        dataset = iri(ns.dataset(self.source))
        self.say(dataset, RDF_TYPE, ckg("SourceDataset"))
        self.say(dataset, RDFS_LABEL, text(self.source))
        self.write_concepts()
        self.write_documents(dataset)
        self.write_places()
        head = ("concepts", "documents", "passages", "places")
        yield sum(len(self.rows(t)) for t in head)
        for table in head:
            self._let_go(table)
        for table, write in (("organisations", self.write_organisations), ("events", self.write_events),
                             ("agreements", self.write_agreements),
                             ("participations", self.write_participations)):
            raw = self.tables.get(table)
            if raw is None:
                continue
            for _, cells in raw.rows:
                self.entity(cells["id"])  # a row may refer to one in a later slice
            try:
                for start in range(0, len(raw.rows), rows_per_step):
                    self.tables[table] = replace(raw, rows=raw.rows[start:start + rows_per_step])
                    write()
                    yield len(self.tables[table].rows)
            finally:
                self.tables[table] = raw
            del raw
            self._let_go(table)

    def _let_go(self, table: str):
        if table in self.tables:
            self.tables[table] = replace(self.tables[table], rows=[])

    def write_concepts(self):
        for _, cells in self.rows("concepts"):
            scheme = cells["scheme"]
            node = self.concept(scheme, cells["id"])
            self.say(node, RDF_TYPE, vocabulary(ns.SKOS + "Concept"))
            self.say(node, vocabulary(ns.SKOS + "inScheme"), vocabulary(ns.CONCEPT + scheme))
            self.say(node, vocabulary(ns.SKOS + "notation"), text(cells["id"]))
            for lang in ("en", "ru"):
                label = text(cells[f"label_{lang}"], lang)
                self.say(node, vocabulary(ns.SKOS + "prefLabel"), label)
                self.say(node, RDFS_LABEL, label)
                if cells.get(f"definition_{lang}"):
                    self.say(
                        node,
                        vocabulary(ns.SKOS + "definition"),
                        text(cells[f"definition_{lang}"], lang),
                    )
            if cells.get("broader"):
                self.say(node, vocabulary(ns.SKOS + "broader"), self.concept(scheme, cells["broader"]))

    def write_documents(self, dataset):
        languages = {}
        for _, cells in self.rows("documents"):
            node = self.entity(cells["id"])
            languages[cells["id"]] = cells.get("language") or None
            self.say(node, RDF_TYPE, ckg("SourceDocument"))
            self.say(dataset, vocabulary(ns.DCTERMS + "source"), node)
            for lang in ("en", "ru"):
                if cells.get(f"title_{lang}"):
                    title = text(cells[f"title_{lang}"], lang)
                    self.say(node, vocabulary(ns.DCTERMS + "title"), title)
                    self.say(node, RDFS_LABEL, title)
            for column, prop in (("publisher", "publisher"), ("language", "language")):
                if cells.get(column):
                    self.say(node, vocabulary(ns.DCTERMS + prop), text(cells[column]))
            if cells.get("year"):
                self.say(
                    node,
                    vocabulary(ns.DCTERMS + "issued"),
                    str(Literal(cells["year"], datatype=NamedNode(ns.XSD + "gYear"))),
                )
            if cells.get("file"):
                self.say(node, vocabulary(ns.DCTERMS + "identifier"), text(cells["file"]))
        for _, cells in self.rows("passages"):
            node = self.entity(cells["id"])
            document = self.iri[cells["document"]]
            self.say(node, RDF_TYPE, ckg("Passage"))
            self.say(node, ckg("inDocument"), document)
            self.say(node, ckg("paragraph"), integer(cells["paragraph"]))
            self.say(node, ckg("quote"), text(cells["text"], languages.get(cells["document"])))
            self.say(node, RDFS_LABEL, text(f"{cells['document']} ¶{int(cells['paragraph'])}"))

    def write_country(self, code: str) -> str:
        """A country node; the gazetteer graph gets its ISO names and GeoNames identity."""
        node = vocabulary(ns.country(code))
        if code in self.countries_written:
            return node  # every city names its country: say what the gazetteer knows once
        self.countries_written.add(code)
        country = country_by_code(code)
        self.gazetteer(node, RDF_TYPE, ckg("Country"))
        self.gazetteer(node, RDF_TYPE, ckg("Place"))
        self.gazetteer(node, RDFS_LABEL, text(country.name_en, "en"))
        self.gazetteer(node, RDFS_LABEL, text(country.name_ru, "ru"))
        self.gazetteer(node, vocabulary(ns.SKOS + "notation"), text(code))
        if country.iri:
            self.gazetteer(node, OWL_SAME_AS, iri(country.iri))
        return node

    def write_places(self):
        raw = self.tables["places"]
        for row, cells in raw.rows:
            kind = cells["kind"]
            stated = resolve_country(cells["country"]).code if cells.get("country") else None
            names = [cells.get("name_ru", ""), cells.get("name_en", "")]
            display = cells.get("name_en") or cells.get("name_ru")
            resolution = None
            if kind == "country":
                # checked: a country row has a known code or a known name
                code = stated or next(
                    resolve_country(cells[c]).code
                    for c in ("name_en", "name_ru")
                    if cells.get(c) and resolve_country(cells[c])
                )
                node = self.write_country(code)
                place_iri = ns.country(code)
                self.say(node, RDF_TYPE, ckg("Country"))
            else:
                geonames_id = int(cells["geonames_id"]) if cells.get("geonames_id") else None
                if kind == "city" or geonames_id is not None:
                    resolution = resolve_city(names, stated, geonames_id)
                else:
                    resolution = Resolution(None, "unresolved")
                if geonames_id is not None:
                    place_iri = ns.geonames_place(geonames_id)
                elif resolution.city:
                    place_iri = ns.geonames_place(resolution.city.geonames_id)
                else:
                    place_iri = ns.unresolved_place(stated, display)
                node = iri(place_iri)
                self.say(node, RDF_TYPE, ckg({"city": "City", "region": "Region"}.get(kind, "Place")))
                if stated:
                    self.say(node, ckg("country"), self.write_country(stated))
                self.say(node, ckg("resolutionMethod"), token(resolution.method))
                if resolution.city:
                    self.write_gazetteer_city(node, resolution)
                if resolution.country_conflict:
                    self.out.warnings.append(
                        f"{raw.file}, row {row}: the source places {display} in {stated}, "
                        f"GeoNames in {resolution.country_conflict}; both claims are kept"
                    )
                elif geonames_id is not None and resolution.city is None:
                    self.out.warnings.append(
                        f"{raw.file}, row {row}: GeoNames id {geonames_id} is not in the offline "
                        "gazetteer; kept without coordinates"
                    )
            self.say(node, RDF_TYPE, ckg("Place"))
            self.labels(node, cells)
            self.common(node, cells)
            self.iri[cells["id"]] = node
            self.kind_of[cells["id"]] = kind
            self.label_en[cells["id"]] = display
            if kind != "country":
                self.place_of[cells["id"]] = cells["id"]
            self.out.places.append(
                PlaceResolution(raw.file, row, cells["id"], display, stated, place_iri, resolution)
            )

    def write_gazetteer_city(self, node, resolution: Resolution):
        city = resolution.city
        self.gazetteer(node, RDF_TYPE, ckg("City"))
        self.gazetteer(node, RDF_TYPE, ckg("Place"))
        self.gazetteer(node, OWL_SAME_AS, iri(city.iri))
        self.gazetteer(node, vocabulary(ns.SKOS + "altLabel"), text(city.name))
        self.gazetteer(node, vocabulary(ns.GEO + "lat"), str(Literal(repr(city.latitude), datatype=XSD_DECIMAL)))
        self.gazetteer(node, vocabulary(ns.GEO + "long"), str(Literal(repr(city.longitude), datatype=XSD_DECIMAL)))
        if city.population:
            self.gazetteer(node, ckg("population"), integer(city.population))
        self.gazetteer(node, ckg("gazetteerCountry"), self.write_country(city.country))

    def write_organisations(self):
        for _, cells in self.rows("organisations"):
            node = self.entity(cells["id"])
            self.say(node, RDF_TYPE, ckg("Organisation"))
            for kind in split_list(cells["kind"]):
                self.say(node, ckg("organisationKind"), self.concept("organisation-kind", kind))
            if cells.get("place"):
                self.say(node, ckg("locatedIn"), self.iri[cells["place"]])
                self.place_of[cells["id"]] = cells["place"]
            self.labels(node, cells)
            self.common(node, cells)
            self.label_en[cells["id"]] = cells.get("name_en") or cells.get("name_ru")

    def write_events(self):
        for _, cells in self.rows("events"):
            node = self.entity(cells["id"])
            held = cells["status"] == "held"
            self.say(node, RDF_TYPE, ckg("Event" if held else "PlannedEvent"))
            if held:
                self.held.add(cells["id"])
            for kind in split_list(cells["kind"]):
                self.say(node, ckg("eventKind"), self.concept("event-kind", kind))
            self.dated(node, cells, "startDate")
            if cells.get("place"):
                self.say(node, ckg("hostCity"), self.iri[cells["place"]])
                self.host_of[cells["id"]] = cells["place"]
            self.labels(node, cells)
            self.common(node, cells)
            self.label_en[cells["id"]] = cells.get("name_en") or cells.get("name_ru")
        for _, cells in self.rows("events"):
            if cells.get("part_of"):
                self.say(self.iri[cells["id"]], ckg("partOfEvent"), self.iri[cells["part_of"]])

    def write_agreements(self):
        rows = self.rows("agreements")
        for _, cells in rows:
            self.entity(cells["id"])
        for _, cells in rows:
            node = self.iri[cells["id"]]
            kinds = split_list(cells["kind"])
            parties = split_list(cells.get("parties", ""))
            self.say(node, RDF_TYPE, ckg("Agreement"))
            for kind in kinds:
                self.say(node, ckg("agreementKind"), self.concept("agreement-kind", kind))
            for party in parties:
                self.say(node, ckg("party"), self.iri[party])
            self.dated(node, cells, "dateSigned")
            if cells.get("documents"):
                self.say(node, ckg("documentCount"), integer(cells["documents"]))
            for column, prop in (("event", "signedDuring"), ("place", "signedAt"), ("framework", "framework")):
                if cells.get(column):
                    self.say(node, ckg(prop), self.iri[cells[column]])
            for sector in split_list(cells.get("sectors", "")):
                self.say(node, ckg("sector"), self.concept("sector", sector))
            if cells.get("title_en") or cells.get("title_ru"):
                self.labels(node, cells, "title_en", "title_ru")
            else:
                names = " – ".join(self.label_en[p] for p in parties) or "unnamed parties"
                self.say(node, RDFS_LABEL, text(f"{' / '.join(kinds)} agreement: {names}", "en"))
            self.common(node, cells)
            self.write_partnership(parties, "twinning" in kinds)

    def write_partnership(self, parties: list[str], twinning: bool):
        """The ckg:partnerOf (and ckg:twinnedWith) shortcut between the places the parties are in."""
        places = []
        for party in parties:
            place = self.place_of.get(party)
            if place and self.kind_of.get(place) != "country" and place not in places:
                places.append(place)
        for a in places:
            for b in places:
                if a != b:
                    self.say(self.iri[a], ckg("partnerOf"), self.iri[b])
                    if twinning:
                        self.say(self.iri[a], ckg("twinnedWith"), self.iri[b])

    def write_participations(self):
        for _, cells in self.rows("participations"):
            node = self.entity(cells["id"])
            event = cells["event"]
            self.say(node, RDF_TYPE, ckg("Participation"))
            self.say(node, ckg("inEvent"), self.iri[event])
            who = cells.get("participant")
            if who:
                self.say(node, ckg("participant"), self.iri[who])
            origin = cells.get("from_place") or (self.place_of.get(who) if who else None)
            if cells.get("from_place"):
                self.say(node, ckg("fromPlace"), self.iri[cells["from_place"]])
            if cells.get("role"):
                self.say(node, ckg("role"), token(cells["role"]))
            for column, prop in (("participants", "participantCount"), ("delegations", "delegationCount")):
                if cells.get(column):
                    self.say(node, ckg(prop), integer(cells[column]))
            if cells.get("participants") or cells.get("delegations"):
                self.say(node, ckg("countQualifier"), token(cells.get("count_qualifier") or "exact"))
            host = self.host_of.get(event)
            if event in self.held and origin and host and origin != host:
                if self.kind_of.get(origin) != "country":
                    self.say(self.iri[event], ckg("visitingCity"), self.iri[origin])
            subject = self.label_en.get(who, "participants") if who else "participants"
            self.say(node, RDFS_LABEL, text(f"{subject} at {self.label_en[event]}", "en"))
            self.common(node, cells)


def table_set_to_rdf(tables: dict[str, RawTable], source: str) -> RdfOutput:
    """Triples for a checked table set, by named graph, with the place resolutions made."""
    return _Writer(tables, source).write()


def stream_table_set_rdf(tables: dict[str, RawTable], source: str):
    """A checked table set as a stream: the :class:`RdfOutput` with the places already resolved
    (``lines`` holds the head's triples), and a generator of how many rows each further step wrote.
    Each step adds its lines to ``lines``: the consumer takes them away before the next one."""
    writer = _Writer(tables, source)
    steps = writer.steps()
    head = next(steps)
    return writer.out, head, steps
