"""Whole-graph scans for anomalies: each statement returns only the anomalous rows."""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.domain.models import Employer, Member
from graph_service.queries import q
from graph_service.repositories.tree import employer_from_row, member_from_row
from graph_service.store import GraphStore, Row


class AnomalyRepository:
    """Reads behind ``orphanMembers``, ``detachedUnions`` and ``employersWithoutUnion``."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def members_without_union(self) -> list[Row]:
        """memberId, employerId?, employerRegion? of members (not LEFT) with no current union."""
        return await self._store.read(q("anomaly/list_members_without_union"))

    async def members_without_employer(self) -> list[Row]:
        """memberId, unionId? of members (not LEFT) with no current employer."""
        return await self._store.read(q("anomaly/list_members_without_employer"))

    async def members_of_unions(self, ids: Sequence[str]) -> list[Row]:
        """memberId, unionId of the current members of these unions."""
        if not ids:
            return []
        return await self._store.read(q("anomaly/list_members_of_unions"), {"ids": list(ids)})

    async def uncovered_memberships(self) -> list[Row]:
        """memberId, unionId, employerId where the union does not cover the member's employer."""
        return await self._store.read(q("anomaly/list_uncovered_memberships"))

    async def duplicate_memberships(self) -> list[Row]:
        """memberId, unionIds of members with two or more current memberships."""
        return await self._store.read(q("anomaly/list_duplicate_memberships"))

    async def coverage(self) -> dict[str, set[str]]:
        """Employer id -> ids of the unions currently covering it."""
        rows = await self._store.read(q("anomaly/list_current_coverage"))
        out: dict[str, set[str]] = {}
        for row in rows:
            out.setdefault(str(row["employerId"]), set()).add(str(row["unionId"]))
        return out

    async def uncovered_employers(self, min_employees: int) -> list[Employer]:
        """Employers with at least ``min_employees`` employees and no current union, by id."""
        rows = await self._store.read(
            q("anomaly/list_uncovered_employers"), {"minEmployees": min_employees}
        )
        return [employer_from_row(r) for r in rows]

    async def members(self, ids: Sequence[str]) -> dict[str, Member]:
        """Members by internal id, each with one current union and employer."""
        if not ids:
            return {}
        rows = await self._store.read(q("anomaly/get_members"), {"ids": list(ids)})
        return {str(r["id"]): member_from_row(r) for r in rows}
