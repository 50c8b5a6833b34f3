"""Reads and writes of the subtree rollups stored on union nodes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from graph_service.domain.stats import (
    UNCOVERED_THRESHOLD,
    UnionNode,
    counters_from_vector,
    rollup_vector,
)
from graph_service.queries import q
from graph_service.store import GraphStore, Row


class RollupRepository:
    """The counters behind ``subtreeStats`` and the live tallies they are rebuilt from."""

    def __init__(self, store: GraphStore, *, batch_size: int = 2_000) -> None:
        self._store = store
        self._batch = batch_size

    async def stored(self, ids: Sequence[str]) -> dict[str, Counter[str]]:
        """Stored rollup counters of unions by id (unknown ids absent)."""
        rows = await self._store.read(q("stats/get_rollups"), {"ids": list(ids)})
        return {str(r["id"]): counters_from_vector(r["rollup"]) for r in rows}  # type: ignore[arg-type]

    async def skeleton(self) -> list[UnionNode]:
        """Every union with its current parent."""
        rows = await self._store.read(q("rollup/list_union_parents"))
        return [
            UnionNode(
                id=str(r["id"]),
                level=str(r["level"]),
                status=str(r["status"]),
                parent_id=_opt(r["parentId"]),
                region_code=_opt(r["regionCode"]),
                kind=_opt(r["kind"]),
            )
            for r in rows
        ]

    async def stored_paths(self) -> dict[str, list[str] | None]:
        """Every union's stored ancestor path (None when never stored)."""
        rows = await self._store.read(q("rollup/list_union_paths"))
        return {
            str(r["id"]): None if r["path"] is None else [str(x) for x in r["path"]]  # type: ignore[attr-defined]
            for r in rows
        }

    async def count_without_path(self) -> int:
        """How many unions have no stored ancestor path."""
        rows = await self._store.read(q("union/count_unions_without_path"))
        return int(rows[0]["n"]) if rows else 0  # type: ignore[call-overload]

    async def store_paths(self, paths: dict[str, list[str]]) -> None:
        """Write ancestor paths onto the unions, in batches."""
        rows = [{"id": uid, "path": path} for uid, path in paths.items()]
        for start in range(0, len(rows), self._batch):
            await self._store.write(
                q("rollup/set_paths"), {"rows": rows[start : start + self._batch]}
            )

    async def member_tallies(self) -> list[Row]:
        """Current members per union by gender, household type and new-form flag."""
        return await self._store.read(q("rollup/count_members_by_union"))

    async def employer_tallies(self) -> list[Row]:
        """Covered employers per union by nature, with headcount."""
        return await self._store.read(q("rollup/count_employers_by_union"))

    async def uncovered_tallies(self) -> list[Row]:
        """Employers with 25+ employees and no union, per region code."""
        params = {"threshold": UNCOVERED_THRESHOLD}
        return await self._store.read(q("rollup/count_uncovered_employers"), params)

    async def store_all(self, counters: dict[str, Counter[str]]) -> None:
        """Write counters onto the unions as their rollup vectors, in batches."""
        rows = [{"id": uid, "rollup": rollup_vector(c)} for uid, c in counters.items()]
        for start in range(0, len(rows), self._batch):
            await self._store.write(
                q("rollup/set_rollups"), {"rows": rows[start : start + self._batch]}
            )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


class HistoryRepository:
    """Tallies of a subtree as it stood on a past day, from edge history (since/until)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def subtree(self, root: str, as_of: str) -> list[Row]:
        """Unions of the subtree on that day, with level, status and dissolution date."""
        return await self._store.read(q("stats/list_subtree_as_of"), {"id": root, "asOf": as_of})

    async def member_tallies(self, ids: Sequence[str], as_of: str) -> list[Row]:
        """Members open on that day in these unions, by gender, household and new-form flag."""
        params = {"ids": list(ids), "asOf": as_of}
        return await self._store.read(q("stats/count_members_as_of"), params)

    async def employer_tallies(self, ids: Sequence[str], as_of: str) -> list[Row]:
        """Employers covered on that day by these unions, by nature, with headcount."""
        params = {"ids": list(ids), "asOf": as_of}
        return await self._store.read(q("stats/count_employers_as_of"), params)
