"""Tests for the hand-written Turtle in ontology/: the OWL ontology (citykg.ttl),
the SKOS concept schemes (kinds.ttl) and the SHACL shapes (shapes.ttl).

The shape tests validate the example data in tests/data/shapes/ merged with
citykg.ttl and kinds.ttl, the way shapes.ttl says to use it.
"""

from functools import lru_cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

ROOT = Path(__file__).parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DATA_DIR = ROOT / "tests" / "data" / "shapes"

CITYKG_TTL = ONTOLOGY_DIR / "citykg.ttl"
KINDS_TTL = ONTOLOGY_DIR / "kinds.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"
VALID_TTL = SHAPES_DATA_DIR / "valid.ttl"
INVALID_TTL = SHAPES_DATA_DIR / "invalid.ttl"

CKG = Namespace("https://w3id.org/citykg/ontology#")
CKGSH = Namespace("https://w3id.org/citykg/shapes#")
BAD = Namespace("https://w3id.org/citykg/id/example/bad/")
ONTOLOGY_IRI = URIRef("https://w3id.org/citykg/ontology")
CONCEPT_BASE = "https://w3id.org/citykg/concept/"
SCHEMES = ("agreement-kind", "event-kind", "organisation-kind", "sector")
LANGUAGES = {"en", "ru"}


@lru_cache(maxsize=None)
def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def _languages(graph: Graph, subject, predicate) -> set:
    return {
        o.language
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language and str(o).strip()
    }


def _validate(data_path: Path, data_format: str = "turtle"):
    """Validate data merged with the ontology and concept schemes (as shapes.ttl says)."""
    data = Graph()
    for path in (CITYKG_TTL, KINDS_TTL, data_path):
        data.parse(path, format=data_format)
    conforms, report, text = validate(
        data, shacl_graph=_parse(SHAPES_TTL), inference="none", advanced=False
    )
    return conforms, report, text


def _top_level_results(report: Graph) -> list:
    """Results of the report itself, not the nested sh:detail results of sh:node."""
    return list(report.objects(None, SH.result))


# --- (a) parsing -------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [CITYKG_TTL, KINDS_TTL, SHAPES_TTL, VALID_TTL, INVALID_TTL], ids=lambda p: p.name
)
def test_turtle_parses(path):
    graph = Graph()
    graph.parse(path, format="turtle")
    assert len(graph) > 0


# --- (c) ontology header -----------------------------------------------------


def test_ontology_header():
    g = _parse(CITYKG_TTL)
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/citykg/ontology/0.1.0"
    )
    assert str(g.value(ONTOLOGY_IRI, OWL.versionInfo)) == "0.1.0"
    dcterms = Namespace("http://purl.org/dc/terms/")
    assert _languages(g, ONTOLOGY_IRI, dcterms.title) >= LANGUAGES
    assert _languages(g, ONTOLOGY_IRI, dcterms.description) >= LANGUAGES
    assert g.value(ONTOLOGY_IRI, dcterms.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


# --- (b) bilingual documentation ---------------------------------------------


def _ckg_subjects(graph: Graph) -> set:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(CKG))}


def test_every_ckg_term_has_bilingual_label_and_comment():
    g = _parse(CITYKG_TTL)
    terms = _ckg_subjects(g)
    assert len(terms) > 30
    problems = []
    for term in sorted(terms):
        for predicate in (RDFS.label, RDFS.comment):
            missing = LANGUAGES - _languages(g, term, predicate)
            if missing:
                problems.append(f"{term.n3(g.namespace_manager)} {predicate.n3(g.namespace_manager)} lacks {sorted(missing)}")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in g:
            problems.append(f"{term} lacks rdfs:isDefinedBy")
        if not ({OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty} & set(g.objects(term, RDF.type))):
            problems.append(f"{term} is not declared as a class or property")
    assert not problems, "\n".join(problems)


