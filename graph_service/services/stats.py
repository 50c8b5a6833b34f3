"""Subtree statistics: read from maintained rollups, rebuilt and verified from the edges."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from graph_service.domain.stats import ROLLUP_KEYS, SubtreeStats, UnionNode
from graph_service.errors import NotFound
from graph_service.repositories.rollups import HistoryRepository, RollupRepository
from graph_service.services.rollups import (
    ancestor_paths,
    descendants,
    direct_tallies,
    subtree_sums,
)
from graph_service.services.tree import TreeService, check_union_id
from graph_service.store import Row


@dataclass(frozen=True)
class Mismatch:
    """A stored rollup counter (or, key ``path``, ancestor path) that differs from the live one."""

    union_id: str
    key: str
    stored: int | list[str] | None
    live: int | list[str] | None


class StatsService:
    """上级工会看下级: the figures of a union's whole subtree."""

    def __init__(
        self, tree: TreeService, rollups: RollupRepository, history: HistoryRepository
    ) -> None:
        self._tree = tree
        self._rollups = rollups
        self._history = history

    async def subtree_stats(self, union_id: str, *, as_of: date | None = None) -> SubtreeStats:
        """Figures of the subtree: now from the stored rollup, on a past day from edge history."""
        if as_of is not None and as_of < date.today():
            union = await self._tree.get_union(union_id, field="unionId")
            return await self._stats_as_of(union.id, as_of)
        uid = check_union_id(union_id, "unionId")
        stored = await self._rollups.stored([uid])  # one indexed read, which also says it exists
        if uid not in stored:
            raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field="unionId")
        return SubtreeStats.from_counters(uid, stored[uid])

    async def live_subtree_stats(self, union_id: str) -> SubtreeStats:
        """Today's figures counted live by traversing the subtree (what rollups save us)."""
        union = await self._tree.get_union(union_id, field="unionId")
        return await self._stats_as_of(union.id, date.today())

    async def _stats_as_of(self, root: str, as_of: date) -> SubtreeStats:
        day = as_of.isoformat()
        rows = await self._history.subtree(root, day)
        counters: Counter[str] = Counter()
        for row in rows:
            dissolved_on = row.get("dissolvedOn")
            dissolved = row["status"] == "DISSOLVED" and (
                dissolved_on is None or str(dissolved_on) <= day
            )
            if not dissolved:
                counters["unions"] += 1
                counters[f"level:{row['level']}"] += 1
                counters["grassroots"] += row["level"] == "GRASSROOTS"
        ids = [str(r["id"]) for r in rows]
        members = [r | {"id": root} for r in await self._history.member_tallies(ids, day)]
        employers = [r | {"id": root} for r in await self._history.employer_tallies(ids, day)]
        direct = direct_tallies([], members, employers, [])
        counters.update(direct.get(root, Counter()))
        return SubtreeStats.from_counters(root, counters, as_of=as_of)

    async def live_counters(self) -> dict[str, Counter[str]]:
        """Every union's subtree counters, recomputed from the nodes and current edges."""
        return (await self._live())[1]

    async def _live(self) -> tuple[list[UnionNode], dict[str, Counter[str]]]:
        skeleton = await self._rollups.skeleton()
        direct = direct_tallies(
            skeleton,
            await self._rollups.member_tallies(),
            await self._rollups.employer_tallies(),
            await self._rollups.uncovered_tallies(),
        )
        return skeleton, subtree_sums(skeleton, direct)

    async def rebuild(self) -> int:
        """Recompute every rollup and ancestor path from the edges and store them; returns how
        many unions."""
        skeleton, live = await self._live()
        await self._rollups.store_all(live)
        await self._rollups.store_paths(ancestor_paths(skeleton))
        return len(live)

    async def migrate_ancestor_paths(self) -> int:
        """One-off migration of graphs written before stored ancestor paths existed: when any
        union lacks its path, store every union's path from the current edges; returns how
        many unions lacked one (0: nothing written). Run at every start, after the schema."""
        missing = await self._rollups.count_without_path()
        if missing:
            await self._rollups.store_paths(ancestor_paths(await self._rollups.skeleton()))
        return missing

    async def store_from_tallies(
        self,
        skeleton: list[UnionNode],
        member_rows: list[Row],
        employer_rows: list[Row],
        uncovered_rows: list[Row],
    ) -> int:
        """Store rollups summed from tallies a bulk loader kept (same shapes as the live reads)."""
        direct = direct_tallies(skeleton, member_rows, employer_rows, uncovered_rows)
        totals = subtree_sums(skeleton, direct)
        await self._rollups.store_all(totals)
        return len(totals)

    async def verify(self, union_id: str | None = None) -> list[Mismatch]:
        """Every stored counter and ancestor path that differs from the live recount (of one
        subtree or all)."""
        skeleton, live = await self._live()
        if union_id is not None:
            root = (await self._tree.get_union(union_id, field="unionId")).id
            scope = descendants(skeleton, root)
            live = {uid: c for uid, c in live.items() if uid in scope}
        stored = await self._rollups.stored(list(live))
        mismatches = []
        for uid, counters in live.items():
            have = stored.get(uid, Counter())
            for key in ROLLUP_KEYS:
                if counters[key] != have[key]:
                    mismatches.append(Mismatch(uid, key, have[key], counters[key]))
        expected = ancestor_paths(skeleton)
        paths = await self._rollups.stored_paths()
        for uid in live:
            if paths.get(uid) != expected.get(uid, []):
                mismatches.append(Mismatch(uid, "path", paths.get(uid), expected.get(uid, [])))
        return mismatches
