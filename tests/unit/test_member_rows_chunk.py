"""``MemberRows`` (no database): each roster rule is a column function and a row is a chunk of
one. Rows with known answers (an oracle written by hand, per rule) are checked in one chunk and
one at a time; random rows give the same answers whatever the chunking (memos carry over)."""

from __future__ import annotations

import datetime as dt
import random

from graph_service.services.imports import MEMBER_FIELDS
from loaders.headers import detect
from loaders.rows import MemberRows, RowGap
from loaders.samples import (
    ATTACHMENT3_HEADER,
    CANONICAL_MEMBER_HEADER,
    credit_code,
    resident_id,
)

UNION = credit_code("81", "330522", 1)
EMPLOYER = credit_code("91", "330522", 2)


def _variants() -> dict[int, tuple[list[object], list[object]]]:
    """(good, bad) cell values by canonical column, good ones in the forms Excel produces."""
    ids = [
        resident_id("330522", f"19{70 + i % 30}0{1 + i % 9}1{i % 9}", 100 + i) for i in range(40)
    ]
    return {
        0: ([UNION, credit_code("81", "330522", 3)], ["", None, "81330522XXXXXXXXXX"]),
        1: ([EMPLOYER, EMPLOYER, None, "", credit_code("91", "330522", 7)], ["bad"]),
        2: (["张三", "李 四", "Ａｂｃ", "  赵六 "], ["", None, "王" * 51]),
        3: (["", None], ["1", "2", "男", "女", "x", 1, 2.0]),
        4: (["01", "居民身份证", 1.0], ["", None, "护照", "03", "zz"]),
        5: (ids, ["", None, ids[0][:17] + "0", 330522198001010000.0, "H12345678"]),
        6: (["13905721001", "+86 139 0572 1002", 13905721003.0], ["", None, "12345"]),
        7: (["1", "城镇", "", None, 2], ["火星"]),
        8: (["13", "群众"], ["", None, "外星人"]),
        9: (["30", "本科", "", None], ["小学毕业"]),
        10: (["是", "否", True, False, 1], ["", None, "也许"]),
        11: (
            ["2015-03-01", "2001/5/6", "2001年5月6日", dt.datetime(2001, 5, 6), 37017.0],
            ["", None, "2001-13-01", "2999-01-01"],
        ),
        12: (["ACTIVE", "在册", "保留会籍", "", None], ["LEFT", "离会", "乱码"]),
        13: (["主席", "无"], ["", None]),
        14: (["1", "2"], ["", None, "专职", "?"]),
    }


def _rows(count: int, seed: int) -> list[tuple[int, list[object]]]:
    rng = random.Random(seed)
    variants = _variants()
    rows: list[tuple[int, list[object]]] = []
    for n in range(2, count + 2):
        row = []
        for _, (good, bad) in sorted(variants.items()):
            row.append(rng.choice(bad) if bad and rng.random() < 0.02 else rng.choice(good))
        if rng.random() < 0.03:
            row = [None] * len(row)  # a blank row
        elif rng.random() < 0.03:
            row = ["  "] * len(row)  # a row of spaces
        if rng.random() < 0.05:
            row = row[: rng.randint(1, len(row))]  # a short row
        rows.append((n, row))
    return rows


def _same(validator_a: MemberRows, validator_b: MemberRows, rows: list) -> None:  # type: ignore[type-arg]
    """Rows one at a time (chunks of one) and in chunks of 97 give the same answers."""
    expected_gaps: list[RowGap] = []
    expected = [validator_a.validate(n, raw, expected_gaps) for n, raw in rows]
    got = []
    got_gaps: list[RowGap] = []
    for start in range(0, len(rows), 97):  # chunks, so memos carry over between them
        got += validator_b.validate_chunk(rows[start : start + 97], got_gaps)
    assert got == expected
    assert sorted(got_gaps, key=lambda g: g.row) == expected_gaps
    assert any(isinstance(e, tuple) for e in got) and any(isinstance(e, list) for e in got)


def test_chunking_does_not_change_the_answers_canonical() -> None:
    header = detect([(1, list(CANONICAL_MEMBER_HEADER))])
    assert header is not None
    for seed in range(5):
        rows = _rows(600, seed)
        _same(MemberRows(header, "s", union_id=None), MemberRows(header, "s", union_id=None), rows)
        strict = [MemberRows(header, "s", union_id=None, strict=True) for _ in range(2)]
        _same(*strict, rows)
        fixed = credit_code("81", "330522", 9)
        _same(
            MemberRows(header, "s", union_id=fixed), MemberRows(header, "s", union_id=fixed), rows
        )


