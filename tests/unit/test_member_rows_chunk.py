"""``MemberRows.validate_chunk`` answers exactly what ``validate`` answers row by row (no
database): valid rows, every error of a bad row, blank rows, repeated and refused values."""

from __future__ import annotations

import datetime as dt
import random

from loaders.headers import detect
from loaders.rows import MemberRows
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
    expected = [validator_a.validate(n, raw) for n, raw in rows]
    got = []
    for start in range(0, len(rows), 97):  # chunks, so memos carry over between them
        got += validator_b.validate_chunk(rows[start : start + 97])
    assert got == expected


def test_chunk_validation_matches_row_validation_canonical() -> None:
    header = detect([(1, list(CANONICAL_MEMBER_HEADER))])
    assert header is not None
    for seed in range(5):
        rows = _rows(600, seed)
        _same(MemberRows(header, "s", union_id=None), MemberRows(header, "s", union_id=None), rows)
        fixed = credit_code("81", "330522", 9)
        _same(
            MemberRows(header, "s", union_id=fixed), MemberRows(header, "s", union_id=fixed), rows
        )


def test_chunk_validation_matches_row_validation_attachment3() -> None:
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
