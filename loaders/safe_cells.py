"""No live formulas in what we write (OWASP CSV injection): a text value beginning with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text, never as a formula.

In an xlsx the cell is an explicit string with Excel's quote prefix (what typing ``'=1+2``
makes): Excel shows the value as typed and never evaluates it, even when the cell is edited,
and a reader (ours included) gets the value back exactly. In a CSV, which has no cell types,
the value gets OWASP's leading apostrophe. Every sheet we write goes through ``safe_row``
(export, error reports, anything later); imported values are stored as given."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

RISKY = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(RISKY)


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as text with Excel's quote prefix."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    cell.quotePrefix = True
    return cell


def safe_row(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """A row for ``sheet.append`` in which every risky text is a text cell."""
    return [text_cell(sheet, v) if risky(v) else v for v in values]  # type: ignore[arg-type]


def csv_safe(value: object) -> object:
    """A value for a CSV cell: a risky text gets OWASP's leading apostrophe."""
    return f"'{value}" if risky(value) else value
