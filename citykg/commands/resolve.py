"""Foreign tables on the command line: ``citykg load TABLE --mapping M`` (through
:func:`load_foreign_table`) and ``citykg resolve-report``, which says how the places of a table,
or of every source in the store, were matched to the gazetteer.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import click

from citykg.cli import open_cli_store, progress, store_option
from citykg.errors import CitykgError

PROGRESS_MIN_BYTES = 1 << 20  # smaller files load in a blink: no bar


def lookup_files(options: tuple[str, ...]) -> dict[str, Path]:
    """``--lookup NAME=FILE`` options as a name -> file table."""
    found = {}
    for option in options:
        name, sep, file = option.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise CitykgError(f"--lookup {option}: expected NAME=FILE, e.g. labels=labels.tsv")
        found[name.strip()] = Path(file.strip())
    return found


def prepare_table(table: Path, mapping: str, source_name: str | None, *, strict: bool = False, encoding: str | None = None,
                  lookups: dict[str, Path] | None = None):
    """The table read through the mapping, not yet consumed: a MappedTable, or Morph-KGC's output."""
    from citykg.loaders.mapping import read_foreign_table

    return read_foreign_table(table, mapping, source_name, strict=strict, encoding=encoding, lookups=lookups)


def load_foreign_table(table: Path, mapping: str, source_name: str | None, open_store, *, strict: bool = False, encoding: str | None = None,
                       lookups: dict[str, Path] | None = None):
    """Load one foreign table into the store in its source's named graph; print what happened."""
    from citykg.graph.load import add_table_set

    started = time.perf_counter()
    mapped = prepare_table(table, mapping, source_name, strict=strict, encoding=encoding, lookups=lookups)
    store = open_store()
    size = table.stat().st_size
    progress(f"reading {table} through {mapping} into source '{mapped.source}'")
    if size >= PROGRESS_MIN_BYTES and hasattr(mapped, "on_bytes"):
        with click.progressbar(length=size, label="  rows", file=sys.stderr, show_eta=True) as bar:
            mapped.on_bytes = bar.update
            add_table_set(store, mapped)
    else:
        add_table_set(store, mapped)
    report_mapped(mapped)
    where = getattr(store, "path", None) or "in-memory store"
    progress(f"loaded {mapped.source} into {where} in {time.perf_counter() - started:.1f} s")
    return mapped


def report_mapped(mapped, *, warnings: int = 10) -> None:
    """The one-paragraph summary of a load on stderr."""
    if not hasattr(mapped, "summary"):
        progress(f"  {mapped.source}: {mapped.quad_count} quads")
        return
    summary = mapped.summary()
    progress(
        f"  {mapped.source}: {mapped.rows} rows, {len(mapped.agreements)} partnerships, {mapped.quad_count} quads"
    )
    progress(
        f"  places: {summary.total} distinct mentions; resolved {summary.status['resolved']} "
        f"({summary.share():.1%}), ambiguous {summary.status['ambiguous']}, unresolved {summary.status['unresolved']}"
        "; details: citykg resolve-report"
    )
    notes = list(dict.fromkeys(n for o in mapped.outcomes.values() for n in o.notes))
    for line in (mapped.warnings + notes)[:warnings]:
        progress(f"  note: {line}")
    if len(mapped.warnings) + len(notes) > warnings:
        progress(f"  ... and {len(mapped.warnings) + len(notes) - warnings} more notes")


# --- resolve-report ----------------------------------------------------------------------

SUMMARY_COLUMNS = ["source", "places", "resolved", "ambiguous", "unresolved", "resolved_share", "cities", "regions", "countries", "other"]
DETAIL_COLUMNS = ["source", "name", "country", "status", "method", "confidence", "class", "place", "geonames_id", "gazetteer_name",
                  "gazetteer_country", "population", "candidates", "notes"]


def _outcome_record(source: str, mention, outcome) -> dict:
    city = outcome.city
    return {
        "source": source,
        "name": mention.name,
        "country": mention.country,
        "status": outcome.status,
        "method": outcome.method,
        "confidence": outcome.confidence,
        "class": outcome.place_class,
        "place": outcome.iri,
        "geonames_id": city.geonames_id if city else "",
        "gazetteer_name": city.name if city else "",
        "gazetteer_country": city.country if city else "",
        "population": city.population if city else "",
        "candidates": "; ".join(f"{c.name} ({c.country}, {c.population}, geonames {c.geonames_id})" for c in outcome.candidates[:5])
        if outcome.status != "resolved" else "",
        "notes": "; ".join(outcome.notes),
    }


