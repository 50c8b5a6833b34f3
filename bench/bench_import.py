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
from pathlib import Path

import psutil

from graph_service.demo.generator import DemoConfig, generate
from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.services.registry import Services
from graph_service.settings import Settings
from loaders.importer import Importer
from loaders.samples import CANONICAL_MEMBER_HEADER, write_csv, write_xlsx

UNIT_HEADER = [
    "工会编码",
    "工会名称",
    "工会层级",
    "工会类型",
    "工会状态",
    "上级工会代码",
    "工会行政区划代码",
    "建会日期",
    "届期",
    "单位名称",
    "单位统一社会信用代码",
    "单位性质",
    "职工人数",
    "单位行政区划代码",
]


def _unit_rows(province: object) -> list[list[object]]:
    unions = province.unions  # type: ignore[attr-defined]
    employers = province.employers  # type: ignore[attr-defined]
    by_union: dict[str, list[dict[str, object]]] = {}
    for e in employers:
        by_union.setdefault(str(e["unionId"]), []).append(e)
    rows = []
    for u in unions:
        base = [
            u["id"],
            u["name"],
            u["level"],
            u["kind"],
            u["status"],
            u["parentId"],
            u["regionCode"],
            u["foundedOn"],
            u["termEndsOn"],
        ]
        for e in by_union.get(str(u["id"]), [None]):  # type: ignore[list-item]
            extra = (
                [e["name"], e["id"], e["nature"], e["employeeCount"], e["regionCode"]]
                if e
                else [None] * 5
            )
            rows.append(base + extra)
    for e in by_union.get("None", []):
        rows.append(
            [None] * 9 + [e["name"], e["id"], e["nature"], e["employeeCount"], e["regionCode"]]
        )
    return rows


def _member_rows(province: object, bad: float, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    for batch in province.member_batches(10_000):  # type: ignore[attr-defined]
        for m in batch:
            if m["unionId"] is None:
                continue
            number = str(m["certNumber"])
            if rng.random() < bad:
                number = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check digit
            yield [
                m["unionId"],
                m["employerId"],
                m["name"],
                m["gender"],
                "01",
                number,
                m["phone"],
                m["householdType"],
                m["political"],
                m["education"],
                "是" if m["newFormWorker"] else "否",
                m["joinedOn"],
                m["status"],
                m["unionPost"],
                m["unionPostType"],
            ]


async def _run(members: int, fmt: str, bad: float, work: Path) -> dict[str, object]:
    province = generate(DemoConfig(members=members, seed=5))
    units = write_xlsx(work / "units.xlsx", UNIT_HEADER, _unit_rows(province))
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
