"""What the nodes and links of a network show: names, kinds, countries and coordinates of the
nodes; kinds, documents, sources and quoted passages of the links (for tooltips and reports).

Each is read with one query of ``queries/network/`` for all the nodes or links at once, narrowed to
the ones wanted with a VALUES block when they are few (see ``network_queries.narrowed``).
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from .network_queries import narrowed, tail

DETAIL_LINES = 12
QUOTE_CHARS = 240
# agreements, events and passages are looked up one by one in their queries: listing even a few
# thousand costs less than reading them all from a large store (see network_queries.VALUES_LIMIT)
LISTED_LINKS = 5000


# -- node attributes -----------------------------------------------------------------------------


KIND_RANK = {"city": 0, "region": 1, "country": 2, "place": 3}
LABEL_LANGUAGES = {"en": "label", "": "label", "ru": "label_ru"}


def _first(current, value):
    """Several sources may name a place: keep the same choice whatever order rows come in."""
    if value is None:
        return current
    return value if current is None or str(value) < str(current) else current


def add_attributes(store, graph: nx.Graph) -> None:
    """Names, kinds, countries and coordinates for the nodes, by what each node is (``_type``,
    which it removes; a node without one is a place)."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        by_type[data.pop("_type", "place")].append(node)
    _add_place_attributes(store, graph, by_type["place"])
    _add_organisation_attributes(store, graph, by_type["organisation"])
    _add_event_attributes(store, graph, by_type["event"])


def _add_place_attributes(store, graph: nx.Graph, nodes) -> None:
    from citykg.loaders.gazetteer import country_by_code

    found: dict[str, dict] = {}
    for place, label, language, kind, country, gazetteer_country, lat, long, population in narrowed(
            store, "places", "place", nodes, as_dicts=False):
        entry = found.get(place)
        if entry is None:
            entry = found[place] = {"kind": "place"}
        if kind and KIND_RANK[kind] < KIND_RANK[entry["kind"]]:
            entry["kind"] = kind
        # English (or untagged) first, then Russian, then the source's own language (a place that
        # only a German register names is still shown by its name, never by its IRI)
        name = LABEL_LANGUAGES.get(language, "label_other")
        if label is not None:
            entry[name] = _first(entry.get(name), label)
        entry["country"] = _first(entry.get("country"), country)
        entry["gazetteer_country"] = _first(entry.get("gazetteer_country"), gazetteer_country)
        entry["population"] = _first(entry.get("population"), population)
        if lat is not None and long is not None and "lat" not in entry:
            entry["lat"], entry["lon"] = float(lat), float(long)
    described = []
    for node in nodes:
        entry = found.get(node, {"kind": "place"})
        label = entry.get("label") or entry.get("label_ru") or entry.get("label_other") or tail(node)
        attributes = {"label": label, "kind": entry["kind"]}
        if entry.get("label_ru"):
            attributes["label_ru"] = entry["label_ru"]
        stated, gazetteer = entry.get("country"), entry.get("gazetteer_country")
        code = tail(stated or gazetteer) if (stated or gazetteer) else None
        if code:
            attributes["country"] = code
            country = country_by_code(code)
            attributes["country_label"] = country.name_en if country else code
            if gazetteer and stated and tail(gazetteer) != code:
                attributes["gazetteer_country"] = tail(gazetteer)
        for column in ("lat", "lon", "population"):
            if entry.get(column) is not None:
                attributes[column] = entry[column]
        described.append((node, attributes))
    graph.add_nodes_from(described)


def _add_organisation_attributes(store, graph: nx.Graph, organisations) -> None:
    found: dict[str, dict] = {}
    for row in narrowed(store, "organisations", "organisation", organisations):
        entry = found.setdefault(row["organisation"], {"kinds": set()})
        for column in ("label", "label_ru", "place"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"]:
            entry["kinds"].add(tail(row["kind"]))
    places = nx.Graph()
    _add_place_attributes(store, places, {e["place"] for e in found.values() if e.get("place")})
    for node in organisations:
        entry = found.get(node, {"kinds": set()})
        attributes = {"label": entry.get("label") or entry.get("label_ru") or tail(node), "kind": "organisation"}
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
        attributes = {"label": entry.get("title") or entry.get("title_ru") or tail(node), "kind": "event"}
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


# -- what each link stands for, for tooltips and reports -------------------------------------------


def _event_details(store, events) -> dict[str, dict]:
    details: dict[str, dict] = {}
    for row in narrowed(store, "event-details", "event", events, listed_up_to=LISTED_LINKS):
        entry = details.setdefault(row["event"], {"kinds": [], "sources": set()})
        for column in ("title", "title_ru", "date", "year", "host"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"] and tail(row["kind"]) not in entry["kinds"]:
            entry["kinds"].append(tail(row["kind"]))
        if row["source"]:
            entry["sources"].add(row["source"])
        entry["planned"] = row["planned"] in (True, "true", "1")
    for entry in details.values():
        entry["kinds"].sort()
    return details


def _agreement_details(store, agreements) -> dict[str, dict]:
    details: dict[str, dict] = {}
    for row in narrowed(store, "agreement-details", "agreement", agreements, listed_up_to=LISTED_LINKS):
        entry = details.setdefault(row["agreement"], {"kinds": [], "sources": set()})
        for column in ("title", "date", "documents"):
            entry[column] = _first(entry.get(column), row[column])
        if row["kind"] and tail(row["kind"]) not in entry["kinds"]:
            entry["kinds"].append(tail(row["kind"]))
        if row["source"]:
            entry["sources"].add(row["source"])
    for entry in details.values():
        entry["kinds"].sort()
    return details


def _passages(store, passages) -> dict[str, dict]:
    return {row["passage"]: row for row in narrowed(store, "passages", "passage", passages, listed_up_to=LISTED_LINKS)}


def add_details(store, graph: nx.Graph) -> None:
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
        sources = sorted({passages[s]["label"] or tail(s) for entry in entries for s in entry["sources"] if s in passages})
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
        line += f"\n    [{passage.get('label') or tail(source)}] {quote}" if quote else f" [{passage.get('label')}]"
    return line
