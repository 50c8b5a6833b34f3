"""Benchmark of the orphan (空挂会员) scan and of orphanMembers pages (a script, not a test).

Load a province first, then run against the same data dir::

    UNION_TREE_DATA_DIR=/tmp/orph .venv/bin/union-tree demo --members 1000000
    UNION_TREE_DATA_DIR=/tmp/orph .venv/bin/python -m bench.bench_orphans

Prints the time of each scan statement alone, of the full scan (statements run concurrently,
plus the Python that assembles rows), and p50/p95 of cached pages for the province root and
a few cities and counties (a first page and walks of later pages).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from redis import asyncio as aioredis

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.repositories.anomalies import AnomalyRepository
from graph_service.services.registry import Services
from graph_service.settings import load_settings

T = TypeVar("T")


async def _timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def _open(read_timeout_s: float) -> tuple[Services, FalkorDBStore]:
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
    return Services.build(store, settings), store


async def main(pages: int, scans: int) -> None:
    services, store = await _open(600.0)
    try:
        repo = AnomalyRepository(store)
        anomalies = services.anomalies
        roots = await services.tree.search_unions(
            name_contains=None, level="PROVINCE", under=None, first=1, after=None
        )
        province = roots.items[0].id
        print(f"province root {province}")
        for name, call in (
            ("members without union", repo.members_without_union),
            ("members without employer", repo.members_without_employer),
            ("uncovered memberships", repo.uncovered_memberships),
            ("duplicate memberships", repo.duplicate_memberships),
            ("coverage", repo.coverage),
        ):
            seconds, rows = await _timed(call)
            print(f"  {name:28s} {seconds * 1000:8.1f} ms  ({len(rows):,} rows)")
        scan_times = []
        for _ in range(scans):
            anomalies.invalidate()
            seconds, snap = await _timed(anomalies.snapshot)
            scan_times.append(seconds)
        reasons = Counter(r.reason.value for r in snap.rows)
        print(
            f"full scan: min {min(scan_times) * 1000:.0f} ms, max {max(scan_times) * 1000:.0f} ms"
            f" over {scans} runs; rows by reason {dict(reasons)}"
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
        print(
            f"pages of 50 (cached scan) over {len(targets)} roots, {len(every)} pages:"
            f" p50 {statistics.median(every) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms,"
            f" first page incl. scoping max {max(first_page) * 1000:.1f} ms"
        )
    finally:
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="later pages walked per root")
    parser.add_argument("--scans", type=int, default=3, help="full scans timed")
    args = parser.parse_args()
    asyncio.run(main(args.pages, args.scans))
