"""Loading a generated demo province through batched UNWIND writes."""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing
import queue as queue_module
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import queues as mp_queues
from multiprocessing.process import BaseProcess

from graph_service.demo.generator import DemoConfig, generate
from graph_service.domain.stats import UNCOVERED_THRESHOLD, UnionNode
from graph_service.errors import Conflict
from graph_service.queries import q
from graph_service.services.stats import StatsService
from graph_service.store import BuildEncoder, FreshBuild, GraphStore, JsonRows, Row

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
MEMBER_COLUMNS = (
    "id", "certKey", "name", "gender", "phone", "householdType", "political", "education",
    "newFormWorker", "joinedOn", "status", "unionPost", "unionPostType", "unionId", "employerId",
)  # fmt: skip
"""Positions of a member row (compact rows encode fast); ``bulk/create_members`` takes them
grouped by the last two columns, ``bulk/create_members_partial`` whole."""

Progress = Callable[[str, int, int], None]
_BUILD_BATCH = 20_000
"""Members per bulk-build call: each call ends with the engine syncing its matrices, so
fewer, larger calls cost it less (at 1M: ~18 s of engine time in 50k calls, ~26 s in 5k)."""


@dataclass(frozen=True)
class DemoReport:
    """What a demo load did."""

    loaded: bool
    unions: int = 0
    employers: int = 0
    members: int = 0
    seconds: float = 0.0


def member_write_row(row: dict[str, object]) -> list[object]:
    """A generated member as a positional row of MEMBER_COLUMNS."""
    cert_key = f"{row['certType']}:{row['certNumber']}"
    return [cert_key if col == "certKey" else row[col] for col in MEMBER_COLUMNS]


def member_groups(rows: list[list[object]]) -> tuple[list[list[object]], list[list[object]]]:
    """Rows with both a union and an employer as ``bulk/create_members`` groups
    ``[unionId, employerId, rows]`` (consecutive rows of a pair share a group), and the rest."""
    groups: list[list[object]] = []
    partial: list[list[object]] = []
    key: tuple[object, object] | None = None
    members: list[object] = []
    for r in rows:
        union_id, employer_id = r[13], r[14]
        if union_id is None or employer_id is None:
            partial.append(r)
            continue
        if (union_id, employer_id) != key:
            key, members = (union_id, employer_id), []
            groups.append([union_id, employer_id, members])
        members.append(r[:13])
    return groups, partial


@dataclass(frozen=True)
class MemberBatch:
    """One batch as the generator process hands it over: groups encoded already (JSON for
    ``write``), or the whole batch encoded for a ``FreshBuild``."""

    groups: JsonRows | None
    partial: list[list[object]]
    size: int
    encoded: object = None


_Loaded = tuple[list[dict[str, object]], list[dict[str, object]], list[Row]]
"""What a load hands to the rollups: generated unions, employers, member tallies per union."""


