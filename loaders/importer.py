"""Import orchestration: check every file first (nothing is written when a file is unreadable,
empty or lacks columns), then unions and units, then members in chunks.

Member sheets are a pipeline of three stages. Reading and validating run ahead (in a worker
process for large files, which also locates the header of a large workbook, so the parent
never loads it; else a thread); the worker sends each chunk's valid rows in columns
(``MemberChunk``) and only the invalid rows' cells. The planner checks chunks against the
register (reads) up to two chunks ahead of the one writer, which runs each chunk's one write
statement in file order. Chunks never share a certificate (in-file duplicates are refused
before), so a chunk's look-ups cannot depend on an earlier chunk's write. Memory: a few chunks
in flight, plus the worker's certificates seen (in-file duplicates, 12 bytes a resident ID); a
large workbook sheet is parsed by calamine in parts of 16 MB of XML (loaders/xlsx_parts.py), in
the worker; CSV is streamed."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.spawn
import os
import secrets
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from graph_service.errors import BadUserInput, FileTooLarge, FileUnprocessable, UnionTreeError
from graph_service.services.imports import (
    BatchInfo,
    ImportService,
    MemberChunk,
    MemberPlan,
    Outcome,
    UnitRow,
    new_batch_id,
)
from loaders import worker_main
from loaders.headers import Header, detect
from loaders.limits import FileLimits, check_csv_fields, check_file, check_row
from loaders.readers import Cells, RawSheet, is_workbook, open_sheets, sha256_of
from loaders.rejections import RejectedCells, RejectedRows
from loaders.rows import MemberRows, RowError, RowGap, UnitRows, blank
from loaders.templates import MEMBER_COLUMNS, MEMBER_REQUIRED, UNIT_COLUMNS, UNIT_REQUIRED
from loaders.worker_limits import WorkerGuard

Progress = Callable[[int, float], None]
_T = TypeVar("_T")
_SCAN = 30  # rows searched for the header
_SKIP_PREFIXES = ("备注", "注:", "注：", "说明", "合计", "填表")
_PROCESS_FROM_BYTES = 2 << 20  # member files from 2 MiB (~15k rows) validate in a worker process
_AHEAD = 3  # validated chunks queued ahead of the planner (bounds memory)
_PLANNED_AHEAD = 2  # planned chunks queued ahead of the writer
_KEPT = _AHEAD + 2  # chunks whose raw rows a worker keeps for the error report


@dataclass
class ImportSummary:
    """What an import did (the same figures for the CLI and the HTTP endpoint)."""

    files: list[str]
    batch_ids: list[str]
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0
    with_gaps: int = 0  # imported rows leaving a must-collect field blank
    gaps: int = 0  # blank must-collect cells of those rows
    strict: bool = False  # gaps were errors
    unused_columns: list[str] = field(default_factory=list)  # "sheet：列" read but not used
    warnings: list[str] = field(default_factory=list)  # e.g. roster 工会名称 ≠ --union
    headers: dict[str, list[str]] = field(default_factory=dict)  # sheet -> original headers
    seconds: float = 0.0
    errors: RejectedRows = field(default_factory=RejectedRows)  # kept out of memory

    @property
    def cells(self) -> RejectedCells:
        """The cells of the rejected rows, by (sheet, row)."""
        return self.errors.cells

    def as_dict(self) -> dict[str, object]:
        """The summary without the error rows (for JSON)."""
        keys = ("files", "batch_ids", "dry_run", "rows", "created", "updated", "unchanged")
        out: dict[str, object] = {k: getattr(self, k) for k in keys}
        out |= {"rejected": self.rejected, "conflicts": self.conflicts, "seconds": self.seconds}
        out |= {"rowsWithGaps": self.with_gaps, "gaps": self.gaps, "strict": self.strict}
        out["unusedColumns"] = self.unused_columns
        out["warnings"] = self.warnings
        out["batchIds"], out["dryRun"] = out.pop("batch_ids"), out.pop("dry_run")
        return out


@dataclass
class _Sheet:
    file: int
    name: str
    header: Header
    rows: Iterator[tuple[int, Cells]]
    headers: list[str]
    union_id: str | None = None
    token: str = ""  # names the sheet's stream in the worker process
    warning: str = ""  # said in the summary (the roster names another union than --union)


@dataclass
class _File:
    path: Path
    name: str
    batch: BatchInfo
    sheets: list[_Sheet]
    counts: Outcome = field(default_factory=Outcome)


def _rows_after(
    header_row: int, first: list[tuple[int, Cells]], rest: Iterator[tuple[int, Cells]]
) -> Iterator[tuple[int, Cells]]:
    for n, cells in first:
        if n > header_row:
            yield n, cells
    yield from rest


def _locate(raw: RawSheet, file_name: str) -> _Sheet | str | None:
    """The sheet's header, None when empty, or 'nohead' when filled but without a known header."""
    first = list(islice(raw.rows, _SCAN))
    if not any(not blank(c) for _, cells in first for c in cells):
        return None
    header = detect(first)
    if header is None:
        return "nohead"
    required = MEMBER_REQUIRED if header.kind == "members" else UNIT_REQUIRED
    table = MEMBER_COLUMNS if header.kind == "members" else UNIT_COLUMNS
    missing = [table[k][0] for k in required if not header.has(k)]
    if missing:
        raise BadUserInput(
            f"文件「{file_name}」工作表「{raw.name}」缺少必需的列：{'、'.join(missing)}",
            reason="MISSING_COLUMNS",
            field="file",
            details={"missing": missing, "sheet": raw.name},
        )
    rows = _rows_after(header.row, first, raw.rows)
    return _Sheet(0, raw.name, header, rows, header.titles)


