"""Foreign tables through mappings (loaders/mapping.py): the shipped mappings on excerpts of the
external tables, merging sources, idempotent loads, conflicts, and bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode

import citykg
from citykg.cli import main
from citykg.errors import CitykgError, TableError, TableSetError
from citykg.graph import open_store
from citykg.graph.load import add_table_set
from citykg.loaders.mapping import MappingError, map_table, parse_mapping, read_mapping
from citykg.mappings import shipped_mappings
from citykg.ontology import namespace as ns

ROOT = Path(__file__).parents[2]
EXCERPT = ROOT / "tests" / "data" / "external-excerpt"
MAPPINGS = ROOT / "tests" / "data" / "mappings"
WIKIPEDIA_RAW = EXCERPT / "wikipedia_twin_cities_raw.csv"
WIKIPEDIA_GEOCODED = EXCERPT / "wikipedia_twin_cities_geocoded.csv"
RGRE = EXCERPT / "germany_partnerships_rgre_2015.csv"
AACHEN = "https://w3id.org/citykg/id/place/geonames-3247449"
REIMS = "https://w3id.org/citykg/id/place/geonames-2984114"
MONTEBOURG = "https://w3id.org/citykg/id/place/geonames-2992744"
TOLEDO = "https://w3id.org/citykg/id/place/geonames-2510409"


def load(store, table, mapping, source=None):
    mapped = map_table(table, shipped_mappings().get(mapping, mapping), source)
    add_table_set(store, mapped)
    return mapped


def quads_of(store, graph):
    return set(store.store.quads_for_pattern(None, None, None, NamedNode(graph)))


@pytest.fixture(scope="module")
def merged():
    """The Wikipedia and German-register excerpts loaded together (shared: do not write to it)."""
    store = open_store(":memory:")
    wikipedia = load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    rgre = load(store, RGRE, "germany-rgre")
    return store, wikipedia, rgre


# --- the shipped mappings ----------------------------------------------------------------


def test_shipped_mappings_read_and_name_columns_their_tables_have():
    tables = {
        "wikipedia-raw": WIKIPEDIA_RAW, "wikipedia-geocoded": WIKIPEDIA_GEOCODED,
        "germany-rgre": RGRE,
    }
    mappings = shipped_mappings()
    assert set(tables) | {"wikidata-p190"} <= set(mappings)
    for name, table in tables.items():
        mapping = read_mapping(mappings[name])
        with table.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert {column for column, _ in mapping.columns()} <= set(header), name


def test_wikipedia_excerpt_becomes_partnerships_with_passages():
    store = open_store(":memory:")
    mapped = load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    assert mapped.source == "wikipedia-twin-towns"
    assert mapped.rows == 24
    # Cambridge-Heidelberg and Aachen-Halifax ("England" and "England, United Kingdom"),
    # Aachen-Naumburg ("Naumburg (Saale)") and Gwangjin-Eregli ("Seoul – Gwangjin") are each
    # listed twice, on the pages of both partners: 24 rows, 20 partnerships
    assert len(mapped.agreements) == 20
    pair = ns.partnership(AACHEN, MONTEBOURG)
    rows = citykg.query(store, f"""SELECT ?kind ?quote ?line WHERE {{
        <{pair}> a ckg:Agreement ; ckg:agreementKind ?kind ; ckg:party <{AACHEN}>, <{MONTEBOURG}> ;
                 prov:wasDerivedFrom ?row . ?row ckg:quote ?quote ; ckg:paragraph ?line }}""").records()
    assert rows == [{"kind": ns.CONCEPT + "agreement-kind/twinning", "quote": "Aachen,Germany,Montebourg,France", "line": 9}]
    twins = citykg.query(store, f"SELECT ?x WHERE {{ <{AACHEN}> ckg:twinnedWith ?x . ?x ckg:twinnedWith <{AACHEN}> }}")
    assert len(twins) == 10  # every partner of Aachen, both directions; Naumburg once
    cambridge = citykg.query(store, """SELECT (COUNT(DISTINCT ?row) AS ?rows) WHERE {
        ?a ckg:party ?c ; prov:wasDerivedFrom ?row . ?c rdfs:label "Cambridge"@en }""").records()
    assert cambridge == [{"rows": 2}]


def test_non_city_places_are_typed_and_districts_are_part_of_their_city():
    store = open_store(":memory:")
    load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    classes = dict(citykg.query(store, """SELECT ?name (GROUP_CONCAT(DISTINCT STRAFTER(STR(?c), "#")) AS ?classes) WHERE {
        ?p rdfs:label ?name ; a ?c . FILTER(?c != ckg:Place)
        FILTER(STR(?name) IN ("Kulmbach (district)", "Chiba Prefecture", "Kulmbach", "Gwangjin (Seoul)", "Akhmeta"))
    } GROUP BY ?name""").rows)
    classes = {k.value: v.value for k, v in classes.items()}
    assert classes == {"Kulmbach (district)": "Region", "Chiba Prefecture": "Region", "Kulmbach": "City", "Akhmeta": "City"}
    located = citykg.query(store, """SELECT ?city WHERE { ?d rdfs:label "Gwangjin (Seoul)"@en ; ckg:partOf ?c .
                                     ?c skos:altLabel ?city }""").column("city")
    assert located == ["Seoul"]
    georgia = citykg.query(store, 'SELECT ?country WHERE { ?p rdfs:label "Akhmeta"@en ; ckg:country ?country }').column("country")
    assert georgia == ["https://w3id.org/citykg/id/country/GE"]


def test_german_register_kinds_years_and_its_own_concepts():
    store = open_store(":memory:")
    load(store, RGRE, "germany-rgre")
    answer = citykg.query(store, f"""SELECT ?kind ?label ?year WHERE {{
        <{ns.partnership(AACHEN, MONTEBOURG)}> ckg:agreementKind ?k ; ckg:year ?year .
        ?k skos:notation ?kind ; skos:prefLabel ?label FILTER(LANG(?label) = "de") }}""").records()
    assert answer == [{"kind": "friendship", "label": "Freundschaft", "year": 1960}]
    german = citykg.query(store, f'SELECT ?l WHERE {{ <{AACHEN}> rdfs:label ?l }}').rows
    assert [term.language for (term,) in german] == ["de"]
    # the register's geocoder put Palma de Mallorca on a Seville street: the name wins
    palma = citykg.query(store, 'SELECT ?g WHERE { ?p rdfs:label "Palma de Mallorca"@de ; owl:sameAs ?g }').column("g")
    assert palma == ["https://sws.geonames.org/2512989/"]


def test_toml_and_yaml_mappings_are_the_same_mapping():
    yaml_quads = map_table(WIKIPEDIA_RAW, shipped_mappings()["wikipedia-raw"]).materialise()
    toml_quads = map_table(WIKIPEDIA_RAW, MAPPINGS / "wikipedia-raw.toml").materialise()
    assert {g: set(q) for g, q in yaml_quads.items()} == {g: set(q) for g, q in toml_quads.items()}


# --- merging sources -----------------------------------------------------------------------


def test_the_same_city_from_two_sources_is_one_node(merged):
    store, _, _ = merged
    nodes = citykg.query(store, 'SELECT DISTINCT ?p WHERE { ?p owl:sameAs <https://sws.geonames.org/3247449/> }')
    assert nodes.column("p") == [AACHEN]
    labels = {(t.value, t.language) for (t,) in citykg.query(store, f"SELECT ?l WHERE {{ <{AACHEN}> rdfs:label ?l }}").rows}
    assert labels == {("Aachen", "en"), ("Aachen", "de")}


def test_a_pair_from_two_sources_is_one_partnership_with_both_provenance_links(merged):
    store, _, _ = merged
    pair = ns.partnership(AACHEN, REIMS)
    rows = citykg.query(store, f"""SELECT ?graph ?quote WHERE {{
        GRAPH ?graph {{ <{pair}> prov:wasDerivedFrom ?row }} ?row ckg:quote ?quote }} ORDER BY ?graph""").records()
    assert [r["graph"] for r in rows] == [ns.source_graph("germany-rgre-2015"), ns.source_graph("wikipedia-twin-towns")]
    assert rows[0]["quote"].startswith("Aachen,52062,") and rows[1]["quote"] == "Reims,France,Aachen,Germany"
    partners = {r["partner"]: r for r in citykg.query(store, "partners", city="Aachen").records()}
    assert partners["Reims"]["sources"].split("; ") == ["germany-rgre-2015", "wikipedia-twin-towns"] or \
        sorted(partners["Reims"]["sources"].split("; ")) == ["germany-rgre-2015", "wikipedia-twin-towns"]
    assert partners["Reims"]["since"] == 1967
    assert partners["Sarıyer"]["sources"] == "wikipedia-twin-towns"
    assert partners["Kostroma"]["sources"] == "germany-rgre-2015"


def test_sources_lists_each_source_with_its_counts(merged):
    store, wikipedia, rgre = merged
    rows = {r["source"]: r for r in citykg.query(store, "sources").records()}
    assert rows["wikipedia-twin-towns"]["agreements"] == len(wikipedia.agreements) == 20
    assert rows["germany-rgre-2015"]["agreements"] == len(rgre.agreements) == 9
    # Aachen with Reims, Toledo, Montebourg, Halifax? no (not in the register excerpt), Düsseldorf-Warsaw,
    # Kulmbach-Rust: the pairs both excerpts hold
    shared = citykg.query(store, f"""SELECT ?a WHERE {{ GRAPH <{ns.source_graph("germany-rgre-2015")}> {{ ?a a ckg:Agreement }}
        GRAPH <{ns.source_graph("wikipedia-twin-towns")}> {{ ?a a ckg:Agreement }} }}""")
    assert rows["wikipedia-twin-towns"]["shared_agreements"] == rows["germany-rgre-2015"]["shared_agreements"] == len(shared) == 5
    assert rows["germany-rgre-2015"]["passages"] == 9


def test_conflicts_list_both_claims_with_their_sources(merged):
    store, _, _ = merged
    kinds = citykg.query(store, "conflicts", property="kind").records()
    montebourg = next(r for r in kinds if r["subject_iri"] == ns.partnership(AACHEN, MONTEBOURG))
    assert set(montebourg["claims"].split("; ")) == {"twinning (wikipedia-twin-towns)", "friendship (germany-rgre-2015)"}
    assert montebourg["sources"] == 2
    # every kind conflict is between two sources; agreeing pairs (Aachen-Reims) are not listed
    assert ns.partnership(AACHEN, REIMS) not in {r["subject_iri"] for r in kinds}
    assert citykg.query(store, "conflicts", property="kind", city="Kulmbach").rows == []


def test_a_year_conflict_between_sources_is_listed(merged, tmp_path):
    store = open_store(":memory:")
    load(store, RGRE, "germany-rgre")
    # a second register extract that dates Aachen-Toledo a year earlier
    table = tmp_path / "rgre-2016.csv"
    lines = RGRE.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join([lines[0], lines[2].replace(",1985,p,", ",1984,p,")]) + "\n", encoding="utf-8")
    load(store, table, "germany-rgre", source="germany-rgre-2016")
    years = citykg.query(store, "conflicts", property="year").records()
    assert [(r["subject_iri"], sorted(r["claims"].split("; "))) for r in years] == [
        (ns.partnership(AACHEN, TOLEDO), ["1984 (germany-rgre-2016)", "1985 (germany-rgre-2015)"])
    ]


# --- idempotency and new versions ----------------------------------------------------------


def test_loading_the_same_table_twice_changes_nothing():
    store = open_store(":memory:")
    load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    load(store, RGRE, "germany-rgre")
    before = set(store.store)
    load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    assert set(store.store) == before


def test_a_new_version_of_a_source_replaces_only_its_graph(tmp_path):
    store = open_store(tmp_path / "store")
    load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    load(store, RGRE, "germany-rgre")
    rgre_graph = ns.source_graph("germany-rgre-2015")
    rgre_before = quads_of(store, rgre_graph)
    shorter = tmp_path / "wikipedia_twin_cities_raw.csv"
    shorter.write_text("\n".join(WIKIPEDIA_RAW.read_text(encoding="utf-8").splitlines()[:4]) + "\n", encoding="utf-8")
    mapped = load(store, shorter, "wikipedia-raw")
    assert mapped.rows == 3
    wikipedia = citykg.query(store, f"SELECT (COUNT(?a) AS ?n) WHERE {{ GRAPH <{ns.source_graph('wikipedia-twin-towns')}> {{ ?a a ckg:Agreement }} }}")
    assert wikipedia.records() == [{"n": 3}]
    assert quads_of(store, rgre_graph) == rgre_before


# --- bad input -----------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


RGRE_MAPPING = shipped_mappings()["germany-rgre"]


def rgre_with(tmp_path, **changes) -> Path:
    """The register excerpt with cells of its second data row changed."""
    with RGRE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1].update(changes)
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def load_fails(table, mapping=RGRE_MAPPING, match=None):
    store = open_store(":memory:")
    load(store, WIKIPEDIA_RAW, "wikipedia-raw")
    before = set(store.store)
    with pytest.raises(CitykgError) as caught:
        load(store, table, mapping)
    assert set(store.store) == before, "a failed load wrote something"
    if match:
        assert match in str(caught.value), str(caught.value)
    return str(caught.value)


def test_a_value_outside_the_value_map_names_file_row_and_column(tmp_path):
    message = load_fails(rgre_with(tmp_path, form="x"))
    assert message.splitlines()[1].strip() == (
        "register.csv, row 3, column 'form': 'x' is not in the mapping's value map (expected one of 'p', 'f', 'k', '')"
    )


def test_a_row_with_an_empty_party(tmp_path):
    load_fails(rgre_with(tmp_path, partnergemeinde=""), match="register.csv, row 3, column 'partnergemeinde': party 2 has no name")


def test_an_unparseable_year_or_coordinate(tmp_path):
    load_fails(rgre_with(tmp_path, seit="19xx"), match="row 3, column 'seit': '19xx' is not a year")
    load_fails(rgre_with(tmp_path, partner_latitude="95.5"), match="row 3, column 'partner_latitude': '95.5' is not a latitude")
    load_fails(rgre_with(tmp_path, longitude="east"), match="row 3, column 'longitude': 'east' is not a longitude")


def test_every_bad_row_is_reported_at_once(tmp_path):
    with RGRE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["form"] = "q"
    rows[4]["seit"] = "?"
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    message = load_fails(path)
    assert message.startswith("2 problem(s) in the tables; nothing was loaded")
    assert "row 2, column 'form'" in message and "row 6, column 'seit'" in message


def test_a_mapping_that_names_a_missing_column(tmp_path):
    text = RGRE_MAPPING.read_text(encoding="utf-8").replace("year: seit", "year: since")
    mapping = write(tmp_path / "register.yaml", text)
    load_fails(RGRE, mapping, match="germany_partnerships_rgre_2015.csv, row 1, column 'since': the mapping (register.yaml, agreement.year) names column 'since'")


def test_a_file_in_another_encoding_than_the_mapping_says(tmp_path):
    # the register's own columns are Latin script; its geocoder's column is not: drop what
    # Windows-1252 cannot hold
    latin = tmp_path / "register.csv"
    latin.write_bytes(RGRE.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    load_fails(latin, match="register.csv, row 6: cannot be read as utf-8 (byte b'\\xdf')")  # Rußland
    # and the other way round: a UTF-8 file that a mapping calls Windows-1252 would load as mojibake
    text = RGRE_MAPPING.read_text(encoding="utf-8").replace("encoding: utf-8", "encoding: cp1252")
    load_fails(RGRE, write(tmp_path / "m.yaml", text), match="the mapping says the file is cp1252, but it is UTF-8")
    # with the right encoding the Windows-1252 file loads, umlauts intact
    store = open_store(":memory:")
    load(store, latin, write(tmp_path / "m2.yaml", text))
    assert citykg.query(store, 'ASK { ?p rdfs:label "Düsseldorf"@de }').boolean


@pytest.mark.parametrize(
    "change, message",
    [
        (("year: seit", "year: seit\n  signed: x"), "agreement.signed: unknown key: expected one of kind, year, date"),
        (("p: twinning", "p: marriage"), "agreement.kind: 'marriage' is not an agreement kind"),
        (("    brackets: alternate   #", "    brackets: sideways   #"), "parties[1].brackets: 'sideways' is not one of auto, parent, alternate"),
        (("encoding: utf-8", "encoding: klingon-8"), "table.encoding: unknown encoding 'klingon-8'"),
        (("    country: {value: DE}", "    country: {value: DE, column: land}"), "parties[0].country: give either 'column'"),
        (("agreement:", "agreement: [\n"), "is not valid YAML"),
    ],
)
def test_bad_mappings_say_which_key_and_what_was_expected(tmp_path, change, message):
    text = RGRE_MAPPING.read_text(encoding="utf-8").replace(*change)
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        read_mapping(write(tmp_path / "bad.yaml", text))


def test_a_mapping_needs_two_parties():
    with pytest.raises(MappingError, match="parties: expected exactly two parties"):
        parse_mapping({"parties": [{"name": "a"}], "agreement": {"kind": {"value": "twinning"}}}, "m.yaml")


def test_a_big_file_streams_with_progress(tmp_path):
    """Rows become quads one at a time: the file is read as the quads are consumed, and the
    progress callback sees every byte."""
    body = WIKIPEDIA_RAW.read_text(encoding="utf-8").splitlines()
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as handle:
        handle.write(body[0] + "\n")
        for i in range(8000):
            handle.write(body[1 + i % 24] + "\n")
    size = big.stat().st_size
    seen = []
    mapped = map_table(big, shipped_mappings()["wikipedia-raw"], on_bytes=seen.append)
    source_quads = mapped.graphs[mapped.graph]
    for _, _ in zip(range(50), source_quads):
        pass
    assert 0 < sum(seen) < size / 4  # only the first buffers were read
    for _ in source_quads:
        pass
    assert sum(seen) == size and mapped.rows == 8000


# --- the command line ------------------------------------------------------------------------


def test_cli_load_with_a_mapping_then_report_and_query(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "store")
    result = runner.invoke(main, ["load", str(WIKIPEDIA_RAW), "--mapping", "wikipedia-raw", "--store", store])
    assert result.exit_code == 0, result.output
    assert "24 rows, 20 partnerships" in result.output
    result = runner.invoke(main, ["load", str(RGRE), "--mapping", str(RGRE_MAPPING), "--store", store])
    assert result.exit_code == 0, result.output
    report = runner.invoke(main, ["resolve-report", "--store", store, "--format", "csv", "--details", str(tmp_path / "d.csv")])
    assert report.exit_code == 0, report.output
    rows = {r["source"]: r for r in csv.DictReader(report.stdout.splitlines())}
    assert set(rows) == {"wikipedia-twin-towns", "germany-rgre-2015"}
    assert int(rows["germany-rgre-2015"]["ambiguous"]) == 0
    details = list(csv.DictReader((tmp_path / "d.csv").open(encoding="utf-8")))
    assert {"Kulmbach (district)", "Arlington County"} <= {d["name"] for d in details}
    sources = runner.invoke(main, ["query", "sources", "--store", store, "-f", "csv"])
    assert "germany-rgre-2015,9,5," in sources.output


def test_cli_resolve_report_on_a_table_without_loading(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["resolve-report", str(WIKIPEDIA_RAW), "--mapping", "wikipedia-raw", "-f", "json",
                                  "--details", str(tmp_path / "places.csv")])
    assert result.exit_code == 0, result.output
    assert '"source": "wikipedia-twin-towns"' in result.stdout
    places = {r["name"]: r for r in csv.DictReader((tmp_path / "places.csv").open(encoding="utf-8"))}
    assert places["Aachen"]["geonames_id"] == "3247449" and places["Aachen"]["status"] == "resolved"
    assert places["Gwangjin (Seoul)"]["class"] == "Place"


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["load", str(WIKIPEDIA_RAW), "--mapping", "no-such-mapping", "--store", ":memory:"])
    assert result.exit_code == 1
    assert result.output.startswith("citykg: error: --mapping no-such-mapping: no such file, and no shipped mapping")
    bad = rgre_with(tmp_path, seit="19xx")
    result = runner.invoke(main, ["load", str(bad), "--mapping", "germany-rgre", "--store", str(tmp_path / "s")])
    assert result.exit_code == 1 and "row 3, column 'seit'" in result.output
