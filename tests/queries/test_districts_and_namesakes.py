"""A city's questions count the city and what is based in it, not its districts; a name that several
places share is an error that lists them, never a mix of their answers."""

from __future__ import annotations

from pathlib import Path

import pytest

import citykg
from citykg.errors import CitykgError
from citykg.graph.network import project
from citykg.queries.places import AmbiguousPlaceError

PAIRS = Path(__file__).parents[1] / "data" / "tables" / "districts" / "pairs.csv"
BERLIN = "https://w3id.org/citykg/id/place/geonames-2950159"


@pytest.fixture(scope="module")
def store():
    return citykg.load(PAIRS, citykg.open_store(":memory:"), mapping="wikipedia-raw")


def partners(store, **params):
    return {row["partner"]: row for row in citykg.query(store, "partners", **params).records()}


def test_districts_are_not_the_city_s_own_nor_its_partners(store):
    assert set(partners(store, city="Berlin, DE")) == {"Paris", "Moscow"}


def test_districts_on_request_say_through_which_district(store):
    found = partners(store, city="Berlin, DE", districts="include")
    assert set(found) == {"Paris", "Moscow", "Tirana", "Siegen"}
    assert found["Tirana"]["via_district"].startswith("Mitte")
    assert found["Siegen"]["via_district"].startswith("Spandau")
    assert not found["Paris"]["via_district"]
    with pytest.raises(CitykgError, match="neither include nor exclude"):
        partners(store, city="Berlin, DE", districts="maybe")


def test_partner_count_agrees_with_top_partners_and_the_network(store):
    top = {row["city_iri"]: row["partners"] for row in citykg.query(store, "top-partners").records()}
    network = project(store, "partnership", details=False)
    assert top[BERLIN] == len(partners(store, city="Berlin, DE")) == network.degree(BERLIN) == 2
    countries = {row["country"]: row["cities"] for row in citykg.query(store, "partner-countries", city="Berlin, DE").records()}
    assert countries == {"France": 1, "Russian Federation": 1}


def test_a_shared_name_is_an_error_naming_each_place(store):
    with pytest.raises(AmbiguousPlaceError) as caught:
        partners(store, city="Paris")
    found = {(c.name, c.country) for c in caught.value.candidates}
    assert found == {("Paris", "France"), ("Paris", "United States")}
    message = str(caught.value)
    # the Paris of the United States is ambiguous itself (Texas, Tennessee, ...): it keeps its IRI
    assert "'Paris, FR'" in message and "geonames:2988507" in message and "id/place/us-paris" in message


@pytest.mark.parametrize("value", ["Paris, FR", "Paris, France", "paris, fr", "geonames:2988507",
                                   "https://w3id.org/citykg/id/place/geonames-2988507"])
def test_a_name_with_its_country_or_an_id_picks_one(store, value):
    assert set(partners(store, city=value)) == {"Berlin"}


def test_the_other_paris(store):
    assert set(partners(store, city="Paris, United States")) == {"Lamotte-Beuvron"}


def test_network_filters_refuse_namesakes_too(store):
    with pytest.raises(AmbiguousPlaceError):
        project(store, "partnership", city="Paris")
    assert set(project(store, "partnership", city="Paris, US").nodes) == {
        "https://w3id.org/citykg/id/place/us-paris", "https://w3id.org/citykg/id/place/geonames-3008020"}
