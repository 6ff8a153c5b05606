"""Errors that citykg reports to users as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations


class CitykgError(Exception):
    """Something the user can fix: bad input, a missing store, an unknown query."""


class TableError(CitykgError):
    """A problem in one cell (or row, or file) of a source table."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column, self.message = file, row, column, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class TableSetError(CitykgError):
    """All the problems found in a table set; nothing was written."""

    def __init__(self, errors: list[TableError]):
        self.errors = errors
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(e) for e in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"... and {len(self.errors) - 20} more problems")
        head = f"{len(self.errors)} problem(s) in the tables; nothing was loaded"
        return head + ":\n  " + "\n  ".join(lines)
