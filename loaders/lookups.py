"""Lookup files a mapping joins by key: a second table that gives what the main one only refers to.

Wikidata's P190 comes as a relations file (item, twin: two QIDs a row) and a labels file (QID,
name). The mapping declares the labels file as a lookup (its key and value columns) and reads a
party's name as ``{column: 1, lookup: labels}``; the command line names the file:
``citykg load relations.tsv --mapping wikidata-p190 --lookup labels=labels.tsv``.

A lookup file is read whole before the table (they are small next to it). A key that comes twice
with two values is an error naming both lines, since either choice would be a guess.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from citykg.errors import CitykgError, TableError


@dataclass(frozen=True)
class LookupSpec:
    """How a mapping reads one lookup file: which columns hold the key and the value."""

    name: str
    key: str  # a column name, or "#N" for the Nth column
    value: str
    header: bool = True
    delimiter: str | None = None  # default: tab for .tsv, else ","
    encoding: str = "utf-8"


def column_index(column: str, header: list[str] | None) -> int | None:
    """Where a column is in a record: by position ("#2") or by name in the header."""
    if column.startswith("#"):
        return int(column[1:]) - 1
    if header is None or column not in header:
        return None
    return header.index(column)


def read_lookup(spec: LookupSpec, path: Path) -> dict[str, str]:
    """The key -> value table of a lookup file; TableError naming the file, row and column."""
    if not path.is_file():
        raise TableError(str(path), f"no such file (the lookup '{spec.name}')")
    delimiter = spec.delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    found: dict[str, tuple[str, int]] = {}
    header = None
    encoding = "utf-8-sig" if spec.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else spec.encoding
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            for record in reader:
                line = reader.line_num
                if spec.header and header is None:
                    header = [cell.strip() for cell in record]
                    for column in (spec.key, spec.value):
                        if column_index(column, header) is None:
                            raise TableError(path.name, f"the lookup '{spec.name}' names column '{column}', which the file "
                                                        f"does not have; its columns are: {', '.join(header)}", row=line)
                    continue
                if not any(cell.strip() for cell in record):
                    continue
                key_at, value_at = column_index(spec.key, header), column_index(spec.value, header)
                for column, at in ((spec.key, key_at), (spec.value, value_at)):
                    if at >= len(record):
                        raise TableError(path.name, f"the row has {len(record)} cells; the lookup '{spec.name}' reads "
                                                    f"column {at + 1}", row=line, column=column)
                key, value = record[key_at].strip(), record[value_at].strip()
                if key in found and found[key][0] != value:
                    raise TableError(path.name, f"key '{key}' comes twice with two values ('{found[key][0]}' on line "
                                                f"{found[key][1]}, '{value}' here): the lookup '{spec.name}' needs one "
                                                "value per key", row=line, column=spec.key)
                found.setdefault(key, (value, line))
    except UnicodeDecodeError:
        raise TableError(path.name, f"cannot be read as {spec.encoding}: set the lookup's 'encoding' in the mapping") from None
    except csv.Error as exc:
        raise TableError(path.name, f"is not valid CSV: {exc}") from None
    return {key: value for key, (value, _) in found.items()}


def read_lookups(specs: dict[str, LookupSpec], files: dict[str, Path], mapping_file: str) -> dict[str, dict[str, str]]:
    """Every lookup the mapping declares, from the files the command line names."""
    unknown = sorted(set(files) - set(specs))
    if unknown:
        declared = ", ".join(sorted(specs)) or "none"
        raise CitykgError(f"--lookup {unknown[0]}: the mapping {mapping_file} declares no such lookup (its lookups: {declared})")
    missing = sorted(set(specs) - set(files))
    if missing:
        raise CitykgError(f"the mapping {mapping_file} joins the lookup '{missing[0]}': name its file with "
                          f"--lookup {missing[0]}=FILE")
    return {name: read_lookup(spec, Path(files[name])) for name, spec in specs.items()}
