"""Reads and writes of the audit chain: (:AuditHead) and (:AuditRecord) nodes."""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.domain.audit import GENESIS, AuditRecord
from graph_service.queries import q
from graph_service.store import GraphStore, Row


@dataclass(frozen=True)
class ChainHead:
    """The last record's seq and hash, and the prune anchor verify starts from."""

    seq: int
    hash: str
    anchor_seq: int
    anchor_hash: str


class AuditRepository:
    """The append-only audit chain in the graph."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def head(self) -> ChainHead | None:
        """The chain head, or None before the first record."""
        rows = await self._store.read(q("audit/get_head"))
        return _head(rows[0]) if rows else None

    async def create_head(self) -> ChainHead:
        """The chain head, created if missing (idempotent)."""
        rows = await self._store.write(q("audit/create_head"), {"genesis": GENESIS})
        return _head(rows[0])

    async def append(self, record: AuditRecord, *, prev_seq: int) -> bool:
        """Write ``record`` if the head is still (``prev_seq``, ``record.prev_hash``)."""
        props = {k: v for k, v in record.hashed_fields().items() if v is not None}
        props["hash"] = record.hash
        rows = await self._store.write(
            q("audit/append_record"),
            {"prevSeq": prev_seq, "prevHash": record.prev_hash, "record": props},
        )
        return bool(rows)

    async def chain(self, *, after: int, limit: int) -> list[AuditRecord]:
        """Records with seq > ``after``, in seq order."""
        rows = await self._store.read(q("audit/list_chain"), {"after": after, "limit": limit})
        return [_record(r) for r in rows]

    async def log(
        self,
        *,
        union_id: str,
        since: str | None,
        until: str | None,
        before: int | None,
        limit: int,
    ) -> list[AuditRecord]:
        """Records of scopes in a subtree within [since, until), newest first."""
        rows = await self._store.read(
            q("audit/list_log"),
            {"unionId": union_id, "from": since, "to": until, "before": before, "limit": limit},
        )
        return [_record(r) for r in rows]

    async def count_log(self, *, union_id: str, since: str | None, until: str | None) -> int:
        rows = await self._store.read(
            q("audit/count_log"), {"unionId": union_id, "from": since, "to": until}
        )
        return int(rows[0]["total"]) if rows else 0  # type: ignore[call-overload]

    async def first_seq_since(self, cutoff: str) -> int | None:
        """The lowest seq of a record at or after ``cutoff`` (None when all are older)."""
        rows = await self._store.read(q("audit/get_retention_bound"), {"cutoff": cutoff})
        seq = rows[0]["seq"] if rows else None
        return None if seq is None else int(seq)  # type: ignore[call-overload]

    async def prune(self, *, from_seq: int, to_seq: int) -> int:
        """Remove records ``from_seq..to_seq`` and anchor the chain at ``to_seq``."""
        rows = await self._store.write(
            q("audit/prune_records"), {"fromSeq": from_seq, "toSeq": to_seq}
        )
        return int(rows[0]["removed"]) if rows else 0  # type: ignore[call-overload]


def _head(row: Row) -> ChainHead:
    return ChainHead(
        seq=int(row["seq"]),  # type: ignore[call-overload]
        hash=str(row["hash"]),
        anchor_seq=int(row["anchorSeq"] or 0),  # type: ignore[call-overload]
        anchor_hash=str(row["anchorHash"] or GENESIS),
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _record(row: Row) -> AuditRecord:
    path = row["scopePath"]
    return AuditRecord(
        seq=int(row["seq"]),  # type: ignore[call-overload]
        at=str(row["at"]),
        actor=str(row["actor"]),
        scope_id=_opt(row["scopeId"]),
        scope_path=[str(x) for x in path] if isinstance(path, list) else [],
        operation=str(row["operation"]),
        arguments=str(row["arguments"]),
        result=str(row["result"]),
        client_address=_opt(row["clientAddress"]),
        request_id=_opt(row["requestId"]),
        prev_hash=str(row["prevHash"]),
        hash=str(row["hash"]),
    )