async def _prepare(
    service: ImportService,
    files: Sequence[tuple[Path, str]],
    union_id: str | None,
    operator: str,
    worker: _Worker,
) -> list[_File]:
    """Open and check every file before anything is written."""
    for path, name in files:  # hostile files refused while streaming, off the event loop
        if not await asyncio.to_thread(check_file, path, name, worker.limits):
            try:
                failed = await worker.call(_worker_check_csv, str(path), name, worker.limits)
            except FileTooLarge as exc:  # the worker was killed: name the file for its batch
                exc.details.setdefault("file", name)
                raise
            if failed is not None:
                raise failed.error()
    fixed = await service.check_union(union_id) if union_id else None
    prepared: list[_File] = []
    for index, (path, name) in enumerate(files):
        sheets: list[_Sheet] = []
        filled = False
        for found in await _located(path, name, f"{worker.run}/{index}", worker):
            filled = filled or found is not None
            if isinstance(found, _Sheet):
                found.file = index
                found.union_id = fixed
                if found.header.kind == "members" and fixed is None:
                    found.union_id = await _roster_union(service, found)
                elif found.header.kind == "members":
                    found.warning = await _union_mismatch(service, found, fixed, name)
                sheets.append(found)
        if not sheets:
            if not filled:
                raise BadUserInput(
                    f"文件「{name}」没有数据（空表）", reason="EMPTY_SHEET", field="file"
                )
            raise BadUserInput(
                f"文件「{name}」中找不到表头：会员花名册须有“姓名”“身份证号码”等列，"
                "组织信息表须有“工会名称”“单位名称”等列",
                reason="MISSING_COLUMNS",
                field="file",
            )
        started = datetime.now(UTC).isoformat(timespec="seconds")
        sha = await asyncio.to_thread(sha256_of, path)  # a large file: off the event loop
        batch = BatchInfo(new_batch_id(), name, sha, operator, started)
        prepared.append(_File(path, name, batch, sheets))
    return prepared


async def _located(path: Path, name: str, token: str, worker: _Worker) -> list[_Sheet | str | None]:
    """``_locate`` of every sheet of a file. A large workbook is opened in the worker process
    only (loading a sheet costs about as much as validating it): the parent never holds it,
    and the worker keeps each roster sheet's rows open, after its header, for the stream."""
    if not _in_worker(path):
        return await asyncio.to_thread(_locate_here, path, name, token, worker.limits)
    try:
        got = await worker.call(_worker_locate, token, str(path), name, worker.limits)
    except FileTooLarge as exc:  # the worker was killed: name the file for its batch record
        exc.details.setdefault("file", name)
        raise
    if isinstance(got, _Failed):
        raise got.error()
    out: list[_Sheet | str | None] = []
    for sheet_name, header in got:
        if isinstance(header, Header):
            rows = (
                iter(())
                if header.kind == "members"
                else _reopened(path, name, sheet_name, header, worker.limits)
            )
            sheet = _Sheet(0, sheet_name, header, rows, header.titles)
            sheet.token = f"{token}/{sheet_name}"
            out.append(sheet)
        else:
            out.append(header)
    return out


