"""Who is linked to whom: the links of each kind of network, from one query of ``queries/network/``.

Each builder reads who signed which agreement or met at which event, pairs up the places of each,
and adds the pairs up into a networkx graph. It returns the links only: nodes that are not places
are marked with what they are (``_type``: organisation, event or country) and edges carry the IRIs
of what links them (``_links``). Names, coordinates and readable details are added by
``network_attributes`` once the graph has been narrowed to what will be kept.

Nodes and links come in the order the query's rows name them, and community detection and sampled
betweenness depend on that order: the queries keep it stable (see ``partnership.rq``).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx
from pyoxigraph import Literal

from citykg.ontology import namespace as ns

from .network_attributes import add_attributes
from .network_queries import XSD_INTEGER, rows, table

BASED_IN = "based-in"


class Links:
    """Pairs of nodes and what links them, added up before they become a graph."""

    def __init__(self):
        # (a, b) with a < b -> (IRIs of the links, {relation: IRIs of its links}, years)
        self.pairs: dict[tuple[str, str], tuple[set, dict, set]] = {}

    def add(self, a: str, b: str, link: str, relation: str, year: int | None) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        entry = self.pairs.get(key)
        if entry is None:
            entry = self.pairs[key] = (set(), {}, set())
        links, relations, years = entry
        links.add(link)
        relations.setdefault(relation, set()).add(link)
        if year is not None:
            years.add(year)

    def graph(self, types: dict[str, str] | None = None, *, links: bool = True, counts: bool = False) -> nx.Graph:
        """The graph of the pairs. Each edge has ``_links`` unless ``links`` is false, and
        ``_counts`` (links by relation) with ``counts``."""
        edges = []
        for (a, b), (members, relations, years) in self.pairs.items():
            attributes = {"weight": len(members), "relation": "; ".join(sorted(relations))}
            if years:
                attributes["first_year"] = min(years)
                attributes["last_year"] = max(years)
            if links:
                attributes["_links"] = sorted(members)
            if counts:
                attributes["_counts"] = {relation: len(found) for relation, found in relations.items()}
            edges.append((a, b, attributes))
        graph = nx.Graph()
        graph.add_edges_from(edges)
        for node, kind in (types or {}).items():
            if node in graph:
                graph.nodes[node]["_type"] = kind
        return graph


def year_values(store, spec, scheme: str | None) -> dict[str, list]:
    """VALUES for a query's year range and kinds (``?_from``, ``?_to``, ``?_kind``)."""
    from .network import kind_terms

    values: dict[str, list] = {}
    if spec.year_from is not None:
        values["_from"] = [Literal(str(spec.year_from), datatype=XSD_INTEGER)]
    if spec.year_to is not None:
        values["_to"] = [Literal(str(spec.year_to), datatype=XSD_INTEGER)]
    if spec.kinds:
        values["_kind"] = kind_terms(store, scheme, spec.kinds)
    return values


def partnership(store, spec, *, links: bool = True) -> nx.Graph:
    places_of: dict[str, set[str]] = defaultdict(set)
    year_of: dict[str, int | None] = {}
    _, found = table(store, "partnership", year_values(store, spec, "agreement-kind"))
    for agreement, place, year in found:
        places_of[agreement].add(place)
        year_of[agreement] = year
    # every pair has one relation, and an agreement adds a pair once: a list of agreements and a
    # set of years per pair is all there is to add up (Links does the same for any network, slower)
    pairs: dict[tuple[str, str], tuple[list, set]] = {}
    # a district and its city are never partners (the partners query and top-partners agree)
    _, parts = table(store, "parts")
    part_of = {tuple(sorted(pair)) for pair in parts}
    for agreement, places in places_of.items():
        if len(places) < 2:
            continue
        year = year_of[agreement]
        for pair in combinations(sorted(places), 2):
            if pair in part_of:
                continue
            entry = pairs.get(pair)
            if entry is None:
                entry = pairs[pair] = ([], set())
            entry[0].append(agreement)
            if year is not None:
                entry[1].add(year)
    edges = []
    for (a, b), (agreements, years) in pairs.items():
        attributes = {"weight": len(agreements), "relation": "agreement"}
        if years:
            attributes["first_year"] = min(years)
            attributes["last_year"] = max(years)
        if links:
            attributes["_links"] = sorted(agreements)
        attributes["agreements"] = len(agreements)
        edges.append((a, b, attributes))
    graph = nx.Graph()
    graph.add_edges_from(edges)
    return graph


