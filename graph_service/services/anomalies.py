"""空挂会员 and other anomalies: found from small candidate sets, scoped and paged in Python.

How it works: no statement anti-joins every member (that cost ~2-6 s per reason at a million
members). In one round of concurrent reads the scan takes the union skeleton (every union
with its current parents: dissolved and detached unions are found from it), the current
coverage, the members marked ``:OrphanCheck`` with their current unions and employers (NO_UNION,
NO_EMPLOYER: the writes that can leave a member without a current union or employer mark it,
see ``cypher/anomaly/mark_unattached_members.cypher``; a graph written before the mark existed
is backfilled once, on its first scan), and the (employer, union) and (union, union) pairs that
members join, which FalkorDB computes as sparse matrix products. A second round checks only the
candidates: members of dissolved or detached unions, of (union, employer) pairs no current
coverage explains (EMPLOYER_NOT_COVERED) and of union pairs (DUPLICATE_ID). The scan takes about
half a second at a million members (``bench/bench_orphans.py``). Its result is a snapshot kept
for ``ttl_seconds`` (10 s by default; writes do not invalidate it, call
:meth:`AnomalyService.invalidate`), so a page is a filter, a bisect and three small reads that
load the page's members, unions and employers. At most one scan runs at a time.
:meth:`AnomalyService.reference_rows` runs the former whole-graph anti-joins, the oracle the
tests and the benchmark compare the scan with.

Scope of ``orphan_members(union_id=R)`` — the orphans "under" R:

* members whose current union is in R's subtree (current AFFILIATED_TO edges), whatever
  the reason;
* members of a *detached* union (no current path to the national root, so no subtree holds
  it) when R is a 地方总工会 whose area holds the union's region code;
* members with no union whose current employer lies in R's area: the employer is covered by
  a union of R's subtree, or R is a 地方总工会 (PROVINCE/CITY/COUNTY level, kind 地方总工会)
  and the employer's region code starts with R's prefix (province ``code[:2]``, city
  ``code[:4]``, county the full code);
* members with neither union nor employer only for a PROVINCE-level root (the top union of
  a province's tree) and the NATIONAL root. The national root's area is everything.

EMPLOYER_NOT_COVERED: the member's union does not currently cover the member's current
employer; for a FEDERATION-level union the employer also counts as covered when a union of
the federation's subtree covers it or no union does (see ``covered_by_federation``).
DUPLICATE_ID: the member has current MEMBER_OF edges to two or more unions (two open edges to
the same union, which no write creates, are not seen: the union-pair product cannot tell them
from one). NO_UNION names the member's current employer (the lowest id if it has several).
LEFT members are never orphans. One row per (member, reason), ordered by (reason in CONTRACT
order, member id).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from graph_service.domain.anomalies import (
    DetachedUnion,
    Detachment,
    OrphanMember,
    OrphanReason,
    OrphanRow,
    area_prefix,
    covered_by_federation,
    describe,
    detachments,
    local_area_owner,
)
from graph_service.domain.models import Employer, Union
from graph_service.domain.stats import UnionNode
from graph_service.errors import BadUserInput
from graph_service.repositories.anomalies import AnomalyRepository
from graph_service.repositories.rollups import RollupRepository
from graph_service.services.pagination import Page, decode_cursor, encode_cursor, page_size
from graph_service.services.tree import TreeService
from graph_service.store import GraphStore, Row

_TOP_LEVELS = ("PROVINCE", "NATIONAL")


@dataclass
class Snapshot:
    """The result of one full scan, with per-root results filled in lazily."""

    taken: float
    nodes: dict[str, UnionNode]
    skeleton: list[UnionNode]
    detached: dict[str, Detachment]
    coverage: dict[str, set[str]]
    rows: list[OrphanRow]
    scoped: dict[str, list[OrphanRow]] = field(default_factory=dict)
    uncovered: dict[int, list[Employer]] = field(default_factory=dict)

    children: dict[str, list[str]] | None = None
    federation_subtrees: dict[str, set[str]] = field(default_factory=dict)

    def federation_covers(self, union_id: str, employer_id: str) -> bool:
        """True when ``union_id`` is a federation and the federation rule explains its members
        employed by ``employer_id`` (each federation's subtree computed once per snapshot)."""
        node = self.nodes.get(union_id)
        if node is None or node.level != "FEDERATION":
            return False
        if union_id not in self.federation_subtrees:
            self.federation_subtrees[union_id] = self.subtree(union_id)
        subtree = self.federation_subtrees[union_id]
        return covered_by_federation(employer_id, union_id, subtree, self.coverage)

    def subtree(self, root: str) -> set[str]:
        """Ids of the root's current subtree (as ``descendants``, the child lists built once)."""
        if self.children is None:
            self.children = {}
            for node in self.skeleton:
                if node.parent_id is not None:
                    self.children.setdefault(node.parent_id, []).append(node.id)
        seen, stack = {root}, [root]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen


class AnomalyService:
    """Finds 空挂会员, unions cut off from the tree and employers without a union."""

    def __init__(
        self,
        store: GraphStore,
        tree: TreeService,
        rollups: RollupRepository,
        *,
        ttl_seconds: float = 10.0,
    ) -> None:
        self._repo = AnomalyRepository(store)
        self._tree = tree
        self._rollups = rollups
        self._ttl = ttl_seconds
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Forget the cached scan: the next call scans again."""
        self._snapshot = None

    async def snapshot(self) -> Snapshot:
        """The cached scan, rescanned when older than the TTL (one scan at a time)."""
        snap = self._snapshot
        if snap is not None and time.monotonic() - snap.taken < self._ttl:
            return snap
        async with self._lock:
            snap = self._snapshot
            if snap is None or time.monotonic() - snap.taken >= self._ttl:
                snap = await self._scan()
                self._snapshot = snap
            return snap

    async def _scan(self) -> Snapshot:
        if not await self._repo.marks_ready():
            await self._repo.mark_unattached()
        skeleton, coverage, unattached, employer_pairs, union_pairs = await asyncio.gather(
            self._repo.skeleton(),
            self._repo.coverage(),
            self._repo.unattached_members(),
            self._repo.uncovered_union_pairs(),
            self._repo.shared_union_pairs(),
        )
        nodes = {n.id: n for n in skeleton}
        detached = detachments(skeleton)
        snap = Snapshot(time.monotonic(), nodes, skeleton, detached, coverage, [])
        suspects = sorted({n.id for n in skeleton if n.status == "DISSOLVED"} | set(detached))
        of_suspects, uncovered, duplicates = await asyncio.gather(
            self._repo.members_of_unions(suspects),
            self._repo.uncovered_pair_members(self._uncovered_candidates(snap, employer_pairs)),
            self._repo.duplicate_pair_members(union_pairs),
        )
        snap.rows = _rows(snap, _unattached(unattached), of_suspects, uncovered, duplicates)
        return snap

    def _uncovered_candidates(
        self, snap: Snapshot, pairs: Iterable[tuple[str, str]]
    ) -> list[list[str]]:
        """[unionId, employerId] pairs members join that no current coverage (nor the
        federation rule) explains."""
        return sorted(
            [uid, eid]
            for eid, uid in pairs
            if uid not in snap.coverage.get(eid, ()) and not snap.federation_covers(uid, eid)
        )

    async def reference_rows(self) -> list[OrphanRow]:
        """The orphan rows by the former whole-graph anti-joins (seconds per reason at a
        million members): the oracle the scan is compared with in tests and the benchmark."""
        skeleton = await self._rollups.skeleton()
        nodes = {n.id: n for n in skeleton}
        detached = detachments(skeleton)
        suspects = sorted({n.id for n in skeleton if n.status == "DISSOLVED"} | set(detached))
        no_union, no_employer, uncovered, duplicates, coverage, of_suspects = await asyncio.gather(
            self._repo.reference_members_without_union(),
            self._repo.reference_members_without_employer(),
            self._repo.reference_uncovered_memberships(),
            self._repo.reference_duplicate_memberships(),
            self._repo.coverage(),
            self._repo.members_of_unions(suspects),
        )
        snap = Snapshot(time.monotonic(), nodes, skeleton, detached, coverage, [])
        unattached = [
            *(
                OrphanRow(
                    str(r["memberId"]),
                    OrphanReason.NO_UNION,
                    (),
                    _opt(r["employerId"]),
                    _opt(r["employerRegion"]),
                )
                for r in no_union
            ),
            *_grouped(no_employer, OrphanReason.NO_EMPLOYER),
        ]
        return _rows(snap, unattached, of_suspects, self._not_covered(snap, uncovered), duplicates)

    def _not_covered(self, snap: Snapshot, rows: list[Row]) -> list[Row]:
        """Uncovered memberships minus those the federation rule accepts."""
        return [
            row
            for row in rows
            if not snap.federation_covers(str(row["unionId"]), str(row["employerId"]))
        ]

    def _in_scope(self, snap: Snapshot, root: str) -> list[OrphanRow]:
        """The rows under ``root`` (see the module docstring), cached in the snapshot."""
        if root in snap.scoped:
            return snap.scoped[root]
        subtree = snap.subtree(root)
        node = snap.nodes[root]
        prefix = area_prefix(node)
        top = node.level in _TOP_LEVELS

        def in_area(region: str | None) -> bool:
            if prefix is None:
                return False
            return prefix == "" or (region is not None and region.startswith(prefix))

        def holds(row: OrphanRow) -> bool:
            if row.union_ids:
                return any(
                    u in subtree or (u in snap.detached and in_area(_region(snap, u)))
                    for u in row.union_ids
                )
            if row.employer_id is not None:
                covering = snap.coverage.get(row.employer_id, set())
                return bool(covering & subtree) or in_area(row.employer_region)
            return top

        scoped = [row for row in snap.rows if holds(row)]
        snap.scoped[root] = scoped
        return scoped

    async def orphan_members(
        self, *, union_id: str, first: int | None = 50, after: str | None = None
    ) -> Page[OrphanMember]:
        """One page of the orphans under a union, one row per (member, reason)."""
        root = (await self._tree.get_union(union_id, field="unionId")).id
        size, cursor = page_size(first), _orphan_key(decode_cursor(after))
        snap = await self.snapshot()
        if root not in snap.nodes:  # created after the snapshot was taken
            self.invalidate()
            snap = await self.snapshot()
        rows = self._in_scope(snap, root)
        start = 0 if cursor is None else bisect.bisect_right(rows, cursor, key=lambda r: r.key)
        chosen = rows[start : start + size]
        items = await self._hydrate(snap, chosen)
        keys = [f"{r.reason.value}/{r.member_id}" for r in chosen]
        return Page(
            items=items,
            cursors=[encode_cursor(k) for k in keys],
            has_next_page=start + size < len(rows),
            total_count=len(rows),
        )

    async def _hydrate(self, snap: Snapshot, rows: Sequence[OrphanRow]) -> list[OrphanMember]:
        members = await self._repo.members([r.member_id for r in rows])
        union_ids: set[str] = set()
        employer_ids: set[str] = set()
        for row in rows:
            union_ids.update(row.union_ids)
            union_ids.update(snap.detached[u].top_id for u in row.union_ids if u in snap.detached)
            if row.employer_id:
                employer_ids.add(row.employer_id)
                union_ids.update(snap.coverage.get(row.employer_id, ()))
        unions, employers = await asyncio.gather(
            self._tree.get_unions(sorted(union_ids)), self._tree.get_employers(sorted(employer_ids))
        )
        out = []
        for row in rows:
            member = members.get(row.member_id)
            if member is None:  # removed since the scan
                continue
            detail = describe(row, unions, employers, snap.detached, snap.coverage)
            out.append(OrphanMember(member, row.reason, detail))
        return out

    async def detached_unions(
        self, *, first: int | None = 50, after: str | None = None, under: str | None = None
    ) -> Page[DetachedUnion]:
        """Unions (not DISSOLVED) with no current path to the national root, by id.

        ``under``: only those an account bound to that union answers for: in its current
        subtree (a detached branch), or, for a 地方总工会, with a region code in its area (as
        for orphan members); the national root answers for all."""
        size, key = page_size(first), decode_cursor(after)
        snap = await self.snapshot()
        ids = sorted(u for u in snap.detached if snap.nodes[u].status != "DISSOLVED")
        if under is not None:
            ids = _detached_under(snap, under, ids)
        start = 0 if key is None else bisect.bisect_right(ids, key)
        chosen = ids[start : start + size]
        tops = [snap.detached[u].top_id for u in chosen]
        unions = await self._tree.get_unions(sorted(set(chosen) | set(tops)))
        items = [_detached(unions[u], snap.detached[u], unions) for u in chosen if u in unions]
        return Page(
            items=items,
            cursors=[encode_cursor(d.union.id) for d in items],
            has_next_page=start + size < len(ids),
            total_count=len(ids),
        )

    async def employers_without_union(
        self,
        *,
        union_id: str,
        min_employees: int = 25,
        first: int | None = 50,
        after: str | None = None,
    ) -> Page[Employer]:
        """应建未建: employers of the union's area with ``min_employees``+ employees and no union.

        An employer lies in the area of the 地方总工会 (PROVINCE/CITY/COUNTY) whose region code
        is the employer's (else its city's, else its province's) — the rule of the
        ``employersWithoutUnion`` statistic — and so under every union above that one.
        """
        if min_employees < 0:
            raise BadUserInput(
                "职工人数下限不能为负数", reason="MIN_EMPLOYEES", field="minEmployees"
            )
        root = (await self._tree.get_union(union_id, field="unionId")).id
        size, key = page_size(first), decode_cursor(after)
        snap = await self.snapshot()
        if min_employees not in snap.uncovered:
            snap.uncovered[min_employees] = await self._repo.uncovered_employers(min_employees)
        owner = local_area_owner(snap.skeleton)
        subtree = snap.subtree(root)
        national = snap.nodes[root].level == "NATIONAL" if root in snap.nodes else False
        employers = [
            e for e in snap.uncovered[min_employees] if national or owner(e.region_code) in subtree
        ]
        ids = [e.id for e in employers]
        start = 0 if key is None else bisect.bisect_right(ids, key)
        chosen = employers[start : start + size]
        return Page(
            items=chosen,
            cursors=[encode_cursor(e.id) for e in chosen],
            has_next_page=start + size < len(ids),
            total_count=len(ids),
        )


def _unattached(
    members: dict[str, tuple[list[str], list[tuple[str, str | None]]]],
) -> list[OrphanRow]:
    """NO_UNION and NO_EMPLOYER rows of the marked members (one row per member each)."""
    out = []
    for mid, (unions, jobs) in members.items():
        if not unions:
            employer, region = min(jobs) if jobs else (None, None)
            out.append(OrphanRow(mid, OrphanReason.NO_UNION, (), employer, region))
        if not jobs:
            out.append(OrphanRow(mid, OrphanReason.NO_EMPLOYER, tuple(sorted(set(unions)))))
    return out


def _rows(
    snap: Snapshot,
    unattached: list[OrphanRow],
    of_suspects: list[Row],
    uncovered: list[Row],
    duplicates: list[Row],
) -> list[OrphanRow]:
    """Every orphan row in listing order (reason, member id)."""
    rows = [
        *unattached,
        *_grouped(
            [r for r in of_suspects if snap.nodes[str(r["unionId"])].status == "DISSOLVED"],
            OrphanReason.UNION_DISSOLVED,
        ),
        *_grouped(
            [r for r in of_suspects if str(r["unionId"]) in snap.detached],
            OrphanReason.UNION_DETACHED,
        ),
        *_grouped(uncovered, OrphanReason.EMPLOYER_NOT_COVERED),
        *(
            OrphanRow(
                str(r["memberId"]),
                OrphanReason.DUPLICATE_ID,
                tuple(sorted(str(u) for u in r["unionIds"])),  # type: ignore[attr-defined]
            )
            for r in duplicates
        ),
    ]
    by_reason: dict[OrphanReason, list[OrphanRow]] = {reason: [] for reason in OrphanReason}
    for row in rows:
        by_reason[row.reason].append(row)
    member = attrgetter("member_id")
    return [row for reason in OrphanReason for row in sorted(by_reason[reason], key=member)]


def _detached_under(snap: Snapshot, root: str, ids: list[str]) -> list[str]:
    node = snap.nodes.get(root)
    if node is None:
        return []
    subtree = snap.subtree(root)
    prefix = area_prefix(node)

    def answers_for(union_id: str) -> bool:
        if union_id in subtree or prefix == "":
            return True
        region = _region(snap, union_id)
        return prefix is not None and region is not None and region.startswith(prefix)

    return [u for u in ids if answers_for(u)]


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _region(snap: Snapshot, union_id: str) -> str | None:
    node = snap.nodes.get(union_id)
    return node.region_code if node else None


def _grouped(rows: Iterable[Row], reason: OrphanReason) -> list[OrphanRow]:
    """One row per member, with every union id the member's rows named."""
    unions: dict[str, list[str]] = {}
    employers: dict[str, str | None] = {}
    for row in rows:
        mid = str(row["memberId"])
        found = unions.setdefault(mid, [])
        if row.get("unionId") is not None:
            found.append(str(row["unionId"]))
        employers.setdefault(mid, _opt(row.get("employerId")))
    return [
        OrphanRow(mid, reason, tuple(sorted(set(uids))), employers[mid])
        for mid, uids in unions.items()
    ]


def _orphan_key(raw: str | None) -> tuple[int, str] | None:
    if raw is None:
        return None
    reason, _, member_id = raw.partition("/")
    try:
        return (OrphanReason(reason).rank, member_id)
    except ValueError:
        raise BadUserInput("分页游标无效", reason="BAD_CURSOR", field="after") from None


def _detached(union: Union, d: Detachment, unions: dict[str, Union]) -> DetachedUnion:
    top = unions.get(d.top_id)
    if d.reason.value == "NO_PARENT":
        detail = "该工会没有现行的上级工会，未接入全国总工会组织树"
    elif d.reason.value == "CYCLE":
        detail = "该工会的上级链条形成循环，无法到达全国总工会"
    else:
        name = top.name if top else d.top_id
        detail = f"上级链条在「{name}」处中断（该工会没有现行的上级工会）"
    return DetachedUnion(union, d.reason, top, detail)