def _in_worker(path: Path) -> bool:
    """Whether a file is parsed in the worker process (bounded in memory and time): every
    workbook (a zip can expand), and large CSV files; small CSV files in a thread."""
    return path.stat().st_size >= _PROCESS_FROM_BYTES or is_workbook(path)


def _locate_here(
    path: Path, name: str, token: str, limits: FileLimits
) -> list[_Sheet | str | None]:
    """``_locate`` of every sheet of a small file, in a thread of this process."""
    out: list[_Sheet | str | None] = []
    for raw in open_sheets(path, name):
        found = _locate(_bounded(raw, name, limits), name)
        if isinstance(found, _Sheet):
            found.token = f"{token}/{raw.name}"
        out.append(found)
    return out


def _bounded(raw: RawSheet, label: str, limits: FileLimits) -> RawSheet:
    """The sheet with every row checked against the column and cell limits as it is read."""

    def rows() -> Iterator[tuple[int, Cells]]:
        for n, cells in raw.rows:
            check_row(cells, label, limits)
            yield n, cells

    return RawSheet(raw.name, rows())


def _reopened(
    path: Path, name: str, sheet_name: str, header: Header, limits: FileLimits
) -> Iterator[tuple[int, Cells]]:
    """A sheet's rows below its header, opened in this process when first read."""
    raw = next(r for r in open_sheets(path, name) if r.name == sheet_name)
    yield from ((n, c) for n, c in _bounded(raw, name, limits).rows if n > header.row)


async def _union_mismatch(
    service: ImportService, sheet: _Sheet, fixed: str | None, file_name: str
) -> str:
    """A warning when the 工会名称 written above a roster names another union than the one
    given (the given union wins: every row is imported into it)."""
    name = sheet.header.meta.get("unionName")
    if not name or fixed is None:
        return ""
    try:
        named = await service.union_by_exact_name(name)
    except UnionTreeError:
        named = None
    if named == fixed:
        return ""
    return (
        f"文件「{file_name}」工作表「{sheet.name}」表头的工会名称「{name}」与指定的工会"
        f"（{fixed}）不一致：已按指定的工会导入，请核对"
    )


def _unused_columns(label: str, header: Header) -> list[str]:
    """Columns of a sheet that no field reads (民族, a roster's 工会名称 column …)."""
    unused = []
    for key, title in zip(header.keys, header.titles, strict=False):
        if title and (key is None or (header.kind == "members" and key == "unionName")):
            unused.append(f"{label}：{title}")
    return unused


async def _roster_union(service: ImportService, sheet: _Sheet) -> str | None:
    """A roster's union: the 工会名称 written above the table (exact name), else per row."""
    name = sheet.header.meta.get("unionName")
    if name:
        return await service.union_by_exact_name(name)
    if sheet.header.has("unionId"):
        return None
    raise BadUserInput(
        f"工作表「{sheet.name}」未写明工会名称，也没有“工会编码”列：请指定所属工会的代码",
        reason="NO_UNION",
        field="union",
    )


def _skippable(cells: Cells) -> bool:
    """A note line (备注, 合计 …): one filled cell starting with a known prefix."""
    first: object = None
    for c in cells:
        if not blank(c):
            if first is not None:
                return False  # two filled cells: a data row (the common case, decided early)
            first = c
    return first is not None and str(first).strip().startswith(_SKIP_PREFIXES)


