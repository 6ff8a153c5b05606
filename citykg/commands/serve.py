"""``citykg serve``: the store as a local, read-only SPARQL 1.1 endpoint with a query page."""

from __future__ import annotations

import click

from citykg.cli import open_cli_store, progress, store_option

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 lets other machines query the graph.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a request waits for its query before the endpoint answers 503.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Most rows (or triples) in one answer; a larger answer is refused with 422.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
              help="Queries run at the same time (more requests wait their turn).")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@store_option
def serve_command(host, port, timeout, max_rows, workers, quiet, store_path):
    """Serve the store over the SPARQL 1.1 Protocol at /sparql, with a query page at /.

    Read-only: SPARQL Update is refused. Answers: SPARQL JSON, XML, CSV, TSV (SELECT, ASK);
    Turtle, N-Triples, JSON-LD, RDF/XML (CONSTRUCT, DESCRIBE), chosen by the Accept header.
    """
    from citykg.serve import Limits, make_server

    store = open_cli_store(store_path, read_only=True)
    server = make_server(store, host, port, limits=Limits(timeout, max_rows), workers=workers, quiet=quiet)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if host not in LOOPBACK:
        progress(f"warning: listening on {host}: other machines can query the graph")
    progress(f"serving {store.path or 'in-memory store'} ({len(store):,} quads)")
    progress(f"  SPARQL endpoint  http://{shown}:{bound_port}/sparql")
    progress(f"  query page       http://{shown}:{bound_port}/")
    progress(f"  limits           {timeout:g} s and {max_rows:,} rows per query; Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        progress("stopped")
    finally:
        server.server_close()
        server.endpoint.close()


COMMANDS = [serve_command]
