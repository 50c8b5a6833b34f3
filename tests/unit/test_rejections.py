"""RejectedRows: the errors of an import in the order found, their rows' cells, and the counts
the summary gives, kept in a temporary database instead of the importer's memory."""

from __future__ import annotations

from datetime import date

import pytest

from loaders.rejections import RejectedRows
from loaders.rows import RowError


def _errors() -> list[RowError]:
    return [
        RowError("a.csv", 9, "证件号码", "ID_CHECKSUM", "身份证号码校验位错误，请核对"),
        RowError("a.csv", 9, "性别", "GENDER_MISMATCH", "性别与身份证号码不符"),
        RowError("b.xlsx/花名册", 4, "证件号码", "MEMBER_ACTIVE_ELSEWHERE", "已在甲工会", True),
        RowError("a.csv", 3, "姓名", "REQUIRED", "缺少必填项：姓名"),
        RowError("a.csv.bak", 5, "姓名", "REQUIRED", "缺少必填项：姓名"),
    ]


def test_a_sequence_in_the_order_found() -> None:
    rejected = RejectedRows()
    assert not rejected and len(rejected) == 0 and rejected[:20] == []
    rejected.extend(_errors()[:2])
    rejected.extend([])
    rejected.extend(_errors()[2:])
    assert bool(rejected) and len(rejected) == 5
    assert list(rejected) == _errors()
    assert rejected[0] == _errors()[0] and rejected[-1] == _errors()[-1]
    assert rejected[1:3] == _errors()[1:3] and rejected[:100] == _errors()
    assert rejected[::2] == _errors()[::2]
    with pytest.raises(IndexError):
        rejected[5]


def test_counts_distinct_rows_conflicts_and_files() -> None:
    rejected = RejectedRows()
    rejected.extend(_errors())
    assert rejected.rows() == 4  # row 9 of a.csv has two errors
    assert rejected.rows(conflicts_only=True) == 1
    assert rejected.rows(file_name="a.csv") == 2  # not a.csv.bak
    assert rejected.rows(file_name="b.xlsx") == 1
    assert rejected.rows(file_name="c.csv") == 0


def test_cells_first_kept_and_listed_by_sheet_and_row() -> None:
    rejected = RejectedRows()
    rejected.extend(_errors())
    rejected.cells.add({("a.csv", 9): ["张三", "男", date(2001, 5, 6)], ("a.csv", 3): [None]})
    rejected.cells.add({("a.csv", 9): ["later"]})  # the first cells given are kept
    assert rejected.cells[("a.csv", 9)] == ["张三", "男", date(2001, 5, 6)]
    assert rejected.cells.get(("b.xlsx/花名册", 4), []) == []
    assert len(rejected.cells) == 2
    with pytest.raises(KeyError):
        rejected.cells[("b.xlsx/花名册", 4)]
    listed = [(e.sheet, e.row, e.code, cells) for e, cells in rejected.by_row()]
    assert listed == [
        ("a.csv", 3, "REQUIRED", [None]),
        ("a.csv", 9, "ID_CHECKSUM", ["张三", "男", date(2001, 5, 6)]),
        ("a.csv", 9, "GENDER_MISMATCH", ["张三", "男", date(2001, 5, 6)]),
        ("a.csv.bak", 5, "REQUIRED", []),
        ("b.xlsx/花名册", 4, "MEMBER_ACTIVE_ELSEWHERE", []),
    ]
    rejected.close()


def test_a_cell_past_excels_maximum_is_cut_for_the_report() -> None:
    # a cell of gigabytes once reached SQLite whole (OverflowError, a plain-text 500);
    # the report keeps what Excel can show
    from loaders.rejections import CELL_KEPT

    rejected = RejectedRows()
    rejected.cells.add({("s", 3): ["A" * (CELL_KEPT + 10), 7, None]})
    kept = rejected.cells[("s", 3)]
    assert kept == ["A" * CELL_KEPT, 7, None]
    rejected.close()
