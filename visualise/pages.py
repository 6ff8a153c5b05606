"""The interactive network page: a pyvis (vis-network) page that works offline.

pyvis holds the nodes, links and options and renders the page; the template is citykg's own
(``templates/network.html``) because pyvis's template loads Bootstrap and vis-network from CDNs even
in its ``in_line`` mode. vis-network's script and style are copied into the page from the files the
pyvis package ships, so a page is one file that opens without a network connection.

Node and link lists are filled directly: pyvis's ``from_nx`` checks every new node against a list
of the ones added before, which is quadratic (a minute for 5,000 nodes). Positions are computed in
Python (``layout.positions``); on small graphs physics then settles them and stops, on large ones
physics stays off, so a page of 5,000 nodes opens in seconds.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import networkx as nx

from . import layout, style

# Above this many nodes the browser's physics takes minutes to settle (measured: 85 s for 500
# nodes in headless Chromium), so the precomputed layout is shown as it is.
PHYSICS_UP_TO = 150
# From this many nodes on, only the best-connected nodes are labelled until one zooms in.
CROWDED_FROM = 200
# More nodes than this make a page that browsers struggle with; callers cut the graph down first.
MAX_NODES = 5000
VIS_VERSION = "vis-9.1.2"
NODE_WORDS = {  # one, many
    "partnership": ("city", "cities"), "interaction": ("city", "cities"),
    "city-organisation": ("city or organisation", "cities and organisations"),
    "organisation-event": ("organisation or event", "organisations and events"),
    "country": ("country", "countries"),
}
READING = {
    "partnership": "Each line is a partnership: the agreements two cities (or organisations based in them) signed. "
                   "Hover a line for the agreements, their dates and the passage of the source that states them; "
                   "hover a city for its country and how many partners it has. Bigger circles have more partners.",
    "interaction": "Each line joins two cities that met: a delegation of one visited the other, or both took part in "
                   "the same event elsewhere. Only events that took place count, never planned ones. Hover a line "
                   "for the events and the passages that state them.",
    "city-organisation": "Organisations (squares) are linked to the city they are based in, to the cities of the "
                         "parties to agreements they signed, and to the cities where they took part in events.",
    "organisation-event": "Organisations (squares) are linked to the events (diamonds) they took part in or during "
                          "which they signed agreements. Only events that took place are shown.",
    "country": "Each line adds up the links between the cities of two countries; hover it for the count and the "
               "agreements. Partnerships between cities of one country are counted in the country's tooltip.",
}


def vis_assets() -> tuple[str, str]:
    """vis-network's minified script and its style sheet, from the pyvis package's own copy."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "templates" / "lib" / VIS_VERSION
    script = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    sheet = (folder / "vis-network.css").read_text(encoding="utf-8")
    # an inline script ends at the first "</script" whatever the JavaScript around it means
    return script.replace("</script", "<\\/script"), sheet.replace("</style", "<\\/style")


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def node_tooltip(graph: nx.Graph, node) -> str:
    data = graph.nodes[node]
    name = data.get("label", str(node))
    if data.get("label_ru") and data["label_ru"] != name:
        name += f" ({data['label_ru']})"
    facts = [data.get("country_label") or data.get("country"), data.get("kind")]
    for key in ("organisation_kind", "event_kind"):
        if data.get(key):
            facts.append(data[key].replace("-", " "))
    if data.get("date"):
        facts.append(str(data["date"]))
    if data.get("population"):
        facts.append(f"population {_number(data['population'])}")
    lines = [name, " · ".join(str(f) for f in facts if f)]
    if data.get("gazetteer_country"):
        lines.append(f"(GeoNames places it in {data['gazetteer_country']}; the source in {data.get('country')})")
    if data.get("place") and data.get("kind") in ("organisation", "event"):
        lines.append(f"in {data['place']}")
    if data.get("kind") == "country":
        lines.append(f"{data.get('cities', 0)} cities in this network; {data.get('domestic_pairs', 0)} links between them")
    degree = graph.degree(node)
    weighted = graph.degree(node, weight="weight")
    lines.append(f"{degree} link{'s' if degree != 1 else ''}" + (f" (weight {weighted})" if weighted != degree else ""))
    return "\n".join(line for line in lines if line)


