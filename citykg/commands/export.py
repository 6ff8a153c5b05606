"""``citykg export`` and ``citykg export-ontology``: the graph as linked data files, the partner
networks for Gephi and Cytoscape, and the ontology with its documentation page."""

from __future__ import annotations

import time

import click

from citykg.cli import open_cli_store, progress, store_option


def _format_names():
    from citykg.export import EXPORTERS

    return list(EXPORTERS)


@click.command(name="export")
@click.option("--format", "-f", "fmt", metavar="FORMAT",
              help="turtle, ntriples, nquads, trig, jsonld, rdfxml (RDF); graphml, gexf, csv (a "
                   "partner network). Default: guessed from the --out extension.")
@click.option("--out", "-o", "out", default="-", show_default=True, metavar="FILE",
              help="File to write; '-' for standard output.")
@click.option("--graph", "graph", metavar="NAME",
              help="Only this graph: a source name (omsk-2016), gazetteer, ontology, or a graph IRI.")
@click.option("--network", "network", default="partnership", show_default=True, metavar="KIND",
              help="Which network GraphML/GEXF/CSV exports (partnership, interaction, "
                   "city-organisation, organisation-event, country).")
@store_option
def export_command(fmt, out, graph, network, store_path):
    """Write the graph as RDF (all formats stream), or a partner network as GraphML/GEXF/CSV.

    N-Quads and TriG keep one named graph per source; Turtle, N-Triples, JSON-LD and RDF/XML
    merge the graphs. CSV writes the links to FILE and the nodes to FILE-nodes.csv.
    """
    from citykg.export import EXPORTERS, nodes_path, resolve_format
    from citykg.export import export as run_export

    exporter = resolve_format(fmt, out)
    if exporter.name == "csv" and out == "-":
        raise click.UsageError("--format csv writes two tables (links and nodes): pass --out FILE.csv")
    store = open_cli_store(store_path, read_only=True)
    unit = "triples" if exporter.kind == "rdf" and not exporter.named_graphs else (
        "quads" if exporter.kind == "rdf" else "nodes and links")
    started = time.perf_counter()
    count = run_export(store, out, exporter.name, graph=graph, network=network,
                       progress=lambda n: progress(f"  {n:,} {unit}..."))
    elapsed = time.perf_counter() - started
    where = "standard output" if out == "-" else out
    if exporter.name == "csv":
        where += f" and {nodes_path(__import__('pathlib').Path(out))}"
    rate = f" ({count / elapsed:,.0f} {unit}/s)" if elapsed > 0 and exporter.kind == "rdf" else ""
    progress(f"exported {count:,} {unit} as {EXPORTERS[exporter.name].description} to {where} "
             f"in {elapsed:.2f} s{rate}")


@click.command(name="export-ontology")
@click.option("--out", "-o", "out", default="ontology-docs", show_default=True, metavar="FOLDER",
              help="Folder to write citykg.ttl, citykg.jsonld, context.jsonld and index.html into.")
def export_ontology_command(out):
    """Write the ontology as Turtle and JSON-LD, its JSON-LD context, and an HTML page that
    documents it (pyLODE)."""
    from citykg.export import export_ontology

    for path in export_ontology(out):
        progress(f"wrote {path}")


COMMANDS = [export_command, export_ontology_command]
