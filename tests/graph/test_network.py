"""Projections of the Omsk 2016 graph into networkx: what each network holds, its filters, bad input."""

from __future__ import annotations

import networkx as nx
import pytest

from citykg.errors import CitykgError
from citykg.graph.network import KINDS, largest_first, project


def labels(graph) -> set[str]:
    return {graph.nodes[n]["label"] for n in graph}


def edge(graph, a: str, b: str) -> dict:
    by_label = {graph.nodes[n]["label"]: n for n in graph}
    return graph.edges[by_label[a], by_label[b]]


def test_partnership_network_links_omsk_to_the_cities_it_signed_with(omsk_store):
    graph = project(omsk_store, "partnership")
    assert labels(graph) == {"Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"}
    assert graph.number_of_edges() == 5
    assert all("Omsk" in (graph.nodes[a]["label"], graph.nodes[b]["label"]) for a, b in graph.edges)
    manzhouli = edge(graph, "Omsk", "Manzhouli")
    # four protocols signed by organisations of the two cities, the grain agreements, the twinning
    assert manzhouli["agreements"] == 6 and manzhouli["weight"] == 6
    assert manzhouli["documents"] == 12 + 1 + 1 + 1 + 4 + 1
    assert manzhouli["kinds"] == "agreement; protocol; twinning"
    assert manzhouli["first_year"] == 2016
    assert "omsk-2016 ¶23" in manzhouli["sources"]
    # the tooltip text quotes the passage of the report
    assert "об установлении побратимских связей между городом Омском" in manzhouli["details"]
    urumqi = edge(graph, "Omsk", "Urumqi")
    assert urumqi["agreements"] == 2  # the twinning, and the universities' undated partnership
    assert "undated · cooperation: Partnership agreement between OmSU and Urumqi Vocational University" in urumqi["details"]


def test_place_nodes_carry_names_country_coordinates_and_population(omsk_store):
    graph = project(omsk_store, "interaction")
    by_label = {graph.nodes[n]["label"]: graph.nodes[n] for n in graph}
    omsk = by_label["Omsk"]
    assert omsk["label_ru"] == "Омск" and omsk["country"] == "RU" and omsk["kind"] == "city"
    assert omsk["lat"] == pytest.approx(54.99, abs=0.05) and omsk["lon"] == pytest.approx(73.37, abs=0.05)
    assert omsk["population"] > 1_000_000
    # the source's claim is the node's country; GeoNames' disagreement stays visible
    assert by_label["Simferopol"]["country"] == "RU"
    assert by_label["Simferopol"]["gazetteer_country"] == "UA"


def test_interaction_network_counts_visits_and_never_planned_events(omsk_store):
    graph = project(omsk_store, "interaction")
    assert labels(graph) == {"Omsk", "Manzhouli", "Burgas", "Mogilev", "Pavlodar", "Petropavl", "Urumqi",
                             "Minsk", "Jinju", "Kaifeng", "Novosibirsk", "Simferopol", "Ulan-Ude"}
    manzhouli = edge(graph, "Omsk", "Manzhouli")
    # the official visit, the mission there, the exhibition there and Manzhouli's mission to Omsk
    assert manzhouli["visits"] == 4 and manzhouli["events"] == 4
    assert manzhouli["kinds"] == "exhibition; official-visit; trade-mission"
    urumqi = edge(graph, "Omsk", "Urumqi")
    # the planned academic exchange and joint programme of the universities do not count
    assert urumqi["events"] == 3
    assert "exchange" not in urumqi["kinds"] and "programme" not in urumqi["kinds"]
    assert all(data["common_events"] == 0 for _, _, data in graph.edges(data=True))


def test_bipartite_networks_join_organisations_to_cities_and_events(omsk_store):
    cities = project(omsk_store, "city-organisation")
    kinds = {graph_kind for _, graph_kind in cities.nodes(data="kind")}
    assert kinds == {"city", "organisation"}
    omsu = edge(cities, "Dostoevsky Omsk State University (OmSU)", "Kaifeng")
    assert omsu["relation"] == "agreement" and omsu["first_year"] == 2016
    assert edge(cities, "Dostoevsky Omsk State University (OmSU)", "Omsk")["relation"] == "based-in; event"
    assert nx.is_bipartite(cities)

    events = project(omsk_store, "organisation-event")
    assert {k for _, k in events.nodes(data="kind")} == {"organisation", "event"}
    assert nx.is_bipartite(events)
    assert edge(events, "Government of Manzhouli", "Trade and economic mission of Omsk official and business circles to Manzhouli")["relation"] == "signed-agreement"
    opening = "Opening of the Centre of Chinese Language and Culture in Omsk"
    assert edge(events, "Urumqi Vocational University", opening)["role"] == "opener"
    assert not any("planned" in label.lower() or label.startswith("Task") for label in labels(events))