def test_chunking_does_not_change_the_answers_attachment3() -> None:
    header = detect([(1, [*ATTACHMENT3_HEADER, "入会时间"])])
    assert header is not None
    rng = random.Random(11)
    number = resident_id("330522", "19800101", 11)
    rows: list[tuple[int, list[object]]] = []
    for n in range(2, 300):
        rows.append(
            (
                n,
                [
                    n,
                    rng.choice(["张三", "", None]),
                    rng.choice(["男", "女", "", "1"]),
                    rng.choice([number, "", number[:-1] + "0", 330522198001010000.0]),
                    "中国",
                    rng.choice(["本科", "小学毕业", ""]),
                    rng.choice(["13905721001", "12345", ""]),
                    "城镇",
                    rng.choice(["", "E公司"]),
                    rng.choice(["在岗", "退休", "离休", ""]),
                    "无",
                    rng.choice(["2001-05-06", "2001-13-01", dt.datetime(2001, 5, 6), ""]),
                ],
            )
        )
    union = credit_code("81", "330522", 1)
    _same(MemberRows(header, "s", union_id=union), MemberRows(header, "s", union_id=union), rows)


def test_chunk_of_nothing() -> None:
    header = detect([(1, list(CANONICAL_MEMBER_HEADER))])
    assert header is not None
    assert MemberRows(header, "s", union_id=None).validate_chunk([]) == []


def _members_as_rows(validator: MemberRows, rows: list) -> tuple[list, list, int, dict]:  # type: ignore[type-arg]
    """``members`` over chunks of 97 rows, gathered: (valid rows, errors, read, bad cells)."""
    valid: list[tuple[object, ...]] = []
    errors: list[object] = []
    read = 0
    bad: dict[int, object] = {}
    for start in range(0, len(rows), 97):
        chunk, chunk_errors, chunk_read, chunk_bad, _ = validator.members(rows[start : start + 97])
        for i, made in enumerate(chunk.rows):
            assert made[1:3] == [chunk.cert_keys[i], chunk.src_rows[i]]
            valid.append(
                (
                    chunk.src_rows[i],
                    chunk.cert_keys[i],
                    chunk.union_ids[i],
                    chunk.employer_ids[i],
                    chunk.employer_names[i],
                    tuple(made[3:]),
                )
            )
        errors += chunk_errors
        read += chunk_read
        bad.update(chunk_bad)
    return valid, errors, read, bad


def test_members_match_single_rows_and_refuse_repeats() -> None:
    header = detect([(1, list(CANONICAL_MEMBER_HEADER))])
    assert header is not None
    rows = _rows(800, 3)
    one_by_one = MemberRows(header, "s", union_id=None)
    valid, errors, read, seen = [], [], 0, {}  # type: ignore[var-annotated]
    bad: dict[int, object] = {}
    for n, raw in rows:
        got = one_by_one.validate(n, raw)
        if got is None:
            continue
        read += 1
        if isinstance(got, list):
            errors += got
            bad[n] = raw
        elif got[0] in seen:
            errors.append(("DUPLICATE_IN_FILE", n, seen[got[0]]))
            bad[n] = raw
        else:
            seen[got[0]] = n
            valid.append((n, *got))
    got_valid, got_errors, got_read, got_bad = _members_as_rows(
        MemberRows(header, "s", union_id=None), rows
    )
    assert got_valid == valid
    assert got_read == read
    assert got_bad == bad
    repeats = [e for e in got_errors if e.code == "DUPLICATE_IN_FILE"]
    assert [("DUPLICATE_IN_FILE", e.row, int(e.message[8:-3])) for e in repeats] == [
        e for e in errors if isinstance(e, tuple)
    ]
    assert [e for e in got_errors if e.code != "DUPLICATE_IN_FILE"] == [
        e for e in errors if not isinstance(e, tuple)
    ]
    assert len(repeats) > 10 and len(valid) > 10  # the sample has both


