"""The import service's shared part: the ImportBatch record of each source file and the
look-ups of the union a roster names (by id or by exact name)."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_service import metrics
from graph_service.errors import NotFound
from graph_service.repositories.imports import ImportRepository
from graph_service.services.imports.contract import BatchInfo
from graph_service.services.stats import StatsService
from graph_service.services.tree import TreeService
from graph_service.store import GraphStore

_COUNTED = ("created", "updated", "unchanged", "rejected")  # import rows metric


class ImportServiceBase:
    """What every part of the import service shares: the repository, the tree, batches and
    the look-ups of a target union."""

    def __init__(self, store: GraphStore, tree: TreeService, stats: StatsService) -> None:
        self._repo = ImportRepository(store)
        self._tree = tree
        self._stats = stats

    # ------------------------------------------------------------ batches and look-ups

    async def record_batch(self, batch: BatchInfo, *, state: str, **counts: object) -> None:
        """Create or update the ImportBatch node of one source file."""
        props: dict[str, object] = {
            "file": batch.file,
            "sha256": batch.sha256,
            "operator": batch.operator,
            "startedAt": batch.started_at,
            "state": state,
            **counts,
        }
        if state != "RUNNING":
            props["finishedAt"] = datetime.now(UTC).isoformat(timespec="seconds")
        await self._repo.save_batch(batch.id, props)
        if state != "RUNNING":
            metrics.count_import_rows(
                **{k: int(counts.get(k) or 0) for k in _COUNTED}  # type: ignore[call-overload]
            )

    async def union_by_exact_name(self, name: str) -> str:
        """The id of the one union called ``name``; NOT_FOUND or CONFLICT when not exactly one."""
        from graph_service.errors import Conflict

        found = [r for r in await self._repo.unions_named(name) if r["status"] != "DISSOLVED"]
        if not found:
            raise NotFound(
                f"未找到名称为「{name}」的工会，请指定所属工会的代码",
                reason="UNION_NAME_NOT_FOUND",
                field="unionName",
            )
        if len(found) > 1:
            raise Conflict(
                f"名称为「{name}」的工会有{len(found)}个，请指定所属工会的代码",
                reason="UNION_NAME_AMBIGUOUS",
                field="unionName",
                details={"candidates": [str(r["id"]) for r in found]},
            )
        return str(found[0]["id"])

    async def check_union(self, union_id: str) -> str:
        """The normalised id of an existing union (NOT_FOUND otherwise)."""
        return (await self._tree.get_union(union_id, field="union")).id
