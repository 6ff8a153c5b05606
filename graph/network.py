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

This module checks the filters and puts a projection together; ``network_links`` builds the links
of each kind, ``network_attributes`` adds what the nodes and links show, and ``network_queries``
runs the queries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import networkx as nx
from pyoxigraph import Literal, NamedNode

from citykg.collector import gc_paused
from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

from .network_attributes import add_attributes, add_details
from .network_links import BUILDERS
from .network_queries import tail

KINDS = ("partnership", "interaction", "city-organisation", "organisation-event", "country")


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
    with gc_paused():
        return _projected(store, kind, spec, details=details, attributes=attributes, limit=limit)


def _projected(store, kind: str, spec: Filters, *, details: bool, attributes: bool, limit: int | None) -> nx.Graph:
    # the IRIs of what each link stands for are kept for the details only
    graph = BUILDERS[kind](store, spec, links=details)
    graph.graph.update(kind=kind, title=TITLES[kind], filters=spec.describe())
    if spec.city:
        graph = _ego(store, graph, spec)
    if attributes or details or spec.countries or kind == "country":
        add_attributes(store, graph)
    else:
        for _, data in graph.nodes(data=True):
            data.pop("_type", None)
    graph = _keep_countries(graph, spec)
    if limit is not None:
        graph = largest_first(graph, limit)
    if details:
        add_details(store, graph)
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


def kind_terms(store, scheme: str, kinds: tuple[str, ...]) -> list:
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
            known = sorted(tail(solution[0].value) for solution in store.query(text))
            what = scheme.replace("-", " ")
            raise CitykgError(f"'{value}' is not an {what}: expected one of {', '.join(known)}"
                              if what[0] in "aeiou" else
                              f"'{value}' is not a {what}: expected one of {', '.join(known)}")
        terms += found
    return terms


def _city_nodes(store, city: str) -> list[str]:
    from citykg.queries.places import find_place

    if city.startswith(("http://", "https://")):
        return [city]
    # one place: namesakes are an error that lists them, as for a query's city parameter
    return [find_place(store, city).value]


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
