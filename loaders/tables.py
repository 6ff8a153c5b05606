"""Read table files (CSV, TSV, XLSX, JSON) into rows of text cells, with their row numbers.

Every loader returns the same thing, a :class:`RawTable`, whatever the file format, so the checks
and the RDF writer never care where a table came from.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from citykg.errors import TableError

from .schema import TABLES

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".json")


@dataclass
class RawTable:
    """A table as read from its file: header and rows of stripped text cells."""

    name: str
    file: str  # what error messages call the file (its name, or workbook:sheet)
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


def decode_text(data: bytes, file: str, encoding: str | None = None) -> str:
    """UTF-8 (a byte-order mark is dropped); bytes that are not UTF-8 are read as Windows-1251."""
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise TableError(file, f"cannot be read as {encoding}: {exc.reason} at byte {exc.start}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.warn(f"{file}: not valid UTF-8, read as Windows-1251", stacklevel=2)
        return data.decode("cp1251")


def _rows_from_records(name: str, file: str, records: Iterable[tuple[int, list[str]]]) -> RawTable:
    """Build a table from (row number, cells) records; blank records are skipped."""
    records = ((n, r) for n, r in records if "".join(r).strip())
    first = next(records, None)
    if first is None:
        expected = ", ".join(TABLES[name].column_names) if name in TABLES else "a header row"
        raise TableError(file, f"the file is empty: expected a header row with the columns {expected}")
    header = [h.strip() for h in first[1]]
    width = len(header)
    table = RawTable(name, file, header)
    rows = table.rows
    strip = str.strip
    for row_number, record in records:
        if len(record) != width:
            if "".join(record[width:]).strip():
                raise TableError(
                    file, f"has {len(record)} cells but the header has {width} columns", row=row_number
                )
            record = (record + [""] * width)[:width]
        rows.append((row_number, dict(zip(header, map(strip, record)))))
    return table


def read_delimited(path: Path, name: str, delimiter: str, encoding: str | None = None) -> RawTable:
    text = decode_text(path.read_bytes(), path.name, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records():
        start = 1  # the line a record starts on, so rows with line breaks in cells still point right
        try:
            for record in reader:
                yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise TableError(path.name, f"is not valid CSV: {exc}", row=start)

    return _rows_from_records(name, path.name, records())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sheet_rows(sheet) -> list[tuple[int, list[str]]]:
    return [
        (number, [_cell_text(v) for v in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]


def read_xlsx(path: Path, name: str) -> RawTable:
    """One table in a workbook of its own: the workbook must have exactly one sheet."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if len(book.sheetnames) != 1:
            raise TableError(
                path.name,
                f"has {len(book.sheetnames)} sheets ({', '.join(book.sheetnames)}): "
                f"expected exactly one sheet holding the table '{name}'",
            )
        return _rows_from_records(name, path.name, _sheet_rows(book.worksheets[0]))
    finally:
        book.close()


def read_workbook(path: Path) -> dict[str, RawTable]:
    """A whole table set in one workbook, one sheet per table, sheets named after the tables."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        tables = {}
        for sheet in book.worksheets:
            if sheet.title not in TABLES:
                raise TableError(
                    f"{path.name}:{sheet.title}",
                    f"unknown sheet '{sheet.title}': expected sheets named {', '.join(TABLES)}",
                )
            tables[sheet.title] = _rows_from_records(
                sheet.title, f"{path.name}:{sheet.title}", _sheet_rows(sheet)
            )
        return tables
    finally:
        book.close()


def read_json(path: Path, name: str, encoding: str | None = None) -> RawTable:
    text = decode_text(path.read_bytes(), path.name, encoding)
    if not text.strip():
        return _rows_from_records(name, path.name, [])  # raises: the file is empty
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(path.name, f"is not valid JSON: {exc.msg} (line {exc.lineno})")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise TableError(path.name, "expected a JSON list of objects, one object per row")
    header = list(dict.fromkeys(key for item in data for key in item))
    table = RawTable(name, path.name, header)
    for number, item in enumerate(data, start=1):
        cells = {h: _cell_text(item.get(h)).strip() for h in header}
        table.rows.append((number, cells))
    return table


def read_table(path: Path, name: str | None = None, encoding: str | None = None) -> RawTable:
    """Read one table file; its table name is the file name without suffix unless given."""
    name = name or path.stem
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_delimited(path, name, ",", encoding)
    if suffix == ".tsv":
        return read_delimited(path, name, "\t", encoding)
    if suffix == ".xlsx":
        return read_xlsx(path, name)
    if suffix == ".json":
        return read_json(path, name, encoding)
    raise TableError(path.name, f"unknown table format '{suffix}': expected .csv, .tsv, .xlsx or .json")


def read_table_set(path: Path, encoding: str | None = None) -> dict[str, RawTable]:
    """Read a table set: a folder with one file per table, or one workbook with a sheet per table."""
    path = Path(path)
    if not path.exists():
        raise TableError(str(path), "no such file or folder")
    if path.is_file():
        if path.suffix.lower() != ".xlsx":
            raise TableError(path.name, "a table set is a folder of tables or one .xlsx workbook")
        return read_workbook(path)
    tables: dict[str, RawTable] = {}
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in TABLE_SUFFIXES or file.name.startswith((".", "~$")):
            continue
        if file.stem not in TABLES:
            raise TableError(
                file.name, f"unknown table '{file.stem}': expected one of {', '.join(TABLES)}"
            )
        if file.stem in tables:
            raise TableError(
                file.name, f"table '{file.stem}' is given twice ({tables[file.stem].file} too)"
            )
        tables[file.stem] = read_table(file, encoding=encoding)
    return tables