def edge_tooltip(graph: nx.Graph, a, b) -> str:
    data = graph.edges[a, b]
    lines = [f"{graph.nodes[a].get('label', a)} — {graph.nodes[b].get('label', b)}"]
    counts = []
    if "agreements" in data:
        counts.append(f"{data['agreements']} agreement{'s' if data['agreements'] != 1 else ''}"
                      + (f" ({data['documents']} documents)" if data.get("documents", 0) > data["agreements"] else ""))
    if "events" in data:
        counts.append(f"{data['events']} event{'s' if data['events'] != 1 else ''}")
        if data.get("visits"):
            counts.append(f"{data['visits']} visit{'s' if data['visits'] != 1 else ''}")
        if data.get("common_events"):
            counts.append(f"{data['common_events']} in common")
    if "pairs" in data:
        counts.insert(0, f"{data['pairs']} pair{'s' if data['pairs'] != 1 else ''} of cities")
    if data.get("first_year"):
        span = data["first_year"] if data["first_year"] == data.get("last_year") else f"{data['first_year']}–{data['last_year']}"
        counts.append(f"{span}")
    if counts:
        lines.append(" · ".join(counts))
    if data.get("kinds"):
        lines.append("kinds: " + data["kinds"].replace(";", ","))
    elif data.get("relation"):
        lines.append(data["relation"].replace(";", ","))
    if data.get("role"):
        lines.append("role: " + data["role"])
    if data.get("details"):
        lines += ["", data["details"]]
    return "\n".join(lines)


def view_unit(positions: dict, max_zoom: float) -> float:
    """Canvas units per screen pixel once the page has fitted the whole network in a window of
    about 800 by 550 pixels (a laptop window, less the margins). Sizes of nodes, labels and lines are multiplied by it, so that a large
    network (or a map of the world) does not open as a few specks."""
    if not positions:
        return 1.0
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    return max((max(xs) - min(xs)) / 800.0, (max(ys) - min(ys)) / 550.0, 1.0 / max_zoom)


def vis_lists(graph: nx.Graph, positions: dict, colours: dict[str, str], unit: float = 1.0) -> tuple[list[dict], list[dict]]:
    """Nodes and links as vis-network wants them."""
    kind = graph.graph.get("kind", "partnership")
    other = set(code for code, colour in colours.items() if colour == style.OTHER)
    nodes = []
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        item = {
            "id": node,
            "label": str(data.get("label", node)),
            "title": node_tooltip(graph, node),
            "color": style.node_colour(data, colours),
            "shape": style.SHAPES.get(data.get("kind", "place"), "dot"),
            "value": graph.degree(node),
            "x": round(x, 2),
            "y": round(y, 2),
            "country": data.get("country", ""),
        }
        if data.get("label_ru"):
            item["label_ru"] = data["label_ru"]
        if data.get("country") in other:
            item["other_country"] = True
        nodes.append(item)
    edges = []
    for a, b, data in graph.edges(data=True):
        _, colour, dashes = style.EDGE_STYLES[style.edge_category(data, kind)]
        edges.append({
            "from": a,
            "to": b,
            "title": edge_tooltip(graph, a, b),
            "color": {"color": colour, "highlight": "#000000", "opacity": 0.75},
            "dashes": dashes,
            "width": round(style.edge_width(data) * unit, 2),
        })
    return nodes, edges


def vis_options(physics: bool, *, large: bool, on_map: bool = False, unit: float = 1.0, crowded: bool = False) -> dict:
    size = (4, 16) if on_map else (8, 30)
    label = (13, 20) if on_map else (12, 24)
    if crowded:
        # labels grow with the number of links: at first only the hubs' labels are big enough to
        # be drawn, the others appear as one zooms in
        size, label = (3, 22), (3, 24)
    return {
        "nodes": {
            "font": {"size": 14 * unit, "strokeWidth": 3 * unit, "strokeColor": "#ffffff"},
            "scaling": {
                "min": size[0] * unit, "max": size[1] * unit,
                # drawThreshold and maxVisible are screen pixels: labels appear as one zooms in
                "label": {"enabled": True, "min": label[0] * unit, "max": label[1] * unit, "drawThreshold": 7, "maxVisible": 30},
            },
            "borderWidth": 1,
        },
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1},
        "interaction": {
            "hover": not large,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            # on a map a dragged city would stand somewhere it is not
            "dragNodes": not on_map,
            "navigationButtons": False,
            "keyboard": False,
        },
        "layout": {"improvedLayout": False, "randomSeed": 0},
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120, "avoidOverlap": 0.3},
            "stabilization": {"enabled": physics, "iterations": 300, "updateInterval": 50, "fit": True},
        },
    }


