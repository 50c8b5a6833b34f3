"""The ``union-tree import`` command's work: progress (rich on a terminal, plain lines in a
pipe), the summary and the report file."""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from graph_service.bootstrap import Runtime
from graph_service.errors import BadUserInput
from loaders.importer import Importer, ImportSummary
from loaders.limits import FileLimits
from loaders.report import write_report


def summary_line(s: ImportSummary) -> str:
    """The summary in one Chinese line."""
    mode = "（试运行，未写入）" if s.dry_run else ""
    gaps = f"；已导入但有必采项未填 {s.with_gaps} 行（共 {s.gaps} 项）" if s.with_gaps else ""
    return (
        f"共读取 {s.rows} 行：新增 {s.created}，更新 {s.updated}，未变化 {s.unchanged}，"
        f"拒绝 {s.rejected}（其中冲突 {s.conflicts}）{gaps}；用时 {s.seconds:.1f} 秒{mode}"
    )


async def run_import(
    runtime: Runtime,
    files: Sequence[Path],
    union: str | None,
    dry_run: bool,
    report: Path | None,
    console: Console,
    *,
    strict: bool = False,
) -> ImportSummary:
    """Import the files with progress, print the summary, write the report if asked."""
    for path in files:
        if not path.is_file():
            raise BadUserInput(f"文件不存在：{path}", reason="FILE_NOT_FOUND", field="file")
    limits = FileLimits.of(runtime.settings)
    importer = Importer(
        runtime.services.imports, chunk=runtime.settings.write_batch_size, limits=limits
    )
    named = [(p, p.name) for p in files]
    tty = sys.stderr.isatty()
    last = [0.0]
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        disable=not tty,
    ) as bar:
        task = bar.add_task("导入中", total=None)

        def progress(done: int, rate: float) -> None:
            if tty:
                bar.update(task, description=f"进行中：已处理 {done:,} 行（{rate:,.0f} 行/秒）")
            elif time.monotonic() - last[0] >= 2.0:
                last[0] = time.monotonic()
                console.print(f"进行中：已处理 {done} 行，{rate:.0f} 行/秒", highlight=False)

        summary = await importer.run(
            named,
            union_id=union,
            dry_run=dry_run,
            operator=getpass.getuser(),
            progress=progress,
            strict=strict,
        )
    console.print(summary_line(summary), highlight=False)
    for warning in summary.warnings:
        console.print(f"  [yellow]注意[/yellow] {warning}", highlight=False)
    for unused in summary.unused_columns:
        console.print(f"  未使用的列：{unused}", highlight=False)
    for e, _ in islice(summary.errors.by_row(), 20):  # in row order
        console.print(
            f"  {e.sheet} 第{e.row}行 [{e.column}] {e.code}：{e.message}",
            highlight=False,
            markup=False,  # "[列]" is text, not a style tag
        )
    if len(summary.errors) > 20:
        console.print(f"  ……共 {len(summary.errors)} 条错误", highlight=False)
    for column, count in summary.errors.gaps_by_column():
        console.print(f"  必采项未填（已导入）：{column} {count} 行", highlight=False)
    if report is not None:
        write_report(summary, report)
        console.print(f"导入报告（汇总、错误明细、缺项明细）：{report}", highlight=False)
    return summary
