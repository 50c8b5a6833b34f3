"""The audit log: every change and every full-value read, append-only and hash-chained.

Each record carries the SHA-256 of its fields and of the previous record's hash, so altering or
removing a record breaks the chain, which :meth:`AuditService.verify` finds. Appends are
serialised by an ``asyncio.Lock`` inside a process, and across processes by the write statement
itself: it applies only if the chain head is still the one the record was chained to; a writer
that lost the race re-reads the head and chains again.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from graph_service.domain.audit import (
    OK,
    AuditRecord,
    arguments_json,
    chain_record,
    utc_timestamp,
)
from graph_service.errors import BadUserInput, GraphUnavailableError
from graph_service.repositories.audit import AuditRepository, ChainHead
from graph_service.services.pagination import Page, decode_cursor, page_size
from graph_service.services.tree import TreeService

Clock = Callable[[], datetime]
MAX_RETRIES = 100
VERIFY_BATCH = 2_000
PRUNE_BATCH = 5_000


@dataclass(frozen=True)
class ChainBreak:
    """The first record where the chain does not hold, and why."""

    seq: int
    reason: str
    """``HASH_MISMATCH`` (fields altered), ``MISSING`` (a record removed: seq gap),
    ``PREV_HASH_MISMATCH`` (linked to something else), ``HEAD_MISMATCH`` (last records removed)."""


@dataclass(frozen=True)
class VerifyReport:
    """What verify checked: records from ``first_seq`` to ``last_seq``; ``broken`` if any."""

    checked: int
    first_seq: int | None
    last_seq: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


class AuditService:
    """Writes, lists, verifies and prunes the audit chain."""

    def __init__(
        self, repository: AuditRepository, tree: TreeService, *, clock: Clock | None = None
    ) -> None:
        self._repo = repository
        self._tree = tree
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = asyncio.Lock()
        self._head: ChainHead | None = None
        self.lost_races = 0
        """Appends retried because another writer moved the head first (diagnostics)."""

    async def record(
        self,
        *,
        actor: str,
        scope_union_id: str | None,
        operation: str,
        arguments: Mapping[str, object] | None = None,
        result: str = OK,
        client_address: str | None = None,
        request_id: str | None = None,
    ) -> AuditRecord:
        """Append one record; ``arguments`` are masked here (secrets dropped, numbers masked).

        ``result`` is ``"OK"`` or an error code. Raises GraphUnavailableError when the record
        could not be written (the caller decides whether the operation may still proceed).
        """
        args = arguments_json(arguments)
        scope_path = await self._scope_path(scope_union_id)
        async with self._lock:
            for attempt in range(MAX_RETRIES):
                head = self._head or await self._read_head()
                record = chain_record(
                    seq=head.seq + 1,
                    prev_hash=head.hash,
                    at=utc_timestamp(self._clock()),
                    actor=actor,
                    scope_id=scope_union_id,
                    scope_path=scope_path,
                    operation=operation,
                    arguments=args,
                    result=result,
                    client_address=client_address,
                    request_id=request_id,
                )
                if await self._repo.append(record, prev_seq=head.seq):
                    self._head = ChainHead(
                        record.seq, record.hash, head.anchor_seq, head.anchor_hash
                    )
                    return record
                self._head = None  # another process appended first: chain to its record
                self.lost_races += 1
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise GraphUnavailableError("审计记录写入冲突过多，请稍后重试", reason="AUDIT_CONTENTION")

    async def _read_head(self) -> ChainHead:
        return await self._repo.head() or await self._repo.create_head()

    async def _scope_path(self, scope_union_id: str | None) -> list[str]:
        """The scope union's current ancestors' ids and its own (``[]`` without a scope)."""
        if not scope_union_id:
            return []
        chain = (await self._tree.chains([scope_union_id])).get(scope_union_id)
        return [u.id for u in chain] if chain else [scope_union_id]

    async def log(
        self,
        *,
        union_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Page[AuditRecord]:
        """Records of accounts scoped in ``union_id``'s subtree, newest first (keyset pages).

        The caller checks the right to read them (admins, ``union_id`` inside their scope).
        """
        size = page_size(first)
        key = decode_cursor(after)
        before = None
        if key is not None:
            if not key.isdigit():
                raise BadUserInput("分页游标无效", reason="BAD_CURSOR", field="after")
            before = int(key)
        if since is not None and until is not None and since >= until:
            raise BadUserInput("起始时间须早于结束时间", reason="TIME_RANGE", field="from")
        lo = utc_timestamp(since) if since is not None else None
        hi = utc_timestamp(until) if until is not None else None
        items = await self._repo.log(
            union_id=union_id, since=lo, until=hi, before=before, limit=size + 1
        )
        total = await self._repo.count_log(union_id=union_id, since=lo, until=hi)
        return Page.from_overfetch(items, [str(r.seq) for r in items], size, total)

    async def verify(self) -> VerifyReport:
        """Walk the chain from the prune anchor: recompute every hash and link."""
        head = await self._repo.head()
        if head is None:
            return VerifyReport(checked=0, first_seq=None, last_seq=0, broken=None)
        expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
        checked, first_seq = 0, None
        after = head.anchor_seq
        while True:
            batch = await self._repo.chain(after=after, limit=VERIFY_BATCH)
            for record in batch:
                first_seq = record.seq if first_seq is None else first_seq
                if record.seq != expected_seq:
                    return VerifyReport(
                        checked, first_seq, head.seq, ChainBreak(expected_seq, "MISSING")
                    )
                if not record.intact:
                    return VerifyReport(
                        checked, first_seq, head.seq, ChainBreak(record.seq, "HASH_MISMATCH")
                    )
                if record.prev_hash != expected_prev:
                    return VerifyReport(
                        checked, first_seq, head.seq, ChainBreak(record.seq, "PREV_HASH_MISMATCH")
                    )
                checked += 1
                expected_seq, expected_prev = record.seq + 1, record.hash
            if len(batch) < VERIFY_BATCH:
                break
            after = batch[-1].seq
        if expected_seq - 1 != head.seq or expected_prev != head.hash:
            broken = ChainBreak(expected_seq, "HEAD_MISMATCH")
            return VerifyReport(checked, first_seq, head.seq, broken)
        return VerifyReport(checked, first_seq, head.seq, None)

    async def prune(self, *, retention_days: int) -> int:
        """Remove records older than ``retention_days``; the last removed one becomes the anchor
        verify starts from. Returns how many records were removed."""
        if retention_days < 1:
            raise BadUserInput("保留天数须为正数", reason="RETENTION", field="retentionDays")
        cutoff = utc_timestamp(self._clock() - timedelta(days=retention_days))
        head = await self._repo.head()
        if head is None:
            return 0
        keep_from = await self._repo.first_seq_since(cutoff)
        last_gone = head.seq if keep_from is None else keep_from - 1
        removed, start = 0, head.anchor_seq + 1
        while start <= last_gone:
            end = min(start + PRUNE_BATCH - 1, last_gone)
            removed += await self._repo.prune(from_seq=start, to_seq=end)
            start = end + 1
        self._head = None
        return removed
