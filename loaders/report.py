"""The import report: a summary, every rejected row with sheet, row, column, code and Chinese
message followed by the row's own cells (so the office can fix the rows and send them again),
and apart from them the gaps: must-collect (必采) fields left blank on rows that were imported."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from loaders.importer import ImportSummary
from loaders.safe_cells import risky, safe_row, text_cell, xml_safe

_COLUMNS = ("工作表", "行号", "列", "错误代码", "错误说明", "冲突")


def _cell(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_report(summary: ImportSummary, out: Path) -> Path:
    """Write the report xlsx (汇总, 错误明细 and 缺项明细 sheets)."""
    book = Workbook(write_only=True)
    head = book.create_sheet("汇总")
    head.append(["项目", "数值"])
    for label, value in (
        ("文件", "、".join(summary.files)),
        ("批次", "、".join(summary.batch_ids)),
        ("试运行（未写入）", "是" if summary.dry_run else "否"),
        ("读取行数", summary.rows),
        ("新增", summary.created),
        ("更新", summary.updated),
        ("未变化", summary.unchanged),
        ("拒绝", summary.rejected),
        ("冲突", summary.conflicts),
        ("已导入但有必采项未填的行", summary.with_gaps),
        ("未填的必采项（格）", summary.gaps),
        ("严格模式（必采项未填即拒绝）", "是" if summary.strict else "否"),
    ):
        head.append(safe_row(head, [label, value]))
    for column, count in summary.errors.gaps_by_column():
        head.append(safe_row(head, [f"未填：{column}", count]))
    for unused in summary.unused_columns:
        head.append(safe_row(head, ["未使用的列", unused]))
    for warning in summary.warnings:
        head.append(safe_row(head, ["注意", warning]))
    sheet = book.create_sheet("错误明细")
    bold = Font(bold=True)
    sheet.append([_header_cell(sheet, t, bold) for t in (*_COLUMNS, *_raw_titles(summary))])
    for e, cells in summary.errors.by_row():
        row = [e.sheet, e.row, e.column, e.code, e.message, "是" if e.conflict else ""]
        sheet.append(safe_row(sheet, row + [_cell(c) for c in cells]))
    if len({tuple(h) for h in summary.headers.values()}) > 1:
        names = book.create_sheet("原表列名")
        for label, titles in summary.headers.items():
            names.append(safe_row(names, [label, *titles]))
    gaps = book.create_sheet("缺项明细")
    gaps.append([_header_cell(gaps, t, bold) for t in ("工作表", "行号", "未填的必采项", "说明")])
    for g in summary.errors.gaps():
        gaps.append(safe_row(gaps, [g.sheet, g.row, g.column, "已导入；请补采"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _raw_titles(summary: ImportSummary) -> list[str]:
    """Titles of the raw-data columns: the file's own headers when every sheet with a rejected
    row has the same ones (the usual case), else a pointer to the 原表列名 sheet."""
    sheets = {e.sheet for e in summary.errors}
    titles = {tuple(summary.headers.get(s, ())) for s in sheets}
    if len(titles) == 1:
        only = next(iter(titles))
        if only:
            return [f"原表：{t}" if t else "原表：（无列名）" for t in only]
    return ["原始数据（按原表列顺序，列名见“原表列名”）→"]


def _header_cell(sheet: object, title: str, font: Font) -> object:
    from openpyxl.cell import WriteOnlyCell

    # a title may be the uploaded file's own header: never a live formula
    cell = text_cell(sheet, title) if risky(title) else WriteOnlyCell(sheet, value=xml_safe(title))
    cell.font = font
    return cell
