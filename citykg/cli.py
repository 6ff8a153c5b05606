"""The ``citykg`` command line: a thin layer over the Python API.

Errors are printed as one line (``citykg: error: ...``) with exit status 1; progress goes to stderr
so that stdout stays clean for query results.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from citykg.errors import CitykgError

PROGRESS_BAR_ROWS = 100_000  # table sets with more rows than this show a progress bar while loading

_store_path_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=str),
    default=None,
    envvar="CITYKG_STORE",
    show_envvar=True,
    help="Store folder (default ~/.local/share/citykg/store); ':memory:' for a throw-away store.",
)


def _remember_server_option(ctx, param, value):
    # kept in the context, not passed to the command: open_cli_store reads them, so every command
    # that takes --store works against a server without a parameter of its own
    if value:
        ctx.meta[f"citykg.{param.name}"] = value
    return value


_server_options = [
    click.option("--endpoint", envvar="CITYKG_ENDPOINT", show_envvar=True, expose_value=False,
                 callback=_remember_server_option, metavar="QUERY_URL",
                 help="Work on a SPARQL 1.1 server (its query endpoint) instead of the embedded store."),
    click.option("--update-endpoint", envvar="CITYKG_UPDATE_ENDPOINT", show_envvar=True, expose_value=False,
                 callback=_remember_server_option, metavar="URL",
                 help="The server's SPARQL Update endpoint (default: the query endpoint)."),
    click.option("--graph-store", envvar="CITYKG_GRAPH_STORE", show_envvar=True, expose_value=False,
                 callback=_remember_server_option, metavar="URL",
                 help="The server's Graph Store Protocol endpoint: loads go there, several times faster "
                      "than as SPARQL Update (Virtuoso: .../sparql-graph-crud-auth)."),
    click.option("--user", envvar="CITYKG_USER", show_envvar=True, expose_value=False,
                 callback=_remember_server_option, help="User name on the server."),
    click.option("--password", envvar="CITYKG_PASSWORD", show_envvar=True, expose_value=False,
                 callback=_remember_server_option,
                 help="Password on the server (better in the environment; a bearer token goes in CITYKG_TOKEN)."),
]


def store_option(function):
    """``--store``, and ``--endpoint``, ``--update-endpoint``, ``--graph-store``, ``--user`` and
    ``--password`` for a server."""
    for option in reversed(_server_options):
        function = option(function)
    return _store_path_option(function)


def progress(message: str) -> None:
    click.echo(message, err=True)


def open_cli_store(store_path: str | None, *, read_only: bool = False):
    """The store a command works on: the server at ``--endpoint`` if one is given, else the
    embedded store at ``--store`` (or its default)."""
    from citykg.graph import open_store

    ctx = click.get_current_context(silent=True)
    server = {k.removeprefix("citykg."): v for k, v in (ctx.meta if ctx else {}).items() if k.startswith("citykg.")}
    if server.get("endpoint"):
        from click.core import ParameterSource

        from citykg.graph.remote import open_remote

        if store_path and ctx.get_parameter_source("store_path") == ParameterSource.COMMANDLINE:
            raise CitykgError("--store and --endpoint both given: pass one of them")
        return open_remote(server["endpoint"], server.get("update_endpoint"), user=server.get("user"),
                           password=server.get("password"), token=os.environ.get("CITYKG_TOKEN"),
                           graph_store=server.get("graph_store"))
    if store_path == ":memory:":
        read_only = False
    return open_store(store_path, read_only=read_only)


# Modules of the optional extras, and the extra that installs each.
OPTIONAL_MODULES = {"pandas": "notebook", "nbclient": "notebook", "nbformat": "notebook", "ipykernel": "notebook",
                    "pylode": "linked-data"}


class CitykgGroup(click.Group):
    """Turns citykg's own errors into one clear line instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CitykgError as exc:
            click.echo(f"citykg: error: {exc}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except ModuleNotFoundError as exc:
            # an optional part that is not installed: say which extra brings it
            extra = OPTIONAL_MODULES.get((exc.name or "").split(".")[0])
            if extra is None:
                raise
            click.echo(f"citykg: error: this needs {exc.name}, which is not installed: "
                       f"pip install 'citykg[{extra}]'", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug, not bad input: say so in one line unless asked for more
            if os.environ.get("CITYKG_DEBUG"):
                raise
            click.echo(
                f"citykg: internal error: {type(exc).__name__}: {exc} "
                "(set CITYKG_DEBUG=1 to see the traceback)",
                err=True,
            )
            sys.exit(2)


@click.group(cls=CitykgGroup)
@click.version_option(package_name="citykg")
def main():
    """citykg: a knowledge graph of city partnerships.

    Build the graph from tables, query it with SPARQL, validate it.
    """


def _report_load(loaded) -> None:
    rdf = loaded.rdf
    resolved = [p for p in rdf.places if p.resolution is None or p.resolution.resolved]
    progress(f"  {loaded.source}: {loaded.rows} rows; places resolved {len(resolved)}/{len(rdf.places)}")
    for place in rdf.unresolved:
        candidates = ", ".join(f"{c.name} ({c.country})" for c in place.resolution.candidates[:5])
        hint = f"; candidates: {candidates}" if candidates else ""
        progress(f"  unresolved: {place.name} ({place.country or '?'}) {place.file} row {place.row}{hint}")
    for warning in loaded.warnings:
        progress(f"  warning: {warning}")


def _load(tables, strict, source, encoding):
    from citykg.loaders import bundled_dataset, load_table_set

    path = Path(tables) if tables else bundled_dataset()
    progress(f"reading tables from {path}")
    # streamed: the rows become quads while the store takes them, so memory stays flat
    loaded = load_table_set(path, source, strict=strict, encoding=encoding, stream=True)
    _report_load(loaded)
    return loaded


@contextmanager
def _progress_bar(loaded):
    """A progress bar on stderr while a large table set is converted and loaded."""
    if loaded.rows < PROGRESS_BAR_ROWS:
        yield
        return
    with click.progressbar(length=loaded.rows, label="  converting and loading", file=sys.stderr,
                           show_pos=True) as bar:
        bar.update(loaded.head_rows)
        loaded.on_rows = bar.update
        yield


def _print_stats(store) -> None:
    import citykg

    counts = citykg.stats(store)
    width = max(len(k) for k in counts)
    for key, value in counts.items():
        click.echo(f"{key.ljust(width)}  {value}")


@main.command()
@click.option("--tables", type=click.Path(exists=True, path_type=Path), help="Table set (default: the bundled Omsk 2016 tables).")
@click.option("--source-name", help="Name of the source (its named graph); default: the folder name.")
@click.option("--strict", is_flag=True, help="Fail if a place cannot be matched to the gazetteer.")
@click.option("--encoding", help="Encoding of the table files (default: UTF-8, else Windows-1251).")
@click.option("--quiet", "-q", is_flag=True, help="Print no summary.")
@store_option
def build(tables, source_name, strict, encoding, quiet, store_path):
    """Rebuild the store from a table set, then print a summary and the city's partners."""
    from citykg.graph.load import rebuild_store

    started = time.perf_counter()
    loaded = _load(tables, strict, source_name, encoding)
    store = open_cli_store(store_path)
    with _progress_bar(loaded):
        rebuild_store(store, [loaded])
    progress(f"built {store.path or 'in-memory store'} in {time.perf_counter() - started:.2f} s: "
             f"{loaded.quad_count} quads from {loaded.source}")
    if quiet:
        return
    _print_stats(store)
    if tables is None:
        from citykg.queries.format import serialise
        from citykg.queries.run import run_query

        click.echo("\npartners of Omsk (citykg query partners --param city=Omsk):")
        click.echo(serialise(run_query(store, "partners", {"city": "Omsk"})))


@main.command()
@click.argument("tables", type=click.Path(exists=True, path_type=Path))
@click.option("--source-name", help="Name of the source (its named graph); default: the folder name.")
@click.option("--strict", is_flag=True, help="Fail if a place cannot be matched to the gazetteer.")
@click.option("--encoding", help="Encoding of the table files (default: UTF-8, else Windows-1251).")
@click.option("--mapping", help="Read TABLES as one foreign table through this mapping (a YAML/TOML or RML file, or a shipped mapping's name); see docs/mappings.md.")
@click.option("--lookup", "lookups", multiple=True, metavar="NAME=FILE",
              help="A file the mapping joins by key (e.g. labels=labels.tsv); repeat for several.")
@store_option
def load(tables, source_name, strict, encoding, mapping, lookups, store_path):
    """Add a table set, or a foreign table with --mapping, to the store (replacing an earlier load
    of the same source)."""
    from citykg.graph.load import add_table_set

    if lookups and not mapping:
        raise CitykgError("--lookup joins a file into a mapped table: give --mapping too")
    if mapping:
        from citykg.commands.resolve import load_foreign_table, lookup_files

        load_foreign_table(tables, mapping, source_name, lambda: open_cli_store(store_path), strict=strict,
                           encoding=encoding, lookups=lookup_files(lookups))
        return
    loaded = _load(tables, strict, source_name, encoding)
    store = open_cli_store(store_path)
    with _progress_bar(loaded):
        add_table_set(store, loaded)
    progress(f"loaded {loaded.source} into {store.path or 'in-memory store'}: {loaded.quad_count} quads")


@main.command()
@store_option
def validate(store_path):
    """Check the store against the SHACL shapes and the check queries."""
    from citykg.graph.validate import validate_store

    store = open_cli_store(store_path, read_only=True)
    report = validate_store(store)
    for v in report.violations:
        click.echo(f"{v.severity}: {_short(v.focus)} {_short(v.path)}: {v.message}" + (f" (value: {v.value})" if v.value else ""))
    for name, rows in report.failed_checks.items():
        click.echo(f"check {name}: {len(rows)} problem(s)")
        for row in rows[:10]:
            click.echo("  " + ", ".join(f"{k}={_short(str(v))}" for k, v in row.items()))
    if report.ok:
        click.echo("valid: the graph conforms to the shapes and passes every check")
    else:
        click.echo(f"invalid: {len(report.violations)} shape violation(s), {len(report.failed_checks)} failed check(s)")
        sys.exit(1)


def _short(value: str) -> str:
    from citykg.queries.format import short

    return short(value)


def _parse_params(pairs) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CitykgError(f"--param '{pair}': expected key=value")
        params[key.strip()] = value
    return params


@main.command()
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, help="A parameter, key=value (repeatable).")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]), default="table", show_default=True)
@store_option
def query(query, params, fmt, store_path):
    """Run a catalogue query by NAME, a FILE.rq, or SPARQL text (SELECT, ASK, CONSTRUCT)."""
    from citykg.queries.format import serialise
    from citykg.queries.run import run_query

    store = open_cli_store(store_path, read_only=True)
    answer = run_query(store, query, _parse_params(params))
    text = serialise(answer, fmt)
    click.echo(text, nl=not text.endswith("\n"))


@main.command(name="queries")
def list_catalogue():
    """List the query catalogue with summaries and parameters."""
    from citykg.queries import list_queries

    for q in list_queries():
        click.echo(click.style(q.name, bold=True) + f"  {q.summary}")
        for p in q.params:
            need = "required" if p.required else f"optional{', default ' + p.default if p.default else ''}"
            click.echo(f"    --param {p.name}=...  ({p.type}, {need}) {p.doc}")
        if q.returns:
            click.echo(f"    returns: {', '.join(q.returns)}")


@main.command()
@store_option
def stats(store_path):
    """Counts of triples, cities, agreements, events and sources in the store."""
    _print_stats(open_cli_store(store_path, read_only=True))


def register_commands() -> None:
    """Add the commands defined in ``citykg/commands/*.py`` (each module's ``COMMANDS`` list)."""
    import importlib
    import pkgutil

    import citykg.commands as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


register_commands()