def test_country_network_adds_up_city_pairs(omsk_store):
    graph = project(omsk_store, "country")
    assert labels(graph) == {"Russian Federation", "China", "Kazakhstan", "Belarus"}
    china = edge(graph, "Russian Federation", "China")
    assert china["pairs"] == 3 and china["agreements"] == 9
    interaction = project(omsk_store, "country", base="interaction")
    by_label = {interaction.nodes[n]["label"]: interaction.nodes[n] for n in interaction}
    # Novosibirsk, Simferopol (Russian by the source) and Ulan-Ude are visits within Russia
    assert by_label["Russian Federation"]["domestic_pairs"] == 3
    assert "South Korea" in by_label and "Bulgaria" in by_label


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"kinds": ["twinning"]}, {"Omsk", "Manzhouli", "Urumqi"}),
        ({"kinds": ["Twinning", "cooperation"]}, {"Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"}),
        ({"year_from": 2016, "year_to": 2016}, {"Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"}),
        ({"countries": ["Kazakhstan"]}, {"Omsk", "Petropavl"}),
        ({"countries": ["by", "Казахстан"]}, {"Omsk", "Petropavl", "Mogilev"}),
        ({"city": "Manzhouli"}, {"Omsk", "Manzhouli"}),
        ({"city": "Маньчжурия", "radius": 0}, {"Manzhouli"}),
        ({"city": "Manzhouli", "radius": 2}, {"Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"}),
    ],
)
def test_filters(omsk_store, filters, expected):
    assert labels(project(omsk_store, "partnership", **filters)) == expected


def test_year_range_leaves_out_undated_agreements(omsk_store):
    urumqi = edge(project(omsk_store, "partnership", year_from=2016), "Omsk", "Urumqi")
    assert urumqi["agreements"] == 1


def test_event_kind_filter(omsk_store):
    assert labels(project(omsk_store, "interaction", kinds=["festival"])) == {"Omsk", "Pavlodar"}


@pytest.mark.parametrize(
    "kind, filters, message",
    [
        ("partnership", {"city": "Omks"}, "no place named 'Omks' in the store (did you mean Omsk?)"),
        ("partnership", {"year_from": 2017, "year_to": 2016}, "the year range 2017–2016 starts after it ends"),
        ("partnership", {"kinds": ["marriage"]}, "'marriage' is not an agreement kind: expected one of agreement, contract"),
        ("interaction", {"kinds": ["twinning"]}, "'twinning' is not an event kind"),
        ("partnership", {"countries": ["Narnia"]}, "no country 'Narnia': expected an ISO 3166 code"),
        ("partnership", {"city": "Omsk", "radius": -1}, "radius -1: expected 0 or more"),
        ("country", {"city": "Omsk"}, "use a country filter"),
        ("galaxy", {}, "unknown network kind 'galaxy': expected one of partnership, interaction"),
        ("partnership", {"colour": "red"}, "unknown network filter 'colour': expected one of year_from, year_to"),
        ("partnership", {"city": "Omsk", "radius": "far"}, "radius 'far' is not a whole number"),
        ("partnership", {"year_from": "2016x"}, "year '2016x' is not a whole number"),
    ],
)
def test_bad_filters_are_one_clear_error(omsk_store, kind, filters, message):
    with pytest.raises(CitykgError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        project(omsk_store, kind, **filters)


def test_an_empty_result_is_an_empty_graph_that_says_why(omsk_store):
    graph = project(omsk_store, "partnership", year_from=2017)
    assert graph.number_of_nodes() == 0
    assert graph.graph["note"] == "No partnership matches the filters (from 2017)."
    lonely = project(omsk_store, "partnership", city="Burgas")  # visited, but no agreement
    assert lonely.number_of_nodes() == 0
    assert lonely.graph["note"] == "Burgas has no links in the partnership network."


def test_every_projection_can_be_written_as_graphml(omsk_store, tmp_path):
    for kind in KINDS:
        graph = project(omsk_store, kind)
        path = tmp_path / f"{kind}.graphml"
        nx.write_graphml(graph, path)
        again = nx.read_graphml(path)
        assert again.number_of_nodes() == graph.number_of_nodes() > 0
        assert again.number_of_edges() == graph.number_of_edges()


def test_details_can_be_left_out_and_large_graphs_cut_down(omsk_store):
    bare = project(omsk_store, "interaction", details=False)
    assert not any("details" in data or "_links" in data for _, _, data in bare.edges(data=True))
    view = project(omsk_store, "interaction", limit=4)
    assert view.number_of_nodes() == 4 and "Omsk" in labels(view)
    assert view.graph["note"].startswith("Showing the 4 best-connected of 13 nodes")
    with pytest.raises(CitykgError, match="expected at least 1"):
        largest_first(bare, 0)