def _validate(
    validator: UnitRows, rows: list[tuple[int, Cells]], gaps: list[RowGap]
) -> tuple[list[UnitRow], list[RowError], int]:
    records: list[UnitRow] = []
    errors: list[RowError] = []
    read = 0
    for n, cells in rows:
        if _skippable(cells):
            continue
        record, problems = validator(n, cells, gaps)
        if record is None and not problems:
            continue
        read += 1
        if problems:
            errors.extend(problems)
        else:
            records.append(record)  # type: ignore[arg-type]  # a record when no problems
    return records, errors, read


def _validate_members(
    validator: MemberRows, rows: list[tuple[int, Cells]]
) -> tuple[MemberChunk, list[RowError], int, dict[int, Cells], list[RowGap]]:
    """A chunk of roster rows → (valid rows in columns, errors, rows read, cells of the rows
    with errors, gaps of the valid rows); note lines (备注, 合计 …) are skipped."""
    return validator.members([(n, cells) for n, cells in rows if not _skippable(cells)])  # type: ignore[return-value]


class Importer:
    """Runs one import of one or more files."""

    def __init__(
        self, service: ImportService, *, chunk: int = 5_000, limits: FileLimits | None = None
    ) -> None:
        self._service = service
        self._chunk = chunk
        self._strict = False
        self._limits = limits or FileLimits()

    async def run(
        self,
        files: Sequence[tuple[Path, str]],
        *,
        union_id: str | None = None,
        dry_run: bool = False,
        operator: str = "cli",
        progress: Progress | None = None,
        strict: bool = False,
    ) -> ImportSummary:
        """Import the files; raises BadUserInput (nothing written) for an unusable file.
        ``strict``: a blank must-collect field rejects the row instead of being a gap."""
        self._strict = strict
        with _Worker(self._limits) as worker:
            return await self._run(
                worker, files, union_id, dry_run, operator, progress or (lambda done, rate: None)
            )

    async def _run(
        self,
        worker: _Worker,
        files: Sequence[tuple[Path, str]],
        union_id: str | None,
        dry_run: bool,
        operator: str,
        report: Progress,
    ) -> ImportSummary:
        began = time.perf_counter()
        try:
            prepared = await _prepare(self._service, files, union_id, operator, worker)
        except (FileTooLarge, FileUnprocessable) as exc:
            if not dry_run:  # the refused file's batch is on record, failed, with nothing written
                await self._record_refused(files, exc, operator)
            raise
        summary = ImportSummary([f.name for f in prepared], [f.batch.id for f in prepared], dry_run)
        summary.strict = self._strict
        for f in prepared:
            for sheet in f.sheets:
                label = sheet.name if sheet.name == f.name else f"{f.name}/{sheet.name}"
                summary.headers[label] = sheet.headers
                summary.unused_columns += _unused_columns(label, sheet.header)
                if sheet.warning:
                    summary.warnings.append(sheet.warning)
        if not dry_run:
            for f in prepared:
                await self._service.record_batch(f.batch, state="RUNNING")
        state = "FAILED"
        try:
            for kind in ("units", "members"):
                for f in prepared:
                    for sheet in f.sheets:
                        if sheet.header.kind == kind:
                            await self._sheet(f, sheet, summary, dry_run, began, report, worker)
            state = "DONE"
        finally:
            if not dry_run:
                for f in prepared:
                    await self._service.record_batch(
                        f.batch,
                        state=state,
                        created=f.counts.created,
                        updated=f.counts.updated,
                        unchanged=f.counts.unchanged,
                        rejected=_rejected_rows(summary, f.name),
                    )
        summary.seconds = round(time.perf_counter() - began, 3)
        summary.rejected = summary.errors.rows()
        summary.conflicts = summary.errors.rows(conflicts_only=True)
        summary.with_gaps, summary.gaps = summary.errors.gap_counts()
        return summary

    async def _record_refused(
        self, files: Sequence[tuple[Path, str]], exc: BadUserInput, operator: str
    ) -> None:
        name = str(exc.details.get("file", ""))
        path = next((p for p, n in files if n == name), None)
        if path is None:
            return
        sha = await asyncio.to_thread(sha256_of, path)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        batch = BatchInfo(new_batch_id(), name, sha, operator, started)
        await self._service.record_batch(
            batch, state="FAILED", created=0, updated=0, unchanged=0, rejected=0, refused=exc.reason
        )

    async def _sheet(
        self,
        f: _File,
        sheet: _Sheet,
        summary: ImportSummary,
        dry_run: bool,
        began: float,
        report: Progress,
        worker: _Worker,
    ) -> None:
        label = sheet.name if sheet.name == f.name else f"{f.name}/{sheet.name}"
        seen: dict[str, int] = {}
        if sheet.header.kind == "units":
            validator = UnitRows(sheet.header, label, strict=self._strict)
            item = await asyncio.to_thread(_next_validated, _chunks(sheet.rows, 10**9), validator)
            while item is not None:
                rows, records, errors, read, gaps = item
                records = _dedupe(records, seen, label, errors, sheet.header)
                outcome = await self._service.import_units(
                    records, default_parent=sheet.union_id, batch=f.batch, dry_run=dry_run
                )
                _record_errors(summary, label, sheet.header, dict(rows), errors, outcome)
                summary.errors.add_gaps(gaps)
                _count(f, summary, read, outcome)
                item = await asyncio.to_thread(
                    _next_validated, _chunks(sheet.rows, 10**9), validator
                )
            elapsed = time.perf_counter() - began
            report(summary.rows, summary.rows / elapsed if elapsed else 0.0)
            return
        # planning (reads) runs ahead of writing: chunk N+1 and N+2 are checked against the
        # register while chunk N's one write statement runs, so the writer never waits for
        # reads; chunks are written one at a time, in file order, and counted once written
        plans: asyncio.Queue[tuple[MemberPlan, int] | None] = asyncio.Queue(_PLANNED_AHEAD)
        writer = asyncio.create_task(self._write_plans(plans, f, summary, dry_run, began, report))
        asked: list[asyncio.Future[dict[int, Cells]]] = []  # cells of refused rows, in flight
        try:
            async for chunk, errors, read, cells, gaps, number in self._member_chunks(
                f, sheet, label, worker
            ):
                plan: MemberPlan = await self._service.plan_members(chunk, batch=f.batch)
                missing = _record_errors(summary, label, sheet.header, cells, errors, plan.outcome)
                summary.errors.add_gaps(gaps)
                if missing:  # refused by the register: the worker still holds their cells
                    asked.append(worker.call(_worker_cells, sheet.token, number, missing))
                await _put(plans, (plan, read), writer)
            await _put(plans, None, writer)
            for future in asked:
                summary.cells.add({(label, n): found for n, found in (await future).items()})
            await writer
        finally:
            if not writer.done():
                writer.cancel()
            for future in asked:
                future.cancel()

    async def _write_plans(
        self,
        plans: asyncio.Queue[tuple[MemberPlan, int] | None],
        f: _File,
        summary: ImportSummary,
        dry_run: bool,
        began: float,
        report: Progress,
    ) -> None:
        """The one writer of a member sheet: each planned chunk's statement, in order."""
        while (item := await plans.get()) is not None:
            plan, read = item
            if not dry_run and plan.params is not None:
                await self._service.write_member_plan(plan)
            _count(f, summary, read, plan.outcome)
            elapsed = time.perf_counter() - began
            report(summary.rows, summary.rows / elapsed if elapsed else 0.0)

    async def _member_chunks(
        self, f: _File, sheet: _Sheet, label: str, worker: _Worker
    ) -> AsyncIterator[
        tuple[MemberChunk, list[RowError], int, Mapping[int, Cells], list[RowGap], int]
    ]:
        """Validated chunks in file order (with their number), produced a few chunks ahead."""
        validator = MemberRows(sheet.header, label, union_id=sheet.union_id, strict=self._strict)
        number = 0
        if not _in_worker(f.path):
            chunks = _chunks(sheet.rows, self._chunk)
            pending = asyncio.create_task(asyncio.to_thread(_next_members, chunks, validator))
            while (item := await pending) is not None:
                pending = asyncio.create_task(asyncio.to_thread(_next_members, chunks, validator))
                yield (*item, number)
                number += 1
            return
        # the worker process reads the file itself (its own sheet iterator) and validates it;
        # tasks of a one-worker pool run in order, so the stream's state lives in the worker.
        # It sends valid rows in columns and the cells of invalid rows only, and keeps the
        # last chunks' cells for the rows the register refuses (``_worker_cells``).
        spec: _Spec = (
            str(f.path),
            f.name,
            sheet.name,
            sheet.header,
            label,
            sheet.union_id,
            self._chunk,
            self._strict,
        )
        spec_limits = (*spec, self._limits)
        queue: list[asyncio.Future[_Validated | _Failed | None]] = []

        def submit() -> None:
            queue.append(worker.call(_worker_next, sheet.token, spec_limits))

        for _ in range(_AHEAD):
            submit()
        try:
            while True:
                got = await queue.pop(0)
                if got is None:
                    break
                if isinstance(got, _Failed):
                    raise got.error()
                submit()
                yield (*got, number)
                number += 1
        finally:
            for waiting in queue:
                waiting.cancel()


