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
              help="Query worker processes: queries run at the same time (more requests wait their turn).")
@click.option("--memory-limit", "memory_mb", default=4096, show_default=True, type=click.IntRange(min=256),
              help="Megabytes of address space each query worker may use; a query past it gets 503.")
@click.option("--max-depth", default=100, show_default=True, type=click.IntRange(min=1),
              help="Most nested groups and brackets in a query (deeper is refused before parsing).")
@click.option("--socket-timeout", default=20.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a connection may send nothing (headers, body, idle keep-alive) before it is closed.")
@click.option("--max-connections", default=64, show_default=True, type=click.IntRange(min=1),
              help="Connections served at once; more get 503.")
@click.option("--allow-service", multiple=True, metavar="URL",
              help="An endpoint that SERVICE clauses may call (repeat for several); SERVICE is refused otherwise.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@store_option
def serve_command(host, port, timeout, max_rows, workers, memory_mb, max_depth, socket_timeout, max_connections,
                  allow_service, quiet, store_path):
    """Serve the store over the SPARQL 1.1 Protocol at /sparql, with a query page at /.

    Read-only: SPARQL Update is refused. Answers: SPARQL JSON, XML, CSV, TSV (SELECT, ASK);
    Turtle, N-Triples, JSON-LD, RDF/XML (CONSTRUCT, DESCRIBE), chosen by the Accept header.
    """
    from citykg.serve import Limits, make_server

    store = open_cli_store(store_path, read_only=True)
    limits = Limits(timeout, max_rows, max_depth=max_depth, socket_timeout=socket_timeout,
                    max_connections=max_connections, memory_mb=memory_mb, allow_service=tuple(allow_service))
    server = make_server(store, host, port, limits=limits, workers=workers, quiet=quiet)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if host not in LOOPBACK:
        progress(f"warning: listening on {host}: other machines can query the graph")
    progress(f"serving {store.path or 'in-memory store'} ({len(store):,} quads)")
    progress(f"  SPARQL endpoint  http://{shown}:{bound_port}/sparql")
    progress(f"  query page       http://{shown}:{bound_port}/")
    progress(f"  limits           {timeout:g} s, {max_rows:,} rows and {memory_mb:,} MB per query, "
             f"{workers} workers; Ctrl-C stops")
    progress("  answers follow the store: a load while it serves is seen by the next query")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        progress("stopped")
    finally:
        server.server_close()
        server.endpoint.close()


COMMANDS = [serve_command]
