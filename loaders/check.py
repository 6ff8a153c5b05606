"""Check a table set against the table model before anything is written.

Every problem is collected with its file, row and column, so a user fixes a whole table in one go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from citykg.errors import TableError

from .gazetteer import resolve_country
from .schema import DATE_PATTERN, ID_PATTERN, TABLES, Column, Table
from .tables import RawTable


def parse_date(text: str) -> tuple[str, str, int] | None:
    """``"2016-11-28"`` -> (lexical form, XSD datatype name, year); None when malformed.

    >>> parse_date("2016-03")
    ('2016-03', 'gYearMonth', 2016)
    >>> parse_date("2016-02-30") is None
    True
    """
    match = DATE_PATTERN.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            dt.date(int(year), int(month), int(day))
            return text, "date", int(year)
        if month:
            dt.date(int(year), int(month), 1)
            return text, "gYearMonth", int(year)
    except ValueError:
        return None
    return text, "gYear", int(year)


def split_list(cell: str) -> list[str]:
    if ";" not in cell:  # most cells hold one item
        item = cell.strip()
        return [item] if item else []
    return [part.strip() for part in cell.split(";") if part.strip()]


def check_table_set(
    tables: dict[str, RawTable], concepts: dict[str, frozenset[str]]
) -> list[TableError]:
    """All problems in a table set: structure, cells, identifiers and references."""
    errors: list[TableError] = []
    for name, table in TABLES.items():
        if table.required and name not in tables:
            errors.append(
                TableError(f"{name}.csv", f"the table '{name}' is missing: every table set needs it")
            )
    if errors:
        return errors

    concepts = {scheme: set(ids) for scheme, ids in concepts.items()}
    if "concepts" in tables:
        for _, cells in tables["concepts"].rows:
            if cells.get("scheme") in concepts and cells.get("id"):
                concepts[cells["scheme"]].add(cells["id"])

    # Walk the tables in the model's order (documents, passages, places, ...), so that a duplicate
    # is reported on the later, dependent table.
    tables = {name: tables[name] for name in TABLES if name in tables}
    ids: dict[str, tuple[str, str, int]] = {}  # id -> (table, file, row)
    for name, raw in tables.items():
        errors.extend(_check_header(raw))
    if errors:
        return errors
    for name, raw in tables.items():
        plan = _cell_checks(TABLES[name], concepts)
        for row, cells in raw.rows:
            _check_row(raw, row, cells, plan, errors)
            local_id = cells.get("id", "")
            if local_id and ID_PATTERN.match(local_id):
                if local_id in ids:
                    other_table, other_file, other_row = ids[local_id]
                    errors.append(
                        TableError(
                            raw.file,
                            f"duplicate id '{local_id}': already used in {other_file}, row {other_row}",
                            row,
                            "id",
                        )
                    )
                else:
                    ids[local_id] = (name, raw.file, row)
    for name, raw in tables.items():
        references = [c for c in TABLES[name].columns if c.type in ("ref", "refs")]
        for row, cells in raw.rows:
            _check_references(raw, row, cells, references, ids, errors)
    return errors


def _check_header(raw: RawTable) -> list[TableError]:
    table = TABLES[raw.name]
    known = set(table.column_names)
    errors = []
    seen = set()
    for position, column in enumerate(raw.header, start=1):
        if column in seen:
            errors.append(TableError(raw.file, f"column '{column}' appears twice in the header", 1))
        seen.add(column)
        if column not in known:
            errors.append(
                TableError(
                    raw.file,
                    f"unknown column '{column}' (column {position}): expected columns are "
                    f"{', '.join(table.column_names)}",
                    1,
                )
            )
    for column in table.columns:
        if column.required and column.name not in seen:
            errors.append(
                TableError(raw.file, f"the required column '{column.name}' is missing from the header", 1)
            )
    return errors


def _cell_checks(table: Table, concepts) -> list[tuple[str, bool, Callable[[str], str | None] | None]]:
    """(column, required, check of a filled cell) for each column; no check where any text goes.

    A check's answers are kept: the same kinds, dates, countries and counts come back on
    thousands of rows. Ids are all different, so theirs are not.
    """
    plan = []
    for column in table.columns:
        check = None
        if column.type not in ("text", "ref", "refs"):
            check = partial(_check_cell, column, concepts=concepts)
            if column.type != "id":
                check = _remembered(check)
        plan.append((column.name, column.required, check))
    return plan


def _remembered(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    answers: dict[str, str | None] = {}

    def remembered(value: str) -> str | None:
        if value not in answers:
            answers[value] = check(value)
        return answers[value]

    return remembered


def _check_row(raw: RawTable, row: int, cells: dict[str, str], plan, errors: list[TableError]) -> None:
    for name, required, check in plan:
        value = cells.get(name)
        if not value:
            if required:
                errors.append(TableError(raw.file, "is empty: a value is required", row, name))
            continue
        if check is not None:
            problem = check(value)
            if problem:
                errors.append(TableError(raw.file, problem, row, name))
    table = TABLES[raw.name]
    if table.one_of and not any(cells.get(c) for c in table.one_of):
        message = f"is empty: one of {' or '.join(table.one_of)} is required"
        errors.append(TableError(raw.file, message, row, table.one_of[0]))
    if raw.name == "places" and not cells.get("country"):
        if cells.get("kind") in ("city", "region"):
            message = f"is empty: a {cells['kind']} needs its country (ISO code or name)"
            errors.append(TableError(raw.file, message, row, "country"))
        elif cells.get("kind") == "country" and not any(
            resolve_country(cells.get(c, "")) for c in ("name_en", "name_ru")
        ):
            message = "is empty and the names are not known countries: give the ISO 3166 code"
            errors.append(TableError(raw.file, message, row, "country"))


def _check_cell(column: Column, value: str, concepts) -> str | None:
    """What is wrong with one non-empty cell, or None."""
    kind = column.type
    if kind == "id" and not ID_PATTERN.match(value):
        return f"'{value}' is not a valid id: expected letters, digits, '-' and '_'"
    if kind == "int" and not (value.isascii() and value.isdigit()):
        return f"'{value}' is not a whole number"
    if kind == "int" and int(value) < column.minimum:
        return f"'{value}' is too small: expected a whole number of at least {column.minimum}"
    if kind == "year" and not (len(value) == 4 and value.isdigit()):
        return f"'{value}' is not a year: expected YYYY"
    if kind == "date" and parse_date(value) is None:
        return f"'{value}' is not a valid date: expected YYYY, YYYY-MM or YYYY-MM-DD"
    if kind == "choice" and value not in column.choices:
        return f"'{value}' is not allowed: expected one of {', '.join(column.choices)}"
    if kind == "country" and resolve_country(value) is None:
        return f"'{value}' is not a known country: expected an ISO 3166 code or an English or Russian name"
    if kind == "kinds":
        known = concepts.get(column.scheme, set())
        for item in split_list(value):
            if item not in known and not item.startswith(("http://", "https://")):
                return (
                    f"'{item}' is not a known {column.scheme}: expected one of "
                    f"{', '.join(sorted(known))} (or add it to the concepts table)"
                )
    return None


def _check_references(raw: RawTable, row: int, cells: dict[str, str], references: list[Column], ids,
                      errors: list[TableError]) -> None:
    for column in references:
        if not cells.get(column.name):
            continue
        targets = split_list(cells[column.name]) if column.type == "refs" else [cells[column.name]]
        for target in targets:
            found = ids.get(target)
            if found is None:
                errors.append(
                    TableError(
                        raw.file,
                        f"refers to '{target}', which is not an id in "
                        f"{' or '.join(column.refers_to)}",
                        row,
                        column.name,
                    )
                )
            elif found[0] not in column.refers_to:
                errors.append(
                    TableError(
                        raw.file,
                        f"refers to '{target}', which is a row of {found[0]}: expected an id in "
                        f"{' or '.join(column.refers_to)}",
                        row,
                        column.name,
                    )
                )