_Validated = tuple[MemberChunk, list[RowError], int, Mapping[int, Cells], list[RowGap]]
"""A validated member chunk: valid rows, errors, rows read, the cells of (at least) the
invalid rows, the valid rows' gaps."""
_Spec = tuple[str, str, str, Header, str, str | None, int, bool]
"""A member sheet for the worker: path, file name, sheet, header, label, union, chunk, strict."""


@dataclass(frozen=True)
class _Failed:
    """A file-level failure inside the worker (exceptions with extras do not pickle well)."""

    message: str
    reason: str
    field: str = "file"
    details: dict[str, object] | None = None
    code: str = BadUserInput.code

    @classmethod
    def of(cls, exc: BadUserInput) -> _Failed:
        reason = exc.reason or "CORRUPT_FILE"
        return cls(exc.message, reason, exc.field or "file", exc.details, exc.code)

    def error(self) -> BadUserInput:
        kind = {e.code: e for e in (FileTooLarge, FileUnprocessable)}.get(self.code, BadUserInput)
        return kind(self.message, reason=self.reason, field=self.field, details=self.details)


class _Worker:
    """The worker process of one import run, started on first use (workbooks and large
    files), bounded in address space and wall-clock time (loaders/worker_limits.py)."""

    def __init__(self, limits: FileLimits | None = None) -> None:
        self.run = secrets.token_hex(6)  # names this run's streams in the worker
        self.limits = limits or FileLimits()
        self._pool: ProcessPoolExecutor | None = None
        self._guard = WorkerGuard(self.limits)
        self._ready: asyncio.Future[None] | None = None

    def call(self, fn: Callable[..., _T], *args: object) -> asyncio.Future[_T]:
        """Run ``fn(*args)`` in the worker; calls run one at a time, in order."""
        if self._ready is None:
            self._ready = asyncio.ensure_future(self._start())
        return asyncio.ensure_future(self._submit(self._ready, fn, args))

    async def _start(self) -> None:
        # the first submit starts the process and waits for the fork server (which imports
        # the loaders, ~1 s the first time): in a thread, never on the event loop
        self._pool = pool = self._guard.pool(_worker_context())
        await self._guard.watch(await asyncio.to_thread(pool.submit, _started), pool)

    async def _submit(
        self, ready: asyncio.Future[None], fn: Callable[..., _T], args: tuple[object, ...]
    ) -> _T:
        await ready  # waiting calls resume in the order they were made: submitted in order
        assert self._pool is not None
        return await self._guard.watch(self._pool.submit(fn, *args), self._pool)

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not self._guard.killed, cancel_futures=True)


