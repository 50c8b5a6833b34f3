"""Import orchestration: check every file first (nothing is written when a file is unreadable,
empty or lacks columns), then unions and units, then members in chunks.

Member sheets are a pipeline: reading and validating run ahead (in a worker process for large
files, else a thread), chunk N+1 is checked against the register while chunk N's one write
statement runs. Chunks never share a certificate (in-file duplicates are refused before), so
the look-ups of N+1 cannot depend on N's write. Memory stays flat: a few chunks in flight."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from graph_service.errors import BadUserInput
from graph_service.services.imports import (
    BatchInfo,
    ImportService,
    MemberPlan,
    Outcome,
    new_batch_id,
)
from loaders.headers import Header, detect
from loaders.readers import Cells, RawSheet, open_sheets, sha256_of
from loaders.rows import MemberRows, Record, RowError, UnitRows, blank
from loaders.templates import MEMBER_COLUMNS, MEMBER_REQUIRED, UNIT_COLUMNS, UNIT_REQUIRED

Progress = Callable[[int, float], None]
_SCAN = 30  # rows searched for the header
_SKIP_PREFIXES = ("备注", "注:", "注：", "说明", "合计", "填表")
_PROCESS_FROM_BYTES = 2 << 20  # member files from 2 MiB (~15k rows) validate in a worker process
_AHEAD = 3  # validated chunks queued ahead of the writer (bounds memory)


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
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    cells: dict[tuple[str, int], list[object]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The summary without the error rows (for JSON)."""
        keys = ("files", "batch_ids", "dry_run", "rows", "created", "updated", "unchanged")
        out: dict[str, object] = {k: getattr(self, k) for k in keys}
        out |= {"rejected": self.rejected, "conflicts": self.conflicts, "seconds": self.seconds}
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
) -> list[_File]:
    """Open and check every file before anything is written."""
    fixed = await service.check_union(union_id) if union_id else None
    prepared: list[_File] = []
    for index, (path, name) in enumerate(files):
        sheets: list[_Sheet] = []
        filled = False
        for raw in open_sheets(path, name):
            found = _locate(raw, name)
            filled = filled or found is not None
            if isinstance(found, _Sheet):
                found.file = index
                found.union_id = fixed
                if found.header.kind == "members" and fixed is None:
                    found.union_id = await _roster_union(service, found)
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
        batch = BatchInfo(new_batch_id(), name, sha256_of(path), operator, started)
        prepared.append(_File(path, name, batch, sheets))
    return prepared


async def _roster_union(service: ImportService, sheet: _Sheet) -> str | None:
    """A roster's union: the 工会名称 written above the table (exact name), else per row."""
    name = sheet.header.meta.get("unionName")
    if name:
        return await service.union_by_exact_name(name)
    if sheet.header.has("unionId"):
        return None
    raise BadUserInput(
        f"工作表「{sheet.name}」未写明工会名称，也没有“工会编码”列：请用 --union 指定工会",
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
    validator: MemberRows | UnitRows, rows: list[tuple[int, Cells]]
) -> tuple[list[Record], list[RowError], int]:
    records: list[Record] = []
    errors: list[RowError] = []
    read = 0
    for n, cells in rows:
        if _skippable(cells):
            continue
        record, problems = validator(n, cells)
        if record is None and not problems:
            continue
        read += 1
        if problems:
            errors.extend(problems)
        else:
            records.append(record)  # type: ignore[arg-type]
    return records, errors, read


