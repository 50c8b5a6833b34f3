"""Reads and one-statement writes of affiliation changes (unions moved, employers transferred)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph_service.domain.changes import AffiliationChange, ChainNode
from graph_service.errors import GraphStoreError
from graph_service.queries import q
from graph_service.repositories.values import whole
from graph_service.store import GraphStore, Row


@dataclass(frozen=True)
class ChainRow:
    """A union of a chain as read: distance 0 is the union itself, 1 its parent."""

    id: str
    name: str
    level: str
    status: str
    rollup: list[int]
    """Its first five counters (unions, grassroots, employers, employees, members)."""
    distance: int
    since: str | None = None
    """On the distance-0 row: when the union's current parent edge started (None: no parent)."""

    def node(self) -> ChainNode:
        """As a chain node for effect arithmetic."""
        return ChainNode(id=self.id, name=self.name, rollup=self.rollup)


@dataclass(frozen=True)
class Edge:
    """A current edge: the other end and since when."""

    other_id: str
    since: str


@dataclass(frozen=True)
class MoveResult:
    """What the move statement read under its locks, just before it wrote."""

    from_union_id: str
    """The parent the union left."""
    moved: list[int]
    old_chain: list[ChainNode]
    """The old parent chain before the move, parent first."""
    new_chain: list[ChainNode]
    """The new parent chain before the move, new parent first."""


def _ints(value: object) -> list[int]:
    return [int(v) for v in value] if isinstance(value, list) else []


def _nodes(value: object) -> list[ChainNode]:
    items = value if isinstance(value, list) else []
    return [
        ChainNode(id=str(i["id"]), name=str(i["name"] or ""), rollup=_ints(i.get("rollup")))
        for i in items
    ]


def path_missing(union_id: str) -> GraphStoreError:
    """A union without a stored ancestor path: the start-up migration stores every missing
    one, so only a graph changed by an older version since can have one."""
    return GraphStoreError(
        f"工会（{union_id}）缺少存储的上级路径，请运行 union-tree rebuild-rollups",
        reason="PATH_MISSING",
    )


def _chain_row(r: Row, since: object) -> ChainRow:
    return ChainRow(
        id=str(r["id"]),
        name=str(r["name"] or ""),
        level=str(r["level"]),
        status=str(r["status"] or "ACTIVE"),
        rollup=_ints(r["rollup"]),
        distance=whole(r["distance"]),
        since=None if since is None else str(since),
    )


def _move_result(rows: Sequence[Row]) -> MoveResult | None:
    if not rows:
        return None
    row = rows[0]
    return MoveResult(
        str(row["fromUnionId"]),
        _ints(row["moved"]),
        _nodes(row["oldBefore"]),
        _nodes(row["newBefore"]),
    )


class AffiliationRepository:
    """Affiliation changes on one store."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def chain(self, union_id: str) -> list[ChainRow]:
        """The union (distance 0) and its current ancestors, nearest first; [] if unknown."""
        return (await self.chains([union_id])).get(union_id, [])

    async def chains(self, ids: Sequence[str], *, full: bool = True) -> dict[str, list[ChainRow]]:
        """Per known union: itself (distance 0, with its parent edge's ``since``) and its current
        ancestors, nearest first, in one read of the stored ancestor paths. ``full=False``
        leaves names and rollups out (empty) when only the rules are checked."""
        params = {"ids": list(dict.fromkeys(ids)), "full": full}
        rows = await self._store.read(q("affiliation/get_chain"), params)
        out: dict[str, list[ChainRow]] = {}
        for r in rows:
            if not r["stored"]:
                raise path_missing(str(r["of"]))
            out.setdefault(str(r["of"]), []).append(_chain_row(r, r["since"]))
        return out

    async def parent_edge(self, union_id: str) -> Edge | None:
        """The current parent edge of a union."""
        rows = await self._store.read(q("affiliation/get_parent_edge"), {"id": union_id})
        return Edge(str(rows[0]["parentId"]), str(rows[0]["since"])) if rows else None

    async def coverage_edge(self, employer_id: str) -> Edge | None:
        """The current coverage edge of an employer."""
        rows = await self._store.read(q("affiliation/get_coverage_edge"), {"id": employer_id})
        return Edge(str(rows[0]["unionId"]), str(rows[0]["since"])) if rows else None

    async def dependants(self, union_id: str) -> tuple[int, int]:
        """(active children, current members) of a union."""
        rows = await self._store.read(q("affiliation/count_union_dependants"), {"id": union_id})
        if not rows:
            return 0, 0
        return whole(rows[0]["children"]), whole(rows[0]["members"])

    async def area_unions(self, codes: Sequence[str]) -> dict[str, str]:
        """Region code -> the local federation of that area (lowest id when several)."""
        rows = await self._store.read(q("affiliation/find_area_unions"), {"codes": list(codes)})
        out: dict[str, str] = {}
        for r in rows:
            out.setdefault(str(r["regionCode"]), str(r["id"]))
        return out

    async def history(self, union_id: str) -> list[AffiliationChange]:
        """Changes of a union and employer transfers to or from it, oldest first."""
        rows = await self._store.read(q("affiliation/list_changes"), {"id": union_id})
        changes = [AffiliationChange.model_validate(r) for r in rows]
        return sorted(changes, key=lambda c: (str(c.effective_on), c.recorded_at, c.id))

    async def _applied(self, name: str, params: Mapping[str, object]) -> list[Row]:
        return await self._store.write(q(name), params)

    async def create_root(self, params: Mapping[str, object]) -> bool:
        """Create a parentless union; False when the id was taken."""
        return bool(await self._applied("affiliation/create_root_union", params))

    async def create_union(self, params: Mapping[str, object]) -> bool:
        """Create a union under a parent; False when a guard failed (nothing written)."""
        return bool(await self._applied("affiliation/create_union", params))

    async def move_union(self, params: Mapping[str, object]) -> MoveResult | None:
        """Move a union along the stored ancestor paths, checking every move rule in the
        statement itself; None when one failed (nothing written)."""
        return _move_result(await self._applied("affiliation/move_union", params))

    async def dissolve_union(self, params: Mapping[str, object]) -> bool:
        """Dissolve a union; False when a guard failed."""
        return bool(await self._applied("affiliation/dissolve_union", params))

    async def upsert_employer(self, params: Mapping[str, object]) -> bool:
        """Create or update an employer; False when a guard failed."""
        return bool(await self._applied("affiliation/upsert_employer", params))

    async def transfer_employer(self, params: Mapping[str, object]) -> bool:
        """Transfer an employer; False when a guard failed."""
        return bool(await self._applied("affiliation/transfer_employer", params))