def summary_line(graph: nx.Graph, words: tuple[str, str]) -> str:
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    return f"{n:,} {words[0] if n == 1 else words[1]}, {m:,} link{'' if m == 1 else 's'}"


def page_notes(graph: nx.Graph, physics: bool) -> list[str]:
    notes = [graph.graph["note"]] if graph.graph.get("note") else []
    if graph.number_of_nodes() > PHYSICS_UP_TO and not physics:
        notes.append(
            f"Large graph ({graph.number_of_nodes():,} nodes): the layout was computed beforehand and physics "
            "is off, so the page stays responsive; labels appear as you zoom in."
        )
    return notes


def render(graph: nx.Graph, *, title: str | None = None, map_settings: dict | None = None,
           positions: dict | None = None, extra_notes: list[str] | None = None) -> str:
    """The page for ``graph`` as HTML text (``write_network_page`` writes it)."""
    from pyvis.network import Network

    import citykg

    kind = graph.graph.get("kind", "partnership")
    n = graph.number_of_nodes()
    physics = map_settings is None and 2 <= n <= PHYSICS_UP_TO
    if positions is None:
        positions = layout.positions(graph)
    colours = style.country_colours(graph)
    countries, edge_styles, shapes = style.legend_entries(graph, colours)

    net = Network(height="100%", width="100%", directed=False, cdn_resources="in_line", heading=title or graph.graph.get("title", "Network"))
    unit = 1.0 if physics else view_unit(positions, 2.5 if map_settings else 1.5)
    net.nodes, net.edges = vis_lists(graph, positions, colours, unit)
    net.options = vis_options(physics, large=n > 1000, on_map=map_settings is not None, unit=unit,
                              crowded=n > CROWDED_FROM)
    script, sheet = vis_assets()
    words = NODE_WORDS.get(kind, ("node", "nodes"))
    names = sorted({str(d.get("label", node)) for node, d in graph.nodes(data=True)}, key=str.lower)
    biggest = max(graph.degree, key=lambda item: (item[1], str(item[0])), default=(None, 0))[0]
    notes = (page_notes(graph, physics) if map_settings is None else [graph.graph["note"]] if graph.graph.get("note") else []) + list(extra_notes or [])
    if n == 0:
        notes = notes or ["Nothing to show: the network is empty."]
    template_folder = files("citykg.visualise") / "templates"
    net.set_template_dir(str(template_folder), "network.html")
    # pyvis renders without escaping; names and quotes from the sources must stay text
    net.templateEnv.autoescape = True
    net.templateEnv.globals.update(
        version=citykg.__version__,
        vis_js=script,
        vis_css=sheet,
        filters=graph.graph.get("filters", ""),
        notes=notes,
        names=names,
        example=graph.nodes[biggest].get("label", "") if biggest is not None else "",
        node_word=words[0],
        node_words=list(words),
        summary=summary_line(graph, words),
        countries=countries,
        edge_styles=edge_styles,
        shapes=shapes,
        reading=READING.get(kind, ""),
        map=map_settings,
        physics=physics,
        background="#ffffff" if map_settings is None else map_settings["sea"],
        footer="citykg partner network · drag to pan, scroll to zoom, hover for details · works offline",
    )
    return net.generate_html()


def write_network_page(graph: nx.Graph, path: str | Path, *, title: str | None = None) -> Path:
    """Write the interactive page for ``graph`` to ``path`` (an HTML file)."""
    path = Path(path)
    html = render(graph, title=title)
    path.write_text(html, encoding="utf-8")
    return path


FETCHING = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:https?:)?//)""",
    re.IGNORECASE,
)


def remote_references(html: str) -> list[str]:
    """Places where the page would make the browser fetch from another host (attributes that load
    something, CSS ``url()`` and ``@import``); links to read, in comments and licence texts, are not."""
    return [html[max(0, m.start() - 40): m.end() + 60] for m in FETCHING.finditer(html)]

