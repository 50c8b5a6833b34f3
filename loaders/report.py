"""The error report: every rejected row with sheet, row, column, code and Chinese message,
followed by the row's own cells, so the office can fix the rows and send them again."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from loaders.importer import ImportSummary
from loaders.safe_cells import safe_row

_COLUMNS = ("工作表", "行号", "列", "错误代码", "错误说明", "冲突")


def _cell(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_report(summary: ImportSummary, out: Path) -> Path:
    """Write the report xlsx (a summary sheet and an errors sheet)."""
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
    ):
        head.append(safe_row(head, [label, value]))
    sheet = book.create_sheet("错误明细")
    bold = Font(bold=True)
    header = []
    for title in (*_COLUMNS, "原始数据（按原表列顺序）→"):
        cell = _header_cell(sheet, title, bold)
        header.append(cell)
    sheet.append(header)
    for e, cells in summary.errors.by_row():
        row = [e.sheet, e.row, e.column, e.code, e.message, "是" if e.conflict else ""]
        sheet.append(safe_row(sheet, row + [_cell(c) for c in cells]))
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _header_cell(sheet: object, title: str, font: Font) -> object:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=title)
    cell.font = font
    return cell
