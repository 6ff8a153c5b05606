"""The command line, run as users run it: build, query, validate, stats, and its errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from citykg.cli import main


@pytest.fixture(scope="module")
def built_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run(*args, store=None):
    argv = list(args) + (["--store", str(store)] if store else [])
    return CliRunner().invoke(main, argv)


def test_build_prints_summary_and_partners(built_store):
    result = run("build", "--store", str(built_store))
    assert result.exit_code == 0
    assert "agreements      12" in result.stdout
    assert "documents       28" in result.stdout  # the report counts 28 of its documents
    assert "Manzhouli" in result.stdout and "partners of Omsk" in result.stdout
    assert "Simferopol in RU, GeoNames in UA" in result.stderr


def test_query_formats(built_store):
    table = run("query", "partners", "--param", "city=Омск", store=built_store)
    assert table.exit_code == 0 and "Manzhouli" in table.stdout and "(5 rows)" in table.stdout
    as_csv = run("query", "partners", "-p", "city=Omsk", "--format", "csv", store=built_store)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["partner"] for r in rows} >= {"Manzhouli", "Urumqi"}
    as_json = run("query", "partners", "-p", "city=Omsk", "-f", "json", store=built_store)
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert len(bindings) == 5 and bindings[0]["partner"]["type"] == "literal"
    as_tsv = run("query", "sectors", "-f", "tsv", store=built_store)
    assert as_tsv.stdout.startswith("?sector\t?agreements")


def test_query_from_file_and_ad_hoc_sparql(built_store, tmp_path):
    file = tmp_path / "twins.rq"
    file.write_text("#+ summary: twins\n#+ param: city (city, required): a city\n"
                    "SELECT ?twin WHERE { ?_city ckg:twinnedWith ?c . ?c rdfs:label ?twin FILTER(LANG(?twin)='en') }")
    result = run("query", str(file), "-p", "city=Omsk", "-f", "csv", store=built_store)
    assert sorted(result.stdout.split()[1:]) == ["Manzhouli", "Urumqi"]
    ask = run("query", "ASK { ?a ckg:partnerOf ?b }", store=built_store)
    assert ask.stdout.strip() == "yes"
    construct = run("query", "CONSTRUCT { ?a ckg:twinnedWith ?b } WHERE { ?a ckg:twinnedWith ?b }", store=built_store)
    assert "ckg:twinnedWith" in construct.stdout


def test_queries_lists_the_catalogue():
    result = run("queries")
    assert result.exit_code == 0
    for name in ("partners", "agreements", "visits", "events", "partner-countries", "sectors",
                 "organisations", "top-partners", "timeline", "provenance"):
        assert f"\n{name}  " in "\n" + result.stdout


def test_validate_passes_on_the_built_graph(built_store):
    result = run("validate", store=built_store)
    assert result.exit_code == 0, result.stdout
    assert "valid:" in result.stdout


def test_validate_reports_violations(tmp_path, tiny_tables):
    store = tmp_path / "store"
    assert run("build", "--tables", str(tiny_tables), "-q", store=store).exit_code == 0
    # an event without a kind and without a passage, written straight into the store
    broken = ("INSERT DATA { GRAPH <https://w3id.org/citykg/graph/tiny> { "
              "<https://w3id.org/citykg/id/tiny/ghost> a <https://w3id.org/citykg/ontology#Event> ; "
              "<http://www.w3.org/2000/01/rdf-schema#label> \"Ghost event\"@en } }")
    from citykg.graph import open_store

    handle = open_store(store)
    handle.store.update(broken)
    del handle
    result = run("validate", store=store)
    assert result.exit_code == 1
    assert "id:tiny/ghost" in result.stdout and "invalid:" in result.stdout
    assert "check fact-without-passage-check: 1 problem(s)" in result.stdout


def test_stats(built_store):
    result = run("stats", store=built_store)
    counts = dict(line.split() for line in result.stdout.splitlines())
    assert counts["cities"] == "13" and counts["sources"] == "1" and int(counts["triples"]) > 2000


def test_errors_are_one_line_without_traceback(tmp_path, tiny_tables):
    missing = run("query", "partners", "-p", "city=Omsk", store=tmp_path / "none")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("citykg: error: no store at")
    assert "Traceback" not in missing.output
    (tiny_tables / "events.csv").write_text("id,kind\n", encoding="utf-8")
    bad = run("load", str(tiny_tables), store=tmp_path / "store")
    assert bad.exit_code == 1
    assert "events.csv, row 1: the required column 'status' is missing from the header" in bad.stderr
    assert not (tmp_path / "store").exists()  # the failed load created nothing


def test_unknown_city_is_a_clear_error(built_store):
    unknown = run("query", "partners", "-p", "city=Atlantis", store=built_store)
    assert unknown.exit_code == 1
    assert unknown.stderr == "citykg: error: parameter city: no place named 'Atlantis' in the store\n"


def test_load_adds_a_source(tmp_path, tiny_tables):
    store = tmp_path / "store"
    assert run("build", "-q", store=store).exit_code == 0
    result = run("load", str(tiny_tables), store=store)
    assert result.exit_code == 0
    counts = dict(line.split() for line in run("stats", store=store).stdout.splitlines())
    assert counts["sources"] == "2"
    partners = run("query", "partners", "-p", "city=Pavlodar", "-f", "csv", store=store)
    assert "Omsk" in partners.stdout


def test_python_dash_m_and_store_from_environment(built_store):
    env_result = subprocess.run(
        [sys.executable, "-m", "citykg", "query", "top-partners", "-p", "limit=1", "-f", "csv"],
        capture_output=True, text=True, env={"CITYKG_STORE": str(built_store), "PATH": ""},
    )
    assert env_result.returncode == 0, env_result.stderr
    assert env_result.stdout.splitlines()[1].startswith("Omsk,Russia,5,")
