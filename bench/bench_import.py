"""Import throughput and memory: generated provinces written as files, imported end to end.

    python -m bench.bench_import --members 100000 --format xlsx csv [--bad 0.05] [--fsync always]

For each format: the files are written by a child process (so the generator's memory is not
the importer's), then a fresh embedded FalkorDB, the unions/units file imported first, and the
member file timed through ``Importer.run`` as the CLI runs it (read + validate in the worker
process, look-ups, one write statement per chunk with its rollups). Reported per format:

- ``rows_per_s``: member rows read / wall seconds of the member import;
- ``importer_peak_rss_mb``: the highest sampled RSS of the importer, this process plus its
  worker processes (never the engine), during the member import; ``parent_peak_rss_mb`` and
  ``worker_peak_rss_mb`` split it;
- ``cpu_s``: CPU seconds of this process, the worker processes and the engine during the
  member import (the machine has 2 cores: their sum bounds the throughput);
- ``write_engine_s``: FalkorDB's own execution time of the member write statements, summed;
- ``verify_mismatches``: ``union-tree verify`` after the import (must be 0).

Results go to ``bench/results/import_<members>.json``. Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import psutil

from bench.common import RESULTS, save
from graph_service.demo.generator import DemoConfig, DemoProvince, generate
from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.services.registry import Services
from graph_service.settings import Settings
from loaders.importer import Importer, start_worker_server
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


def _write_files(members: int, fmt: str, bad: float, work: str) -> tuple[str, str, float]:
    """In a child process: the units file and the member file; (units, roster, seconds)."""
    province = generate(DemoConfig(members=members, seed=5))
    folder = Path(work)
    units = write_xlsx(folder / "units.xlsx", DEMO_UNIT_HEADER, demo_unit_rows(province))
    start = time.perf_counter()
    rows = _member_rows(province, bad)
    if fmt == "csv":
        roster = write_csv(folder / "members.csv", CANONICAL_MEMBER_HEADER, rows)
    else:
        roster = write_xlsx(folder / "members.xlsx", CANONICAL_MEMBER_HEADER, rows)
    return str(units), str(roster), time.perf_counter() - start


class _Sampler:
    """Peak RSS of this process and its Python descendants, and CPU seconds per kind of
    process (this one, workers, engine), sampled every 50 ms in a thread.

    Cheap by design (it shares the 2 cores with what it measures): the process tree is
    walked every ``_RESCAN_S`` (a walk reads every process of the machine), the known
    processes' RSS every sample; the sampler thread's own CPU is reported apart and not
    counted as the importer's."""

    _RESCAN_S = 0.5

    def __init__(self, engine_pid: int | None) -> None:
        self._me = psutil.Process()
        self._engine = engine_pid
        self.peak = self.parent_peak = self.worker_peak = 0
        self._cpu: dict[int, tuple[str, float]] = {}
        self._procs: dict[int, tuple[str, psutil.Process]] = {}
        self._scanned = 0.0
        self.own_cpu = 0.0  # CPU seconds of the sampler thread itself
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self.own_cpu = time.thread_time()
            self._stop.wait(0.05)

    def _rescan(self) -> None:
        engine: set[int] = set()  # the engine and its forks (append-only file rewrites)
        if self._engine is not None:
            try:
                forks = psutil.Process(self._engine).children(recursive=True)
                engine = {self._engine, *(p.pid for p in forks)}
            except psutil.Error:
                engine = {self._engine}
        procs: dict[int, tuple[str, psutil.Process]] = {}
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                # an engine fork made after the look-up above is the engine's too: it was
                # once counted as a 750 MB "worker"
                forked = proc.ppid() in engine or proc.name().startswith("redis")
            except psutil.Error:
                continue
            kind = (
                "engine"
                if proc.pid in engine or forked
                else "importer"
                if proc.pid == self._me.pid
                else "workers"
            )
            procs[proc.pid] = (kind, self._procs.get(proc.pid, (kind, proc))[1])
        self._procs = procs
        self._scanned = time.monotonic()

    def sample(self) -> None:
        if time.monotonic() - self._scanned >= self._RESCAN_S:
            self._rescan()
        parent = workers = 0
        for pid, (kind, proc) in list(self._procs.items()):
            try:
                times = proc.cpu_times()
                self._cpu[pid] = (kind, times.user + times.system)
                if kind != "engine":
                    rss = proc.memory_info().rss
                    if kind == "workers":
                        workers += rss
                        self.worker_peak = max(self.worker_peak, rss)
                    else:
                        parent = rss
            except psutil.Error:
                self._procs.pop(pid, None)
        self.parent_peak = max(self.parent_peak, parent)
        self.peak = max(self.peak, parent + workers)

    def cpu(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, seconds in self._cpu.values():
            out[kind] = out.get(kind, 0.0) + seconds
        return out

    def __enter__(self) -> _Sampler:
        self._rescan()
        self.sample()
        self.peak = self.parent_peak = self.worker_peak = 0
        self._before = self.cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._rescan()
        self.sample()


async def _run(
    members: int, fmt: str, bad: float, fsync: str, work: Path, chunk: int = 5_000
) -> dict[str, object]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        units_name, roster_name, written = pool.submit(
            _write_files, members, fmt, bad, str(work)
        ).result()
    units, roster = Path(units_name), Path(roster_name)
    start_worker_server([roster])  # as ``union-tree import`` does, before the engine starts
    server = EmbeddedFalkorDB(work / "db", appendfsync=fsync).start()
    store = FalkorDBStore.connect(
        graph_name="bench",
        unix_socket=server.unix_socket,
        port=server.port or 0,
        password=server.password,
        pool_size=4,
    )
    engine_time = [0.0]
    graph_query = store._graph.query

    async def timed_query(q: str, *args: object, **kwargs: object) -> object:
        result = await graph_query(q, *args, **kwargs)  # type: ignore[arg-type]
        if "UNWIND $groups" in q:  # import/write_members
            engine_time[0] += result.run_time_ms / 1000
        return result

    store._graph.query = timed_query  # type: ignore[method-assign]
    try:
        await store.ensure_schema()
        services = Services.build(store, Settings(write_batch_size=chunk))
        importer = Importer(services.imports, chunk=chunk)
        t0 = time.perf_counter()
        unit_summary = await importer.run([(units, units.name)], operator="bench")
        t1 = time.perf_counter()
        load_before = os.getloadavg()[0]
        with _Sampler(_engine_pid(server)) as sampler:
            t1 = time.perf_counter()
            summary = await importer.run([(roster, roster.name)], operator="bench")
            t2 = time.perf_counter()
        cpu = {k: round(v - sampler._before.get(k, 0.0), 2) for k, v in sampler.cpu().items()}
        cpu["importer"] = round(cpu.get("importer", 0.0) - sampler.own_cpu, 2)
        cpu["sampler"] = round(sampler.own_cpu, 2)
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
        "importer_peak_rss_mb": sampler.peak >> 20,
        "parent_peak_rss_mb": sampler.parent_peak >> 20,
        "worker_peak_rss_mb": sampler.worker_peak >> 20,
        "cpu_s": cpu,
        "write_engine_s": round(engine_time[0], 2),
        "engine_rss_mb": engine_rss,
        "appendfsync": fsync,
        "chunk": chunk,
        "load_avg_1m_before": round(load_before, 2),
        "verify_mismatches": mismatches,
    }


