"""Forgiving headers, roster meta lines, CSV encodings, dates and row validation (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.errors import BadUserInput
from loaders.headers import detect, fold_header, match
from loaders.readers import open_sheets
from loaders.rows import MemberRows, RowGap, UnitRows
from loaders.samples import ATTACHMENT3_HEADER, credit_code, resident_id, write_csv, write_roster


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("身份证号", "certNumber"),
        (" 身份证\n号码 ", "certNumber"),
        ("证件号码（必填）", "certNumber"),
        ("*手机号码", "phone"),
        ("联系电话", "phone"),
        ("入会时间(yyyy-mm-dd)", "joinedOn"),
        ("ｕｎｉｏｎＩｄ", "unionId"),
    ],
)
def test_member_headers_are_matched_forgivingly(cell: str, key: str) -> None:
    assert match("members", cell) == key


def test_fold_keeps_plain_text() -> None:
    assert fold_header("建会　时间") == "建会时间"


def test_roster_layout_header_and_meta(tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.xlsx", "某某公司工会", [(1, "张三")])
    sheet = open_sheets(path)[0]
    rows = list(sheet.rows)
    header = detect(rows)
    assert header is not None and header.kind == "members" and header.row == 5
    assert header.meta == {
        "unionName": "某某公司工会",
        "contact": "吴可青",
        "contactPhone": "0572-6022447",
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "m.csv", ["姓名", "身份证号码"], [["张三", "1"]], encoding)
    rows = list(open_sheets(path)[0].rows)
    assert rows[0] == (1, ["姓名", "身份证号码"]) and rows[1][1][0] == "张三"


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(BadUserInput) as exc:
        list(open_sheets(path)[0].rows)  # a CSV is read lazily
    assert exc.value.reason == "NOT_SPREADSHEET"


def _member_rows(*, strict: bool = False) -> MemberRows:
    header = detect([(1, [*ATTACHMENT3_HEADER, "入会时间"])])
    assert header is not None
    return MemberRows(header, "s", union_id=credit_code("81", "330522", 1), strict=strict)


@pytest.mark.parametrize(
    "joined", ["2001-05-06", "2001/5/6", "2001年5月6日", dt.datetime(2001, 5, 6), 37017.0]
)
def test_dates_in_every_form(joined: object) -> None:
    number = resident_id("330522", "19800101", 11)
    row = [1, "张三", "男", number, "中国", "本科", "13905721001", "城镇", "", "在岗", "无", joined]
    record, errors = _member_rows()(2, row)
    assert errors == [] and record is not None
    assert record["props"]["joinedOn"] == "2001-05-06"  # type: ignore[index]


def test_all_problems_of_a_row_are_reported() -> None:
    number = resident_id("330522", "19800101", 11)
    row = [1, "", "女", number, "中国", "小学毕业", "12345", "城镇", "", "在岗", "无", "2001-13-01"]
    record, errors = _member_rows(strict=True)(7, row)  # strict: the blank 姓名 is an error
    assert record is None
    assert {(e.column, e.code) for e in errors} == {
        ("姓名", "REQUIRED"),
        ("性别", "GENDER_MISMATCH"),
        ("学历", "UNKNOWN_CODE"),
        ("手机号码", "MOBILE_FORMAT"),
        ("入会时间", "DATE_FORMAT"),
    }
    assert all(number not in e.message and "12345" not in e.message for e in errors)
    _, errors = _member_rows()(7, row)  # not strict: the blank 姓名 is only a gap
    assert ("姓名", "REQUIRED") not in {(e.column, e.code) for e in errors} and len(errors) == 4


def test_blank_must_collect_fields_are_gaps_and_a_blank_post_is_no_post() -> None:
    number = resident_id("330522", "19800101", 11)
    row = [1, "", "男", number, "中国", "本科", "", "城镇", "", "在岗", "", ""]
    gaps: list[RowGap] = []
    record, errors = _member_rows()(7, row, gaps)
    assert errors == [] and record is not None
    props = record["props"]
    assert (props["unionPost"], props["unionPostType"]) == ("无", "0")  # type: ignore[index]
    assert sorted(g.column for g in gaps) == sorted(["姓名", "手机号码", "入会时间"])
    assert {g.row for g in gaps} == {7}
    _, errors = _member_rows(strict=True)(7, row)
    assert sorted(e.column for e in errors if e.code == "REQUIRED") == sorted(
        ["姓名", "手机号码", "入会时间"]
    )  # 担任工会职务 blank is still no post, never a gap


def test_id_stored_as_number_is_explained() -> None:
    row = [1, "张三", "男", 330522198001010000.0, "", "", "", "", "", "", ""]
    record, errors = _member_rows()(3, row)
    assert record is None and "ID_AS_NUMBER" in {e.code for e in errors}


def test_unit_row_kinds_and_levels() -> None:
    header = detect([(1, ["单位名称", "统一社会信用代码", "工会名称", "工会类型", "建会时间"])])
    assert header is not None and header.kind == "units"
    rows = UnitRows(header, "s")
    code = credit_code("91", "330522", 5)
    record, errors = rows(2, ["甲公司", code, "甲工会", "工会联合会", "2001年5月6日"])
    assert errors == [] and record is not None
    assert record.union is not None and record.union.props["level"] == "FEDERATION"
    assert record.employer is not None and record.employer.id == code