_STREAMS: dict[str, _Stream] = {}


@dataclass
class _Stream:
    """A member sheet being validated in the worker process."""

    spec: _Spec
    chunks: Iterator[list[tuple[int, Cells]]]
    validator: MemberRows
    sent: int = 0  # chunks handed out
    recent: dict[int, list[tuple[int, Cells]]] = field(default_factory=dict)  # number -> rows


_LOCATED: dict[str, Iterator[tuple[int, Cells]]] = {}  # roster rows after the header, by token


def _worker_locate(
    token: str, path: str, display: str, limits: FileLimits
) -> list[tuple[str, Header | str | None]] | _Failed:
    """In the worker process: ``_locate`` of every sheet of a workbook; the rows of roster
    sheets stay open here for their stream (the sheet is loaded once)."""
    out: list[tuple[str, Header | str | None]] = []
    try:
        for raw in open_sheets(Path(path), display):
            found = _locate(_bounded(raw, display, limits), display)
            if isinstance(found, _Sheet):
                if found.header.kind == "members":
                    _LOCATED[f"{token}/{raw.name}"] = found.rows
                out.append((raw.name, found.header))
            else:
                out.append((raw.name, found))
    except BadUserInput as exc:
        return _Failed.of(exc)
    return out


def _started() -> bool:
    """In the worker process: nothing; its start is awaited off the event loop."""
    return True


