"""Static figures for reports: the network or its map as PNG or SVG, drawn with matplotlib.

They use the same colours, shapes and line styles as the pages (``style``), the network the same
layout (``layout.positions``), and the map the same Web Mercator projection with a graticule.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from citykg.errors import CitykgError

from . import layout, style
from .maps import located, mercator

FORMATS = ("png", "svg")
LABELLED = 30  # the best-connected nodes get a name on the figure; the others would hide each other


def figure_format(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise CitykgError(f"cannot draw a figure as '{fmt or path.name}': expected {' or '.join(FORMATS)}")
    return fmt


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    return plt


def _draw(ax, graph: nx.Graph, positions: dict, *, node_scale: float = 1.0) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    kind = graph.graph.get("kind", "partnership")
    colours = style.country_colours(graph)
    by_category: dict[str, list] = {}
    widths: dict[str, list] = {}
    for a, b, data in graph.edges(data=True):
        category = style.edge_category(data, kind)
        by_category.setdefault(category, []).append((positions[a], positions[b]))
        widths.setdefault(category, []).append(0.6 * style.edge_width(data))
    for category in style.EDGE_ORDER[::-1]:
        if category not in by_category:
            continue
        _, colour, dashes = style.EDGE_STYLES[category]
        ax.add_collection(LineCollection(by_category[category], colors=colour, linewidths=widths[category],
                                         linestyles="--" if dashes else "-", alpha=0.7, zorder=1))
    degrees = dict(graph.degree())
    most = max(degrees.values(), default=1) or 1
    for shape in set(style.SHAPES.values()):
        members = [n for n, d in graph.nodes(data=True) if style.SHAPES.get(d.get("kind", "place"), "dot") == shape]
        if not members:
            continue
        ax.scatter([positions[n][0] for n in members], [positions[n][1] for n in members],
                   s=[node_scale * (12 + 180 * math.sqrt(degrees[n] / most)) for n in members],
                   c=[style.node_colour(graph.nodes[n], colours) for n in members],
                   marker=style.MARKERS[shape], edgecolors="#333333", linewidths=0.4, zorder=2)
    for node, _ in sorted(degrees.items(), key=lambda item: (-item[1], str(item[0])))[:LABELLED]:
        x, y = positions[node]
        ax.annotate(str(graph.nodes[node].get("label", node)), (x, y), xytext=(4, 4), textcoords="offset points",
                    fontsize=8, zorder=3, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})
    countries, edges, _ = style.legend_entries(graph, colours)
    handles = [Line2D([], [], marker="o", linestyle="", color=colour, label=label) for label, colour, _ in countries]
    handles += [Line2D([], [], color=colour, linestyle="--" if dashes else "-", label=label) for label, colour, dashes in edges]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)


def _finish(plt, fig, ax, graph: nx.Graph, path: Path, fmt: str, title: str | None, notes: list[str]) -> Path:
    heading = title or graph.graph.get("title", "Network")
    if graph.graph.get("filters"):
        heading += f"\n{graph.graph['filters']}"
    ax.set_title(heading, fontsize=11, loc="left")
    text = " ".join(n for n in [graph.graph.get("note")] + notes if n)
    if text:
        fig.text(0.01, 0.01, text, fontsize=7, color="#555555", wrap=True)
    fig.savefig(path, format=fmt, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path


def write_network_figure(graph: nx.Graph, path: str | Path, *, fmt: str | None = None, title: str | None = None) -> Path:
    """Draw the network as a PNG or SVG file (the format from ``fmt`` or the file's suffix)."""
    path = Path(path)
    fmt = figure_format(path, fmt)
    plt = _figure()
    fig, ax = plt.subplots(figsize=(11, 8))
    positions = layout.positions(graph)
    # the page's y axis points down, matplotlib's up: flip so that both show the same picture
    positions = {n: (x, -y) for n, (x, y) in positions.items()}
    if graph.number_of_nodes():
        _draw(ax, graph, positions, node_scale=1.0 if graph.number_of_nodes() < 500 else 0.3)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.autoscale()
    notes = [] if graph.number_of_nodes() else ["Nothing to show: the network is empty."]
    return _finish(plt, fig, ax, graph, path, fmt, title, notes)


def write_map_figure(graph: nx.Graph, path: str | Path, *, fmt: str | None = None, title: str | None = None) -> Path:
    """Draw the network on a graticule map (Web Mercator) as a PNG or SVG file."""
    path = Path(path)
    fmt = figure_format(path, fmt)
    plt = _figure()
    view, missing = located(graph)
    fig, ax = plt.subplots(figsize=(12, 7))
    ax.set_facecolor("#eef3f7")
    positions = {n: _flipped(mercator(d["lat"], d["lon"])) for n, d in view.nodes(data=True)}
    if positions:
        xs = [p[0] for p in positions.values()]
        ys = [p[1] for p in positions.values()]
        pad = max(max(xs) - min(xs), max(ys) - min(ys), 200) * 0.08
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    else:
        ax.set_xlim(mercator(0, -180)[0], mercator(0, 180)[0])
        ax.set_ylim(_flipped(mercator(-70, 0))[1], _flipped(mercator(75, 0))[1])
    _graticule(ax)
    if view.number_of_nodes():
        _draw(ax, view, positions, node_scale=0.6 if view.number_of_nodes() < 500 else 0.2)
    ax.set_aspect("equal")
    notes = []
    if missing:
        notes.append(f"{len(missing)} places without coordinates are not drawn.")
    if not view.number_of_nodes():
        notes.append("Nothing to show: no place of the network has coordinates.")
    heading = title or "Map: " + graph.graph.get("title", "network").lower()
    return _finish(plt, fig, ax, view, path, fmt, heading, notes)


def _flipped(point: tuple[float, float]) -> tuple[float, float]:
    return point[0], -point[1]


def _graticule(ax) -> None:
    """Meridians and parallels every 30° (10° when the map shows a smaller area), labelled in degrees."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    span = (x1 - x0) / 4096.0 * 360.0
    step = 30 if span > 90 else 10 if span > 30 else 5
    xticks, xlabels, yticks, ylabels = [], [], [], []
    for lon in range(-180, 181, step):
        x, _ = mercator(0, lon)
        ax.axvline(x, color="#c9d3dd", linewidth=1.2 if lon == 0 else 0.6, zorder=0)
        xticks.append(x)
        xlabels.append(f"{abs(lon)}°{'W' if lon < 0 else 'E' if lon > 0 else ''}")
    for lat in range(-step * (80 // step), 81, step):
        _, y = _flipped(mercator(lat, 0))
        ax.axhline(y, color="#c9d3dd", linewidth=1.2 if lat == 0 else 0.6, zorder=0)
        yticks.append(y)
        ylabels.append(f"{abs(lat)}°{'S' if lat < 0 else 'N' if lat > 0 else ''}")
    ax.set_xticks(xticks, xlabels, fontsize=7, color="#7d8b99")
    ax.set_yticks(yticks, ylabels, fontsize=7, color="#7d8b99")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
