"""Partner networks: the graph store projected into networkx graphs for analysis and drawing.

``project(store, kind, **filters)`` runs one SPARQL query of ``queries/network/`` for the links (who
signed which agreement, who met at which event) and a few for what the nodes and links are; Python
only pairs up the places of each agreement or event and adds up the pairs. The kinds:

``partnership``
    cities (and regions) linked by the agreements they, or organisations based in them, signed.
``interaction``
    cities linked by events that took place: a delegation's visit to the host city, or an event
    both sent participants to. Planned events never count.
``city-organisation``, ``organisation-event``
    bipartite networks: organisations and the cities they are based in or work with; organisations
    and the events they took part in or signed agreements during.
``country``
    the partnership (or, with ``base="interaction"``, the interaction) network added up by country.

Node ids are IRIs. Every attribute is a str, int or float (never None, never a list: several values
are joined with ``"; "``) so that GraphML, GEXF and CSV writers take a projection as it is.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import combinations

import networkx as nx
from pyoxigraph import Literal, NamedNode

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

KINDS = ("partnership", "interaction", "city-organisation", "organisation-event", "country")
# Above this many nodes, attribute queries fetch every place rather than list the ones wanted:
# Oxigraph answers a long VALUES list more slowly than a scan of the whole store (measured on the
# Wikipedia list: 2,000 places listed took longer than all 17,000).
VALUES_LIMIT = 500
DETAIL_LINES = 12
QUOTE_CHARS = 240
XSD_INTEGER = NamedNode(ns.XSD + "integer")


@dataclass(frozen=True)
class Filters:
    """What to keep: a year range, kinds (of agreement, event or organisation), countries (a link
    is kept when either end is in one of them) and the ego network of a city within a radius."""

    year_from: int | None = None
    year_to: int | None = None
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    city: str | None = None
    radius: int = 1
    base: str = "partnership"

    def describe(self) -> str:
        parts = []
        if self.year_from is not None and self.year_to is not None:
            parts.append(str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}–{self.year_to}")
        elif self.year_from is not None:
            parts.append(f"from {self.year_from}")
        elif self.year_to is not None:
            parts.append(f"until {self.year_to}")
        if self.kinds:
            parts.append(", ".join(self.kinds))
        if self.countries:
            parts.append("involving " + ", ".join(self.countries))
        if self.city:
            parts.append(f"around {self.city}" + (f" (radius {self.radius})" if self.radius != 1 else ""))
        return "; ".join(parts)


TITLES = {
    "partnership": "Partnerships between cities",
    "interaction": "Visits and events in common",
    "city-organisation": "Cities and organisations",
    "organisation-event": "Organisations and events",
    "country": "Partnerships between countries",
}
NOTHING = {
    "partnership": "No partnership matches the filters",
    "interaction": "No visit or event in common matches the filters",
    "city-organisation": "No organisation matches the filters",
    "organisation-event": "No organisation took part in an event that matches the filters",
    "country": "No link between countries matches the filters",
}


def project(store, kind: str = "partnership", *, details: bool = True, attributes: bool = True,
            limit: int | None = None, **filters) -> nx.Graph:
    """The ``kind`` network of the store (a :class:`GraphStore`, a :class:`RemoteStore` or the URL
    of a SPARQL endpoint), filtered by ``year_from``, ``year_to``, ``kinds``, ``countries``, ``city`` and
    ``radius`` (see :class:`Filters`); ``base`` picks what the country network adds up.

    With ``details`` (the default) each link also gets its kinds, document count, sources and a
    readable line per agreement or event with the passage quoted; metrics do not need them, and
    leaving them out halves the time on large graphs. ``attributes=False`` leaves out the node
    attributes too (names, countries, coordinates) unless a country filter needs them: the bare
    structure, for global metrics. ``limit`` keeps only that many of the
    best-connected nodes (a view of a large graph; ``graph["note"]`` says what was left out).

    An empty result is an empty graph whose ``graph["note"]`` says why; a filter that names
    something unknown (a city, a kind, a country) raises :class:`CitykgError`.

    >>> import citykg
    >>> g = project(citykg.build(store=":memory:"), "partnership", kinds=["twinning"])
    >>> sorted(g.nodes[n]["label"] for n in g)
    ['Manzhouli', 'Omsk', 'Urumqi']
    """
    if isinstance(store, str):
        from .remote import RemoteStore

        store = RemoteStore(store)
    if kind not in KINDS:
        raise CitykgError(f"unknown network kind '{kind}': expected one of {', '.join(KINDS)}")
    known = Filters.__dataclass_fields__
    unknown = [name for name in filters if name not in known]
    if unknown:
        raise CitykgError(f"unknown network filter '{unknown[0]}': expected one of {', '.join(known)}")
    spec = Filters(**{k: v for k, v in filters.items() if v is not None})
    spec = _checked(spec, kind)
    builder = {
        "partnership": _partnership,
        "interaction": _interaction,
        "city-organisation": _city_organisation,
        "organisation-event": _organisation_event,
        "country": _country,
    }[kind]
    graph = builder(store, spec)
    graph.graph.update(kind=kind, title=TITLES[kind], filters=spec.describe())
    if spec.city:
        graph = _ego(store, graph, spec)
    if attributes or details or spec.countries or kind == "country":
        _add_attributes(store, graph)
    else:
        for _, data in graph.nodes(data=True):
            data.pop("_type", None)
    graph = _keep_countries(graph, spec)
    if limit is not None:
        graph = largest_first(graph, limit)
    if details:
        _add_details(store, graph)
    else:
        for _, _, data in graph.edges(data=True):
            data.pop("_links", None)
    if graph.number_of_nodes() == 0 and not graph.graph.get("note"):
        described = spec.describe()
        graph.graph["note"] = NOTHING[kind] + (f" ({described})" if described else "") + "."
    return graph


# -- checking the filters ------------------------------------------------------------------------


def _checked(spec: Filters, kind: str) -> Filters:
    for name in ("year_from", "year_to"):
        value = getattr(spec, name)
        if value is not None and not isinstance(value, int):
            try:
                spec = replace(spec, **{name: int(str(value).strip())})
            except ValueError:
                raise CitykgError(f"year '{value}' is not a whole number") from None
    if spec.year_from is not None and spec.year_to is not None and spec.year_from > spec.year_to:
        raise CitykgError(
            f"the year range {spec.year_from}–{spec.year_to} starts after it ends: expected a start year no later than the end year"
        )
    if isinstance(spec.kinds, str) or isinstance(spec.countries, str):
        raise CitykgError("kinds and countries are lists of names, not a single string")
    try:
        spec = replace(spec, radius=int(spec.radius))
    except (TypeError, ValueError):
        raise CitykgError(f"radius '{spec.radius}' is not a whole number") from None
    if spec.radius < 0:
        raise CitykgError(f"radius {spec.radius}: expected 0 or more steps from the city")
    if spec.base not in ("partnership", "interaction"):
        raise CitykgError(f"the country network adds up 'partnership' or 'interaction', not '{spec.base}'")
    if spec.city and kind in ("organisation-event", "country"):
        raise CitykgError(
            f"a city filter needs a network with city nodes (partnership, interaction, city-organisation), not {kind}"
            + (": use a country filter" if kind == "country" else "")
        )
    countries = tuple(_country_code(c) for c in spec.countries)
    return replace(spec, kinds=tuple(spec.kinds), countries=countries)


def _country_code(value: str) -> str:
    from citykg.loaders.gazetteer import resolve_country

    country = resolve_country(str(value))
    if country is None:
        raise CitykgError(f"no country '{value}': expected an ISO 3166 code (CN) or a country name (China, Китай)")
    return country.code


def _kind_terms(store, scheme: str, kinds: tuple[str, ...]) -> list:
    """The concepts of ``scheme`` named by ``kinds`` (ids such as ``twinning``, or labels)."""
    from citykg.queries import load_query
    from citykg.queries.run import with_values

    scheme_iri = NamedNode(ns.CONCEPT + scheme)
    by_name = load_query("concept-by-name", "system").text
    terms = []
    for value in kinds:
        text = with_values(by_name, {"_name": [Literal(str(value))], "_scheme": [scheme_iri]})
        found = [solution[0] for solution in store.query(text)]
        if not found:
            text = with_values(load_query("concepts-in-scheme", "system").text, {"_scheme": [scheme_iri]})
            known = sorted(_tail(solution[0].value) for solution in store.query(text))
            what = scheme.replace("-", " ")
            raise CitykgError(f"'{value}' is not an {what}: expected one of {', '.join(known)}"
                              if what[0] in "aeiou" else
                              f"'{value}' is not a {what}: expected one of {', '.join(known)}")
        terms += found
    return terms


def _city_nodes(store, city: str) -> list[str]:
    from citykg.queries.run import places_named

    if city.startswith(("http://", "https://")):
        return [city]
    found = [place.value for place in places_named(store, city)]
    if not found:
        names = [row["label"] for row in _rows(store, "place-names")]
        close = difflib.get_close_matches(city, names, n=3, cutoff=0.75)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise CitykgError(f"no place named '{city}' in the store{hint}")
    return found


# -- running the queries ---------------------------------------------------------------------------


def _rows(store, name: str, values: dict[str, list] | None = None) -> list[dict]:
    """The rows of a ``queries/network`` query as dicts of plain values (str, int, float, None)."""
    from citykg.queries import load_query
    from citykg.queries.run import with_values

    text = load_query(name, "network").text
    if values:
        text = with_values(text, values)
    try:
        result = store.query(text)
    except SyntaxError as exc:
        raise CitykgError(f"network query {name} is not valid SPARQL: {exc}") from None
    columns = [v.value for v in result.variables]
    return [dict(zip(columns, (_plain(t) for t in solution))) for solution in result]


def _plain(term):
    if term is None:
        return None
    if type(term) is NamedNode:
        return term.value
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger", "#positiveInteger", "#gYear")):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
    return term.value


def _year_values(store, spec: Filters, scheme: str | None) -> dict[str, list]:
    values: dict[str, list] = {}
    if spec.year_from is not None:
        values["_from"] = [Literal(str(spec.year_from), datatype=XSD_INTEGER)]
    if spec.year_to is not None:
        values["_to"] = [Literal(str(spec.year_to), datatype=XSD_INTEGER)]
    if spec.kinds:
        values["_kind"] = _kind_terms(store, scheme, spec.kinds)
    return values


def _narrowed(store, name: str, var: str, wanted) -> list[dict]:
    """Rows of an attribute query for the ``wanted`` IRIs only (all rows when there are many)."""
    wanted = set(wanted)
    if not wanted:
        return []
    if len(wanted) <= VALUES_LIMIT:
        return _rows(store, name, {var: [NamedNode(iri) for iri in sorted(wanted)]})
    return [row for row in _rows(store, name) if row[var] in wanted]


# -- the projections -------------------------------------------------------------------------------
#
# Each builder returns the links only: node ids marked with what they are (``_type``: place,
# organisation or event) and edges carrying the IRIs of what links them (``_links``). Attributes
# and readable details are added once the graph has been narrowed to what will be kept.

BASED_IN = "based-in"


class _Links:
    """Pairs of nodes and what links them, added up before they become a graph."""

    def __init__(self):
        self.pairs: dict[tuple[str, str], dict] = {}

    def add(self, a: str, b: str, link: str, relation: str, year: int | None) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        entry = self.pairs.get(key)
        if entry is None:
            entry = self.pairs[key] = {"links": set(), "relations": defaultdict(set), "years": set()}
        entry["links"].add(link)
        entry["relations"][relation].add(link)
        if year is not None:
            entry["years"].add(year)

    def graph(self, types: dict[str, str] | None = None, default_type: str = "place") -> nx.Graph:
        graph = nx.Graph()
        for (a, b), entry in self.pairs.items():
            attributes = {"weight": len(entry["links"]), "relation": "; ".join(sorted(entry["relations"]))}
            if entry["years"]:
                attributes["first_year"] = min(entry["years"])
                attributes["last_year"] = max(entry["years"])
            attributes["_links"] = sorted(entry["links"])
            attributes["_counts"] = {r: len(links) for r, links in entry["relations"].items()}
            graph.add_edge(a, b, **attributes)
        for node in graph:
            graph.nodes[node]["_type"] = (types or {}).get(node, default_type)
        return graph


def _partnership(store, spec: Filters) -> nx.Graph:
    places_of: dict[str, set[str]] = defaultdict(set)
    year_of: dict[str, int | None] = {}
    for row in _rows(store, "partnership", _year_values(store, spec, "agreement-kind")):
        places_of[row["agreement"]].add(row["place"])
        year_of[row["agreement"]] = row["year"]
    links = _Links()
    for agreement, places in places_of.items():
        for a, b in combinations(sorted(places), 2):
            links.add(a, b, agreement, "agreement", year_of[agreement])
    graph = links.graph()
    for _, _, data in graph.edges(data=True):
        del data["_counts"]
        data["agreements"] = data["weight"]
    return graph


def _interaction(store, spec: Filters) -> nx.Graph:
    hosts: dict[str, set[str]] = defaultdict(set)
    guests: dict[str, set[str]] = defaultdict(set)
    year_of: dict[str, int | None] = {}
    for row in _rows(store, "interaction", _year_values(store, spec, "event-kind")):
        (hosts if row["role"] == "host" else guests)[row["event"]].add(row["place"])
        year_of[row["event"]] = row["year"]
    links = _Links()
    for event in year_of:
        host, guest = hosts[event], guests[event] - hosts[event]
        for g in guest:
            for h in host:
                links.add(g, h, event, "visit", year_of[event])
        for a, b in combinations(sorted(guest), 2):
            links.add(a, b, event, "event in common", year_of[event])
    graph = links.graph()
    for _, _, data in graph.edges(data=True):
        counts = data.pop("_counts")
        data["events"] = data["weight"]
        data["visits"] = counts.get("visit", 0)
        data["common_events"] = counts.get("event in common", 0)
    return graph


def _city_organisation(store, spec: Filters) -> nx.Graph:
    rows = _rows(store, "city-organisation", _year_values(store, spec, "organisation-kind"))
    if spec.year_from is not None or spec.year_to is not None:
        # an organisation's base has no date: keep it for organisations active in the range only
        active = {row["organisation"] for row in rows if row["relation"] != BASED_IN}
        rows = [row for row in rows if row["organisation"] in active]
    links = _Links()
    for row in rows:
        links.add(row["organisation"], row["place"], row["link"] or BASED_IN, row["relation"], row["year"])
    graph = links.graph({row["organisation"]: "organisation" for row in rows})
    for _, _, data in graph.edges(data=True):
        del data["_counts"]
    return graph


def _organisation_event(store, spec: Filters) -> nx.Graph:
    rows = _rows(store, "organisation-event", _year_values(store, spec, "event-kind"))
    links = _Links()
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        links.add(row["organisation"], row["event"], row["link"], row["relation"], row["year"])
        if row["role"]:
            roles[(row["organisation"], row["event"])].add(row["role"])
    types = {row["organisation"]: "organisation" for row in rows}
    types.update({row["event"]: "event" for row in rows})
    graph = links.graph(types)
    for _, _, data in graph.edges(data=True):
        del data["_counts"]
    for (organisation, event), names in roles.items():
        graph.edges[organisation, event]["role"] = "; ".join(sorted(names))
    return graph


def _country(store, spec: Filters) -> nx.Graph:
    from citykg.loaders.gazetteer import country_by_code

    cities = _partnership(store, spec) if spec.base == "partnership" else _interaction(store, spec)
    _add_attributes(store, cities)
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
                      "relation": spec.base, "_links": sorted(entry["links"])}
        if entry["years"]:
            attributes["first_year"] = min(entry["years"])
            attributes["last_year"] = max(entry["years"])
        graph.add_edge(a, b, **attributes)
    for code, nodes in members.items():
        node = ns.country(code)
        if node not in graph:
            continue  # a country whose cities only partner each other has no link to draw
        country = country_by_code(code)
        located = [cities.nodes[n] for n in nodes if "lat" in cities.nodes[n]]
        attributes = {
            "_type": "country",
            "label": country.name_en if country else code,
            "kind": "country",
            "country": code,
            "country_label": country.name_en if country else code,
            "cities": len(nodes),
            "domestic_pairs": domestic.get(code, 0),
        }
        if country:
            attributes["label_ru"] = country.name_ru
        if located:
            # a country's point on the map is the mean position of its cities in the network
            attributes["lat"] = sum(d["lat"] for d in located) / len(located)
            attributes["lon"] = sum(d["lon"] for d in located) / len(located)
        graph.add_node(node, **attributes)
    return graph


# -- node attributes -----------------------------------------------------------------------------


CLASS_KIND = {ns.CKG + "City": "city", ns.CKG + "Region": "region", ns.CKG + "Country": "country"}
KIND_RANK = {"city": 0, "region": 1, "country": 2, "place": 3}


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _first(current, value):
    """Several sources may name a place: keep the same choice whatever order rows come in."""
    if value is None:
        return current
    return value if current is None or str(value) < str(current) else current


def _add_attributes(store, graph: nx.Graph) -> None:
    """Names, kinds, countries and coordinates for the nodes, by what each node is."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        by_type[data.pop("_type", "place")].append(node)
    _add_place_attributes(store, graph, by_type["place"])
    _add_organisation_attributes(store, graph, by_type["organisation"])
    _add_event_attributes(store, graph, by_type["event"])


