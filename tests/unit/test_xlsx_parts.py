"""Large sheets read in parts (loaders.xlsx_parts): the same rows, row numbers and cells as
the whole sheet read by calamine at once, whatever the part size."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from graph_service.errors import BadUserInput
from loaders import readers
from loaders.readers import _sheet_rows, open_sheets
from loaders.samples import CANONICAL_MEMBER_HEADER, write_xlsx
from loaders.xlsx_parts import sheet_parts


def _trimmed(rows: list[tuple[int, list[object]]]) -> list[tuple[int, list[object]]]:
    """Rows without trailing empty cells, empty rows dropped (a part ends where its own data
    ends)."""
    out = []
    for n, cells in rows:
        cells = list(cells)
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            out.append((n, cells))
    return out


def _whole(path: Path, name: str) -> list[tuple[int, list[object]]]:
    return _trimmed(
        list(_sheet_rows(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name), whole=True))
    )


def _parted(path: Path, name: str, part_bytes: int) -> tuple[int, list[tuple[int, list[object]]]]:
    parts = sheet_parts(path, name, part_bytes=part_bytes, strings_share=10**9)
    assert parts is not None
    rows: list[tuple[int, list[object]]] = []
    count = 0
    for part in parts:
        count += 1
        rows += _sheet_rows(CalamineWorkbook.from_filelike(part).get_sheet_by_name(name))
    return count, _trimmed(rows)


@pytest.fixture
def odd_workbook(tmp_path: Path) -> Path:
    """Shared strings, a merged title, empty leading rows and columns, gaps, dates, numbers,
    booleans, a sheet name XML must escape, a second sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册 & <1>"
    sheet["C3"] = "标题"
    sheet.merge_cells("C3:F3")
    for i in range(5, 400):
        if i % 17 == 0:
            continue
        sheet.cell(i, 2 + (i % 3 == 0), f"名{i}")
        sheet.cell(i, 4, dt.date(2001, 1 + i % 12, 1 + i % 28))
        sheet.cell(i, 5, i * 1.5)
        sheet.cell(i, 6, "420602198506058251")
        if i > 120:
            sheet.cell(i, 9, True)
    other = book.create_sheet("二")
    for i in range(1, 500):
        other.cell(i + 40, 3 + (i > 250), i)
    path = tmp_path / "odd.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("part_bytes", [200, 1_000, 3_000])
def test_parts_give_the_rows_of_the_whole_sheet(odd_workbook: Path, part_bytes: int) -> None:
    for name in ("花名册 & <1>", "二"):
        count, rows = _parted(odd_workbook, name, part_bytes)
        assert count > 1
        assert rows == _whole(odd_workbook, name)


def test_dates_and_leading_columns_survive_the_split(odd_workbook: Path) -> None:
    _, rows = _parted(odd_workbook, "花名册 & <1>", 500)
    by_row = dict(rows)
    assert by_row[3] == ["", "", "标题"]  # column C, as in the sheet
    assert by_row[5][3] == dt.date(2001, 6, 6)  # a date cell stays a date
    assert 17 not in by_row and 400 not in by_row


def test_an_inline_string_roster_in_parts(tmp_path: Path) -> None:
    rows = [[f"U{i % 7}", "", f"张{i}", "1", "01", f"{i:018d}"] for i in range(3_000)]
    path = write_xlsx(tmp_path / "r.xlsx", CANONICAL_MEMBER_HEADER[:6], rows)
    count, parted = _parted(path, "members", 50_000)
    assert count >= 4
    assert parted == _whole(path, "members")
    assert parted[-1][0] == 3_001 and parted[-1][1][2] == "张2999"


def test_small_sheets_and_unnumbered_rows_are_not_split(tmp_path: Path, odd_workbook: Path) -> None:
    assert sheet_parts(odd_workbook, "二", part_bytes=1 << 20) is None  # under two parts
    assert sheet_parts(odd_workbook, "无此表", part_bytes=100) is None
    path = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(odd_workbook) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="', b'<row x="')
            out.writestr(item, data)
    assert sheet_parts(path, "花名册 & <1>", part_bytes=100, strings_share=10**9) is None
    not_zip = tmp_path / "x.xlsx"
    not_zip.write_bytes(b"PK\x03\x04 broken")
    assert sheet_parts(not_zip, "s", part_bytes=100) is None


def test_open_sheets_reads_large_sheets_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"U{i % 7}", "", f"张{i}", "1", "01", f"{i:018d}"] for i in range(2_000)]
    path = write_xlsx(tmp_path / "r.xlsx", CANONICAL_MEMBER_HEADER[:6], rows)
    whole = list(open_sheets(path)[0].rows)
    monkeypatch.setattr(readers, "PART_BYTES", 20_000)
    parted = list(open_sheets(path)[0].rows)
    assert _trimmed(parted) == _trimmed(whole) and len(parted) == 2_001


def test_a_broken_part_is_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [[f"U{i}", "", f"张{i}"] for i in range(2_000)]
    good = write_xlsx(tmp_path / "g.xlsx", CANONICAL_MEMBER_HEADER[:3], rows)
    bad = tmp_path / "b.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                half = len(data) // 2
                data = data[:half] + b"<c><<<" + data[half:]  # broken XML mid-sheet
            out.writestr(item, data)
    monkeypatch.setattr(readers, "PART_BYTES", 20_000)
    with pytest.raises(BadUserInput) as caught:
        list(open_sheets(bad)[0].rows)
    assert caught.value.reason == "CORRUPT_FILE"
