"""Partner networks on the command line: ``citykg network`` (an interactive page or a figure),
``citykg map`` (a map page or a map figure) and ``citykg metrics`` (figures of the network).

All three take the same filters (kind of network, years, kinds, countries, a city and a radius)
and pass them to :func:`citykg.graph.network.project`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import click

from citykg.cli import open_cli_store, progress, store_option
from citykg.errors import CitykgError

KINDS = ("partnership", "interaction", "city-organisation", "organisation-event", "country")
PAGE_FORMATS = ("html", "png", "svg")


def filter_options(function):
    """The options every network command takes, in the order ``--help`` shows them."""
    options = [
        click.option("--kind", "kind", type=click.Choice(KINDS), default="partnership", show_default=True,
                     help="Which network: cities linked by agreements (partnership) or by visits and events "
                          "(interaction), the bipartite city-organisation and organisation-event networks, or "
                          "countries (the partnership network added up by country)."),
        click.option("--from", "year_from", type=int, metavar="YEAR", help="Only agreements or events of this year or later."),
        click.option("--to", "year_to", type=int, metavar="YEAR", help="Only agreements or events of this year or earlier."),
        click.option("--type", "kinds", multiple=True, metavar="KIND",
                     help="Only this kind of agreement (partnership), event (interaction, organisation-event) or "
                          "organisation (city-organisation), by id or label; repeat or separate by commas."),
        click.option("--country", "countries", multiple=True, metavar="COUNTRY",
                     help="Only links with at least one end in this country (ISO code or name); repeatable."),
        click.option("--city", metavar="NAME", help="Only the city's own network: the city and what lies within --radius links of it."),
        click.option("--radius", type=click.IntRange(min=0), default=1, show_default=True, help="Steps from --city."),
        click.option("--base", type=click.Choice(["partnership", "interaction"]), default="partnership", show_default=True,
                     help="What the country network adds up."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _split(values) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def project_from_options(store_path, kind, year_from, year_to, kinds, countries, city, radius, base, *,
                         details: bool = True, attributes: bool = True, limit: int | None = None):
    """The projected network for the command's options, with progress on stderr."""
    from citykg.graph.network import project

    if radius != 1 and not city:
        raise CitykgError("--radius needs --city: the radius is counted from that city")
    store = open_cli_store(store_path, read_only=True)
    started = time.perf_counter()
    graph = project(store, kind, details=details, attributes=attributes, limit=limit, year_from=year_from, year_to=year_to,
                    kinds=_split(kinds), countries=_split(countries), city=city, radius=radius,
                    base=base if kind == "country" else "partnership")
    progress(f"{kind} network: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} links "
             f"({time.perf_counter() - started:.2f} s)")
    if graph.graph.get("note"):
        progress(f"note: {graph.graph['note']}")
    return graph


def _output_format(out: Path, fmt: str | None) -> str:
    suffix = out.suffix.lstrip(".").lower()
    if fmt is None:
        if suffix not in PAGE_FORMATS:
            raise CitykgError(f"--out {out}: cannot tell the format from the name: end it in .html, .png or .svg, or pass --format")
        return suffix
    if suffix in PAGE_FORMATS and suffix != fmt:
        raise CitykgError(f"--out {out} ends in .{suffix} but --format is {fmt}: make them agree")
    return fmt


def _written(path: Path, started: float) -> None:
    progress(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.2f} s")