def _add_place_attributes(store, graph: nx.Graph, nodes) -> None:
    from citykg.loaders.gazetteer import country_by_code

    found: dict[str, dict] = {}
    for row in _narrowed(store, "places", "place", nodes):
        entry = found.setdefault(row["place"], {"kind": "place"})
        kind = CLASS_KIND.get(row["class"] or "", "place")
        if KIND_RANK[kind] < KIND_RANK[entry["kind"]]:
            entry["kind"] = kind
        for column in ("label", "label_ru", "country", "gazetteer_country", "population"):
            entry[column] = _first(entry.get(column), row[column])
        if row["lat"] is not None and "lat" not in entry:
            entry["lat"], entry["lon"] = float(row["lat"]), float(row["long"])
    for node in list(nodes):
        entry = found.get(node, {"kind": "place"})
        label = entry.get("label") or entry.get("label_ru") or _tail(node)
        attributes = {"label": label, "kind": entry["kind"]}
        if entry.get("label_ru"):
            attributes["label_ru"] = entry["label_ru"]
        stated, gazetteer = entry.get("country"), entry.get("gazetteer_country")
        code = _tail(stated or gazetteer) if (stated or gazetteer) else None
        if code:
            attributes["country"] = code
            country = country_by_code(code)
            attributes["country_label"] = country.name_en if country else code
            if gazetteer and stated and _tail(gazetteer) != code:
                attributes["gazetteer_country"] = _tail(gazetteer)
        for column in ("lat", "lon", "population"):
            if entry.get(column) is not None:
                attributes[column] = entry[column]
        graph.add_node(node, **attributes)