def _engine_pid(server: EmbeddedFalkorDB) -> int | None:
    proc = getattr(server, "_proc", None) or getattr(server, "process", None)
    return getattr(proc, "pid", None)


def _engine_rss(server: EmbeddedFalkorDB) -> int | None:
    pid = _engine_pid(server)
    if pid is None:
        return None
    return round(psutil.Process(pid).memory_info().rss / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--format", nargs="+", default=["xlsx", "csv"])
    parser.add_argument("--bad", type=float, default=0.0)
    parser.add_argument("--fsync", choices=("always", "everysec"), default="always")
    parser.add_argument("--chunk", type=int, default=Settings().write_batch_size)
    args = parser.parse_args()
    results = []
    for fmt in args.format:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            result = asyncio.run(
                _run(args.members, fmt, args.bad, args.fsync, Path(tmp), args.chunk)
            )
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    save(
        f"import_{args.members}",
        {
            "members": args.members,
            "machine": "2 cores, Linux; shared with other work",
            "results": _kept_results(args.members, results),
        },
    )


def _kept_results(members: int, results: list[dict[str, object]]) -> list[dict[str, object]]:
    """This run's results, after the saved ones of formats this run did not measure."""
    path = RESULTS / f"import_{members}.json"
    ran = {r["format"] for r in results}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        saved = []
    return [r for r in saved if r.get("format") not in ran] + results


if __name__ == "__main__":
    main()
