"""Sample files in the templates' own layout (title rows, 工会名称/联系人/联系电话 above the
roster, merged title cells), for tests, benchmarks and demonstrations."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from stdnum.cn import ric, uscc

if TYPE_CHECKING:
    from graph_service.demo.generator import DemoProvince

ATTACHMENT1_HEADER = (
    "序号",
    "单位名称",
    "单位组织机构代码证",
    "单位性质",
    "单位地址",
    "职工人数",
    "工会名称",
    "建会时间",
    "工会类型",
    "会员人数",
    "工会负责人",
    "联系电话",
    "备注",
)
ATTACHMENT3_HEADER = (
    "序号",
    "姓名",
    "性别",
    "身份证号码",
    "国籍",
    "学历",
    "手机号码",
    "户籍类型",
    "所属单位",
    "就业状况",
    "担任工会职务",
)
HUBEI_MEMBER_HEADER = (
    "序号",
    "姓名",
    "证件类型",
    "证件号码",
    "联系电话",
    "入会时间",
    "新就业形态劳动者",
    "政治面貌",
    "工会职务",
    "专兼职工会职务标识",
)
CANONICAL_MEMBER_HEADER = (
    "工会编码",
    "单位代码",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "手机号码",
    "户籍类型",
    "政治面貌",
    "学历",
    "新就业形态劳动者",
    "入会时间",
    "会籍状态",
    "工会职务",
    "专兼职",
)


def resident_id(region: str, birth: str, seq: int) -> str:
    """A valid 18-character resident ID (seq's last digit: odd male, even female)."""
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(prefix: str, region: str, serial: int) -> str:
    """A valid unified social credit code: prefix (2) + region (6) + 9-char serial + check."""
    body = f"{prefix}{region}{serial:09d}"
    return body + uscc.calc_check_digit(body)


def write_attachment1(path: Path, rows: Iterable[Sequence[object]], *, title: str = "") -> Path:
    """附件1 组织信息采集汇总表: a merged title row, the header, rows, a 备注 line."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "附件1"
    sheet.append([title or "长兴县基层工会组织信息采集汇总表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ATTACHMENT1_HEADER))
    sheet.append(list(ATTACHMENT1_HEADER))
    for row in rows:
        sheet.append(list(row))
    sheet.append(["备注：1. 此表转制成 EXCEL；3. 建会时间：以“2001-05-06”的格式填写"])
    book.save(path)
    return path


def write_roster(
    path: Path,
    union_name: str | None,
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str] = ATTACHMENT3_HEADER,
    contact: str = "吴可青",
    phone: str = "0572-6022447",
) -> Path:
    """附件3 会员花名册: a merged title, 工会名称/联系人/联系电话 lines, the header, rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(["长兴县基层工会会员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    if union_name is not None:
        sheet.append([f"工会名称：{union_name}"])
    sheet.append(["联系人:", contact])
    sheet.append([f"联系电话：{phone}"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8"
) -> Path:
    """A canonical CSV file (one header row)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A canonical xlsx file (one header row), streamed."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("members")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


# ------------------------------------------------------------------ files from a demo province

DEMO_UNIT_HEADER = (
    "工会编码",
    "工会名称",
    "工会层级",
    "工会类型",
    "工会状态",
    "上级工会代码",
    "工会行政区划代码",
    "建会日期",
    "届期",
    "单位名称",
    "单位统一社会信用代码",
    "单位性质",
    "职工人数",
    "单位行政区划代码",
)
"""Canonical unions-and-units file written by :func:`demo_unit_rows`."""


def demo_unit_rows(province: DemoProvince) -> Iterator[list[object]]:
    """One row per (union, employer it covers) of a generated province, then uncovered employers."""
    by_union: dict[str, list[dict[str, object]]] = {}
    for e in province.employers:
        by_union.setdefault(str(e["unionId"]), []).append(e)
    for u in province.unions:
        base = [u[k] for k in ("id", "name", "level", "kind", "status", "parentId")]
        base += [u["regionCode"], u["foundedOn"], u["termEndsOn"]]
        covered = by_union.get(str(u["id"]))
        if not covered:
            yield base + [None] * len(_EMPLOYER_KEYS)
        for e in covered or ():
            yield base + [e[k] for k in _EMPLOYER_KEYS]
    for e in by_union.get("None", []):
        yield [None] * 9 + [e[k] for k in _EMPLOYER_KEYS]


_EMPLOYER_KEYS = ("name", "id", "nature", "employeeCount", "regionCode")


def demo_member_rows(province: DemoProvince) -> Iterator[list[object]]:
    """Canonical member rows (CANONICAL_MEMBER_HEADER) of a generated province, file order =
    generation order; members the generator left without a union are not written."""
    for batch in province.member_batches(10_000):
        for m in batch:
            if m["unionId"] is None:
                continue
            yield [
                m["unionId"],
                m["employerId"],
                m["name"],
                m["gender"],
                "01",
                m["certNumber"],
                m["phone"],
                m["householdType"],
                m["political"],
                m["education"],
                "是" if m["newFormWorker"] else "否",
                m["joinedOn"],
                m["status"],
                m["unionPost"],
                m["unionPostType"],
            ]