def interaction(store, spec, *, links: bool = True) -> nx.Graph:
    hosts: dict[str, set[str]] = defaultdict(set)
    guests: dict[str, set[str]] = defaultdict(set)
    year_of: dict[str, int | None] = {}
    _, found = table(store, "interaction", year_values(store, spec, "event-kind"))
    for event, place, role, year in found:
        (hosts if role == "host" else guests)[event].add(place)
        year_of[event] = year
    pairs = Links()
    for event in year_of:
        # sorted: the order of a set of names changes from one Python process to the next, and
        # the order links are added in is the order of the network's nodes
        host, guest = sorted(hosts[event]), sorted(guests[event] - hosts[event])
        for g in guest:
            for h in host:
                pairs.add(g, h, event, "visit", year_of[event])
        for a, b in combinations(guest, 2):
            pairs.add(a, b, event, "event in common", year_of[event])
    graph = pairs.graph(links=links, counts=True)
    for _, _, data in graph.edges(data=True):
        counts = data.pop("_counts")
        data["events"] = data["weight"]
        data["visits"] = counts.get("visit", 0)
        data["common_events"] = counts.get("event in common", 0)
    return graph


def city_organisation(store, spec, *, links: bool = True) -> nx.Graph:
    found = rows(store, "city-organisation", year_values(store, spec, "organisation-kind"))
    if spec.year_from is not None or spec.year_to is not None:
        # an organisation's base has no date: keep it for organisations active in the range only
        active = {row["organisation"] for row in found if row["relation"] != BASED_IN}
        found = [row for row in found if row["organisation"] in active]
    pairs = Links()
    for row in found:
        pairs.add(row["organisation"], row["place"], row["link"] or BASED_IN, row["relation"], row["year"])
    return pairs.graph({row["organisation"]: "organisation" for row in found}, links=links)


def organisation_event(store, spec, *, links: bool = True) -> nx.Graph:
    found = rows(store, "organisation-event", year_values(store, spec, "event-kind"))
    pairs = Links()
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in found:
        pairs.add(row["organisation"], row["event"], row["link"], row["relation"], row["year"])
        if row["role"]:
            roles[(row["organisation"], row["event"])].add(row["role"])
    types = {row["organisation"]: "organisation" for row in found}
    types.update({row["event"]: "event" for row in found})
    graph = pairs.graph(types, links=links)
    for (organisation, event), names in roles.items():
        graph.edges[organisation, event]["role"] = "; ".join(sorted(names))
    return graph


def country(store, spec, *, links: bool = True) -> nx.Graph:
    from citykg.loaders.gazetteer import country_by_code

    cities = partnership(store, spec) if spec.base == "partnership" else interaction(store, spec)
    add_attributes(store, cities)
    graph = nx.Graph()
    members: dict[str, list[str]] = defaultdict(list)
    for node, data in cities.nodes(data=True):
        if data.get("country"):
            members[data["country"]].append(node)
    domestic: dict[str, int] = defaultdict(int)
    pairs: dict[tuple[str, str], dict] = {}
    for a, b, data in cities.edges(data=True):
        ca, cb = cities.nodes[a].get("country"), cities.nodes[b].get("country")
        if not ca or not cb:
            continue
        if ca == cb:
            domestic[ca] += 1
            continue
        key = (ns.country(ca), ns.country(cb)) if ca < cb else (ns.country(cb), ns.country(ca))
        entry = pairs.setdefault(key, {"pairs": 0, "links": set(), "years": set()})
        entry["pairs"] += 1
        entry["links"].update(data["_links"])
        entry["years"].update(y for y in (data.get("first_year"), data.get("last_year")) if y is not None)
    count = "agreements" if spec.base == "partnership" else "events"
    for (a, b), entry in pairs.items():
        attributes = {"weight": entry["pairs"], "pairs": entry["pairs"], count: len(entry["links"]),
                      "relation": spec.base}
        if links:
            attributes["_links"] = sorted(entry["links"])
        if entry["years"]:
            attributes["first_year"] = min(entry["years"])
            attributes["last_year"] = max(entry["years"])
        graph.add_edge(a, b, **attributes)
    for code, nodes in members.items():
        node = ns.country(code)
        if node not in graph:
            continue  # a country whose cities only partner each other has no link to draw
        found = country_by_code(code)
        located = [cities.nodes[n] for n in nodes if "lat" in cities.nodes[n]]
        attributes = {
            "_type": "country",
            "label": found.name_en if found else code,
            "kind": "country",
            "country": code,
            "country_label": found.name_en if found else code,
            "cities": len(nodes),
            "domestic_pairs": domestic.get(code, 0),
        }
        if found:
            attributes["label_ru"] = found.name_ru
        if located:
            # a country's point on the map is the mean position of its cities in the network
            attributes["lat"] = sum(d["lat"] for d in located) / len(located)
            attributes["lon"] = sum(d["lon"] for d in located) / len(located)
        graph.add_node(node, **attributes)
    return graph


BUILDERS = {
    "partnership": partnership,
    "interaction": interaction,
    "city-organisation": city_organisation,
    "organisation-event": organisation_event,
    "country": country,
}