def test_every_concept_and_scheme_has_bilingual_labels():
    g = _parse(KINDS_TTL)
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == {URIRef(CONCEPT_BASE + s) for s in SCHEMES}
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 40
    problems = []
    for scheme in sorted(schemes):
        for predicate in (SKOS.prefLabel, RDFS.label, RDFS.comment):
            missing = LANGUAGES - _languages(g, scheme, predicate)
            if missing:
                problems.append(f"{scheme} {predicate} lacks {sorted(missing)}")
    for concept in sorted(concepts):
        for predicate in (SKOS.prefLabel, RDFS.label, SKOS.definition, RDFS.comment):
            missing = LANGUAGES - _languages(g, concept, predicate)
            if missing:
                problems.append(f"{concept} {predicate} lacks {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_concepts_are_well_placed_in_their_schemes():
    """IRI = scheme + "/" + notation; top concept or broader within the same scheme."""
    g = _parse(KINDS_TTL)
    problems = []
    for concept in sorted(g.subjects(RDF.type, SKOS.Concept)):
        in_schemes = set(g.objects(concept, SKOS.inScheme))
        if len(in_schemes) != 1:
            problems.append(f"{concept}: in {len(in_schemes)} schemes")
            continue
        (scheme,) = in_schemes
        notation = g.value(concept, SKOS.notation)
        if str(concept) != f"{scheme}/{notation}":
            problems.append(f"{concept}: IRI does not match scheme {scheme} + notation {notation}")
        top = set(g.objects(concept, SKOS.topConceptOf))
        broader = set(g.objects(concept, SKOS.broader))
        if top == {scheme} and not broader:
            if (scheme, SKOS.hasTopConcept, concept) not in g:
                problems.append(f"{concept}: top concept missing from skos:hasTopConcept")
        elif not top and len(broader) == 1:
            (parent,) = broader
            if (parent, SKOS.inScheme, scheme) not in g:
                problems.append(f"{concept}: broader {parent} is not in {scheme}")
        else:
            problems.append(f"{concept}: needs skos:topConceptOf its scheme or one skos:broader")
    assert not problems, "\n".join(problems)


# --- (d) SHACL: valid and invalid data ---------------------------------------


def test_valid_example_conforms():
    conforms, _report, text = _validate(VALID_TTL)
    assert conforms, text


def test_valid_example_conforms_when_read_by_oxigraph():
    """oxigraph gives plain strings an explicit ^^xsd:string; the shapes must
    accept data read that way too (see the sh:in lists in shapes.ttl)."""
    pytest.importorskip("oxrdflib")
    conforms, _report, text = _validate(VALID_TTL, data_format="ox-turtle")
    assert conforms, text


def test_valid_example_exercises_every_targeted_shape():
    """Each node shape with a target has at least one focus node in valid.ttl,
    so that the conforming example really tests every shape."""
    shapes = _parse(SHAPES_TTL)
    merged = _parse(CITYKG_TTL) + _parse(KINDS_TTL)
    valid = _parse(VALID_TTL)
    missing = []
    for shape, target in shapes.subject_objects(SH.targetClass):
        classes = set(merged.transitive_subjects(RDFS.subClassOf, target))
        if not any(valid.subjects(RDF.type, c) for c in classes):
            missing.append(f"{shape} (target {target})")
    assert not missing, "no focus node in valid.ttl for: " + ", ".join(missing)


# Each bad node in invalid.ttl and the one shape it must violate.
EXPECTED_VIOLATIONS = {
    # places
    "country-nameless": "HasLabel",
    "city-no-country": "Place-country",
    "region-country-is-city": "Place-country",
    "city-lat-string": "Place-lat",
    "city-two-longs": "Place-long",
    "city-population-string": "Place-population",
    "city-gazetteer-city": "Place-gazetteerCountry",
    "city-resolution-guess": "Place-resolutionMethod",
    "district-partner-of-city": "Place-partOf",
    # organisations
    "org-wrong-scheme": "Organisation-kind",
    "org-two-kinds": "Organisation-kind",
    "org-located-in-passage": "Organisation-locatedIn",
    "org-no-source": "DerivedFromPassage",
    # events
    "event-held-and-planned": "EventShape",
    "event-nameless": "HasLabel",
    "event-wrong-scheme": "Event-kind",
    "event-datetime": "Event-startDate",
    "event-year-gyear": "Year",
    "event-host-org": "Event-hostCity",
    "event-visitor-org": "Event-visitingCity",
    "event-part-of-agreement": "Event-partOfEvent",
    "plan-no-source": "DerivedFromPassage",
    # agreements
    "agreement-no-kind": "Agreement-kind",
    "agreement-wrong-scheme": "Agreement-kind",
    "agreement-no-party": "Agreement-party",
    "agreement-party-concept": "Agreement-party",
    "agreement-date-string": "Agreement-dateSigned",
    "agreement-count-integer": "Agreement-documentCount",
    "agreement-during-plan": "Agreement-signedDuring",
    "agreement-at-org": "Agreement-signedAt",
    "agreement-framework-event": "Agreement-framework",
    "agreement-sector-event-kind": "Agreement-sector",
    "agreement-source-document": "DerivedFromPassage",
    # participations
    "part-no-event": "Participation-inEvent",
    "part-participant-passage": "Participation-participant",
    "part-from-org": "Participation-fromPlace",
    "part-role-langstring": "Participation-role",
    "part-count-integer": "Participation-participantCount",
    "part-delegations-words": "Participation-delegationCount",
    "part-qualifier": "Participation-countQualifier",
    "part-no-source": "DerivedFromPassage",
    # passages, documents, concepts
    "passage-no-document": "Passage-inDocument",
    "passage-paragraph-integer": "Passage-paragraph",
    "passage-quote-plain": "Passage-quote",
    "document-untitled": "SourceDocument-title",
    "concept-unlabelled": "Concept-prefLabel",
    "concept-no-scheme": "Concept-inScheme",
}


@pytest.fixture(scope="module")
def invalid_report():
    conforms, report, text = _validate(INVALID_TTL)
    return conforms, report, text


def test_invalid_example_does_not_conform(invalid_report):
    conforms, _report, _text = invalid_report
    assert not conforms


def test_invalid_example_hits_exactly_the_intended_shapes(invalid_report):
    _conforms, report, text = invalid_report
    actual = set()
    for result in _top_level_results(report):
        actual.add((report.value(result, SH.focusNode), report.value(result, SH.sourceShape)))
        assert report.value(result, SH.resultSeverity) == SH.Violation
        messages = {str(m) for m in report.objects(result, SH.resultMessage)}
        assert messages, f"result without a message: {result}"
    expected = {(BAD[node], CKGSH[shape]) for node, shape in EXPECTED_VIOLATIONS.items()}
    assert actual == expected, (
        f"missing: {sorted(expected - actual)}\nunexpected: {sorted(actual - expected)}\n{text}"
    )
    # one result per bad node: each node is broken in exactly one way
    assert len(_top_level_results(report)) == len(EXPECTED_VIOLATIONS)


def test_invalid_example_covers_every_rule():
    """Every named rule in shapes.ttl (property shapes, and node shapes with a
    node-level constraint) is violated somewhere in invalid.ttl."""
    shapes = _parse(SHAPES_TTL)
    rules = {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
    rules |= {s for s in shapes.subjects(SH["not"], None) if isinstance(s, URIRef)}
    covered = {CKGSH[shape] for shape in EXPECTED_VIOLATIONS.values()}
    assert rules - covered == set(), f"rules without an invalid example: {sorted(rules - covered)}"


def test_every_shape_has_a_readable_name_and_message():
    shapes = _parse(SHAPES_TTL)
    problems = []
    for shape in sorted(s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)):
        if shapes.value(shape, SH.name) is None:
            problems.append(f"{shape} lacks sh:name")
        if "en" not in _languages(shapes, shape, SH.message):
            problems.append(f"{shape} lacks an English sh:message")
    for shape in sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)):
        if "en" not in _languages(shapes, shape, RDFS.label):
            problems.append(f"{shape} lacks an English rdfs:label")
        if (shape, SH["not"], None) in shapes and "en" not in _languages(shapes, shape, SH.message):
            problems.append(f"{shape} lacks an English sh:message")
    assert not problems, "\n".join(problems)


