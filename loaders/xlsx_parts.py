"""Large xlsx sheets read in parts of rows, so memory stays bounded by a part, not the file.

python-calamine loads a whole sheet at once (python-calamine#42: no streaming reader), about
1.5 KB a row. For a sheet whose XML is large, the sheet's XML is streamed out of the zip
and cut at row boundaries into parts of about ``part_bytes`` of XML; each part is handed to
calamine as a small workbook (the original's other entries, the sheet's head without its
``<dimension>``, the part's rows), so cells are still parsed by calamine, with their styles
(dates) and shared strings. Rows keep their own ``r`` numbers, so each part knows where it
starts. A sheet whose rows carry no ``r`` number, or a workbook laid out unexpectedly, is
not split (None): the caller loads it whole, as before.

The shared-string table is part of every part: a workbook saved by Excel costs one parse of
that table per part (parts are large for that reason) and keeps it in memory, so memory grows
with the number of distinct strings, not with rows.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

_BLOCK = 4 << 20
_STRINGS = "xl/sharedStrings.xml"
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def sheet_parts(
    path: Path, sheet_name: str, *, part_bytes: int, strings_share: int = 4
) -> Iterator[io.BytesIO] | None:
    """Small workbooks holding the sheet's rows part by part, or None when the sheet is not
    worth splitting (its XML is under two parts) or cannot be split safely.

    Parts hold about ``part_bytes`` of the sheet's XML, more when the workbook has a large
    shared-string table: each part parses the whole table again, so there are at most
    1 + (sheet XML) / (``strings_share`` x table) parts, keeping that repeated work under
    about a quarter of the sheet's own parse."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return None
    entry = _sheet_entry(book, sheet_name)
    size = book.getinfo(entry).file_size if entry is not None else 0
    strings = next((i.file_size for i in book.infolist() if i.filename == _STRINGS), 0)
    if strings:
        part_bytes = max(part_bytes, size // (1 + size // (strings_share * strings)) + 1)
    if entry is None or size < 2 * part_bytes:
        book.close()
        return None
    with book.open(entry) as fh:
        first = fh.read(1 << 16)
    root = _ROOT.search(first)
    row = _ROW.search(first)
    if root is None or row is None or b' r="' not in b" " + row.group(1):
        book.close()  # rows without their numbers: a part could not say where it starts
        return None
    return _parts(book, entry, (root.group(1) or b"").decode(), part_bytes)


def _sheet_entry(book: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip entry of a sheet, from xl/workbook.xml and its relationships."""
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    rel_id = None
    for m in _SHEET.finditer(workbook):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(m.group(1))}
        if html.unescape(attrs.get(b"name", b"").decode("utf-8")) == sheet_name:
            rel_id = attrs.get(b"id")
            break
    if rel_id is None:
        return None
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get(b"Id") == rel_id:
            target = attrs.get(b"Target", b"").decode("utf-8")
            name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return name if name in book.namelist() else None
    return None


def _parts(book: zipfile.ZipFile, entry: str, prefix: str, part_bytes: int) -> Iterator[io.BytesIO]:
    others = [(i.filename, book.read(i.filename)) for i in book.infolist() if i.filename != entry]
    row_end = f"</{prefix}row>".encode()
    data_open, data_close = f"<{prefix}sheetData".encode(), f"</{prefix}sheetData>".encode()
    tail = f"</{prefix}sheetData></{prefix}worksheet>".encode()
    try:
        with book.open(entry) as fh:
            pending = bytearray()
            head = b""
            while not head:  # everything up to and including the <sheetData> tag
                block = fh.read(_BLOCK)
                pending += block
                at = pending.find(data_open)
                close = pending.find(b">", at) if at >= 0 else -1
                if close >= 0:
                    if pending[close - 1 : close] == b"/":
                        return  # <sheetData/>: no rows
                    head = _DIMENSION.sub(b"", bytes(pending[: close + 1]))
                    del pending[: close + 1]
                elif not block:
                    return
            ended = False
            while not ended:
                while len(pending) < part_bytes and not ended:
                    block = fh.read(_BLOCK)
                    pending += block
                    ended = not block
                if ended:
                    stop = pending.find(data_close)
                    cut = stop if stop >= 0 else len(pending)
                else:  # the part ends with the last whole row within part_bytes
                    cut = pending.rfind(row_end, 0, part_bytes)
                    if cut < 0:  # one row longer than a part: up to its end
                        cut = pending.find(row_end)
                        while cut < 0 and (block := fh.read(_BLOCK)):
                            pending += block
                            cut = pending.find(row_end)
                        if cut < 0:
                            raise ValueError("工作表中的行未结束")
                    cut += len(row_end)
                if cut:
                    with memoryview(pending) as view, view[:cut] as rows:  # no copy
                        part = _workbook(others, entry, (head, rows, tail))
                    yield part
                del pending[:cut]
    finally:
        book.close()


def _workbook(
    others: list[tuple[str, bytes]], entry: str, sheet: tuple[bytes, memoryview, bytes]
) -> io.BytesIO:
    """A workbook of the original's other entries and this part of the sheet (stored, not
    compressed: it is read at once)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as part:
        for name, content in others:
            part.writestr(name, content)
        with part.open(entry, "w") as fh:
            for piece in sheet:
                fh.write(piece)
    out.seek(0)
    return out
