"""Benchmark of the orphan (空挂会员) scan and of orphanMembers pages (a script, not a test).

Load a province first, then run against the same data dir::

    UNION_TREE_DATA_DIR=/tmp/orph .venv/bin/union-tree demo --members 1000000
    UNION_TREE_DATA_DIR=/tmp/orph .venv/bin/python -m bench.bench_orphans

or on Neo4j (``--engine neo4j``: the server at ``UNION_TREE_GRAPH_URL`` when it names one,
else the local Neo4j of ``--data-dir``, started if needed, as bench_stats loads it)::

    .venv/bin/python -m bench.bench_orphans --engine neo4j --data-dir /tmp/orph

Prints the one-time ``:OrphanCheck`` backfill when the data dir was written before the mark
existed, the time of each scan statement alone (engine time as FalkorDB reports it, on
FalkorDB only, and at the client), the full scan (statements run concurrently plus the
Python that assembles rows), with ``--reference`` the former whole-graph anti-joins and
whether both give the same rows, and p50/p95/max of pages for the province root and a few
cities and counties (a first page with its scoping and walks of later pages), served from
the scan's snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from falkordb.asyncio.graph import AsyncGraph
from redis import asyncio as aioredis

from bench.common import add_engine_argument, engine_settings, save, summary
from graph_service.bootstrap import open_runtime
from graph_service.engines.falkordb import FalkorDBStore, params_header
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.queries import q
from graph_service.repositories.anomalies import AnomalyRepository
from graph_service.services.registry import Services
from graph_service.settings import Settings, load_settings
from graph_service.store import GraphStore

T = TypeVar("T")


async def _timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _open(
    read_timeout_s: float,
) -> tuple[Services, FalkorDBStore, aioredis.BlockingConnectionPool, int | None]:
    """The embedded engine with a socket read timeout long enough for whole-graph scans.

    redis-py 8 reads with a 5 s socket timeout by default, which the service's own
    ``FalkorDBStore.connect`` does not raise yet; a slower scan would fail as unavailable.
    """
    settings = load_settings()
    engine = EmbeddedFalkorDB(settings.data_dir, start_timeout_s=600).start()
    pool = aioredis.BlockingConnectionPool(
        connection_class=aioredis.UnixDomainSocketConnection,
        path=engine.unix_socket,
        max_connections=16,
        timeout=30,
        decode_responses=True,
        password=engine.password,
        socket_timeout=read_timeout_s,
    )

    async def stop() -> None:
        await asyncio.to_thread(engine.stop)

    store = FalkorDBStore(pool, settings.graph_name, on_close=stop)
    return Services.build(store, settings), store, pool, engine.pid


async def _open_neo4j(settings: Settings) -> tuple[Services, GraphStore, int | None]:
    """The service's runtime on Neo4j, and the local server's pid (None for a remote one)."""
    from tests import neo4j_local

    runtime = await open_runtime(settings)
    home = (Path(settings.data_dir) / "neo4j").resolve()
    return runtime.services, runtime.store, neo4j_local.running_pid(home)


async def main(pages: int, scans: int, reference: bool, neo4j: Settings | None = None) -> None:
    graph: AsyncGraph | None = None
    store: GraphStore
    if neo4j is None:
        services, store, pool, engine_pid = await _open(600.0)
        graph = AsyncGraph(aioredis.Redis(connection_pool=pool), store.graph_name)
    else:
        services, store, engine_pid = await _open_neo4j(neo4j)
    try:
        repo = AnomalyRepository(store)
        anomalies = services.anomalies
        roots = await services.tree.search_unions(
            name_contains=None, level="PROVINCE", under=None, first=1, after=None
        )
        province = roots.items[0].id
        print(f"province root {province}")
        if not await repo.marks_ready():
            seconds, _ = await _timed(repo.mark_unattached)
            print(f"one-time :OrphanCheck backfill: {seconds:.1f} s")
        skeleton = await repo.skeleton()
        snap0 = await anomalies.snapshot()
        pairs = await repo.uncovered_union_pairs()
        candidates = anomalies._uncovered_candidates(snap0, pairs)
        shared = await repo.shared_union_pairs()
        suspects = sorted({n.id for n in skeleton if n.status == "DISSOLVED"} | set(snap0.detached))
        for name, statement, params, call in (
            ("union skeleton", "anomaly/list_union_skeleton", None, repo.skeleton),
            ("coverage", "anomaly/list_current_coverage", None, repo.coverage),
            ("marked members", "anomaly/list_unattached_members", None, repo.unattached_members),
            (
                "uncovered (employer, union)",
                "anomaly/list_uncovered_union_pairs",
                None,
                repo.uncovered_union_pairs,
            ),
            (
                "shared union pairs",
                "anomaly/list_shared_union_pairs",
                None,
                repo.shared_union_pairs,
            ),
            (
                "members of suspect unions",
                "anomaly/list_members_of_unions",
                {"ids": suspects},
                partial(repo.members_of_unions, suspects),
            ),
            (
                "uncovered pair members",
                "anomaly/list_uncovered_pair_members",
                {"pairs": candidates},
                partial(repo.uncovered_pair_members, candidates),
            ),
            (
                "duplicate pair members",
                "anomaly/list_duplicate_pair_members",
                {"pairs": shared},
                partial(repo.duplicate_pair_members, shared),
            ),
        ):
            seconds, rows = await _timed(call)
            engine = "-"
            if graph is not None and (params is None or any(params.values())):
                text = params_header(params) + q(statement).text_for("falkordb")
                engine = f"{(await graph.ro_query(text)).run_time_ms:.1f}"
            print(
                f"  {name:28s} {seconds * 1000:8.1f} ms client, {engine:>8s} ms engine"
                f"  ({len(rows):,} rows)"
            )
        scan_times, client_cpu, engine_cpu = [], [], []
        for _ in range(scans):
            anomalies.invalidate()
            cpu, engine_before = time.process_time(), _cpu_seconds(engine_pid)
            seconds, snap = await _timed(anomalies.snapshot)
            client_cpu.append(time.process_time() - cpu)
            engine_cpu.append(_cpu_seconds(engine_pid) - engine_before)
            scan_times.append(seconds)
        if reference:
            seconds, ref = await _timed(anomalies.reference_rows)
            print(
                f"reference (former anti-joins): {seconds * 1000:.0f} ms;"
                f" same rows as the scan: {ref == snap.rows}"
            )
        reasons = Counter(r.reason.value for r in snap.rows)
        print(
            f"full scan: min {min(scan_times) * 1000:.0f} ms, median"
            f" {statistics.median(scan_times) * 1000:.0f} ms, max {max(scan_times) * 1000:.0f} ms"
            f" over {scans} runs; CPU per scan (median): this process"
            f" {statistics.median(client_cpu) * 1000:.0f} ms, engine"
            f" {statistics.median(engine_cpu) * 1000:.0f} ms; rows by reason {dict(reasons)}"
        )
        levels: Counter[str] = Counter()
        targets = [province]
        for node in snap.skeleton:
            if node.level in ("CITY", "COUNTY") and levels[node.level] < 5:
                levels[node.level] += 1
                targets.append(node.id)
        first_page: list[float] = []
        later: list[float] = []
        for root in targets:
            anomalies_snapshot = await anomalies.snapshot()
            anomalies_snapshot.scoped.pop(root, None)  # measure the scoping too
            seconds, page = await _timed(partial(anomalies.orphan_members, union_id=root))
            first_page.append(seconds)
            cursor = page.end_cursor
            for _ in range(pages):
                if cursor is None:
                    break
                seconds, page = await _timed(
                    partial(anomalies.orphan_members, union_id=root, after=cursor)
                )
                later.append(seconds)
                cursor = page.end_cursor
        every = sorted(first_page + later)
        p95 = every[max(0, round(0.95 * len(every)) - 1)]
        saved = save(
            "orphans",
            {
                "full_scan": summary([t * 1000 for t in scan_times]) | {"target_s": 1.5},
                "scan_cpu_ms_median": {
                    "client": round(statistics.median(client_cpu) * 1000),
                    "engine": round(statistics.median(engine_cpu) * 1000),
                },
                "rows_by_reason": dict(reasons),
                "pages_of_50": summary([t * 1000 for t in every]) | {"target_ms": 50},
                "first_page_with_scoping_max_ms": round(max(first_page) * 1000, 1),
                "roots": len(targets),
            },
        )
        print(f"saved {saved}")
        print(
            f"pages of 50 (from the snapshot) over {len(targets)} roots, {len(every)} pages:"
            f" p50 {statistics.median(every) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms,"
            f" max {every[-1] * 1000:.1f} ms;"
            f" first page incl. scoping max {max(first_page) * 1000:.1f} ms"
        )
    finally:
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="later pages walked per root")
    parser.add_argument("--scans", type=int, default=5, help="full scans timed")
    parser.add_argument(
        "--reference", action="store_true", help="also run the former anti-joins (~12 s)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="for --engine neo4j")
    add_engine_argument(parser)
    args = parser.parse_args()
    neo4j = None
    if args.engine == "neo4j":
        neo4j = engine_settings("neo4j", args.data_dir or load_settings().data_dir)
    asyncio.run(main(args.pages, args.scans, args.reference, neo4j))