def _marker_props(state: str, config: DemoConfig, started: datetime) -> dict[str, object]:
    return {
        "state": state,
        "members": config.members,
        "seed": config.seed,
        "province": config.province,
        "at": started.isoformat(timespec="seconds"),
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
        report = progress or (lambda stage, done, total: None)
        async with self._store.fresh_build() as build:
            if build is not None:  # an empty graph: the engine's bulk path
                unions, employers, members = await self._build(build, config, started, report)
            else:
                unions, employers, members = await self._write(config, started, report)
            report("indexes", 0, 1)
        report("indexes", 1, 1)  # leaving fresh_build: indexes and constraints in force
        report("rollups", 0, 1)
        await self._stats.store_from_tallies(*_tallies(unions, employers, members))
        report("rollups", 1, 1)
        await self._mark("complete", config, started)
        await self._store.checkpoint()
        seconds = (datetime.now(UTC) - started).total_seconds()
        loaded = sum(int(r["n"]) for r in members)  # type: ignore[call-overload]
        return DemoReport(True, len(unions), len(employers), loaded, seconds)

    async def _write(self, config: DemoConfig, started: datetime, report: Progress) -> _Loaded:
        """Through Cypher writes: unions and employers in UNWIND batches, then members while
        the generator process makes the next batches."""
        await self._mark("loading", config, started)
        # one child generates everything; members are generated while unions are written
        async with member_feed(config, self._batch) as feed:
            unions, employers = await feed.province()
            await self._load_unions(unions, report)
            await self._load_employers(employers, report)
            async with self._store.deferred_indexes("Member"):  # no members yet: index after
                members = await self._load_members(feed, config.members, report)
                report("member indexes", 0, 1)
            report("member indexes", 1, 1)
        return unions, employers, members

    async def _build(
        self, build: FreshBuild, config: DemoConfig, started: datetime, report: Progress
    ) -> _Loaded:
        """Through the engine's bulk path: the generator process also encodes (the marker
        first, state 'loading', so a half-built demo is found and cleared next time); the
        service sends batch after batch in the order they were encoded."""
        marker = {"id": MARKER, **_marker_props("loading", config, started)}
        size = max(self._batch, _BUILD_BATCH)
        async with member_feed(config, size, build=(build.encoder, marker)) as feed:
            unions, employers = await feed.province()
            report("unions", len(unions), len(unions))
            report("employers", len(employers), len(employers))
            done = 0
            while (batch := await feed.next_batch()) is not None:
                await build.send(batch.encoded)
                done += batch.size
                report("members", done, config.members)
        return unions, employers, feed.tallies

    async def _clear(self) -> None:
        while True:
            rows = await self._store.write(q("demo/delete_demo_batch"), {"limit": 20_000})
            if not rows or not rows[0]["deleted"]:
                return

    async def _mark(self, state: str, config: DemoConfig, started: datetime) -> None:
        props = _marker_props(state, config, started)
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

    async def _load_members(self, feed: MemberFeed, total: int, report: Progress) -> list[Row]:
        """Write member batches while a child process generates and encodes the next ones (both
        cores busy), one write at a time: two in flight measured no faster on 2 cores (64 vs
        67 s at 1M). Returns the child's member tallies per union (for the rollups)."""
        done = 0
        while (batch := await feed.next_batch()) is not None:
            done += await self._write_members(batch)
            report("members", done, total)
        return feed.tallies

    async def _write_members(self, batch: MemberBatch) -> int:
        if batch.groups is not None:
            await self._store.write(q("bulk/create_members"), {"groups": batch.groups})
        if batch.partial:
            await self._store.write(q("bulk/create_members_partial"), {"rows": batch.partial})
        return batch.size

    async def _batched(
        self, name: str, rows: list[dict[str, object]], stage: str, report: Progress
    ) -> None:
        for start in range(0, len(rows), self._batch):
            await self._store.write(q(name), {"rows": rows[start : start + self._batch]})
            report(stage, min(start + self._batch, len(rows)), len(rows))


def _produce(
    config: DemoConfig,
    size: int,
    out: mp_queues.Queue[object],
    build: tuple[BuildEncoder, dict[str, object]] | None = None,
) -> None:
    """Child process: queue the province's unions and employers, then member batches (groups
    encoded as JSON text, or everything through ``build``'s encoder: the marker, unions,
    employers and their edges are the first batch), then the member tallies per union."""
    province = generate(config)
    gc.freeze()  # the tree and lookup tables live to the end: no collector passes over them
    numbers: _Numbers = ({}, {})
    if build is None:
        out.put(("province", province.unions, province.employers))
    else:
        encoder, marker = build
        encoder.nodes(["DemoLoad"], list(marker), [list(marker.values())])
        # members lacking a union or an employer are marked :OrphanCheck as they are built
        # (below), so the orphan scan's one-time backfill has nothing to do on this graph
        anomaly_state = [["orphanCheck", marker["at"]]]
        encoder.nodes(["AnomalyState"], ["id", "markedAt"], anomaly_state)
        numbers = _encode_province(encoder, province.unions, province.employers)
        out.put(("province", province.unions, province.employers))
        out.put(MemberBatch(None, [], 0, encoder.take()))  # the first batch sent: the tree
    tally: Counter[tuple[object, ...]] = Counter()
    for batch in province.member_batches(size):
        written = [member_write_row(r) for r in batch]
        if build is None:
            groups, partial = member_groups(written)
            text = JsonRows(json.dumps(groups, ensure_ascii=False)) if groups else None
            out.put(MemberBatch(text, partial, len(batch)))
        else:
            _encode_members(build[0], written, numbers)
            out.put(MemberBatch(None, [], len(batch), build[0].take()))
        for r in batch:
            tally[
                (r["unionId"], r["gender"], r["householdType"], r["newFormWorker"], r["status"])
            ] += 1
    rows = [
        {"id": uid, "gender": g, "householdType": h, "newFormWorker": nf, "status": st, "n": n}
        for (uid, g, h, nf, st), n in tally.items()
    ]
    out.put(("tallies", rows))


def _encode_province(
    encoder: BuildEncoder, unions: list[dict[str, object]], employers: list[dict[str, object]]
) -> _Numbers:
    """Unions (with ``path``: ancestor ids from the root down, as ``link_affiliations``
    sets it), employers, AFFILIATED_TO and COVERS; returns node numbers of unions and
    employers by id."""
    parents = {u["id"]: u["parentId"] for u in unions}

    def path(union_id: object) -> list[object]:
        ids: list[object] = []
        while (union_id := parents.get(union_id)) is not None:
            ids.append(union_id)
        return ids[::-1]

    keys = ("id", *_UNION_PROPS, "path")
    first = encoder.nodes(
        ["Union"], keys, [[u["id"], *(u[k] for k in _UNION_PROPS), path(u["id"])] for u in unions]
    )
    union_no = {u["id"]: first + i for i, u in enumerate(unions)}
    first = encoder.nodes(
        ["Employer"],
        ("id", *_EMPLOYER_PROPS),
        [[e["id"], *(e[k] for k in _EMPLOYER_PROPS)] for e in employers],
    )
    employer_no = {e["id"]: first + i for i, e in enumerate(employers)}
    linked = [u for u in unions if u["parentId"] is not None]
    encoder.edges(
        "AFFILIATED_TO",
        ("since",),
        [[union_no[u["id"]], union_no[u["parentId"]], u["since"]] for u in linked],
    )
    covered = [e for e in employers if e["unionId"] is not None]
    encoder.edges(
        "COVERS",
        ("since",),
        [[union_no[e["unionId"]], employer_no[e["id"]], e["since"]] for e in covered],
    )
    return union_no, employer_no


_Numbers = tuple[dict[object, int], dict[object, int]]
_MEMBER_KEYS = MEMBER_COLUMNS[:13]


def _encode_members(encoder: BuildEncoder, rows: list[list[object]], numbers: _Numbers) -> None:
    """Members as ``bulk/create_members`` and ``create_members_partial`` write them: those
    lacking a union or an employer also labelled OrphanCheck; MEMBER_OF and EMPLOYED_BY
    since the join date."""
    union_no, employer_no = numbers
    whole = [r for r in rows if r[13] is not None and r[14] is not None]
    first = encoder.nodes(["Member"], _MEMBER_KEYS, [r[:13] for r in whole])
    nos = range(first, first + len(whole))
    joined = [r[9] for r in whole]
    member_of = zip(nos, map(union_no.__getitem__, [r[13] for r in whole]), joined, strict=True)
    employed = zip(nos, map(employer_no.__getitem__, [r[14] for r in whole]), joined, strict=True)
    edges = [list(member_of), list(employed)]
    partial = [r for r in rows if r[13] is None or r[14] is None]
    if partial:
        first = encoder.nodes(["Member", "OrphanCheck"], _MEMBER_KEYS, [r[:13] for r in partial])
        for i, r in enumerate(partial, start=first):
            if r[13] is not None:
                edges[0].append((i, union_no[r[13]], r[9]))
            if r[14] is not None:
                edges[1].append((i, employer_no[r[14]], r[9]))
    encoder.edges("MEMBER_OF", ("since",), edges[0])
    encoder.edges("EMPLOYED_BY", ("since",), edges[1])


class MemberFeed:
    """What the generator process hands over, in order: the province's unions and
    employers, member batches (up to 64 ahead, ~1 MB each), and after the last batch the tallies."""

    def __init__(self, queue: mp_queues.Queue[object], child: BaseProcess) -> None:
        self._queue = queue
        self._child = child
        self.tallies: list[Row] = []

    async def _next(self) -> object:
        while True:
            try:
                return await asyncio.to_thread(self._queue.get, True, 1.0)
            except queue_module.Empty:
                if not self._child.is_alive():
                    raise RuntimeError("demo generator process died") from None

    async def province(self) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """The generated unions and employers (the first item)."""
        item = await self._next()
        assert isinstance(item, tuple) and item[0] == "province"
        return item[1], item[2]

    async def next_batch(self) -> MemberBatch | None:
        """The next member batch; None after the last (the tallies are then in ``tallies``)."""
        item = await self._next()
        if isinstance(item, tuple):
            self.tallies.extend(item[1])
            return None
        assert isinstance(item, MemberBatch)
        return item


@asynccontextmanager
async def member_feed(
    config: DemoConfig, size: int, *, build: tuple[BuildEncoder, dict[str, object]] | None = None
) -> AsyncIterator[MemberFeed]:
    """A generator process for ``config`` (encoding with ``build``'s encoder and marker when
    given), stopped when the block ends."""
    ctx = multiprocessing.get_context("fork")  # the child only generates rows: no loop, no sockets
    queue: mp_queues.Queue[object] = ctx.Queue(maxsize=64)
    child = ctx.Process(target=_produce, args=(config, size, queue, build), daemon=True)
    child.start()
    try:
        yield MemberFeed(queue, child)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)