@click.command()
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: .html (an interactive page), .png or .svg (a figure).")
@click.option("--format", "fmt", type=click.Choice(PAGE_FORMATS), help="Output format (default: from the --out suffix).")
@filter_options
@click.option("--max-nodes", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Show at most this many nodes (the best-connected); the page says what was left out.")
@click.option("--title", help="Title of the page or figure.")
@store_option
def network(out, fmt, kind, year_from, year_to, kinds, countries, city, radius, base, max_nodes, title, store_path):
    """Draw a partner network: an interactive page that works offline, or a PNG/SVG figure.

    \b
    citykg network --out partners.html
    citykg network --kind interaction --city Omsk --out omsk.html
    citykg network --type twinning --from 2000 --out twins.svg
    """
    fmt = _output_format(out, fmt)
    graph = project_from_options(store_path, kind, year_from, year_to, kinds, countries, city, radius, base, limit=max_nodes)
    started = time.perf_counter()
    if fmt == "html":
        from citykg.visualise.pages import write_network_page

        write_network_page(graph, out, title=title)
    else:
        from citykg.visualise.figures import write_network_figure

        write_network_figure(graph, out, fmt=fmt, title=title)
    _written(out, started)


@click.command(name="map")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: .html (an interactive map), .png or .svg (a figure).")
@click.option("--format", "fmt", type=click.Choice(PAGE_FORMATS), help="Output format (default: from the --out suffix).")
@filter_options
@click.option("--max-nodes", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Show at most this many places (the best-connected); the page says what was left out.")
@click.option("--tiles", metavar="URL",
              help="Draw online map tiles under the network, from a tile URL template with {z}, {x} and {y} "
                   "(e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png). The page then needs a network "
                   "connection; without --tiles it needs none.")
@click.option("--attribution", help="Credit for the tile server, shown on the page (required by most tile servers).")
@click.option("--title", help="Title of the map.")
@store_option
def map_command(out, fmt, kind, year_from, year_to, kinds, countries, city, radius, base, max_nodes, tiles, attribution, title, store_path):
    """Draw the cities of a network at their coordinates, joined by their links, offline.

    \b
    citykg map --out map.html
    citykg map --kind interaction --out visits.png
    """
    from citykg.visualise.maps import check_tiles

    fmt = _output_format(out, fmt)
    check_tiles(tiles)
    if tiles and fmt != "html":
        raise CitykgError("--tiles draws online tiles on the interactive map: write an .html file, or leave --tiles out")
    graph = project_from_options(store_path, kind, year_from, year_to, kinds, countries, city, radius, base, limit=max_nodes)
    started = time.perf_counter()
    if fmt == "html":
        from citykg.visualise.maps import write_map_page

        write_map_page(graph, out, title=title, tiles=tiles, attribution=attribution)
    else:
        from citykg.visualise.figures import write_map_figure

        write_map_figure(graph, out, fmt=fmt, title=title)
    _written(out, started)


@click.command()
@filter_options
@click.option("--nodes", "per_node", is_flag=True, help="Figures per node: degree, weighted degree, betweenness, eigenvector, PageRank, community.")
@click.option("--by-year", is_flag=True, help="The global figures of the network as it stood at the end of each year.")
@click.option("--top", type=click.IntRange(min=1), help="With --nodes, only the best-connected N (default: 25 in a table, all otherwise).")
@click.option("--sample", type=click.IntRange(min=0), help="Estimate betweenness from this many source nodes (default: exact up to 1,000 nodes, else 100; 0: exact).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for community detection and betweenness sampling.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@store_option
def metrics(kind, year_from, year_to, kinds, countries, city, radius, base, per_node, by_year, top, sample, seed, fmt, store_path):
    """Measure a partner network: size, components, degree, density, clustering, assortativity,
    communities and modularity; per node with --nodes, year by year with --by-year.

    \b
    citykg metrics
    citykg metrics --kind interaction --nodes --top 10
    citykg metrics --by-year --format csv
    """
    from citykg.graph import metrics as measures

    if fmt == "csv" and per_node and by_year:
        raise CitykgError("--format csv writes one table: pass --nodes or --by-year, not both (or use --format json)")
    graph = project_from_options(store_path, kind, year_from, year_to, kinds, countries, city, radius, base,
                                 details=False, attributes=per_node)
    started = time.perf_counter()
    found = measures.detect_communities(graph, seed=seed) if graph.number_of_edges() else None
    report = {
        "network": kind,
        "filters": graph.graph.get("filters", ""),
        "global": measures.global_metrics(graph, seed=seed, communities=found),
        "notes": [graph.graph["note"]] if graph.graph.get("note") else [],
    }
    if per_node:
        rows, how = measures.node_metrics(graph, sample=sample, seed=seed, communities=found)
        limit = top or (25 if fmt == "table" else None)
        report["nodes"] = rows[:limit] if limit else rows
        report["notes"] += [f"{name}: {text}" for name, text in how.items()]
        if limit and len(rows) > limit:
            report["notes"].append(f"nodes: the {limit} best-connected of {len(rows):,}")
    if by_year:
        def year_progress(year):
            progress(f"  {year}")

        rows, undated = measures.growth(graph, seed=seed, progress=year_progress if graph.number_of_edges() > 5000 else None)
        report["by_year"] = rows
        if not rows:
            report["notes"].append("by year: no link has a year, so the growth of the network cannot be shown")
        if undated:
            report["notes"].append(f"by year: {undated:,} links without a year are left out")
    progress(f"computed in {time.perf_counter() - started:.2f} s")
    click.echo(render_report(report, fmt, per_node=per_node, by_year=by_year), nl=False)


def _cell(value, *, table: bool) -> str:
    if value is None:
        return "" if not table else "–"
    if isinstance(value, float):
        if not table:
            return repr(value)
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int) and table:
        return f"{value:,}"
    return str(value)


def _aligned(columns: list[str], rows: list[list]) -> str:
    cells = [[_cell(v, table=True) for v in row] for row in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(columns))]
    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(row) for row in cells])


def _csv(columns: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_cell(v, table=False) for v in row] for row in rows])
    return buffer.getvalue()


def render_report(report: dict, fmt: str, *, per_node: bool = False, by_year: bool = False) -> str:
    """The metrics report as an aligned table, CSV or JSON."""
    from citykg.graph.metrics import GLOBAL_FIELDS, NODE_FIELDS

    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        if per_node:
            return _csv(list(NODE_FIELDS), [[r[f] for f in NODE_FIELDS] for r in report["nodes"]])
        if by_year:
            fields = ["year", *GLOBAL_FIELDS]
            return _csv(fields, [[r[f] for f in fields] for r in report["by_year"]])
        return _csv(list(GLOBAL_FIELDS), [[report["global"][f] for f in GLOBAL_FIELDS]])
    title = f"{report['network']} network" + (f" ({report['filters']})" if report["filters"] else "")
    parts = [title, "", _aligned(["figure", "value"], [[f.replace("_", " "), report["global"][f]] for f in GLOBAL_FIELDS])]
    if per_node:
        fields = [f for f in NODE_FIELDS if f != "node"]
        parts += ["", _aligned(fields, [[r[f] for f in fields] for r in report["nodes"]])]
    if by_year:
        fields = ["year", "nodes", "edges", "components", "largest_component", "mean_degree", "density",
                  "transitivity", "degree_assortativity", "modularity"]
        rows = [[r[f] if f != "year" else str(r[f]) for f in fields] for r in report["by_year"]]
        parts += ["", _aligned(fields, rows)]
    if report["notes"]:
        parts += [""] + [f"note: {note}" for note in report["notes"]]
    return "\n".join(parts).rstrip("\n") + "\n"


COMMANDS = [network, map_command, metrics]
