"""Imports end to end on a real engine: templates, validation, conflicts, idempotency,
traceability, rollups (verify() == []), bootstrap and the export → import round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.demo.generator import DemoConfig
from graph_service.domain.validation import make_temporary_code
from graph_service.errors import BadUserInput, Conflict
from graph_service.services.registry import Services
from graph_service.store import GraphStore
from loaders.exporter import export_subtree
from loaders.importer import Importer, ImportSummary
from loaders.report import write_report
from loaders.samples import (
    HUBEI_MEMBER_HEADER,
    credit_code,
    resident_id,
    write_attachment1,
    write_roster,
)
from tests.conftest import make_services, open_test_store

COUNTY = make_temporary_code("330522", 0)  # 长兴县总工会 as bootstrap names it
E1, E2, E3 = (credit_code("91", "330522", i) for i in (1, 2, 3))
U1 = credit_code("81", "330522", 11)


def _units(tmp: Path, *, count: int = 120) -> Path:
    return write_attachment1(
        tmp / "附件1.xlsx",
        [
            (
                1,
                "长兴丰华纺织有限公司",
                E1,
                "私营经济",
                "雉城街道",
                count,
                "长兴丰华纺织有限公司工会",
                "2001-05-06",
                "单建",
                100,
                "张伟",
                "13905721234",
                "",
            ),
            (
                2,
                "长兴小微甲商行",
                E2,
                "个体经济",
                "画溪街道",
                8,
                "画溪街道小微企业联合工会",
                "2010/5/6",
                "联合工会",
                12,
                "李娜",
                "0572-6021234",
                "",
            ),
            (
                3,
                "长兴小微乙商行",
                E3,
                "个体",
                "画溪街道",
                6,
                "画溪街道小微企业联合工会",
                dt.datetime(2010, 5, 6),
                "联合工会",
                12,
                "李娜",
                "0572-6021234",
                "",
            ),
            (
                4,
                "坏代码公司",
                "91330522000000001X",
                "私营经济",
                "",
                30,
                "坏代码公司工会",
                "2001年5月6日",
                "单建",
                10,
                "王五",
                "13905720000",
                "",
            ),
        ],
    )


def _people() -> list[tuple[object, ...]]:
    return [
        (
            1,
            "赵一",
            "男",
            resident_id("330522", "19850312", 11),
            "中国",
            "本科",
            "13905721001",
            "城镇",
            "长兴丰华纺织有限公司",
            "在岗",
            "主席",
        ),
        (
            2,
            "钱二",
            "女",
            resident_id("330522", "19900101", 22),
            "中国",
            "大专",
            "13905721002",
            "农村",
            "长兴丰华纺织有限公司",
            "在岗",
            "无",
        ),
        (
            3,
            "孙三",
            "男",
            resident_id("330522", "19600101", 33),
            "中国",
            "高中",
            "13905721003",
            "农业",
            "长兴丰华纺织有限公司",
            "退休",
            "无",
        ),
    ]


def _roster(tmp: Path, rows: list[tuple[object, ...]], name: str = "r.xlsx") -> Path:
    return write_roster(tmp / name, "长兴丰华纺织有限公司工会", rows)


async def _import(services: Services, *files: Path, **kw: object) -> ImportSummary:
    return await Importer(services.imports, chunk=1_000).run(
        [(f, f.name) for f in files],
        **kw,  # type: ignore[arg-type]
    )


async def _county(services: Services, tmp: Path) -> None:
    await services.imports.bootstrap("33", operator="test")
    summary = await _import(services, _units(tmp), union_id=COUNTY)
    assert (summary.rows, summary.created, summary.rejected) == (4, 3, 1)
    assert summary.errors[0].code == "ORG_CODE" and summary.errors[0].column == "单位组织机构代码证"


async def test_bootstrap_is_idempotent_and_keeps_rollups(services: Services) -> None:
    first = await services.imports.bootstrap("33", operator="test")
    again = await services.imports.bootstrap("33", operator="test")
    assert first.created > 50 and again.created == 0 and again.updated == 0
    county = await services.tree.get_union(COUNTY)
    assert county.name == "长兴县总工会" and county.level.value == "COUNTY"
    chain = [u.level.value for u in await services.tree.ancestors(COUNTY)]
    assert chain == ["NATIONAL", "PROVINCE", "CITY"]
    assert await services.stats.verify() == []


async def test_units_then_roster_validated_idempotent_and_traced(
    services: Services, store: GraphStore, tmp_path: Path
) -> None:
    await _county(services, tmp_path)
    joint = await services.tree.search_unions(
        name_contains="画溪街道小微企业联合工会", level=None, under=None, first=5, after=None
    )
    assert joint.total_count == 1  # two rows, one joint union covering two units
    people = _people()
    bad = [
        (
            4,
            "周四",
            "男",
            people[0][3][:17] + "0",
            "中国",
            "本科",
            "13905721004",
            "城镇",
            "",
            "在岗",
            "无",
        ),  # wrong checksum (and a fifth row repeating row 1)
        (
            5,
            "吴五",
            "女",
            resident_id("330522", "19850312", 51),
            "中国",
            "小学毕业",
            "1390572",
            "城镇",
            "",
            "在岗",
            "无",
        ),  # gender mismatch, bad education, bad mobile
        (6, "郑六", "男", people[0][3], "中国", "本科", "13905721006", "城镇", "", "在岗", "无"),
    ]
    roster = _roster(tmp_path, people + bad)
    summary = await _import(services, roster)
    assert (summary.rows, summary.created, summary.rejected) == (6, 3, 3)
    codes = {(e.row, e.code) for e in summary.errors}
    assert {(9, "ID_CHECKSUM"), (10, "GENDER_MISMATCH"), (10, "UNKNOWN_CODE")} <= codes
    assert (10, "MOBILE_FORMAT") in codes and (11, "DUPLICATE_IN_FILE") in codes
    edu = next(e for e in summary.errors if e.code == "UNKNOWN_CODE")
    assert edu.column == "学历" and "大学本科" in edu.message
    assert all(people[0][3] not in e.message for e in summary.errors)
    assert await services.stats.verify() == []
    stats = await services.stats.subtree_stats(COUNTY)
    assert (stats.members, stats.employers, stats.grassroots_unions) == (3, 3, 2)
    retired = await services.tree.member_by_certificate(str(people[2][3]))
    assert retired.status.value == "RETAINED" and retired.household_type == "2"

    again = await _import(services, roster)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    fixed = [(*people[1][:6], "13905729999", *people[1][7:])]
    corrected = await _import(services, _roster(tmp_path, people[:1] + fixed, "fix.xlsx"))
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, 1)
    assert await services.stats.verify() == []

    rows = await store.read(
        _q("import/get_members_by_cert_rows"), {"keys": [[f"01:{people[1][3]}"]]}
    )
    props = rows[0]["props"]
    assert props["phone"] == "13905729999" and props["srcRow"] == 7  # type: ignore[index]
    batch = props["srcBatch"]  # type: ignore[index]
    assert batch == corrected.batch_ids[0]

    report = write_report(summary, tmp_path / "report.xlsx")
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(report))
    errs = book.get_sheet_by_name("错误明细").to_python()
    assert errs[0][:5] == ["工作表", "行号", "列", "错误代码", "错误说明"]
    assert any(r[1] == 9 and r[3] == "ID_CHECKSUM" and "周四" in r for r in errs[1:])


async def test_conflict_names_the_other_union_and_moves_nobody(
    services: Services, tmp_path: Path
) -> None:
    await _county(services, tmp_path)
    await _import(services, _roster(tmp_path, _people()))
    other = write_roster(
        tmp_path / "other.xlsx",
        "画溪街道小微企业联合工会",
        [
            (
                1,
                "赵一",
                "男",
                _people()[0][3],
                "中国",
                "本科",
                "13905721001",
                "城镇",
                "长兴小微甲商行",
                "在岗",
                "无",
            )
        ],
    )
    summary = await _import(services, other)
    assert (summary.created, summary.rejected, summary.conflicts) == (0, 1, 1)
    assert summary.errors[0].code == "MEMBER_ACTIVE_ELSEWHERE"
    assert "长兴丰华纺织有限公司工会" in summary.errors[0].message
    member = await services.tree.member_by_certificate(str(_people()[0][3]))
    home = await services.imports.union_by_exact_name("长兴丰华纺织有限公司工会")
    assert home != await services.imports.union_by_exact_name("画溪街道小微企业联合工会")
    assert member.union_id == home  # still in the first union: the conflict moved nobody
    assert await services.stats.verify() == []


async def test_hubei_fields_and_dry_run(services: Services, tmp_path: Path) -> None:
    await _county(services, tmp_path)
    rows = [
        (
            1,
            "冯七",
            "居民身份证",
            resident_id("330522", "19880808", 71),
            "+86 139-0572-1007",
            dt.date(2015, 3, 1),
            "是",
            "中共党员",
            "委员",
            "兼职",
        ),
        (
            2,
            "陈八",
            "身份证",
            resident_id("330522", "19920202", 82),
            "13905721008",
            "",
            "否",
            "群众",
            "无",
            "无",
        ),  # 入会时间 missing: must-collect in the Hubei layout, a gap (imported)
    ]
    path = write_roster(
        tmp_path / "hubei.xlsx", "长兴丰华纺织有限公司工会", rows, header=HUBEI_MEMBER_HEADER
    )
    strict = await _import(services, path, dry_run=True, strict=True)
    assert (strict.created, strict.rejected, strict.with_gaps) == (1, 1, 0)
    assert strict.errors[0].code == "REQUIRED" and strict.errors[0].column == "入会时间"
    dry = await _import(services, path, dry_run=True)
    assert (dry.created, dry.rejected, dry.with_gaps, dry.gaps) == (2, 0, 1, 1)
    assert [(g.row, g.column) for g in dry.errors.gaps()] == [(7, "入会时间")]  # meta lines above
    assert (await services.stats.subtree_stats(COUNTY)).members == 0
    done = await _import(services, path)
    assert (done.created, done.with_gaps) == (2, 1)
    stats = await services.stats.subtree_stats(COUNTY)
    assert (stats.members, stats.new_form_worker_members) == (2, 1)
    assert await services.stats.verify() == []


async def test_file_level_errors_write_nothing(services: Services, tmp_path: Path) -> None:
    await services.imports.bootstrap("33", operator="test")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadUserInput) as exc:
        await _import(services, junk, union_id=COUNTY)
    assert exc.value.reason == "CORRUPT_FILE"
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\x00\x00\x00")
    with pytest.raises(BadUserInput) as exc:
        await _import(services, binary, union_id=COUNTY)
    assert exc.value.reason == "NOT_SPREADSHEET"
    missing = write_roster(tmp_path / "m.xlsx", None, [(1, "x")], header=("序号", "姓名", "性别"))
    with pytest.raises(BadUserInput) as exc:
        await _import(services, missing, union_id=COUNTY)
    assert exc.value.reason in ("MISSING_COLUMNS",)
    nameless = write_roster(tmp_path / "n.xlsx", "没有这个工会", _people())
    with pytest.raises(Exception) as exc2:
        await _import(services, nameless)
    assert getattr(exc2.value, "reason", "") == "UNION_NAME_NOT_FOUND"
    assert await services.stats.verify() == []


async def test_ambiguous_union_name_is_refused(services: Services, tmp_path: Path) -> None:
    await _county(services, tmp_path)
    twin = write_attachment1(
        tmp_path / "twin.xlsx",
        [
            (
                1,
                "另一家公司",
                credit_code("91", "330522", 9),
                "私营经济",
                "",
                30,
                "长兴丰华纺织有限公司工会",
                "2002-01-01",
                "单建",
                1,
                "甲",
                "13905720001",
                "",
            )
        ],
    )
    await _import(services, twin, union_id=make_temporary_code("330500", 0))
    with pytest.raises(Conflict) as exc:
        await _import(services, _roster(tmp_path, _people()))
    assert exc.value.reason == "UNION_NAME_AMBIGUOUS"


async def test_export_then_import_reproduces_subtree_stats(
    services: Services, tmp_path: Path, falkordb_server: object, store: GraphStore
) -> None:
    # members of dissolved unions (空挂) are exported but refused on import: none here
    await services.demo.load(DemoConfig(members=600, seed=3, dissolved_union_share=0.0))
    root = (await services.imports._national_root()) or ""
    out = tmp_path / "export.xlsx"
    counts = await export_subtree(services.imports, root, out)
    assert counts["members"] > 500
    before = await services.stats.subtree_stats(root)
    # a fresh graph (on Neo4j, the one test database emptied: the export is read back alone)
    target = await open_test_store(store.engine, falkordb_server)  # type: ignore[arg-type]
    try:
        fresh = make_services(target)
        summary = await _import(fresh, out)
        assert summary.rejected == 0, summary.errors[:5]
        after = await fresh.stats.subtree_stats(root)
        assert after == before
        assert await fresh.stats.verify() == []
    finally:
        await target.drop()  # type: ignore[attr-defined]
        await target.close()


def _q(name: str) -> object:
    from graph_service.queries import q

    return q(name)


async def test_files_read_by_the_worker_process(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large files take the worker process (workbooks are even located there); forced here
    for small ones: the same answers, and the report has the cells of rows the register
    refuses although the worker sends only the invalid rows' cells."""
    import loaders.importer

    monkeypatch.setattr(loaders.importer, "_PROCESS_FROM_BYTES", 0)
    await _county(services, tmp_path)  # 附件1 located in the worker, its units read here
    people = _people()
    stranger = (4, "王八", "男", resident_id("330522", "19850312", 71), "中国", "本科")
    stranger += ("13905721008", "城镇", "没有这家单位", "在岗", "无")
    broken = (5, "周四", "男", people[0][3][:17] + "0", "中国", "本科", "13905721004")  # type: ignore[index]
    broken += ("城镇", "", "在岗", "无")
    roster = _roster(tmp_path, [*people, stranger, broken])
    summary = await _import(services, roster)
    assert (summary.rows, summary.created, summary.rejected) == (5, 3, 2)
    assert {(e.row, e.code) for e in summary.errors} == {
        (9, "EMPLOYER_NOT_FOUND"),
        (10, "ID_CHECKSUM"),
    }
    assert summary.cells[("r.xlsx/花名册", 9)][1:3] == ["王八", "男"]
    assert summary.cells[("r.xlsx/花名册", 10)][1] == "周四"
    assert await services.stats.verify() == []
    again = await _import(services, roster)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 2)
    header = ("序号", "身份证号码", "性别")  # no 姓名
    missing = write_roster(tmp_path / "m.xlsx", None, [(1, "x")], header=header)
    with pytest.raises(BadUserInput) as exc:
        await _import(services, missing, union_id=COUNTY)
    assert exc.value.reason == "MISSING_COLUMNS" and exc.value.details["sheet"] == "花名册"