def table_report(mapped) -> tuple[list[dict], list[dict]]:
    """Summary and per-place records for a table read through a mapping (nothing stored)."""
    for _ in mapped.graphs[mapped.graph]:
        pass
    summary = mapped.summary()
    row = _summary_row(mapped.source, summary.status, summary.place_class)
    details = [_outcome_record(mapped.source, m, o) for m, o in mapped.outcomes.items()]
    # the matches to review first: the least trusted at the top
    details.sort(key=lambda record: (record["confidence"], record["name"]))
    return [row], details


def _summary_row(source, status, classes) -> dict:
    total = sum(status.values())
    return {
        "source": source,
        "places": total,
        "resolved": status.get("resolved", 0),
        "ambiguous": status.get("ambiguous", 0),
        "unresolved": status.get("unresolved", 0),
        "resolved_share": round(status.get("resolved", 0) / total, 4) if total else 0.0,
        "cities": classes.get("City", 0),
        "regions": classes.get("Region", 0),
        "countries": classes.get("Country", 0),
        "other": classes.get("Place", 0),
    }


def store_report(store, sources: tuple[str, ...]) -> tuple[list[dict], list[dict]]:
    """Summary and the places left unresolved, by source, from what the store holds."""
    from collections import Counter, defaultdict

    from citykg.queries import load_query
    from citykg.queries.run import run_query

    status: dict[str, Counter] = defaultdict(Counter)
    classes: dict[str, Counter] = defaultdict(Counter)
    for record in run_query(store, "resolution", {}).records():
        source = record["source"]
        if sources and source not in sources:
            continue
        status[source][record["status"]] += record["places"]
        classes[source][record["class"]] += record["places"]
    summary = [_summary_row(s, status[s], classes[s]) for s in sorted(status)]
    details = []
    unresolved = load_query("unresolved-places", "system").text
    for record in run_query(store, unresolved, {}).records():
        if sources and record["source"] not in sources:
            continue
        details.append({
            "source": record["source"], "name": record["name"], "country": record["country"] or "",
            "status": record["status"], "method": "", "confidence": 0.0, "class": record["class"], "place": record["place"],
            "geonames_id": "", "gazetteer_name": "", "gazetteer_country": "", "population": "",
            "candidates": record["candidates"] or "", "notes": "",
        })
    return summary, details


def _print_summary(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, SUMMARY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    shown = [{**r, "resolved_share": f"{r['resolved_share']:.1%}"} for r in rows]
    widths = {c: max(len(c), *(len(str(r[c])) for r in shown)) if shown else len(c) for c in SUMMARY_COLUMNS}
    click.echo("  ".join(c.ljust(widths[c]) for c in SUMMARY_COLUMNS))
    for r in shown:
        click.echo("  ".join(str(r[c]).ljust(widths[c]) for c in SUMMARY_COLUMNS))


@click.command(name="resolve-report")
@click.argument("table", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", help="Mapping of TABLE (a file, or a shipped mapping's name): report on the table without loading it.")
@click.option("--source-name", help="Name of the source when reporting on a TABLE.")
@click.option("--source", "sources", multiple=True, help="Only this source of the store (repeatable).")
@click.option("--details", type=click.Path(dir_okay=False, path_type=Path), help="Write one row per place (CSV): ambiguous candidates, notes.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@store_option
def resolve_report(table, mapping, source_name, sources, details, fmt, store_path):
    """How places were matched to the gazetteer: resolved, ambiguous (with candidates), unresolved.

    Without TABLE: every source in the store. With TABLE and --mapping: the table as it would
    load, without touching the store (a dry run of the place resolution).
    """
    if table is not None:
        if not mapping:
            raise CitykgError("resolve-report TABLE needs --mapping: the mapping that says which columns name places")
        mapped = prepare_table(table, mapping, source_name)
        if not hasattr(mapped, "summary"):
            raise CitykgError("an RML mapping makes triples without resolving places: there is nothing to report")
        summary, rows = table_report(mapped)
    else:
        summary, rows = store_report(open_cli_store(store_path, read_only=True), sources)
        if not summary:
            raise CitykgError("the store has no places to report on: load a table first")
    _print_summary(summary, fmt)
    if details is not None:
        with details.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, DETAIL_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        progress(f"wrote {len(rows)} places to {details}")


COMMANDS = [resolve_report]