def _add_organisation_attributes(store, graph: nx.Graph, organisations) -> None:
    found: dict[str, dict] = {}
    for row in _narrowed(store, "organisations", "organisation", organisations):
        entry = found.setdefault(row["organisation"], {"kinds": set()})
        for column in ("label", "label_ru", "place"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"]:
            entry["kinds"].add(_tail(row["kind"]))
    places = nx.Graph()
    _add_place_attributes(store, places, {e["place"] for e in found.values() if e.get("place")})
    for node in organisations:
        entry = found.get(node, {"kinds": set()})
        attributes = {"label": entry.get("label") or entry.get("label_ru") or _tail(node), "kind": "organisation"}
        if entry.get("label_ru"):
            attributes["label_ru"] = entry["label_ru"]
        if entry["kinds"]:
            attributes["organisation_kind"] = "; ".join(sorted(entry["kinds"]))
        place = entry.get("place")
        if place and place in places:
            attributes["place"] = places.nodes[place]["label"]
            for column in ("country", "country_label", "lat", "lon"):
                if column in places.nodes[place]:
                    attributes[column] = places.nodes[place][column]
        graph.add_node(node, **attributes)


def _add_event_attributes(store, graph: nx.Graph, events) -> None:
    details = _event_details(store, events)
    places = nx.Graph()
    _add_place_attributes(store, places, {d["host"] for d in details.values() if d.get("host")})
    for node in events:
        entry = details.get(node, {})
        attributes = {"label": entry.get("title") or entry.get("title_ru") or _tail(node), "kind": "event"}
        if entry.get("title_ru"):
            attributes["label_ru"] = entry["title_ru"]
        if entry.get("kinds"):
            attributes["event_kind"] = "; ".join(entry["kinds"])
        for column in ("date", "year"):
            if entry.get(column) is not None:
                attributes[column] = entry[column]
        host = entry.get("host")
        if host and host in places:
            attributes["place"] = places.nodes[host]["label"]
            for column in ("country", "country_label", "lat", "lon"):
                if column in places.nodes[host]:
                    attributes[column] = places.nodes[host][column]
        graph.add_node(node, **attributes)


# -- filters applied to the projected graph ------------------------------------------------------


def _keep_countries(graph: nx.Graph, spec: Filters) -> nx.Graph:
    if not spec.countries:
        return graph
    wanted = set(spec.countries)
    kept = [(a, b) for a, b in graph.edges if graph.nodes[a].get("country") in wanted or graph.nodes[b].get("country") in wanted]
    result = graph.edge_subgraph(kept).copy()
    result.graph.update(graph.graph)
    return result


def _ego(store, graph: nx.Graph, spec: Filters) -> nx.Graph:
    centres = _city_nodes(store, spec.city)
    present = [c for c in centres if c in graph]
    if not present:
        result = nx.Graph(**graph.graph)
        others = replace(spec, city=None).describe()
        result.graph["note"] = f"{spec.city} has no links in the {graph.graph['kind']} network" + (f" ({others})" if others else "") + "."
        return result
    nodes = set()
    for centre in present:
        nodes |= set(nx.ego_graph(graph, centre, radius=spec.radius))
    result = graph.subgraph(nodes).copy()
    result.graph.update(graph.graph)
    result.graph["centre"] = "; ".join(present)
    return result


# -- what each link stands for, for tooltips and reports -------------------------------------------


def _event_details(store, events) -> dict[str, dict]:
    details: dict[str, dict] = {}
    for row in _narrowed(store, "event-details", "event", events):
        entry = details.setdefault(row["event"], {"kinds": [], "sources": set()})
        for column in ("title", "title_ru", "date", "year", "host"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"] and _tail(row["kind"]) not in entry["kinds"]:
            entry["kinds"].append(_tail(row["kind"]))
        if row["source"]:
            entry["sources"].add(row["source"])
        entry["planned"] = row["planned"] in (True, "true", "1")
    for entry in details.values():
        entry["kinds"].sort()
    return details


def _agreement_details(store, agreements) -> dict[str, dict]:
    details: dict[str, dict] = {}
    for row in _narrowed(store, "agreement-details", "agreement", agreements):
        entry = details.setdefault(row["agreement"], {"kinds": [], "sources": set()})
        for column in ("title", "date", "documents"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"] and _tail(row["kind"]) not in entry["kinds"]:
            entry["kinds"].append(_tail(row["kind"]))
        if row["source"]:
            entry["sources"].add(row["source"])
    for entry in details.values():
        entry["kinds"].sort()
    return details


def _passages(store, passages) -> dict[str, dict]:
    return {row["passage"]: row for row in _narrowed(store, "passages", "passage", passages)}


def _add_details(store, graph: nx.Graph) -> None:
    """Turn each edge's links into kinds, documents, sources and readable lines; drop the raw list."""
    links = {link for _, _, data in graph.edges(data=True) for link in data.get("_links", ()) if "://" in link}
    found = _agreement_details(store, links) if links else {}
    found.update(_event_details(store, links - set(found)) if links else {})
    passages = _passages(store, {s for entry in found.values() for s in entry["sources"]})
    for _, _, data in graph.edges(data=True):
        entries = [found[link] for link in data.pop("_links", ()) if link in found]
        kinds = sorted({k for entry in entries for k in entry["kinds"]})
        if kinds:
            data["kinds"] = "; ".join(kinds)
        if "agreements" in data:
            # documents the sources count; an agreement whose count the source does not give adds none
            data["documents"] = sum(entry.get("documents") or 0 for entry in entries)
        sources = sorted({passages[s]["label"] or _tail(s) for entry in entries for s in entry["sources"] if s in passages})
        if sources:
            data["sources"] = "; ".join(sources)
        lines = [_detail_line(entry, passages) for entry in sorted(entries, key=_entry_order)]
        if len(lines) > DETAIL_LINES:
            lines = lines[:DETAIL_LINES] + [f"… and {len(lines) - DETAIL_LINES} more"]
        if lines:
            data["details"] = "\n".join(lines)


def _entry_order(entry: dict):
    return (str(entry.get("date") or "9999"), entry.get("title") or "")


def _detail_line(entry: dict, passages: dict) -> str:
    head = " · ".join(x for x in (entry.get("date") or "undated", ", ".join(entry["kinds"])) if x)
    title = entry.get("title") or entry.get("title_ru") or "untitled"
    count = entry.get("documents")
    if count and count > 1:
        title += f" ({count} documents)"
    line = f"{head}: {title}"
    for source in sorted(entry["sources"]):
        passage = passages.get(source)
        if not passage:
            continue
        quote = (passage.get("quote") or "").strip()
        if len(quote) > QUOTE_CHARS:
            quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
        line += f"\n    [{passage.get('label') or _tail(source)}] {quote}" if quote else f" [{passage.get('label')}]"
    return line


# -- helpers for the other steps ------------------------------------------------------------------


def largest_first(graph: nx.Graph, limit: int) -> nx.Graph:
    """The ``limit`` best-connected nodes and the links among them (a view of a large graph)."""
    if limit < 1:
        raise CitykgError(f"a view of {limit} nodes: expected at least 1")
    if graph.number_of_nodes() <= limit:
        return graph
    ranked = sorted(graph.degree(weight=None), key=lambda item: (-item[1], item[0]))[:limit]
    result = graph.subgraph(node for node, _ in ranked).copy()
    result.graph.update(graph.graph)
    result.graph["total_nodes"] = graph.number_of_nodes()
    result.graph["total_edges"] = graph.number_of_edges()
    note = (
        f"Showing the {result.number_of_nodes():,} best-connected of {graph.number_of_nodes():,} nodes "
        f"({result.number_of_edges():,} of {graph.number_of_edges():,} links); filter by year, kind, "
        "country or city to see the others."
    )
    result.graph["note"] = " ".join(x for x in (graph.graph.get("note"), note) if x)
    return result