# --- (e) vocabulary used by the data is declared ------------------------------


def test_ckg_terms_used_in_valid_example_are_declared():
    ontology = _parse(CITYKG_TTL)
    valid = _parse(VALID_TTL)
    properties = {p for p in valid.predicates() if p.startswith(str(CKG))}
    classes = {o for o in valid.objects(None, RDF.type) if o.startswith(str(CKG))}
    assert properties and classes
    undeclared = [
        p for p in properties
        if not ({OWL.ObjectProperty, OWL.DatatypeProperty} & set(ontology.objects(p, RDF.type)))
    ]
    undeclared += [c for c in classes if (c, RDF.type, OWL.Class) not in ontology]
    assert not undeclared, f"used in valid.ttl but not declared in citykg.ttl: {sorted(undeclared)}"


def test_concepts_used_in_valid_example_exist():
    kinds = _parse(KINDS_TTL)
    valid = _parse(VALID_TTL)
    used = {
        o for p in (CKG.agreementKind, CKG.eventKind, CKG.organisationKind, CKG.sector)
        for o in valid.objects(None, p)
    }
    defined = set(kinds.subjects(RDF.type, SKOS.Concept)) | set(valid.subjects(RDF.type, SKOS.Concept))
    assert used and used <= defined, sorted(used - defined)


def test_ontology_axioms_that_matter():
    """The few axioms the rest of the project relies on."""
    g = _parse(CITYKG_TTL)
    assert (CKG.PlannedEvent, OWL.disjointWith, CKG.Event) in g
    assert (CKG.twinnedWith, RDFS.subPropertyOf, CKG.partnerOf) in g
    assert (CKG.twinnedWith, OWL.equivalentProperty, URIRef("http://www.wikidata.org/prop/direct/P190")) in g
    for prop in (CKG.partnerOf, CKG.twinnedWith):
        assert (prop, RDF.type, OWL.SymmetricProperty) in g
    assert (CKG.country, RDFS.subPropertyOf, CKG.locatedIn) in g
    assert (CKG.gazetteerCountry, RDFS.subPropertyOf, CKG.locatedIn) not in g
    for cls in (CKG.City, CKG.Country, CKG.Region):
        assert (cls, RDFS.subClassOf, CKG.Place) in g
    # unions are written as owl:unionOf classes, never as a bare blank node
    for node in g.objects(None, RDFS.range):
        if isinstance(node, BNode):
            assert (node, OWL.unionOf, None) in g
