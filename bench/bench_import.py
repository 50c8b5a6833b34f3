"""Import throughput and memory: generated provinces written as files, imported end to end.

    python -m bench.bench_import --members 100000 --format xlsx csv [--bad 0.05]

For each format: a fresh embedded FalkorDB, the unions/units file imported first, then the
member file timed (read + validate + conflict look-up + write + rollups). Prints rows/s and
peak RSS of this process (resource.getrusage; the engine is a separate process, its RSS is
reported too). Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from graph_service.demo.generator import DemoConfig, DemoProvince, generate
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
    write_xlsx,
)


def _member_rows(province: DemoProvince, bad: float, seed: int = 7) -> Iterator[list[object]]:
    """The province's canonical member rows, a share ``bad`` of them with a wrong check digit."""
    rng = random.Random(seed)
    for row in demo_member_rows(province):
        if rng.random() < bad:
            number = str(row[5])
            row[5] = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check digit
        yield row


async def _run(members: int, fmt: str, bad: float, work: Path) -> dict[str, object]:
    province = generate(DemoConfig(members=members, seed=5))
    units = write_xlsx(work / "units.xlsx", DEMO_UNIT_HEADER, demo_unit_rows(province))
    start = time.perf_counter()
    if fmt == "csv":
        roster = write_csv(
            work / "members.csv", CANONICAL_MEMBER_HEADER, _member_rows(province, bad)
        )
    else:
        roster = write_xlsx(
            work / "members.xlsx", CANONICAL_MEMBER_HEADER, _member_rows(province, bad)
        )
    written = time.perf_counter() - start
    del province
    server = EmbeddedFalkorDB(work / "db", appendfsync="everysec").start()
    store = FalkorDBStore.connect(
        graph_name="bench",
        unix_socket=server.unix_socket,
        port=server.port or 0,
        password=server.password,
        pool_size=4,
    )
    try:
        await store.ensure_schema()
        services = Services.build(store, Settings(write_batch_size=5_000))
        importer = Importer(services.imports, chunk=5_000)
        t0 = time.perf_counter()
        unit_summary = await importer.run([(units, units.name)], operator="bench")
        t1 = time.perf_counter()
        summary = await importer.run([(roster, roster.name)], operator="bench")
        t2 = time.perf_counter()
        mismatches = len(await services.stats.verify())
        engine_rss = _engine_rss(server)
    finally:
        await store.close()
        server.stop()
    return {
        "format": fmt,
        "members_file_rows": summary.rows,
        "file_bytes": roster.stat().st_size,
        "file_write_s": round(written, 1),
        "units_rows": unit_summary.rows,
        "units_s": round(t1 - t0, 2),
        "created": summary.created,
        "rejected": summary.rejected,
        "seconds": round(t2 - t1, 2),
        "rows_per_s": round(summary.rows / (t2 - t1)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "engine_rss_mb": engine_rss,
        "verify_mismatches": mismatches,
    }


def _engine_rss(server: EmbeddedFalkorDB) -> int | None:
    proc = getattr(server, "_proc", None) or getattr(server, "process", None)
    pid = getattr(proc, "pid", None)
    if pid is None:
        return None
    return round(psutil.Process(pid).memory_info().rss / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--format", nargs="+", default=["xlsx", "csv"])
    parser.add_argument("--bad", type=float, default=0.0)
    args = parser.parse_args()
    for fmt in args.format:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            result = asyncio.run(_run(args.members, fmt, args.bad, Path(tmp)))
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