class Importer:
    """Runs one import of one or more files."""

    def __init__(self, service: ImportService, *, chunk: int = 5_000) -> None:
        self._service = service
        self._chunk = chunk

    async def run(
        self,
        files: Sequence[tuple[Path, str]],
        *,
        union_id: str | None = None,
        dry_run: bool = False,
        operator: str = "cli",
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Import the files; raises BadUserInput (nothing written) for an unusable file."""
        began = time.perf_counter()
        prepared = await _prepare(self._service, files, union_id, operator)
        summary = ImportSummary([f.name for f in prepared], [f.batch.id for f in prepared], dry_run)
        report = progress or (lambda done, rate: None)
        if not dry_run:
            for f in prepared:
                await self._service.record_batch(f.batch, state="RUNNING")
        state = "FAILED"
        try:
            for kind in ("units", "members"):
                for f in prepared:
                    for sheet in f.sheets:
                        if sheet.header.kind == kind:
                            await self._sheet(f, sheet, summary, dry_run, began, report)
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
        summary.rejected = len({(e.sheet, e.row) for e in summary.errors})
        summary.conflicts = len({(e.sheet, e.row) for e in summary.errors if e.conflict})
        return summary

    async def _sheet(
        self,
        f: _File,
        sheet: _Sheet,
        summary: ImportSummary,
        dry_run: bool,
        began: float,
        report: Progress,
    ) -> None:
        label = sheet.name if sheet.name == f.name else f"{f.name}/{sheet.name}"
        seen: dict[str, int] = {}
        if sheet.header.kind == "units":
            validator = UnitRows(sheet.header, label)
            item = await asyncio.to_thread(_next_validated, _chunks(sheet.rows, 10**9), validator)
            while item is not None:
                rows, records, errors, read = item
                records = _dedupe(records, seen, label, errors, sheet.header)
                outcome = await self._service.import_units(
                    records, default_parent=sheet.union_id, batch=f.batch, dry_run=dry_run
                )
                self._account(f, summary, label, sheet.header, rows, read, errors, outcome)
                item = await asyncio.to_thread(
                    _next_validated, _chunks(sheet.rows, 10**9), validator
                )
            elapsed = time.perf_counter() - began
            report(summary.rows, summary.rows / elapsed if elapsed else 0.0)
            return
        writing: asyncio.Task[None] | None = None
        try:
            async for rows, records, errors, read in self._member_chunks(f, sheet, label):
                records = _dedupe(records, seen, label, errors, sheet.header)
                plan: MemberPlan = await self._service.plan_members(records, batch=f.batch)
                if writing is not None:
                    await writing  # one writer: chunk N is written before N+1 starts writing
                    writing = None
                if not dry_run and plan.params is not None:
                    writing = asyncio.create_task(self._service.write_member_plan(plan))
                self._account(f, summary, label, sheet.header, rows, read, errors, plan.outcome)
                elapsed = time.perf_counter() - began
                report(summary.rows, summary.rows / elapsed if elapsed else 0.0)
            if writing is not None:
                await writing
                writing = None
        finally:
            if writing is not None:
                writing.cancel()

    async def _member_chunks(
        self, f: _File, sheet: _Sheet, label: str
    ) -> AsyncIterator[tuple[list[tuple[int, Cells]], list[Record], list[RowError], int]]:
        """Validated chunks in file order, produced a few chunks ahead of the caller."""
        validator = MemberRows(sheet.header, label, union_id=sheet.union_id)
        if f.path.stat().st_size < _PROCESS_FROM_BYTES:
            chunks = _chunks(sheet.rows, self._chunk)
            pending = asyncio.create_task(asyncio.to_thread(_next_validated, chunks, validator))
            while (item := await pending) is not None:
                pending = asyncio.create_task(asyncio.to_thread(_next_validated, chunks, validator))
                yield item
            return
        # a worker process reads the file itself (its own sheet iterator) and validates it;
        # tasks of a one-worker pool run in order, so the stream's state lives in the worker
        token = f"{f.batch.id}/{sheet.file}/{sheet.name}"
        spec = (str(f.path), f.name, sheet.name, sheet.header, label, sheet.union_id, self._chunk)
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=1, mp_context=_worker_context()) as pool:
            queue: list[Awaitable[_Validated | _Failed | None]] = []

            def submit() -> None:
                future: Future[_Validated | _Failed | None] = pool.submit(_worker_next, token, spec)
                queue.append(asyncio.wrap_future(future, loop=loop))

            for _ in range(_AHEAD):
                submit()
            try:
                while True:
                    got = await queue.pop(0)
                    if got is None:
                        break
                    if isinstance(got, _Failed):
                        raise BadUserInput(got.message, reason=got.reason, field="file")
                    submit()
                    yield got
            finally:
                for waiting in queue:
                    if isinstance(waiting, asyncio.Future):
                        waiting.cancel()

    @staticmethod
    def _account(
        f: _File,
        summary: ImportSummary,
        label: str,
        header: Header,
        rows: list[tuple[int, Cells]],
        read: int,
        errors: list[RowError],
        outcome: Outcome,
    ) -> None:
        summary.rows += read
        f.counts.add(outcome)
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        errors.extend(_issue_errors(outcome, label, header))
        summary.errors.extend(errors)
        if errors:
            cells = dict(rows)
            for e in errors:
                summary.cells.setdefault((label, e.row), cells.get(e.row, []))


_Validated = tuple[list[tuple[int, Cells]], list[Record], list[RowError], int]


@dataclass(frozen=True)
class _Failed:
    """A file-level failure inside the worker (exceptions with extras do not pickle well)."""

    message: str
    reason: str


_STREAMS: dict[str, tuple[Iterator[list[tuple[int, Cells]]], MemberRows]] = {}


def _worker_context() -> multiprocessing.context.BaseContext:
    """forkserver: workers are forked from a clean server (never from the threaded parent),
    which has the loaders imported already, so a pool starts in milliseconds after the first."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["loaders.importer"])
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
    token: str, spec: tuple[str, str, str, Header, str, str | None, int]
) -> _Validated | _Failed | None:
    """In the worker process: the next validated chunk of a member sheet (None at the end)."""
    path, display, sheet_name, header, label, union_id, size = spec
    try:
        state = _STREAMS.get(token)
        if state is None:
            raw = next(r for r in open_sheets(Path(path), display) if r.name == sheet_name)
            body = ((n, c) for n, c in raw.rows if n > header.row)
            state = (_chunks(body, size), MemberRows(header, label, union_id=union_id))
            _STREAMS[token] = state
        item = _next_validated(*state)
    except BadUserInput as exc:
        _STREAMS.pop(token, None)
        return _Failed(exc.message, exc.reason or "CORRUPT_FILE")
    if item is None:
        _STREAMS.pop(token, None)
    return item


