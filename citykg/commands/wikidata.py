"""``citykg load-wikidata``: Wikidata's twin towns (P190) into the store, live or from a saved
answer, through the shipped ``wikidata-p190-full`` mapping."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from citykg.cli import store_option
from citykg.errors import CitykgError


def progress(message: str) -> None:
    click.echo(message, err=True)


@click.command(name="load-wikidata")
@click.option("--cities", "-c", multiple=True, help="A city by Wikidata id (Q4629) or English name (repeatable; default: every P190 pair).")
@click.option("--wikidata-endpoint", "wikidata_endpoint", default=None,
              help="SPARQL endpoint to ask for the pairs (default: Wikidata's query service).")
@click.option("--from-file", "from_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Load a saved SPARQL JSON answer instead of asking the endpoint (offline).")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), help="Also save the endpoint's answer (SPARQL JSON) here.")
@click.option("--source-name", default=None, help="Name of the source (default: wikidata-p190).")
@store_option
def load_wikidata(cities, wikidata_endpoint, from_file, save, source_name, store_path):
    """Fetch Wikidata's twinned-city pairs (P190) with labels (en, ru), countries, coordinates and
    GeoNames ids, and load them as one source. An empty answer is an error, not "no partners".
    The pairs go into the store given as for every command (--store, or a server's
    --endpoint), so Wikidata's endpoint has an option of its own."""
    import json

    from citykg.cli import open_cli_store
    from citykg.commands.resolve import load_foreign_table
    from citykg.loaders.wikidata import WIKIDATA_ENDPOINT, answer_to_table, fetch_p190, read_answer

    what = ", ".join(cities) if cities else "every item"
    if from_file is not None:
        if wikidata_endpoint:
            raise CitykgError("give --wikidata-endpoint or --from-file, not both")
        answer = read_answer(from_file)
        what = f"{from_file.name}"
    else:
        endpoint = wikidata_endpoint or WIKIDATA_ENDPOINT
        progress(f"asking {endpoint} for the P190 pairs of {what}")
        started = time.perf_counter()
        answer = fetch_p190(list(cities), endpoint, on_retry=progress)
        progress(f"  {len(answer['results']['bindings'])} statements in {time.perf_counter() - started:.1f} s")
        if save is not None:
            save.write_text(json.dumps(answer, ensure_ascii=False, indent=1), encoding="utf-8")
            progress(f"  saved the answer to {save}")
    with tempfile.TemporaryDirectory(prefix="citykg-wikidata-") as work:
        table = Path(work) / "wikidata-p190.csv"
        answer_to_table(answer, table, what)
        load_foreign_table(table, "wikidata-p190-full", source_name, lambda: open_cli_store(store_path))


COMMANDS = [load_wikidata]
