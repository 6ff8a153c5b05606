"""Every canned query answers the questions the Omsk 2016 report answers."""

from __future__ import annotations

import pytest

import citykg
from citykg.errors import CitykgError
from citykg.queries import list_queries

REQUIRED_COLUMNS = {
    "partners": ["partner", "partner_country", "relation", "since"],
    "agreements": ["agreement", "type", "date", "parties", "event", "documents", "source"],
    "visits": ["destination", "destination_country", "event", "date"],
    "events": ["event", "type", "date", "place", "participants", "source"],
    "partner-countries": ["country", "cities", "agreements", "events"],
    "sectors": ["sector", "agreements"],
    "organisations": ["organisation", "kind", "city", "agreements"],
    "top-partners": ["city", "country", "partners"],
    "timeline": ["year", "agreements", "events", "visits"],
    "provenance": ["fact", "passage", "quote", "document"],
}


def q(store, name, **params):
    return citykg.query(store, name, **params)


def test_catalogue_has_every_required_query_with_its_columns_first():
    catalogue = {query.name: query for query in list_queries()}
    for name, columns in REQUIRED_COLUMNS.items():
        assert catalogue[name].returns[: len(columns)] == columns, name
        assert catalogue[name].summary, name


@pytest.mark.parametrize("query", list_queries(), ids=lambda query: query.name)
def test_each_query_returns_its_declared_columns(omsk_store, query):
    params = {"city": "Omsk", "subject": "Manzhouli"}
    params = {p.name: params[p.name] for p in query.params if p.required}
    answer = citykg.query(omsk_store, query.name, **params)
    assert answer.columns == query.returns
    assert len(answer) > 0


def test_partners_of_omsk(omsk_store):
    answer = q(omsk_store, "partners", city="Omsk")
    partners = {r["partner"]: r for r in answer.records()}
    assert set(partners) == {"Manzhouli", "Urumqi", "Mogilev", "Petropavl", "Kaifeng"}
    assert "Twinning" in partners["Manzhouli"]["relation"]
    assert "Twinning" in partners["Urumqi"]["relation"]
    assert partners["Mogilev"]["partner_country"] == "Belarus"
    assert partners["Mogilev"]["since"] == 2016
    # five protocols with Manzhouli bodies and entrepreneurs, its twinning, and the grain agreements
    assert partners["Manzhouli"]["agreements"] == 6


def test_city_parameter_takes_russian_names_iris_and_any_case(omsk_store):
    expected = q(omsk_store, "partners", city="Omsk").rows
    assert q(omsk_store, "partners", city="Омск").rows == expected
    assert q(omsk_store, "partners", city="OMSK").rows == expected
    iri = "https://w3id.org/citykg/id/place/geonames-1496153"
    assert q(omsk_store, "partners", city=iri).rows == expected


def test_agreements_of_omsk_count_documents_and_events(omsk_store):
    records = q(omsk_store, "agreements", city="Omsk").records()
    by_title = {r["agreement"]: r for r in records}
    protocols = by_title["Protocols between Omsk and Manzhouli entrepreneurs"]
    assert protocols["documents"] == 12
    assert protocols["event"].startswith("Trade and economic mission of Omsk")
    assert protocols["source"] == "omsk-2016 ¶6"
    kaifeng = next(r for r in records if "Kaifeng" in r["agreement"])
    assert kaifeng["date"] == "2016-11-28"
    # the protocols signed by Omsk entrepreneurs are Omsk agreements too
    assert len(records) == 12


def test_agreements_filters(omsk_store):
    twinnings = q(omsk_store, "agreements", type="twinning").records()
    # GROUP_CONCAT has no order in SPARQL 1.1: compare the parties as sets
    assert sorted(sorted(r["parties"].split("; ")) for r in twinnings) == [["Manzhouli", "Omsk"], ["Omsk", "Urumqi"]]
    assert q(omsk_store, "agreements", type="Twinning").rows == q(omsk_store, "agreements", type="twinning").rows
    assert len(q(omsk_store, "agreements", year=2015)) == 0
    dated_2016 = q(omsk_store, "agreements", year=2016)
    assert len(dated_2016) == 11  # the OmSU-Urumqi partnership agreement has no date


def test_documents_signed_at_each_event(omsk_store):
    records = q(omsk_store, "agreements", city="Omsk").records()
    per_event = {}
    for r in records:
        if r["event"] and r["documents"]:
            per_event[r["event"]] = per_event.get(r["event"], 0) + r["documents"]
    manzhouli_mission = next(e for e in per_event if e.startswith("Trade and economic mission of Omsk") and "Manzhouli" in e)
    assert per_event[manzhouli_mission] == 15  # 12 + 2 + 1 protocols
    petropavl_mission = next(e for e in per_event if "Petropavl" in e)
    assert per_event[petropavl_mission] == 4


def test_visits_of_omsk_delegations(omsk_store):
    records = q(omsk_store, "visits", city="Omsk").records()
    destinations = {r["destination"] for r in records}
    assert destinations == {
        "Manzhouli", "Burgas", "Mogilev", "Pavlodar", "Petropavl", "Urumqi", "Minsk", "Jinju",
        "Kaifeng", "Novosibirsk", "Simferopol", "Ulan-Ude",
    }
    # the source counts Simferopol among Russian cities: the query shows the source's claim
    assert {r["destination_country"] for r in records if r["destination"] == "Simferopol"} == {"Russia"}


