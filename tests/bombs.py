"""Hostile files for the tests and bench/bench_bombs.py: zip bombs shaped as xlsx workbooks,
a CSV a million columns wide. Each is a real workbook that a reader without limits opens
(its sheet or shared-string part simply expands to the size asked for)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from loaders.samples import ATTACHMENT3_HEADER, write_roster

_BLOCK = 1 << 20


def _rewritten(
    source: Path, target: Path, name: str, head: bytes, filler: bytes, size: int, tail: bytes
) -> Path:
    """``source`` with entry ``name`` replaced by head + ``size`` bytes of filler + tail,
    deflated as it is written (never held whole in memory)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename == name:
                continue
            out.writestr(info, src.read(info.filename))
        with out.open(name, "w", force_zip64=size > (1 << 31)) as fh:
            fh.write(head)
            block = filler * (_BLOCK // len(filler))
            left = size
            while left > 0:
                piece = block[: min(left, len(block))]
                fh.write(piece)
                left -= len(piece)
            fh.write(tail)
    return target


def _roster(path: Path) -> Path:
    return write_roster(path, "长兴县测试工会", [], header=ATTACHMENT3_HEADER)


def sheet_whitespace_bomb(path: Path, expanded: int) -> Path:
    """An xlsx whose sheet XML is ``expanded`` bytes of whitespace before its rows (finding 2)."""
    base = _roster(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(base) as book:
        xml = book.read("xl/worksheets/sheet1.xml")
    at = xml.index(b"<sheetData>") + len(b"<sheetData>")
    out = _rewritten(base, path, "xl/worksheets/sheet1.xml", xml[:at], b" ", expanded, xml[at:])
    base.unlink()
    return out


_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_OOXML = "http://schemas.openxmlformats.org"
_REL = f"{_OOXML}/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<Types xmlns="{_OOXML}/package/2006/content-types">'
        f'<Default Extension="rels" '
        f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        f"</Types>"
    ).encode(),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="{_OOXML}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f"</Relationships>"
    ).encode(),
    "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook '
    + _NS
    + b" "
    + _R
    + b'><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="{_OOXML}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f"</Relationships>"
    ).encode(),
}


def shared_strings_bomb(path: Path, expanded: int) -> Path:
    """An xlsx whose shared-string table holds one string of ``expanded`` characters, in
    its first cell, below a roster header (finding 1)."""
    header = list(ATTACHMENT3_HEADER)
    cells = b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (chr(65 + i).encode(), h.encode())
        for i, h in enumerate(header)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _NS + b"><sheetData>"
        b'<row r="1">' + cells + b'</row><row r="2"><c r="A2" t="s"><v>0</v></c></row>'
        b"</sheetData></worksheet>"
    )
    base = path.with_suffix(".base.xlsx")
    with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in _PARTS.items():
            book.writestr(name, content)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        book.writestr("xl/sharedStrings.xml", b"")
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst ' + _NS + b' count="1" uniqueCount="1"><si><t>'
    )
    out = _rewritten(base, path, "xl/sharedStrings.xml", head, b"A", expanded, b"</t></si></sst>")
    base.unlink()
    return out


def wide_csv(path: Path, columns: int) -> Path:
    """A CSV whose header row has ``columns`` columns (finding 8)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(["姓名"] + ["列"] * (columns - 1)))
        fh.write("\n张三,1\n")
    return path


def deflate_ratio(path: Path, entry: str) -> float:
    """The uncompressed/compressed ratio of a zip entry (to show a bomb is one)."""
    with zipfile.ZipFile(path) as book:
        info = book.getinfo(entry)
    return info.file_size / max(1, info.compress_size)


__all__ = ["deflate_ratio", "shared_strings_bomb", "sheet_whitespace_bomb", "wide_csv", "zlib"]


def sparse_grid_bomb(path: Path, rows: int) -> Path:
    """An xlsx with a roster header and ``rows`` rows holding a cell in column A and one in
    column XFD (16,384): tiny on disk, a dense grid of rows x 16,384 cells once loaded."""
    header = list(ATTACHMENT3_HEADER)
    cells = b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (chr(65 + i).encode(), h.encode())
        for i, h in enumerate(header)
    )
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (n, n, n)
        for n in range(2, rows + 2)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _NS + b"><sheetData>"
        b'<row r="1">' + cells + b"</row>" + body + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in _PARTS.items():
            book.writestr(name, content)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        book.writestr("xl/sharedStrings.xml", b"<sst " + _NS + b' count="0" uniqueCount="0"/>')
    return path
