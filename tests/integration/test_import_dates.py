"""Roster imports apply the API's date rules (issue 16, finding 8; ``domain.dates``): joining
before the member's 16th birthday (read from the resident ID) or in the future is a row error,
coded and in Chinese; the other rows of the file import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.services.registry import Services
from loaders.samples import CANONICAL_MEMBER_HEADER, resident_id, write_csv
from tests.integration.test_import import COUNTY, _county, _import
from tests.integration.test_import_bad_rows import _good

JOINED = 11  # the 入会时间 column of the canonical roster


async def test_roster_rows_joining_too_young_or_in_the_future_are_rejected(
    services: Services, tmp_path: Path
) -> None:
    await _county(services, tmp_path)
    found = await services.tree.search_unions(
        name_contains="长兴丰华纺织有限公司工会", level=None, under=None, first=5, after=None
    )
    union_id = found.items[0].id
    rows = [_good(i, union_id) for i in range(6)]
    born = dt.date(1990, 6, 15)
    rows[1][5] = resident_id("330522", born.strftime("%Y%m%d"), 201)
    rows[1][JOINED] = "1700-01-01"  # the member joining in 1700
    rows[2][5] = resident_id("330522", born.strftime("%Y%m%d"), 202)
    rows[2][JOINED] = "2006-06-14"  # the day before the 16th birthday
    rows[3][5] = resident_id("330522", born.strftime("%Y%m%d"), 203)
    rows[3][JOINED] = "2006-06-15"  # the 16th birthday itself: accepted
    rows[4][JOINED] = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    rows[5][5] = resident_id("330522", "20000229", 205)  # 16 on 29 February 2016
    rows[5][JOINED] = "2016-02-28"
    path = write_csv(tmp_path / "members.csv", CANONICAL_MEMBER_HEADER, rows)

    summary = await _import(services, path)

    got = {(e.row, e.code, e.column, e.message) for e in summary.errors}
    young = "入会时间不能早于年满16周岁之日（以身份证号码中的出生日期计）"
    assert got == {
        (3, "JOINED_BEFORE_16", "入会时间", young),
        (4, "JOINED_BEFORE_16", "入会时间", young),
        (6, "DATE_IN_FUTURE", "入会时间", "日期不能晚于今天"),
        (7, "JOINED_BEFORE_16", "入会时间", young),
    }
    assert (summary.rows, summary.rejected, summary.created) == (6, 4, 2)
    assert (await services.stats.subtree_stats(COUNTY)).members == 2
    assert await services.stats.verify() == []
