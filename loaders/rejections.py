"""The rejected rows of an import, kept out of the importer's memory: every error and the cells
of its row go to a private temporary SQLite database (``sqlite3.connect("")``: held in a 2 MB
page cache, spilled beyond it to a file that SQLite deletes itself, gone when closed). A file
of millions of rows with 5% bad ones then costs the importer no more memory than a small one,
and the report still lists every rejected row with its cells."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

from loaders.rows import RowError, RowGap

_SCHEMA = """
CREATE TABLE errors (seq INTEGER PRIMARY KEY, sheet TEXT, row INTEGER, col TEXT, code TEXT,
                     message TEXT, conflict INTEGER);
CREATE TABLE cells (sheet TEXT, row INTEGER, data BLOB, PRIMARY KEY (sheet, row));
CREATE INDEX errors_row ON errors (sheet, row);
CREATE TABLE gaps (seq INTEGER PRIMARY KEY, sheet TEXT, row INTEGER, col TEXT);
"""
_GAPS_OF_IMPORTED = (
    "FROM gaps g WHERE NOT EXISTS"
    " (SELECT 1 FROM errors e WHERE e.sheet = g.sheet AND e.row = g.row)"
)
"""Gaps of rows that were imported (a row refused later, by the register, lists errors only)."""
_FIELDS = "sheet, row, col, code, message, conflict"
CELL_KEPT = 32_767  # characters of a cell kept for the report: Excel's own maximum


def _kept(cells: Sequence[object]) -> list[object]:
    """A row's cells as the report can show them: a longer text is cut to Excel's maximum,
    so no cell, however long, overflows SQLite's binding (an OverflowError before)."""
    return [c[:CELL_KEPT] if isinstance(c, str) and len(c) > CELL_KEPT else c for c in cells]


def _error(values: Sequence[object]) -> RowError:
    sheet, row, column, code, message, conflict = values
    return RowError(sheet, row, column, code, message, bool(conflict))  # type: ignore[arg-type]


class RejectedRows:
    """The errors of an import in the order found, as a read-only sequence (``len``, indexes,
    slices, iteration), with the cells of their rows in ``cells``."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._count = 0
        self.cells = RejectedCells(self._db)

    def extend(self, errors: Iterable[RowError]) -> None:
        rows = [(e.sheet, e.row, e.column, e.code, e.message, int(e.conflict)) for e in errors]
        if rows:
            self._db.executemany(f"INSERT INTO errors ({_FIELDS}) VALUES (?,?,?,?,?,?)", rows)
            self._count += len(rows)

    def add_gaps(self, gaps: Iterable[RowGap]) -> None:
        """Record must-collect fields left blank on rows that are imported."""
        rows = [(g.sheet, g.row, g.column) for g in gaps]
        if rows:
            self._db.executemany("INSERT INTO gaps (sheet, row, col) VALUES (?,?,?)", rows)

    def gaps(self) -> Iterator[RowGap]:
        """The gaps of imported rows, by sheet and row."""
        found = self._db.execute(
            f"SELECT g.sheet, g.row, g.col {_GAPS_OF_IMPORTED} ORDER BY g.sheet, g.row, g.seq"
        )
        for sheet, row, column in found:
            yield RowGap(sheet, row, column)

    def gap_counts(self) -> tuple[int, int]:
        """(imported rows with at least one gap, gaps) of the import."""
        rows = self._db.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT g.sheet, g.row {_GAPS_OF_IMPORTED})"
        ).fetchone()[0]
        total = self._db.execute(f"SELECT count(*) {_GAPS_OF_IMPORTED}").fetchone()[0]
        return int(rows), int(total)

    def gaps_by_column(self) -> list[tuple[str, int]]:
        """How many imported rows leave each must-collect column blank, most first."""
        found = self._db.execute(
            f"SELECT g.col, count(*) AS n {_GAPS_OF_IMPORTED} GROUP BY g.col ORDER BY n DESC, g.col"
        )
        return [(str(c), int(n)) for c, n in found]

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[RowError]:
        for values in self._db.execute(f"SELECT {_FIELDS} FROM errors ORDER BY seq"):
            yield _error(values)

    @overload
    def __getitem__(self, index: int) -> RowError: ...

    @overload
    def __getitem__(self, index: slice) -> list[RowError]: ...

    def __getitem__(self, index: int | slice) -> RowError | list[RowError]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                return list(self)[index]
            found = self._db.execute(
                f"SELECT {_FIELDS} FROM errors WHERE seq > ? AND seq <= ? ORDER BY seq",
                (start, stop),
            )
            return [_error(v) for v in found]
        at = index + self._count if index < 0 else index
        got = self._db.execute(f"SELECT {_FIELDS} FROM errors WHERE seq = ?", (at + 1,)).fetchone()
        if got is None:
            raise IndexError(index)
        return _error(got)

    def by_row(self) -> Iterator[tuple[RowError, list[object]]]:
        """Every error with its row's cells ([] when unknown), by sheet and row."""
        found = self._db.execute(
            "SELECT e.sheet, e.row, e.col, e.code, e.message, e.conflict, c.data FROM errors e"
            " LEFT JOIN cells c ON c.sheet = e.sheet AND c.row = e.row"
            " ORDER BY e.sheet, e.row, e.seq"
        )
        for values in found:
            yield _error(values[:6]), pickle.loads(values[6]) if values[6] is not None else []

    def rows(self, *, conflicts_only: bool = False, file_name: str | None = None) -> int:
        """How many distinct rows have errors (only conflicts; only those of one file)."""
        where, args = ["1"], []
        if conflicts_only:
            where.append("conflict = 1")
        if file_name is not None:
            where.append("(sheet = ? OR substr(sheet, 1, ?) = ?)")
            args += [file_name, len(file_name) + 1, f"{file_name}/"]
        distinct = f"SELECT DISTINCT sheet, row FROM errors WHERE {' AND '.join(where)}"
        query = f"SELECT count(*) FROM ({distinct})"
        return int(self._db.execute(query, args).fetchone()[0])

    def close(self) -> None:
        self._db.close()


class RejectedCells:
    """The cells of rejected rows by (sheet, row): the first given for a row is kept."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, cells: Mapping[tuple[str, int], Sequence[object]]) -> None:
        rows = [(s, r, pickle.dumps(_kept(c), protocol=5)) for (s, r), c in cells.items()]
        if rows:
            self._db.executemany("INSERT OR IGNORE INTO cells VALUES (?,?,?)", rows)

    def get(self, key: tuple[str, int], default: object = None) -> object:
        got = self._db.execute("SELECT data FROM cells WHERE sheet = ? AND row = ?", key).fetchone()
        return default if got is None else pickle.loads(got[0])

    def __getitem__(self, key: tuple[str, int]) -> list[object]:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return got  # type: ignore[return-value]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM cells").fetchone()[0])