def _worker_check_csv(path: str, display: str, limits: FileLimits) -> _Failed | None:
    """In the worker process: a CSV's rows, columns and cells, field by field."""
    try:
        check_csv_fields(Path(path), display, limits)
    except BadUserInput as exc:
        return _Failed.of(exc)
    return None


def start_worker_server(files: Sequence[Path]) -> None:
    """Start the worker processes' server now, when one of ``files`` will be validated in a
    worker, so its start (~0.3 s: a Python that imports the loaders) overlaps with what the
    caller does next (starting or connecting the engine) instead of delaying the import."""
    try:
        large = any(p.stat().st_size >= _PROCESS_FROM_BYTES for p in files)
    except OSError:
        return  # a missing file is reported by the import itself
    if large:
        _worker_context()


def _worker_context() -> multiprocessing.context.BaseContext:
    """forkserver: workers are forked from a clean server (never from the threaded parent),
    which has the loaders imported already, so a pool starts in milliseconds after the first."""
    ctx = multiprocessing.get_context("forkserver")
    # the server stands in for the parent's __main__ so workers do not run it again
    prepared = multiprocessing.spawn.get_preparation_data("worker")
    os.environ[worker_main.MAIN_NAME] = prepared.get("init_main_from_name", "")
    os.environ[worker_main.MAIN_PATH] = prepared.get("init_main_from_path", "")
    ctx.set_forkserver_preload(["loaders.worker_main", "loaders.importer"])
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C reaches the whole foreground process group: the server and the workers forked
        # from it ignore SIGINT (kept across exec), so the service's own graceful shutdown
        # decides when an import stops, never a killed worker.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return ctx


def _worker_next(
    token: str, spec_limits: tuple[str, str, str, Header, str, str | None, int, bool, FileLimits]
) -> _Validated | _Failed | None:
    """In the worker process: the next validated chunk of a member sheet (None at the end).
    The rows of the last chunks stay here for ``_worker_cells``."""
    spec: _Spec = spec_limits[:8]
    limits = spec_limits[8]
    header, label, union_id, size, strict = spec[3:]
    try:
        state = _STREAMS.get(token)
        if state is None:
            body = _LOCATED.pop(token, None) or _body(spec, limits)
            validator = MemberRows(header, label, union_id=union_id, strict=strict)
            state = _STREAMS[token] = _Stream(spec, _chunks(body, size), validator)
        rows = next(state.chunks, None)
        if rows is None:
            return None
        chunk, errors, read, cells, gaps = _validate_members(state.validator, rows)
    except BadUserInput as exc:
        return _Failed.of(exc)
    state.recent[state.sent] = rows
    state.recent.pop(state.sent - _KEPT, None)
    state.sent += 1
    return chunk, errors, read, cells, gaps


def _body(spec: _Spec, limits: FileLimits | None = None) -> Iterator[tuple[int, Cells]]:
    """The rows of a sheet below its header, read afresh from the file."""
    path, display, sheet_name, header = spec[:4]
    raw = next(r for r in open_sheets(Path(path), display) if r.name == sheet_name)
    rows = _bounded(raw, display, limits or FileLimits()).rows
    return ((n, c) for n, c in rows if n > header.row)