def test_members_without_a_required_column_are_validated_row_by_row() -> None:
    header = detect([(1, ["姓名", "身份证号码"])])  # no union column, and no --union given
    assert header is not None
    number = resident_id("330522", "19800101", 11)
    chunk, errors, read, bad, _ = MemberRows(header, "s", union_id=None).members(
        [(2, ["张三", number]), (3, [None, None])]
    )
    assert len(chunk) == 0 and read == 1 and list(bad) == [2]
    assert [(e.row, e.code) for e in errors] == [(2, "REQUIRED")]
    chunk, errors, read, bad, _ = MemberRows(header, "s", union_id=UNION).members(
        [(2, ["张三", number]), (3, [None, None])]
    )
    assert (chunk.cert_keys, chunk.union_ids, errors, read) == ([f"01:{number}"], [UNION], [], 1)


def _oracle_rows() -> list[tuple[int, list[object], object]]:
    """(row, cells, expected): expected is None (blank), a set of (column, code) errors, or a
    dict of values the valid row must give (with its gap columns under "gaps")."""
    man = resident_id("330522", "19800101", 11)  # 17th digit odd: a man
    woman = resident_id("330522", "19850203", 12)
    good = [UNION, EMPLOYER, "张三", "男", "01", man, "13905721001", "1", "13", "30", "否"]
    good += ["2015-03-01", "在册", "主席", "1"]

    def row(**changes: object) -> list[object]:
        cells = list(good)
        for title, value in changes.items():
            cells[CANONICAL_MEMBER_HEADER.index(title)] = value
        return cells

    return [
        (2, row(), {"gender": "1", "status": "ACTIVE", "gaps": []}),
        (3, [None] * 15, None),
        (4, ["  "] * 15, None),
        (5, row(性别="", 证件号码=woman), {"gender": "2", "gaps": []}),  # gender from the ID
        (6, row(性别="女"), {("性别", "GENDER_MISMATCH")}),
        (
            7,
            row(证件号码=man[:17] + ("0" if man[17] != "0" else "1")),
            {("证件号码", "ID_CHECKSUM")},
        ),
        (8, row(证件号码=330522198001010000.0), {("证件号码", "ID_AS_NUMBER")}),
        (9, row(证件号码=""), {("证件号码", "REQUIRED")}),
        (10, row(工会编码=""), {("工会编码", "REQUIRED")}),
        (
            11,
            row(学历="小学毕业", 手机号码="12345"),
            {("学历", "UNKNOWN_CODE"), ("手机号码", "MOBILE_FORMAT")},
        ),
        (12, row(入会时间="2999-01-01"), {("入会时间", "DATE_IN_FUTURE")}),
        (13, row(会籍状态="离会"), {("会籍状态", "STATUS_NOT_IMPORTABLE")}),
        (
            14,
            row(姓名="", 手机号码="", 工会职务="", 专兼职=""),
            {"unionPost": "无", "unionPostType": "0", "gaps": ["姓名", "手机号码"]},
        ),
        (15, row(姓名="王" * 51), {("姓名", "TOO_LONG")}),
        (16, row(证件类型="护照", 证件号码="E12345678"), {"certType": "05", "gaps": []}),
    ]


def test_each_rule_answers_as_written_in_one_chunk_and_row_by_row() -> None:
    header = detect([(1, list(CANONICAL_MEMBER_HEADER))])
    assert header is not None
    cases = _oracle_rows()
    rows = [(n, cells) for n, cells, _ in cases]
    chunked_gaps: list[RowGap] = []
    chunked = MemberRows(header, "s", union_id=None).validate_chunk(rows, chunked_gaps)
    one_by_one = MemberRows(header, "s", union_id=None)
    for (n, cells, expected), got in zip(cases, chunked, strict=True):
        gaps: list[RowGap] = []
        assert one_by_one.validate(n, cells, gaps) == got, n
        if expected is None:
            assert got is None, n
        elif isinstance(expected, set):
            assert isinstance(got, list) and {(e.column, e.code) for e in got} == expected, n
            assert all(e.row == n and e.message for e in got)
        else:
            assert isinstance(got, tuple), (n, got)
            values = dict(zip(MEMBER_FIELDS, got[4], strict=True))
            cert_type = got[0].split(":")[0]
            assert got[1] == UNION and got[2] == EMPLOYER, n
            for key, value in expected.items():
                if key == "gaps":
                    assert [g.column for g in gaps] == value, n
                elif key == "certType":
                    assert cert_type == value, n
                else:
                    assert values[key] == value, (n, key)
    assert [g.row for g in chunked_gaps] == [14, 14]
