"""Spreadsheet and CSV files as streams of (row number, cells): xlsx/xls/ods through
python-calamine, CSV in UTF-8 (with or without BOM) or GB18030. File-level problems
(not a spreadsheet, a corrupt workbook) are BadUserInput with a Chinese message."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from python_calamine import CalamineSheet, CalamineWorkbook

from graph_service.errors import BadUserInput
from loaders.xlsx_parts import sheet_parts

Cells = list[object]
PART_BYTES = 16 << 20  # sheet XML given to calamine at a time (~20-30k rows; xlsx_parts)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


@dataclass
class RawSheet:
    """One sheet (a CSV file is one sheet): a name and its rows, read lazily."""

    name: str
    rows: Iterator[tuple[int, Cells]]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_workbook(path: Path) -> bool:
    """Whether the file is a workbook (xlsx/ods zip or xls OLE), not a text table."""
    with path.open("rb") as fh:
        return fh.read(4).startswith((_ZIP, _OLE))


def open_sheets(path: Path, display: str | None = None) -> list[RawSheet]:
    """The sheets of a workbook or the one sheet of a CSV file."""
    label = display or path.name
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise BadUserInput(f"文件「{label}」是空文件", reason="EMPTY_FILE", field="file")
    if head.startswith((_ZIP, _OLE)):
        return _workbook(path, label)
    return [RawSheet(label, _csv_rows(path, label))]


def _workbook(path: Path, label: str) -> list[RawSheet]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own errors and plain ValueErrors
        raise BadUserInput(
            f"文件「{label}」不是有效的Excel文件或已损坏，请用Excel另存为.xlsx后重试",
            reason="CORRUPT_FILE",
            field="file",
        ) from exc

    def rows(name: str) -> Iterator[tuple[int, Cells]]:
        try:
            parts = sheet_parts(path, name, part_bytes=PART_BYTES)
            if parts is None:
                yield from _sheet_rows(book.get_sheet_by_name(name), whole=True)
            for part in parts or ():
                yield from _sheet_rows(CalamineWorkbook.from_filelike(part).get_sheet_by_name(name))
        except Exception as exc:
            raise BadUserInput(
                f"文件「{label}」的工作表「{name}」无法读取，文件可能已损坏",
                reason="CORRUPT_FILE",
                field="file",
            ) from exc

    return [RawSheet(name, rows(name)) for name in names]


def _sheet_rows(sheet: CalamineSheet, *, whole: bool = False) -> Iterator[tuple[int, Cells]]:
    """A sheet's (or a part's) rows with their sheet row numbers; cells from column A, so a
    part whose first column happens to be empty lines up with the others."""
    start = sheet.start
    if start is None:
        return  # nothing in it
    first_row, first_column = start
    pad: Cells = [""] * first_column
    if whole:  # rows from the sheet's first row, columns from the data's first column
        for n, cells in enumerate(sheet.iter_rows(), start=1):
            yield n, cast(Cells, pad + cells if first_column else cells)
        return
    grid = sheet.to_python(skip_empty_area=True)  # this part only: rows from its first one
    for i, cells in enumerate(grid):
        yield first_row + i + 1, cast(Cells, pad + cells if first_column else cells)


def detect_encoding(path: Path) -> str:
    """utf-8-sig when the file decodes as UTF-8, else gb18030; neither: not a text table."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    if b"\x00" in sample:
        raise BadUserInput(
            "文件不是电子表格（支持 .xlsx、.xls、.csv）", reason="NOT_SPREADSHEET", field="file"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise BadUserInput(
        "CSV文件编码无法识别，请保存为UTF-8或GB18030编码", reason="ENCODING", field="file"
    )


def _csv_rows(path: Path, label: str) -> Iterator[tuple[int, Cells]]:
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        sample = text.read(64 * 1024)
        text.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",\t;")
        except csv.Error:
            dialect = csv.excel
        try:
            for n, cells in enumerate(csv.reader(text, dialect), start=1):
                yield n, list(cells)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadUserInput(
                f"文件「{label}」不是有效的CSV表格", reason="NOT_SPREADSHEET", field="file"
            ) from exc
