"""No live formulas in what we write (OWASP CSV injection): a text value beginning with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text, never as a formula.

In an xlsx the cell is an explicit string with Excel's quote prefix (what typing ``'=1+2``
makes): Excel shows the value as typed and never evaluates it, even when the cell is edited,
and a reader (ours included) gets the value back exactly. In a CSV, which has no cell types,
the value gets OWASP's leading apostrophe. Every sheet we write goes through ``safe_row``
(export, error reports, anything later); imported values are stored as given.

XML 1.0 cannot hold most control characters (U+0000-U+001F but tab, LF and CR): a cell or
header we write replaces each with U+FFFD (what openpyxl would otherwise refuse with an
``IllegalCharacterError``, a 500 for an upload whose rejected rows carry one)."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

RISKY = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(RISKY)


def xml_safe(value: object) -> object:
    """``value`` with the characters an xlsx cannot hold replaced by U+FFFD (other values as
    they are)."""
    if value.__class__ is str and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as text with Excel's quote prefix."""
    cell = WriteOnlyCell(sheet, value=xml_safe(value))
    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    cell.quotePrefix = True
    return cell


def safe_row(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """A row for ``sheet.append`` in which every risky text is a text cell and no text holds
    a character an xlsx cannot."""
    row = [xml_safe(v) for v in values]
    return [text_cell(sheet, v) if risky(v) else v for v in row]  # type: ignore[arg-type]


def csv_safe(value: object) -> object:
    """A value for a CSV cell: a risky text gets OWASP's leading apostrophe."""
    return f"'{value}" if risky(value) else value
