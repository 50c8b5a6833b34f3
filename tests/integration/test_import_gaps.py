"""Errors versus gaps, as a county office fills its rosters (DOMAIN.md "Required fields").

A Changxing 附件3 roster whose 担任工会职务 is blank for ordinary members (they hold no post)
and whose 手机号码 is blank on some rows imports every otherwise valid member: the blank post is
stored as "no post", the blank phones are gaps listed apart from the errors in the report and
counted by ``dataQuality``; the same files imported again change nothing. A 附件1 row giving
union details without a 工会名称 is an error, not an employer without a union.
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook

from graph_service.domain.commands import CreateUnion
from graph_service.services.registry import Services
from loaders.importer import Importer, ImportSummary
from loaders.report import write_report
from loaders.samples import credit_code, resident_id, write_attachment1, write_roster
from tests.integration.test_import import COUNTY, E1

MEMBERS = 120
FIRST = 6  # title, 工会名称, 联系人, 联系电话, header: members start on row 6
UNION = "长兴丰华纺织有限公司工会"
E4 = credit_code("91", "330522", 4)


async def _import(services: Services, *files: Path, **kw: object) -> ImportSummary:
    return await Importer(services.imports, chunk=50).run(
        [(f, f.name) for f in files],
        **kw,  # type: ignore[arg-type]
    )


def _units(tmp: Path) -> Path:
    return write_attachment1(
        tmp / "附件1.xlsx",
        [
            (1, "长兴丰华纺织有限公司", E1, "私营经济", "雉城街道", 150, UNION, "2001-05-06",
             "单建", 120, "张伟", "13905721234", ""),
            # union details (建会时间, 工会类型, 负责人) but no 工会名称: an error, not a bare unit
            (2, "长兴某机械厂", E4, "私营经济", "", 40, "", "2012-01-01", "单建", 30, "钱某",
             "13905720001", ""),
            # a union without 建会时间: a gap, imported
            (3, "长兴某服装厂", credit_code("91", "330522", 5), "私营经济", "", 30,
             "长兴某服装厂工会", "", "单建", 20, "孙某", "13905720002", ""),
        ],
    )  # fmt: skip


def _number(i: int) -> str:
    return resident_id("330522", f"198{i % 10}0{1 + i % 9}1{i % 10}", 100 + i)


def _roster(tmp: Path) -> tuple[Path, set[int], set[int]]:
    """120 valid members (3 with a post, 12 without a phone) and 4 bad rows; returns the
    file, the rows expected rejected and the rows expected with a gap."""
    rows: list[tuple[object, ...]] = []
    gap_rows: set[int] = set()
    for i in range(MEMBERS):
        post = ("主席", "副主席", "委员")[i] if i < 3 else ""
        phone = "" if i % 10 == 9 else f"139{i:08d}"
        if not phone:
            gap_rows.add(FIRST + i)
        number = _number(i)
        rows.append((i + 1, f"会员{i}", "", number, "中国", "本科", phone, "城镇",
                     "长兴丰华纺织有限公司", "在岗", post))  # fmt: skip
    good = str(rows[0][3])
    bad = [
        ("坏一", good[:17] + ("0" if good[17] != "0" else "1")),  # checksum
        ("坏二", good),  # the same certificate as the first row
        ("坏三", "12345"),  # not an ID
        ("坏四", ""),  # no certificate: the key is missing
    ]
    for j, (name, number) in enumerate(bad):
        rows.append((MEMBERS + j + 1, name, "", number, "中国", "本科", "13900000000", "城镇",
                     "长兴丰华纺织有限公司", "在岗", ""))  # fmt: skip
    rejected = {FIRST + MEMBERS + j for j in range(len(bad))}
    return write_roster(tmp / "附件3.xlsx", UNION, rows), rejected, gap_rows


async def test_changxing_roster_imports_every_valid_member_and_lists_gaps_apart(
    services: Services, tmp_path: Path
) -> None:
    await services.imports.bootstrap("33", operator="test")
    units = await _import(services, _units(tmp_path), union_id=COUNTY)
    assert [(e.row, e.code) for e in units.errors] == [(4, "UNION_NAME_REQUIRED")]
    assert units.errors[0].column == "工会名称"
    assert (units.created, units.rejected, units.with_gaps) == (2, 1, 1)
    assert [(g.row, g.column) for g in units.errors.gaps()] == [(5, "建会时间")]
    unit_sheet = next(iter(units.errors.by_row()))
    assert unit_sheet[1][1] == "长兴某机械厂"  # the report keeps the row's cells

    path, rejected, gap_rows = _roster(tmp_path)
    summary = await _import(services, path)
    assert summary.created == MEMBERS  # every otherwise valid member, posts blank or not
    assert {e.row for e in summary.errors} == rejected and summary.rejected == len(rejected)
    assert {g.row for g in summary.errors.gaps()} == gap_rows
    assert {g.column for g in summary.errors.gaps()} == {"手机号码"}
    assert (summary.with_gaps, summary.gaps) == (len(gap_rows), len(gap_rows))
    codes = {e.code for e in summary.errors}
    assert {"ID_CHECKSUM", "DUPLICATE_IN_FILE", "REQUIRED"} <= codes

    ordinary = await services.tree.member_by_certificate(_number(3))
    assert (ordinary.union_post, ordinary.union_post_type) == ("无", "0")  # no post
    chair = await services.tree.member_by_certificate(_number(0))
    assert chair.union_post == "主席"

    report = write_report(summary, tmp_path / "report.xlsx")
    book = CalamineWorkbook.from_path(str(report))
    assert book.sheet_names == ["汇总", "错误明细", "缺项明细"]
    errors = book.get_sheet_by_name("错误明细").to_python()
    gaps = book.get_sheet_by_name("缺项明细").to_python()
    assert {int(r[1]) for r in errors[1:] if r[1] != ""} == rejected
    assert {int(r[1]) for r in gaps[1:]} == gap_rows and {r[2] for r in gaps[1:]} == {"手机号码"}
    head = dict((r[0], r[1]) for r in book.get_sheet_by_name("汇总").to_python() if len(r) > 1)
    assert head["已导入但有必采项未填的行"] == len(gap_rows)
    assert head["拒绝"] == len(rejected)

    quality = await services.data_quality.data_quality(union_id=COUNTY)
    row = next(r for r in quality.children if r.union.name == UNION)
    assert row.members == MEMBERS
    missing = {c.key: c.count for c in row.missing_member_fields}
    assert missing["phone"] == len(gap_rows)
    assert missing["unionPost"] == 0  # "no post" is a value
    assert missing["unionPostType"] == 3  # no post: type 0; the 3 posts' 专兼职 not in 附件3
    assert row.members_with_gaps == MEMBERS  # 附件3 has no 入会时间, 政治面貌 …: every row

    again = await _import(services, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, MEMBERS)
    units_again = await _import(services, _units(tmp_path), union_id=COUNTY)
    assert (units_again.created, units_again.updated) == (0, 0)
    assert await services.stats.verify() == []


async def test_strict_turns_gaps_into_errors(services: Services, tmp_path: Path) -> None:
    await services.imports.bootstrap("33", operator="test")
    await _import(services, _units(tmp_path), union_id=COUNTY)
    path, rejected, gap_rows = _roster(tmp_path)
    summary = await _import(services, path, strict=True, dry_run=True)
    assert summary.created == MEMBERS - len(gap_rows)
    assert {e.row for e in summary.errors} == rejected | gap_rows
    assert summary.with_gaps == 0
    assert {e.code for e in summary.errors if e.row in gap_rows} == {"REQUIRED"}


async def test_a_union_without_founding_date_round_trips(
    services: Services, tmp_path: Path
) -> None:
    """Every union the API can create exports and imports back: one without 建会日期, 届期 or
    a code (a temporary one) is imported with its gaps, not rejected."""
    from loaders.exporter import export_subtree

    await services.imports.bootstrap("33", operator="test")
    made = await services.affiliation.create_union(
        command=CreateUnion.of(
            {
                "parentId": COUNTY,
                "name": "长兴某新建工会",
                "level": "GRASSROOTS",
                "kind": "单独基层工会",
            }
        ),
        actor="test",
    )
    out = tmp_path / "export.xlsx"
    await export_subtree(services.imports, COUNTY, out)
    again = await _import(services, out)
    assert again.rejected == 0, list(again.errors)[:3]
    assert (again.created, again.updated) == (0, 0)
    assert again.with_gaps >= 1
    assert (await services.tree.get_union(made.id)).founded_on is None
    assert await services.stats.verify() == []


async def test_unused_columns_and_a_roster_naming_another_union_are_said(
    services: Services, tmp_path: Path
) -> None:
    """A 民族 column is read by no field: the summary says so. A roster whose 工会名称 names
    another union than the one given is imported into the given one, with a warning."""
    await services.imports.bootstrap("33", operator="test")
    await _import(services, _units(tmp_path), union_id=COUNTY)
    other = (await services.tree.search_unions(
        name_contains="长兴某服装厂工会", level=None, under=None, first=1, after=None
    )).items[0].id  # fmt: skip
    header = ("序号", "姓名", "性别", "民族", "身份证号码", "手机号码", "担任工会职务")
    rows = [(1, "赵一", "", "汉族", _number(0), "13900000001", "")]
    path = write_roster(tmp_path / "民族.xlsx", UNION, rows, header=header)
    summary = await _import(services, path, union_id=other)
    assert summary.created == 1 and summary.rejected == 0
    assert summary.unused_columns == ["民族.xlsx/花名册：民族"]
    assert len(summary.warnings) == 1 and UNION in summary.warnings[0]
    member = await services.tree.member_by_certificate(_number(0))
    assert member.union_id == other
    own = await _import(services, path)  # into the roster's own 工会名称: no warning, and
    assert own.warnings == [] and own.conflicts == 1  # the member is the other union's now
