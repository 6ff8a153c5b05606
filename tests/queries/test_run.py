"""Binding parameters: VALUES blocks, ``# when`` lines, subqueries."""

from __future__ import annotations

import re

import pytest
from pyoxigraph import Literal

import citykg
from citykg.queries import list_queries
from citykg.queries.run import WHEN_LINE, bind, with_patterns_for, with_values

TEXT = """SELECT ?a WHERE {
  # when city: ?a <http://example.org/party> ?_city .
  ?a a <http://example.org/Agreement> .
  OPTIONAL {
    SELECT ?a (COUNT(?d) AS ?n) WHERE {
      # when city: ?a <http://example.org/party> ?_city .
      ?a <http://example.org/document> ?d
    } GROUP BY ?a
  }
  OPTIONAL { SELECT ?a (MIN(?y) AS ?first) WHERE { ?a <http://example.org/year> ?y } GROUP BY ?a }
}"""


def test_when_lines_join_the_query_only_with_their_parameter():
    assert with_patterns_for(TEXT, set()) == TEXT
    bound = with_patterns_for(TEXT, {"city"})
    assert "# when" not in bound
    assert "\n  ?a <http://example.org/party> ?_city .\n" in bound
    assert "\n      ?a <http://example.org/party> ?_city .\n" in bound  # indentation kept
    assert with_patterns_for(TEXT, {"year"}) == TEXT


def test_subqueries_that_use_a_parameter_get_its_values_too():
    text = with_values(with_patterns_for(TEXT, {"city"}), {"_city": [Literal("x")], "_year": [Literal("y")]})
    groups = text.split("SELECT")
    assert 'VALUES ?_city { "x" }' in groups[1] and 'VALUES ?_year { "y" }' in groups[1]  # the query's own
    assert 'VALUES ?_city { "x" }' in groups[2] and "?_year" not in groups[2]  # uses the city only
    assert "VALUES" not in groups[3]  # uses no parameter


def test_without_the_parameter_the_query_is_unchanged_sparql(omsk_store):
    # the stored text (when lines commented out) answers the question without the parameter
    for query in list_queries():
        rows = omsk_store.query(bind(omsk_store, query, {p.name: "Omsk" for p in query.params if p.required}))
        assert rows is not None


@pytest.mark.parametrize("query", [q for q in list_queries() if WHEN_LINE.search(q.text)], ids=lambda q: q.name)
def test_when_lines_name_a_declared_optional_parameter(query):
    for match in WHEN_LINE.finditer(query.text):
        param = query.param(match["name"])
        assert param is not None and not param.required, match[0]
        assert re.search(rf"\?_{param.name}\b", match["pattern"]) or match["pattern"].strip().startswith("UNION")


def test_optional_city_gives_the_rows_the_city_is_part_of(omsk_store):
    everything = citykg.query(omsk_store, "agreements").records()
    omsk = citykg.query(omsk_store, "agreements", city="Omsk").records()
    manzhouli = citykg.query(omsk_store, "agreements", city="Маньчжурия").records()
    assert len(everything) >= len(omsk) > len(manzhouli) > 0  # every agreement of the report is Omsk's
    assert {r["agreement_iri"] for r in manzhouli} <= {r["agreement_iri"] for r in omsk}
    assert all("Manzhouli" in r["parties"] for r in manzhouli)  # itself or its organisations
    by_iri = {r["agreement_iri"]: r for r in everything}
    assert all(by_iri[r["agreement_iri"]] == r for r in omsk)  # the same rows, only fewer
