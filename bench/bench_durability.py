"""The cost of ``appendfsync always`` versus ``everysec`` on import throughput.

    python -m bench.bench_durability --members 100000 [--modes always everysec]

One generated province written once as a canonical units file and a canonical member file; for
each mode a fresh embedded FalkorDB (its own data dir on the same disk), the units imported,
then the member file timed end to end (read, validate, look up, write, rollups). Also timed:
the engine's restart on the resulting data dir (append-only file replay). Results go to
``bench/results/durability_<members>.json``. The machine may be shared: rows/s vary by up to
±30% between runs, so compare the two modes of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import save
from graph_service.demo.generator import DemoConfig, generate
from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.services.registry import Services
from graph_service.settings import Settings
from loaders.importer import Importer
from loaders.samples import (
    CANONICAL_MEMBER_HEADER,
    DEMO_UNIT_HEADER,
    demo_member_rows,
    demo_unit_rows,
    write_csv,
)


async def _one_mode(mode: str, units: Path, members: Path, work: Path) -> dict[str, object]:
    engine = EmbeddedFalkorDB(work / f"db-{mode}", appendfsync=mode).start()
    store = FalkorDBStore.connect(graph_name="bench", unix_socket=engine.unix_socket, pool_size=4)
    try:
        await store.ensure_schema()
        services = Services.build(store, Settings(write_batch_size=5_000))
        importer = Importer(services.imports, chunk=5_000)
        await importer.run([(units, units.name)], operator="bench")
        began = time.perf_counter()
        summary = await importer.run([(members, members.name)], operator="bench")
        seconds = time.perf_counter() - began
    finally:
        await store.close()
        engine.stop()
    aof = sum(f.stat().st_size for f in (work / f"db-{mode}" / "aof").iterdir())
    began = time.perf_counter()
    EmbeddedFalkorDB(work / f"db-{mode}").start().stop()
    restart = time.perf_counter() - began
    return {
        "appendfsync": mode,
        "rows": summary.rows,
        "created": summary.created,
        "rejected": summary.rejected,
        "seconds": round(seconds, 2),
        "rows_per_s": round(summary.rows / seconds),
        "aof_mb": round(aof / 2**20, 1),
        "restart_s": round(restart, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--modes", nargs="+", default=["always", "everysec"])
    args = parser.parse_args()
    province = generate(DemoConfig(members=args.members, seed=5))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-durability-") as tmp:
        work = Path(tmp)
        units = write_csv(work / "units.csv", DEMO_UNIT_HEADER, demo_unit_rows(province))
        members = write_csv(
            work / "members.csv", CANONICAL_MEMBER_HEADER, demo_member_rows(province)
        )
        for mode in args.modes:
            load_before = psutil.getloadavg()[0]
            result = asyncio.run(_one_mode(mode, units, members, work))
            result["load_avg_1m_before"] = round(load_before, 2)
            print(result, flush=True)
            results.append(result)
    by_mode = {str(r["appendfsync"]): r for r in results}
    out: dict[str, object] = {
        "members": args.members,
        "machine": f"{psutil.cpu_count()} cores, {platform.system()}; shared with other work",
        "results": results,
    }
    if {"always", "everysec"} <= set(by_mode):
        slow = float(by_mode["always"]["rows_per_s"])  # type: ignore[arg-type]
        fast = float(by_mode["everysec"]["rows_per_s"])  # type: ignore[arg-type]
        out["always_cost_pct"] = round((1 - slow / fast) * 100, 1)
    print(save(f"durability_{args.members}", out))


if __name__ == "__main__":
    main()
