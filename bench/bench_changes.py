"""Issue 3 figures for changes, on a loaded province: subtree moves and transfer paths.

    python -m bench.bench_changes --data-dir DIR [--members 1000000]

Moves townships (each with its subtree) back and forth between two counties, with the rollup
fix-up of both ancestor chains, and asks transfer paths between random grassroots unions.
Ends with ``verify`` (stored rollups equal live counts). Changes the data in DIR.

The target figure is ``subtree_move`` (wall time of ``AffiliationService.move_union``, as a
resolver calls it). Beside it, where that time goes: ``subtree_move_engine`` is what FalkorDB
reports as the internal execution time of the move's statements, ``subtree_move_cpu`` the
benchmark process's own CPU time per move (Python: service, driver, parsing); the rest of the wall
time is the fsync of the append-only file (``appendfsync always``), the socket and scheduling.
Each move moves the same township, so its closed affiliation edges (history) pile up run by run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path
from typing import Any

from bench.common import add_engine_argument, engine_settings, save, summary, time_async
from graph_service.bootstrap import open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.settings import Settings
from graph_service.store import GraphStore


class EngineClock:
    """Sums FalkorDB's "internal execution time" of the statements a store runs (empty for
    other engines): wraps the query method of the store's own graph object, nothing global."""

    def __init__(self, store: GraphStore) -> None:
        self.ms = 0.0
        self.statements = 0
        inner = getattr(store, "inner", store)
        self._graph = getattr(inner, "_graph", None)
        if self._graph is not None:
            original = self._graph._query

            async def timed(*args: Any, **kwargs: Any) -> Any:
                result = await original(*args, **kwargs)
                self.ms += float(result.run_time_ms)
                self.statements += 1
                return result

            self._graph._query = timed

    @property
    def available(self) -> bool:
        """True when the engine reports its execution times (FalkorDB)."""
        return self._graph is not None


async def run(settings: Settings, members: int, repeat: int) -> dict[str, object]:
    runtime = await open_runtime(settings)
    try:
        services = runtime.services
        await services.demo.load(DemoConfig(members=members, seed=42))
        tree = services.tree
        counties = (
            await tree.search_unions(
                name_contains=None, level="COUNTY", under=None, first=500, after=None
            )
        ).items
        sized = []
        for county in counties[:40]:
            children = (await tree.children(county.id, first=500, after=None)).items
            towns = [
                c for c in children if c.level.value == "TOWNSHIP" and c.status.value == "ACTIVE"
            ]
            sized.extend((county.id, t.id) for t in towns)
        (home_a, town), (home_b, _) = sized[0], next(p for p in sized if p[0] != sized[0][0])
        moves: list[float] = []
        engine: list[float] = []
        cpu: list[float] = []
        clock = EngineClock(runtime.store)
        for i in range(repeat):
            target = home_b if i % 2 == 0 else home_a
            clock.ms = 0.0
            cpu_start, start = time.process_time(), time.perf_counter()
            await services.affiliation.move_union(
                union_id=town, new_parent_id=target, actor="bench"
            )
            moves.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
            engine.append(clock.ms)
        statements = clock.statements / repeat
        grassroots = (
            await tree.search_unions(
                name_contains=None, level="GRASSROOTS", under=None, first=500, after=None
            )
        ).items
        rng = random.Random(1)
        pairs = [(rng.choice(grassroots).id, rng.choice(grassroots).id) for _ in range(repeat)]
        it = iter(pairs * 2)

        async def one_path() -> object:
            a, b = next(it)
            return await services.membership.transfer_path(from_union_id=a, to_union_id=b)

        paths = await time_async(one_path, repeat)
        mismatches = await services.stats.verify()
        return {
            "subtree_move": summary(moves) | {"target_p95_ms": 5},
            "subtree_move_engine": summary(engine) if clock.available else None,
            "subtree_move_cpu": summary(cpu),
            "statements_per_move": statements if clock.available else None,
            "appendfsync": settings.appendfsync,
            "transfer_path": summary(paths) | {"target_p95_ms": 5},
            "verify_mismatches_after_moves": len(mismatches),
        }
    finally:
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    add_engine_argument(parser)
    args = parser.parse_args()
    settings = engine_settings(args.engine, args.data_dir)
    result = asyncio.run(run(settings, args.members, args.repeat))
    print(save(f"changes_{args.members}", result).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
