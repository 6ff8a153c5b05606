"""How networks look, the same in pages, maps and figures: colours by country, shapes by what a
node is, line styles by what links two nodes."""

from __future__ import annotations

from collections import Counter

import networkx as nx

# Tableau's ten colours and two more: distinct for the countries with the most nodes; every other
# country shares OTHER, so a legend stays readable on a graph of a hundred countries.
PALETTE = (
    "#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2",
    "#edc948", "#ff9da7", "#9c755f", "#2f4b7c", "#a05195", "#003f5c",
)
OTHER = "#9aa0a6"
NO_COUNTRY = "#c8c8c8"

SHAPES = {"city": "dot", "region": "dot", "place": "dot", "country": "dot", "organisation": "square", "event": "diamond"}
MARKERS = {"dot": "o", "square": "s", "diamond": "D"}

# category: (label, colour, dashes) where dashes is False (solid) or a vis-network dash pattern
EDGE_STYLES = {
    "twinning": ("twinning", "#b2182b", False),
    "cooperation": ("cooperation agreement", "#2166ac", False),
    "agreement": ("other agreement (protocol, contract, …)", "#7a7a7a", [6, 4]),
    "visit": ("visit of a delegation", "#e08214", False),
    "event in common": ("event in common", "#1b9e77", [6, 4]),
    "signed with": ("signed an agreement with a party there", "#2166ac", False),
    "event": ("took part in an event there", "#e08214", [6, 4]),
    "based-in": ("based there", "#9e9e9e", [2, 4]),
    "signed-agreement": ("signed an agreement during it", "#2166ac", [6, 4]),
    "participant": ("took part", "#1b9e77", False),
    "partnership": ("partnerships between their cities", "#2166ac", False),
    "interaction": ("visits and events between their cities", "#e08214", False),
}
EDGE_ORDER = tuple(EDGE_STYLES)


def country_colours(graph: nx.Graph) -> dict[str, str]:
    """A colour for each country of the graph's nodes: the most frequent get their own."""
    counts = Counter(data.get("country") for _, data in graph.nodes(data=True) if data.get("country"))
    ranked = sorted(counts, key=lambda code: (-counts[code], code))
    return {code: PALETTE[i] if i < len(PALETTE) else OTHER for i, code in enumerate(ranked)}


def node_colour(data: dict, colours: dict[str, str]) -> str:
    return colours.get(data.get("country"), NO_COUNTRY)


def edge_category(data: dict, kind: str = "partnership") -> str:
    """What a link is drawn as: its agreement kind in a partnership network, else what it is;
    a link that is several things at once is drawn as the strongest of them."""
    words = lambda value: set(filter(None, (w.strip() for w in str(value or "").split(";"))))
    if kind == "country":
        return data.get("relation", "partnership")
    if kind == "partnership":
        kinds = words(data.get("kinds"))
        if "twinning" in kinds:
            return "twinning"
        return "cooperation" if "cooperation" in kinds else "agreement"
    if kind == "interaction":
        return "visit" if data.get("visits") else "event in common"
    relations = words(data.get("relation"))
    if kind == "city-organisation":
        return "signed with" if "agreement" in relations else ("event" if "event" in relations else "based-in")
    return "signed-agreement" if "signed-agreement" in relations else "participant"


def legend_entries(graph: nx.Graph, colours: dict[str, str]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(country label, colour, code), (edge label, colour, dashes) and (node kind, shape) in use;
    the countries that share a colour are one entry with the code ``""``."""
    labels = {}
    for _, data in graph.nodes(data=True):
        if data.get("country"):
            labels.setdefault(data["country"], data.get("country_label") or data["country"])
    countries = [(labels[code], colour, code) for code, colour in colours.items() if colour != OTHER]
    if any(colour == OTHER for colour in colours.values()):
        countries.append(("other countries", OTHER, ""))
    kind = graph.graph.get("kind", "partnership")
    used = {edge_category(data, kind) for _, _, data in graph.edges(data=True)}
    edges = [(EDGE_STYLES[c][0], EDGE_STYLES[c][1], EDGE_STYLES[c][2]) for c in EDGE_ORDER if c in used]
    kinds = sorted({data.get("kind", "place") for _, data in graph.nodes(data=True)})
    shapes = [(kind, SHAPES.get(kind, "dot")) for kind in kinds]
    return countries, edges, shapes


def edge_width(data: dict) -> float:
    weight = data.get("weight", 1) or 1
    return 1.0 + min(6.0, 1.5 * (weight - 1) ** 0.5)