def _chunks(rows: Iterator[tuple[int, Cells]], size: int) -> Iterator[list[tuple[int, Cells]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _next_validated(
    chunks: Iterator[list[tuple[int, Cells]]], validator: MemberRows | UnitRows
) -> tuple[list[tuple[int, Cells]], list[Record], list[RowError], int] | None:
    rows = next(chunks, None)
    if rows is None:
        return None
    records, errors, read = _validate(validator, rows)
    return rows, records, errors, read


def _dedupe(
    records: list[Record], seen: dict[str, int], sheet: str, errors: list[RowError], header: Header
) -> list[Record]:
    """Later rows repeating a certificate (or an employer code) are rejected."""
    kept = []
    for r in records:
        if "certKey" in r:
            key, column = str(r["certKey"]), header.column_title("certNumber")
            what = "证件号码"
        elif r.get("employer") and r["employer"]["id"]:  # type: ignore[index]
            key, column = "E:" + str(r["employer"]["id"]), header.column_title("employerId")  # type: ignore[index]
            what = "单位统一社会信用代码"
        else:
            kept.append(r)
            continue
        n = int(r["srcRow"])  # type: ignore[call-overload]
        if key in seen:
            msg = f"{what}与本表第{seen[key]}行重复"
            errors.append(RowError(sheet, n, column, "DUPLICATE_IN_FILE", msg))
            continue
        seen[key] = n
        kept.append(r)
    return kept


def _issue_errors(outcome: Outcome, sheet: str, header: Header) -> list[RowError]:
    return [
        RowError(sheet, i.row, header.column_title(i.field), i.code, i.message, i.conflict)
        for i in outcome.issues
    ]


def _rejected_rows(summary: ImportSummary, file_name: str) -> int:
    """Rows of one file rejected for any reason: validation, duplicates, the register's refusal."""
    return len(
        {
            (e.sheet, e.row)
            for e in summary.errors
            if e.sheet == file_name or e.sheet.startswith(f"{file_name}/")
        }
    )