def _tallies(
    unions: list[dict[str, object]], employers: list[dict[str, object]], members: list[Row]
) -> tuple[list[UnionNode], list[Row], list[Row], list[Row]]:
    """The rollup inputs of a generated province, in the shapes of the live tally reads."""
    skeleton = [
        UnionNode(
            id=str(u["id"]),
            level=str(u["level"]),
            status=str(u["status"]),
            parent_id=_text(u["parentId"]),
            region_code=_text(u["regionCode"]),
            kind=_text(u["kind"]),
        )
        for u in unions
    ]
    covered: Counter[tuple[object, object]] = Counter()
    headcount: Counter[tuple[object, object]] = Counter()
    uncovered: Counter[object] = Counter()
    for e in employers:
        if e["unionId"] is not None:
            covered[(e["unionId"], e["nature"])] += 1
            headcount[(e["unionId"], e["nature"])] += int(e["employeeCount"])  # type: ignore[call-overload]
        elif int(e["employeeCount"]) >= UNCOVERED_THRESHOLD:  # type: ignore[call-overload]
            uncovered[e["regionCode"]] += 1
    employer_rows: list[Row] = [
        {"id": uid, "nature": nature, "n": n, "employees": headcount[(uid, nature)]}
        for (uid, nature), n in covered.items()
    ]
    uncovered_rows: list[Row] = [{"regionCode": code, "n": n} for code, n in uncovered.items()]
    member_rows = [r for r in members if r["id"] is not None and r["status"] != "LEFT"]
    return skeleton, member_rows, employer_rows, uncovered_rows


def _text(value: object) -> str | None:
    return None if value is None else str(value)
