"""Reads behind the anomaly scan: each returns only anomalous rows or small candidate sets.

The scan (``AnomalyService``) never anti-joins every member: union-level reasons start from
the union skeleton, EMPLOYER_NOT_COVERED and DUPLICATE_ID from (employer, union) and
(union, union) pairs FalkorDB computes as sparse matrix products, NO_UNION and NO_EMPLOYER
from the members marked ``:OrphanCheck``. The ``reference_*`` reads are the former whole-graph
anti-joins, kept as the oracle the tests and the benchmark compare the scan with.

Statements returning thousands of rows return them as one list of texts ('a|b|...'; ids,
codes and levels never hold '|' or ';'), joined into one text on FalkorDB: the client spends
~6 µs on every row of a result (parsing, a dict per row) and ~2 µs on every list element,
which at 90,000 rows per scan was most of the scan; splitting one text costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from graph_service.domain.models import Employer, Member
from graph_service.domain.stats import UnionNode
from graph_service.queries import q
from graph_service.repositories.tree import employer_from_row, member_from_row
from graph_service.store import GraphStore, Row


class AnomalyRepository:
    """Reads behind ``orphanMembers``, ``detachedUnions`` and ``employersWithoutUnion``."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def skeleton(self) -> list[UnionNode]:
        """Every union with its current parent (one node per current parent; None if none)."""
        rows = await self._store.read(q("anomaly/list_union_skeleton"))
        unions: list[list[str]] = []
        parents: dict[str, list[str | None]] = {}
        for text in _texts(rows):
            kind, _, rest = text.partition("|")
            if kind == "P":
                child, _, parent = rest.partition("|")
                parents.setdefault(child, []).append(parent)
            else:
                unions.append(rest.split("|", 4))
        return [
            UnionNode(
                id=uid,
                level=level,
                status=status,
                parent_id=parent,
                region_code=region or None,
                kind=kind or None,
            )
            for uid, level, status, region, kind in unions
            for parent in parents.get(uid) or [None]
        ]

    async def marks_ready(self) -> bool:
        """True once this graph's ``:OrphanCheck`` backfill has run."""
        return bool(await self._store.read(q("anomaly/get_anomaly_state")))

    async def mark_unattached(self) -> None:
        """Run the one-time ``:OrphanCheck`` backfill (a write over every member)."""
        await self._store.write(
            q("anomaly/mark_unattached_members"), {"markedAt": datetime.now(UTC).isoformat()}
        )

    async def unattached_members(self) -> dict[str, tuple[list[str], list[tuple[str, str | None]]]]:
        """Marked members (not LEFT) -> (current union ids, current (employer id, region))."""
        rows = await self._store.read(q("anomaly/list_unattached_members"))
        out: dict[str, tuple[list[str], list[tuple[str, str | None]]]] = {}
        for text in _texts(rows):
            kind, _, rest = text.partition("|")
            if kind == "M":
                out.setdefault(rest, ([], []))
            elif kind == "U":
                mid, _, uid = rest.partition("|")
                out.setdefault(mid, ([], []))[0].append(uid)
            else:
                mid, eid, region = rest.split("|", 2)
                out.setdefault(mid, ([], []))[1].append((eid, region or None))
        return out

    async def uncovered_union_pairs(self) -> list[tuple[str, str]]:
        """(employerId, unionId) pairs some member joins (current or closed edges) that the
        union does not currently cover."""
        rows = await self._store.read(q("anomaly/list_uncovered_union_pairs"))
        return [(str(r["employerId"]), str(r["unionId"])) for r in rows]

    async def shared_union_pairs(self) -> list[list[str]]:
        """[unionId, otherId] pairs of unions sharing a member, by current or closed edges."""
        rows = await self._store.read(q("anomaly/list_shared_union_pairs"))
        return [[str(r["unionId"]), str(r["otherId"])] for r in rows]

    async def uncovered_pair_members(self, pairs: Sequence[Sequence[str]]) -> list[Row]:
        """memberId, unionId, employerId of current, uncovered memberships of [union, employer]."""
        if not pairs:
            return []
        rows = [list(p) for p in pairs]
        return await self._store.read(q("anomaly/list_uncovered_pair_members"), {"pairs": rows})

    async def duplicate_pair_members(self, pairs: Sequence[Sequence[str]]) -> list[Row]:
        """memberId, unionIds of members current in both unions of one of the pairs."""
        if not pairs:
            return []
        rows = [list(p) for p in pairs]
        return await self._store.read(q("anomaly/list_duplicate_pair_members"), {"pairs": rows})

    async def reference_members_without_union(self) -> list[Row]:
        """Reference anti-join: memberId, employerId?, employerRegion? of members (not LEFT)
        with no current union."""
        return await self._store.read(q("anomaly/list_members_without_union"))

    async def reference_members_without_employer(self) -> list[Row]:
        """Reference anti-join: memberId, unionId? of members (not LEFT) with no current
        employer."""
        return await self._store.read(q("anomaly/list_members_without_employer"))

    async def members_of_unions(self, ids: Sequence[str]) -> list[Row]:
        """memberId, unionId of the current members (not LEFT) of these unions."""
        if not ids:
            return []
        rows = await self._store.read(q("anomaly/list_members_of_unions"), {"ids": list(ids)})
        out: list[Row] = []
        for text in _texts(rows):
            mid, _, uid = text.partition("|")
            out.append({"memberId": mid, "unionId": uid})
        return out

    async def reference_uncovered_memberships(self) -> list[Row]:
        """Reference scan: memberId, unionId, employerId where the union does not cover the
        member's employer."""
        return await self._store.read(q("anomaly/list_uncovered_memberships"))

    async def reference_duplicate_memberships(self) -> list[Row]:
        """Reference scan: memberId, unionIds of members with two or more current
        memberships."""
        return await self._store.read(q("anomaly/list_duplicate_memberships"))

    async def coverage(self) -> dict[str, set[str]]:
        """Employer id -> ids of the unions currently covering it."""
        rows = await self._store.read(q("anomaly/list_current_coverage"))
        out: dict[str, set[str]] = {}
        for text in _texts(rows):
            uid, _, eid = text.partition("|")
            out.setdefault(eid, set()).add(uid)
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


def _texts(rows: list[Row]) -> list[str]:
    """The texts of statements returning ``collect(...) AS rows`` (one row per UNION part);
    their FalkorDB overrides join each list into one text with ';' (codes never hold one)."""
    out: list[str] = []
    for r in rows:
        texts = r["rows"]
        if isinstance(texts, str):
            out += texts.split(";") if texts else []
        else:
            out += [str(text) for text in texts]  # type: ignore[attr-defined]
    return out