def test_events_exclude_plans(omsk_store):
    events = q(omsk_store, "events").records()
    assert all(not (r["date"] or "").startswith("2017") for r in events)
    plans = q(omsk_store, "plans").records()
    assert {r["place"] for r in plans if r["date"] == "2017"} >= {"China", "Germany", "Kazakhstan"}
    assert not {r["event"] for r in events} & {r["plan"] for r in plans}


def test_events_show_participants_and_counts(omsk_store):
    events = {r["event"]: r for r in q(omsk_store, "events", city="Omsk").records()}
    city_day = events["Omsk City Day 2016"]
    assert city_day["delegations"] == 36
    missions = events["Trade and economic missions of 2016"]
    assert "more than 100" in missions["participants"]
    forums = q(omsk_store, "events", type="forum").records()
    assert [r["place"] for r in forums] == ["Urumqi"]


def test_partner_countries_of_omsk(omsk_store):
    rows = {r["country"]: r for r in q(omsk_store, "partner-countries", city="Omsk").records()}
    assert rows["China"]["cities"] == 3  # Manzhouli, Urumqi, Kaifeng
    assert rows["China"]["agreements"] == 9
    assert rows["Belarus"]["cities"] == 2  # Mogilev, Minsk
    assert {"Kazakhstan", "Russia", "Bulgaria", "South Korea"} <= set(rows)


def test_sectors(omsk_store):
    rows = {r["sector"]: r["agreements"] for r in q(omsk_store, "sectors", city="Omsk").records()}
    assert rows["Grain"] == 2
    assert {"Wood processing", "Pharmaceuticals", "Folk crafts", "Transport and logistics"} <= set(rows)
    assert q(omsk_store, "sectors", city="Omsk", year=2015).rows == []


def test_organisations_of_omsk(omsk_store):
    rows = {r["organisation"]: r for r in q(omsk_store, "organisations", city="Omsk").records()}
    assert rows["Omsk Chamber of Commerce and Industry"]["agreements"] == 2
    assert rows["Omsk Chamber of Commerce and Industry"]["kind"] == "Chamber of commerce"
    assert all(r["city"] == "Omsk" for r in rows.values())


def test_top_partners_and_limit(omsk_store):
    rows = q(omsk_store, "top-partners").records()
    assert rows[0] == {"city": "Omsk", "country": "Russia", "partners": 5,
                       "city_iri": "https://w3id.org/citykg/id/place/geonames-1496153"}
    assert len(q(omsk_store, "top-partners", limit=2)) == 2


def test_timeline_of_omsk(omsk_store):
    assert q(omsk_store, "timeline", city="Omsk").records() == [
        {"year": 2016, "agreements": 11, "events": 27, "visits": 17}
    ]


def test_provenance_quotes_the_passage(omsk_store):
    rows = q(omsk_store, "provenance", subject="Маньчжурия").records()
    twinning = next(r for r in rows if r["fact"].startswith("Agreement on establishing twin-city relations between Omsk and Manzhouli"))
    assert twinning["passage"] == "omsk-2016 ¶23"
    assert "побратимских связей между городом Омском" in twinning["quote"]
    assert twinning["document"].startswith("Omsk: international activity")


def test_parameters_with_quotes_and_braces_stay_values(omsk_store):
    for hostile in ['Omsk" } } SELECT * WHERE { ?s ?p ?o } #', "Omsk' . ?x ?y ?z", "<http://x> }"]:
        with pytest.raises(CitykgError, match="no (place|resource) named|not a valid IRI"):
            q(omsk_store, "partners", city=hostile)
    # and a string parameter is matched literally
    answer = citykg.query(omsk_store, 'SELECT ?x WHERE { BIND(?_v AS ?x) }', v='a"} ?s ?p ?o {')
    assert answer.column("x") == ['a"} ?s ?p ?o {']


def test_parameter_errors(omsk_store):
    with pytest.raises(CitykgError, match="parameter 'city' is required"):
        q(omsk_store, "partners")
    with pytest.raises(CitykgError, match="unknown parameter town"):
        q(omsk_store, "partners", town="Omsk")
    with pytest.raises(CitykgError, match="'twenty' is not a whole number"):
        q(omsk_store, "agreements", year="twenty")
    with pytest.raises(CitykgError, match="'marriage' is not a agreement-kind: expected one of agreement, contract"):
        q(omsk_store, "agreements", type="marriage")
    with pytest.raises(CitykgError, match="no query named 'partnerz'"):
        q(omsk_store, "partnerz")


def test_ad_hoc_select_ask_and_construct(omsk_store):
    ask = citykg.query(omsk_store, "ASK { ?c ckg:twinnedWith ?d }")
    assert ask.boolean is True
    graph = citykg.query(omsk_store, "CONSTRUCT { ?a ckg:twinnedWith ?b } WHERE { ?a ckg:twinnedWith ?b }")
    assert len(graph.triples) == 4  # two twinnings, both directions


def test_header_continuation_lines_extend_the_summary():
    from citykg.queries import load_query

    summary = load_query("partners").summary
    assert "since is empty when no agreement with the partner is dated." in summary
    assert "organisation based in it, signed" in summary
