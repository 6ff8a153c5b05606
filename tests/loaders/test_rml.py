"""RML mappings through Morph-KGC (loaders/rml.py). Morph-KGC cannot share citykg's environment
(it pins pyoxigraph < 0.4): it runs from the Python named by CITYKG_MORPH_KGC_PYTHON, and these
tests skip, saying so, where there is none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import citykg
from citykg.cli import main
from citykg.errors import CitykgError
from citykg.graph import open_store
from citykg.graph.load import add_table_set
from citykg.loaders.rml import map_with_rml, morph_kgc_python
from citykg.ontology import namespace as ns

DATA = Path(__file__).parents[1] / "data"
TABLE = DATA / "external-excerpt" / "wikipedia_twin_cities_raw.csv"
MAPPING = DATA / "mappings" / "twin-towns.rml.ttl"

# Under CI the runner is installed by .ci/run, so a missing one is a failure, not a skip.
if morph_kgc_python() is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but no Morph-KGC runner: .ci/run should set CITYKG_MORPH_KGC_PYTHON")

needs_morph_kgc = pytest.mark.skipif(
    morph_kgc_python() is None,
    reason="Morph-KGC is not installed: set CITYKG_MORPH_KGC_PYTHON to a Python with morph-kgc (see docs/mappings.md)",
)


@needs_morph_kgc
def test_an_rml_mapping_loads_into_the_sources_graph():
    mapped = map_with_rml(TABLE, MAPPING, "rml-example")
    store = open_store(":memory:")
    add_table_set(store, mapped)
    graph = ns.source_graph("rml-example")
    count = citykg.query(store, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?a a ckg:Agreement }} }}")
    assert count.records() == [{"n": 24}]  # one per row: RML merges nothing
    parties = citykg.query(store, """SELECT ?label WHERE {
        <https://w3id.org/citykg/id/rml-example/pair/Aachen/Montebourg> ckg:party ?p . ?p rdfs:label ?label } ORDER BY ?label""")
    assert parties.column("label") == ["Aachen", "Montebourg"]
    assert [r["source"] for r in citykg.query(store, "sources").records()] == ["rml-example"]


@needs_morph_kgc
def test_cli_load_accepts_an_rml_mapping(tmp_path):
    result = CliRunner().invoke(main, ["load", str(TABLE), "--mapping", str(MAPPING), "--source-name", "rml-example",
                                       "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "loaded rml-example" in result.output


@needs_morph_kgc
def test_a_broken_rml_mapping_is_one_clear_error(tmp_path):
    broken = tmp_path / "broken.rml.ttl"
    broken.write_text(MAPPING.read_text(encoding="utf-8").replace('rml:reference "city1"', 'rml:reference "town1"'), encoding="utf-8")
    with pytest.raises(CitykgError, match="broken.rml.ttl: Morph-KGC"):
        map_with_rml(TABLE, broken, "rml-example")


def test_without_morph_kgc_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("CITYKG_MORPH_KGC_PYTHON", "/nonexistent/python")
    with pytest.raises(CitykgError, match="CITYKG_MORPH_KGC_PYTHON=/nonexistent/python: no such program"):
        map_with_rml(TABLE, MAPPING, "rml-example")
