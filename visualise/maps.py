"""The map page: cities at their coordinates, joined by their partnerships, with no tile server.

Places are drawn in the Web Mercator projection on a plain sea-coloured square with a graticule
(every 30°), so the page needs nothing from the network. No PyPI package ships coarse country
outlines for offline use any more (geopandas dropped its Natural Earth copy in 1.0; cartopy and
geodatasets download theirs on first use), so there are none.

Online tiles are one option away: ``tiles`` (``citykg map --tiles URL``) takes a tile URL template
with ``{z}``, ``{x}`` and ``{y}``, e.g. ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``, and the
page then draws the tiles under the network; it fetches them from that server, so it only works
online and must follow the server's usage policy (credit it with ``attribution``).
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx

from citykg.errors import CitykgError

from . import pages

# The world is a square of this many canvas units; vis-network's zoom scales it to the screen.
WORLD = 4096.0
MAX_LATITUDE = 85.05112878  # where Web Mercator's square ends
SEA = "#eef3f7"
GRID = "#c9d3dd"


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Canvas position of a point: x grows eastwards, y southwards, the world centred on 0, 0."""
    phi = math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, lat)))
    x = (lon + 180.0) / 360.0 * WORLD - WORLD / 2
    y = (1 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2 * WORLD - WORLD / 2
    return x, y


def check_tiles(tiles: str | None) -> str | None:
    if tiles is None:
        return None
    parts = urlsplit(tiles)
    if parts.scheme not in ("http", "https") or not parts.netloc or not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        raise CitykgError(
            f"--tiles '{tiles}': expected a tile URL template with {{z}}, {{x}} and {{y}}, "
            "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    return tiles


def located(graph: nx.Graph) -> tuple[nx.Graph, list[str]]:
    """The part of the graph whose nodes have coordinates, and the labels of the others."""
    have = [n for n, d in graph.nodes(data=True) if "lat" in d and "lon" in d]
    missing = sorted(str(d.get("label", n)) for n, d in graph.nodes(data=True) if "lat" not in d or "lon" not in d)
    view = graph.subgraph(have).copy()
    view.graph.update(graph.graph)
    return view, missing


def render_map(graph: nx.Graph, *, title: str | None = None, tiles: str | None = None,
               attribution: str | None = None) -> str:
    """The map page for ``graph`` as HTML text."""
    tiles = check_tiles(tiles)
    view, missing = located(graph)
    notes = []
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        notes.append(f"{len(missing)} of {graph.number_of_nodes()} places have no coordinates and are not on the map: {shown}.")
    if tiles:
        host = urlsplit(tiles).netloc
        notes.append(f"Background tiles are loaded from {host}" + (f" ({attribution})" if attribution else "")
                     + ": this page needs a network connection for them.")
    positions = {n: mercator(d["lat"], d["lon"]) for n, d in view.nodes(data=True)}
    settings = {"world": WORLD, "tiles": tiles, "max_zoom": 18, "sea": SEA, "grid": GRID}
    heading = title or "Map: " + graph.graph.get("title", "network").lower()
    return pages.render(view, title=heading, map_settings=settings, positions=positions, extra_notes=notes)


def write_map_page(graph: nx.Graph, path: str | Path, *, title: str | None = None, tiles: str | None = None,
                   attribution: str | None = None) -> Path:
    """Write the map page for ``graph`` to ``path`` (an HTML file)."""
    path = Path(path)
    path.write_text(render_map(graph, title=title, tiles=tiles, attribution=attribution), encoding="utf-8")
    return path
