"""Issue 2 figures: engine start to ready, demo load rate, memory per member.

    python -m bench.bench_foundation --members 1000000 [--data-dir DIR] [--keep]
        [--engine falkordb|neo4j]

Loads a generated province into a fresh embedded engine (append-only file, fsync always),
end to end: generation, the engine's bulk path for a new graph (GRAPH.BULK batches encoded by
the generator process; indexes and constraints kept up to date as members arrive), the rollup
build and the final rewrite of the append-only file.

``--engine neo4j`` measures the demo load alone into an empty Neo4j (the server at
``UNION_TREE_GRAPH_URL`` when it names one, else the local Neo4j started in the data dir):
UNWIND batches of members with the member constraints built after them, then the rollups.
The embedded engine's start time, memory and restart are FalkorDB figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import redis

from bench.common import add_engine_argument, engine_settings, save
from graph_service.bootstrap import open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.settings import Settings


def start_times(repeat: int = 10) -> list[float]:
    """Seconds from launch to the first answered PING, on an empty data dir."""
    out = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            engine = EmbeddedFalkorDB(Path(tmp)).start()
            out.append(time.perf_counter() - start)
            engine.stop()
    return out


def used_memory(engine: EmbeddedFalkorDB) -> int:
    """Bytes the engine process uses (redis INFO used_memory)."""
    client = redis.Redis(unix_socket_path=engine.unix_socket) if engine.unix_socket else \
        redis.Redis(host="127.0.0.1", port=engine.port or 0, password=engine.password)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


async def load(members: int, data_dir: Path, appendfsync: str) -> dict[str, object]:
    """Load a demo province and measure rate and memory."""
    settings = Settings(data_dir=data_dir, appendfsync=appendfsync)  # type: ignore[arg-type]
    runtime = await open_runtime(settings)
    engine: EmbeddedFalkorDB = runtime.store.embedded  # type: ignore[attr-defined]
    try:
        before = used_memory(engine)
        report = await runtime.services.demo.load(DemoConfig(members=members, seed=42))
        graph_mb = await runtime.store.memory_usage_mb()  # type: ignore[attr-defined]
        after = used_memory(engine)
    finally:
        await runtime.close()
    restart = time.perf_counter()
    engine = EmbeddedFalkorDB(data_dir).start()
    restart_s = time.perf_counter() - restart
    engine.stop()
    return {
        "members": report.members, "unions": report.unions, "employers": report.employers,
        "seconds": round(report.seconds, 2),
        "members_per_s": round(report.members / report.seconds),
        "appendfsync": appendfsync,
        "graph_bytes_per_member": round(graph_mb * 1024 * 1024 / report.members),
        "engine_used_bytes_per_member": round((after - before) / report.members),
        "restart_with_data_s": round(restart_s, 2),
    }


async def load_neo4j(members: int, data_dir: Path) -> dict[str, object]:
    """Load a demo province into an empty Neo4j and measure the rate."""
    from tests import neo4j_local

    runtime = await open_runtime(engine_settings("neo4j", data_dir))
    pid = neo4j_local.running_pid((data_dir / "neo4j").resolve())  # None: a remote server
    cpu_before = _cpu_seconds(pid)
    try:
        report = await runtime.services.demo.load(DemoConfig(members=members, seed=42))
    finally:
        await runtime.close()
    engine_cpu = _cpu_seconds(pid) - cpu_before
    if not report.loaded:
        raise SystemExit("this Neo4j holds a demo already: the load rate needs an empty one")
    return {
        "members": report.members, "unions": report.unions, "employers": report.employers,
        "seconds": round(report.seconds, 2),
        "members_per_s": round(report.members / report.seconds),
        # CPU seconds of the local Neo4j during the load: less sensitive to a shared machine
        "engine_cpu_s": round(engine_cpu, 1) if pid else None,
        "members_per_engine_cpu_s": round(report.members / engine_cpu) if pid else None,
    }  # fmt: skip


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--appendfsync", default="always", choices=["always", "everysec"])
    parser.add_argument("--keep", action="store_true", help="keep the loaded data dir")
    add_engine_argument(parser)
    args = parser.parse_args()
    if args.engine == "neo4j":
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="union-tree-bench-"))
        loaded = asyncio.run(load_neo4j(args.members, data_dir))
        result: dict[str, object] = {"demo_load": loaded | {"target_members_per_s": 20_000}}
        print(save(f"foundation_{args.members}", result).read_text(encoding="utf-8"))
        return
    starts = start_times()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="union-tree-bench-"))
    try:
        loaded = asyncio.run(load(args.members, data_dir, args.appendfsync))
    finally:
        if not args.keep and args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    result = {
        "engine_start_to_ready_s": {"median": round(statistics.median(starts), 3),
                                    "max": round(max(starts), 3), "target": 1.0},
        "demo_load": loaded | {"target_members_per_s": 25_000, "target_bytes_per_member": 1024},
    }
    print(save(f"foundation_{args.members}", result).read_text(encoding="utf-8"))
    if args.keep:
        print(f"data kept in {data_dir}")


if __name__ == "__main__":
    main()
