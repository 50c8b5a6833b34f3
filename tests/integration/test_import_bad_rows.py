"""The issue's bad-input case: a 100,000-row member file with 5% bad rows of several kinds.

Every bad row is reported with its row number and code (and its cells in the report, also for
rows the register refuses: the worker process keeps them), every good row is imported, the
summary adds up and the rollups still verify.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prometheus_client import REGISTRY
from python_calamine import CalamineWorkbook

from graph_service.services.registry import Services
from loaders.report import write_report
from loaders.samples import CANONICAL_MEMBER_HEADER, credit_code, resident_id, write_csv
from tests.integration.test_import import COUNTY, E1, _county, _import

ROWS = 100_000
BAD_EVERY = 20  # 5% of the rows are bad
KINDS = (
    "ID_CHECKSUM",
    "MOBILE_FORMAT",
    "UNKNOWN_CODE",
    "DUPLICATE_IN_FILE",
    "REQUIRED",
    "UNION_NOT_FOUND",
)
UNKNOWN_UNION = credit_code("81", "330522", 424242)
FIRST_ROW = 2  # the header is row 1


def _good(i: int, union_id: str) -> list[object]:
    seq = i % 900 + 100
    birth = (dt.date(1970, 1, 1) + dt.timedelta(days=i // 900)).strftime("%Y%m%d")
    return [
        union_id,
        E1,
        f"会员{i}",
        "男" if seq % 2 else "女",
        "居民身份证",
        resident_id("330522", birth, seq),
        f"139{i:08d}",
        "城镇",
        "群众",
        "本科",
        "否",
        "2015-03-01",
        "在册",
        "无",
        "无",
    ]


def _file(tmp: Path, union_id: str) -> tuple[Path, dict[int, str]]:
    """The rows (bad ones every BAD_EVERY rows, kinds in turn) and the expected code per row."""
    rows: list[list[object]] = []
    bad: dict[int, str] = {}
    for i in range(ROWS):
        row = _good(i, union_id)
        if i % BAD_EVERY == BAD_EVERY - 1:
            kind = KINDS[(i // BAD_EVERY) % len(KINDS)]
            cert = str(row[5])
            if kind == "ID_CHECKSUM":
                row[5] = cert[:17] + ("0" if cert[17] != "0" else "1")
            elif kind == "MOBILE_FORMAT":
                row[6] = "1390572"
            elif kind == "UNKNOWN_CODE":
                row[9] = "小学毕业"
            elif kind == "DUPLICATE_IN_FILE":
                row[3], row[5] = rows[i - 1][3], rows[i - 1][5]  # the row before is good
            elif kind == "UNION_NOT_FOUND":  # valid, refused by the register
                row[0] = UNKNOWN_UNION
            else:
                row[5] = ""  # no certificate: the key (a blank 姓名 is only a gap)
            bad[i + FIRST_ROW] = kind
        rows.append(row)
    return write_csv(tmp / "members.csv", CANONICAL_MEMBER_HEADER, rows), bad


def _rejected_metric() -> float:
    sample = REGISTRY.get_sample_value("union_tree_import_rows_total", {"outcome": "rejected"})
    return float(sample or 0)


async def test_bad_rows_are_reported_and_good_rows_imported(
    services: Services, tmp_path: Path
) -> None:
    await _county(services, tmp_path)
    found = await services.tree.search_unions(
        name_contains="长兴丰华纺织有限公司工会", level=None, under=None, first=5, after=None
    )
    union_id = found.items[0].id
    path, bad = _file(tmp_path, union_id)
    assert len(bad) == ROWS // BAD_EVERY

    rejected_before = _rejected_metric()
    summary = await _import(services, path)

    reported = {(e.row, e.code) for e in summary.errors}
    assert set(bad.items()) <= reported
    assert {e.row for e in summary.errors} == set(bad)  # no good row is rejected
    good = ROWS - len(bad)
    assert summary.rows == ROWS
    assert summary.rejected == len(bad)
    assert summary.created == good
    assert summary.created + summary.updated + summary.unchanged + summary.rejected == ROWS
    assert summary.conflicts == 0
    # the batch record and the metric count every rejected row, validation errors included
    assert _rejected_metric() - rejected_before == len(bad)
    stats = await services.stats.subtree_stats(COUNTY)
    assert stats.members == good
    assert (await services.stats.subtree_stats(union_id)).members == good
    assert await services.stats.verify() == []

    book = CalamineWorkbook.from_path(str(write_report(summary, tmp_path / "report.xlsx")))
    lines = book.get_sheet_by_name("错误明细").to_python()[1:]
    assert set(bad.items()) <= {(int(float(str(line[1]))), str(line[3])) for line in lines}
    # every reported row carries its cells as the file has them (the union code comes first)
    cells = {int(float(str(line[1]))): line[6:] for line in lines}
    assert all(cells[n] and cells[n][1] == E1 for n in bad)
    assert all(cells[n][0] == UNKNOWN_UNION for n, kind in bad.items() if kind == "UNION_NOT_FOUND")