def _worker_cells(token: str, number: int, wanted: list[int]) -> dict[int, Cells]:
    """In the worker process: the cells of some rows of chunk ``number`` (for the report).

    The parent asks right after planning the chunk, so at most ``_AHEAD`` later chunks have
    been read since (tasks run in order): the chunk is among the ``_KEPT`` last ones. Were it
    not, the sheet is read again from the file."""
    state = _STREAMS.get(token)
    rows = state.recent.get(number) if state is not None else None
    rows_wanted = set(wanted)
    if rows is not None:
        return {n: cells for n, cells in rows if n in rows_wanted}
    if state is None:
        return {}
    out: dict[int, Cells] = {}
    last = max(rows_wanted, default=0)
    try:
        for n, cells in _body(state.spec):
            if n in rows_wanted:
                out[n] = cells
            if n >= last:
                break
    except BadUserInput:
        pass  # the file changed or broke since: the report goes without these cells
    return out


def _next_members(
    chunks: Iterator[list[tuple[int, Cells]]], validator: MemberRows
) -> _Validated | None:
    """The next chunk validated in this process (every row's cells at hand)."""
    rows = next(chunks, None)
    if rows is None:
        return None
    chunk, errors, read, _, gaps = _validate_members(validator, rows)
    return chunk, errors, read, dict(rows), gaps


def _chunks(rows: Iterator[tuple[int, Cells]], size: int) -> Iterator[list[tuple[int, Cells]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _next_validated(
    chunks: Iterator[list[tuple[int, Cells]]], validator: UnitRows
) -> tuple[list[tuple[int, Cells]], list[UnitRow], list[RowError], int, list[RowGap]] | None:
    rows = next(chunks, None)
    if rows is None:
        return None
    gaps: list[RowGap] = []
    records, errors, read = _validate(validator, rows, gaps)
    return rows, records, errors, read, gaps


def _dedupe(
    records: list[UnitRow], seen: dict[str, int], sheet: str, errors: list[RowError], header: Header
) -> list[UnitRow]:
    """Later rows repeating an employer code are rejected."""
    kept = []
    column = header.column_title("employerId")
    for r in records:
        if r.employer is None or not r.employer.id:
            kept.append(r)
            continue
        if r.employer.id in seen:
            msg = f"单位统一社会信用代码与本表第{seen[r.employer.id]}行重复"
            errors.append(RowError(sheet, r.src_row, column, "DUPLICATE_IN_FILE", msg))
            continue
        seen[r.employer.id] = r.src_row
        kept.append(r)
    return kept


async def _put(
    plans: asyncio.Queue[tuple[MemberPlan, int] | None],
    item: tuple[MemberPlan, int] | None,
    writer: asyncio.Task[None],
) -> None:
    """Queue a plan for the writer; a failed writer's exception is raised here instead."""
    put = asyncio.ensure_future(plans.put(item))
    await asyncio.wait({put, writer}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
    if writer.done() and (writer.cancelled() or writer.exception() is not None):
        writer.result()  # raises
        raise asyncio.CancelledError


def _count(f: _File, summary: ImportSummary, read: int, outcome: Outcome) -> None:
    """Add a chunk's figures to the file's and the import's counts."""
    summary.rows += read
    f.counts.add(outcome)
    summary.created += outcome.created
    summary.updated += outcome.updated
    summary.unchanged += outcome.unchanged


def _record_errors(
    summary: ImportSummary,
    label: str,
    header: Header,
    cells: Mapping[int, Cells],
    errors: list[RowError],
    outcome: Outcome,
) -> list[int]:
    """Add a chunk's errors (validation and the register's refusals) to the summary, with
    the cells of their rows; returns the rows whose cells are not in ``cells``."""
    errors.extend(_issue_errors(outcome, label, header))
    summary.errors.extend(errors)
    missing = []
    known: dict[tuple[str, int], Cells] = {}
    for e in errors:
        found = cells.get(e.row)
        if found is None:
            missing.append(e.row)
        else:
            known.setdefault((label, e.row), found)
    summary.cells.add(known)
    return missing


def _issue_errors(outcome: Outcome, sheet: str, header: Header) -> list[RowError]:
    return [
        RowError(sheet, i.row, header.column_title(i.field), i.code, i.message, i.conflict)
        for i in outcome.issues
    ]


def _rejected_rows(summary: ImportSummary, file_name: str) -> int:
    """Rows of one file rejected for any reason: validation, duplicates, the register's refusal."""
    return summary.errors.rows(file_name=file_name)
