"""The 百日采集 data-quality scorecard of a union's children (``dataQuality``).

Per call: the union skeleton (subtrees, computed in Python), one aggregate read of member
field counts per union, one read of member phones and certificate keys (validated in
Python), one read of union fields and one of covered employers — all over the given union's
subtree, never a round trip per member.
"""

from __future__ import annotations

from graph_service.domain.quality import (
    DataQuality,
    Tally,
    add_member_codes,
    add_member_counts,
    add_union,
    add_units,
)
from graph_service.queries import q
from graph_service.repositories.rollups import RollupRepository
from graph_service.services.rollups import descendants
from graph_service.services.tree import TreeService
from graph_service.store import GraphStore, Row


class DataQualityService:
    """How complete and valid the register is beneath a union, child by child."""

    def __init__(self, store: GraphStore, tree: TreeService, rollups: RollupRepository) -> None:
        self._store = store
        self._tree = tree
        self._rollups = rollups

    async def data_quality(self, *, union_id: str) -> DataQuality:
        """One scorecard row per current child union, over the child's whole subtree."""
        root = (await self._tree.get_union(union_id, field="unionId")).id
        skeleton = await self._rollups.skeleton()
        child_ids = sorted(n.id for n in skeleton if n.parent_id == root)
        owner: dict[str, str] = {}
        for child in child_ids:
            for uid in descendants(skeleton, child):
                owner.setdefault(uid, child)
        if not child_ids:
            return DataQuality(union_id=root)
        ids = sorted(owner)
        tallies = {child: Tally() for child in child_ids}
        for row in await self._read("quality/count_member_fields", ids):
            add_member_counts(tallies[owner[str(row["id"])]], row)
        for row in await self._read("quality/list_member_codes", ids):
            add_member_codes(tallies[owner[str(row["id"])]], row)
        for row in await self._read("quality/list_union_fields", ids):
            add_union(tallies[owner[str(row["id"])]], row)
        units: dict[str, list[Row]] = {child: [] for child in child_ids}
        for row in await self._read("quality/list_covered_employers", ids):
            units[owner[str(row["unionId"])]].append(row)
        for child, rows in units.items():
            add_units(tallies[child], rows)
        unions = await self._tree.get_unions(child_ids)
        return DataQuality(
            union_id=root,
            children=[tallies[c].row(unions[c]) for c in child_ids if c in unions],
        )

    async def _read(self, name: str, ids: list[str]) -> list[Row]:
        return await self._store.read(q(name), {"ids": ids})
