"""Loading a generated demo province through batched UNWIND writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from graph_service.demo.generator import DemoConfig, generate
from graph_service.errors import Conflict
from graph_service.queries import q
from graph_service.services.stats import StatsService
from graph_service.store import GraphStore

MARKER = "demo"
_UNION_PROPS = (
    "name",
    "level",
    "kind",
    "status",
    "regionCode",
    "foundedOn",
    "termEndsOn",
    "chair",
    "phone",
)
_EMPLOYER_PROPS = ("name", "nature", "employeeCount", "regionCode", "industry")
_MEMBER_PROPS = (
    "id",
    "name",
    "gender",
    "phone",
    "householdType",
    "political",
    "education",
    "newFormWorker",
    "joinedOn",
    "status",
    "unionPost",
    "unionPostType",
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoReport:
    """What a demo load did."""

    loaded: bool
    unions: int = 0
    employers: int = 0
    members: int = 0
    seconds: float = 0.0


def member_write_row(row: dict[str, object]) -> dict[str, object]:
    """A generated member as the bulk statement expects it."""
    props = {k: row[k] for k in _MEMBER_PROPS}
    props["certKey"] = f"{row['certType']}:{row['certNumber']}"
    return {
        "props": props,
        "unionId": row["unionId"],
        "employerId": row["employerId"],
        "since": row["joinedOn"],
    }


class DemoLoader:
    """Puts a synthetic province into an empty graph, once."""

    def __init__(self, store: GraphStore, stats: StatsService, *, batch_size: int = 5_000) -> None:
        self._store = store
        self._stats = stats
        self._batch = batch_size

    async def state(self) -> tuple[str | None, bool]:
        """The demo marker's state (None, 'loading', 'complete') and whether any union exists."""
        rows = await self._store.read(q("demo/get_demo_load"), {"id": MARKER})
        row = rows[0] if rows else {}
        return (row.get("state") and str(row["state"])), bool(row.get("hasUnions"))  # type: ignore[return-value]

    async def load(self, config: DemoConfig, *, progress: Progress | None = None) -> DemoReport:
        """Load the province unless a demo is already loaded; a half-done load is redone."""
        state, has_unions = await self.state()
        if state == "complete":
            return DemoReport(loaded=False)
        if state is None and has_unions:
            raise Conflict("图中已有非演示数据，不能载入演示省份", reason="GRAPH_NOT_EMPTY")
        if state == "loading":
            await self._clear()
        started = datetime.now(UTC)
        await self._mark("loading", config, started)
        province = await asyncio.to_thread(generate, config)
        report = progress or (lambda stage, done, total: None)
        await self._load_unions(province.unions, report)
        await self._load_employers(province.employers, report)
        members = await self._load_members(province.member_batches(self._batch), config, report)
        report("rollups", 0, 1)
        await self._stats.rebuild()
        report("rollups", 1, 1)
        await self._mark("complete", config, started)
        seconds = (datetime.now(UTC) - started).total_seconds()
        return DemoReport(True, len(province.unions), len(province.employers), members, seconds)

    async def _clear(self) -> None:
        while True:
            rows = await self._store.write(q("demo/delete_demo_batch"), {"limit": 20_000})
            if not rows or not rows[0]["deleted"]:
                return

    async def _mark(self, state: str, config: DemoConfig, started: datetime) -> None:
        props = {
            "state": state,
            "members": config.members,
            "seed": config.seed,
            "province": config.province,
            "at": started.isoformat(timespec="seconds"),
        }
        await self._store.write(q("demo/set_demo_load"), {"id": MARKER, "props": props})

    async def _load_unions(self, unions: list[dict[str, object]], report: Progress) -> None:
        rows = [{"id": u["id"], "props": {k: u[k] for k in _UNION_PROPS}} for u in unions]
        links = [
            {"childId": u["id"], "parentId": u["parentId"], "since": u["since"]}
            for u in unions
            if u["parentId"] is not None
        ]
        await self._batched("bulk/upsert_unions", rows, "unions", report)
        await self._batched("bulk/link_affiliations", links, "affiliations", report)

    async def _load_employers(self, employers: list[dict[str, object]], report: Progress) -> None:
        rows = [{"id": e["id"], "props": {k: e[k] for k in _EMPLOYER_PROPS}} for e in employers]
        links = [
            {"unionId": e["unionId"], "employerId": e["id"], "since": e["since"]}
            for e in employers
            if e["unionId"] is not None
        ]
        await self._batched("bulk/upsert_employers", rows, "employers", report)
        await self._batched("bulk/link_coverage", links, "coverage", report)

    async def _load_members(
        self, batches: Iterator[list[dict[str, object]]], config: DemoConfig, report: Progress
    ) -> int:
        """Write member batches while the next one is generated in a thread."""
        done = 0
        pending = asyncio.create_task(asyncio.to_thread(_next_rows, batches))
        while (rows := await pending) is not None:
            pending = asyncio.create_task(asyncio.to_thread(_next_rows, batches))
            await self._store.write(q("bulk/create_members"), {"rows": rows})
            done += len(rows)
            report("members", done, config.members)
        return done

    async def _batched(
        self, name: str, rows: list[dict[str, object]], stage: str, report: Progress
    ) -> None:
        for start in range(0, len(rows), self._batch):
            await self._store.write(q(name), {"rows": rows[start : start + self._batch]})
            report(stage, min(start + self._batch, len(rows)), len(rows))


def _next_rows(batches: Iterator[list[dict[str, object]]]) -> list[dict[str, object]] | None:
    batch = next(batches, None)
    return None if batch is None else [member_write_row(r) for r in batch]
