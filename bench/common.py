"""Helpers shared by the benchmarks: timing, percentiles, result files."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from graph_service.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = ("falkordb", "neo4j")
_RUN: dict[str, object] = {"engine": "falkordb", "load_before": os.getloadavg()}


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    """``--engine falkordb|neo4j`` (default falkordb, the embedded engine)."""
    parser.add_argument("--engine", choices=ENGINES, default="falkordb")


def engine_settings(engine: str, data_dir: Path, **extra: object) -> Settings:
    """Settings for ``engine``: the embedded FalkorDB in ``data_dir``; for Neo4j the server
    at ``UNION_TREE_GRAPH_URL`` when it names one, else the local Neo4j (neo4j-local/)
    started on ``data_dir/neo4j`` (left running for the next bench of the same run)."""
    _RUN["engine"] = engine
    if engine == "falkordb":
        return Settings(data_dir=data_dir, graph_url=None, **extra)  # type: ignore[arg-type]
    url = os.environ.get("UNION_TREE_GRAPH_URL", "")
    if url.startswith(("neo4j://", "bolt://")):
        return Settings(data_dir=data_dir, **extra)  # type: ignore[arg-type]
    from tests import neo4j_local

    home = (data_dir / "neo4j").resolve()
    port_file = home / "bench.port"
    if neo4j_local.running_pid(home) is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        heap = os.environ.get("NEO4J_HEAP", "4g")
        cache = os.environ.get("NEO4J_PAGE_CACHE", "2g")
        neo4j_local.start(home, port=port, heap=heap, page_cache=cache)
        port_file.write_text(str(port))
    port = int(port_file.read_text())
    return Settings(
        data_dir=data_dir,
        graph_url=f"neo4j://127.0.0.1:{port}",
        neo4j_user="neo4j",
        neo4j_password=(home / "password").read_text().strip(),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def engine_env(settings: Settings) -> dict[str, str]:
    """Environment for a ``union-tree`` subprocess on the same engine as ``settings``."""
    env = os.environ | {"UNION_TREE_DATA_DIR": str(settings.data_dir)}
    if settings.graph_url:
        env |= {
            "UNION_TREE_GRAPH_URL": settings.graph_url,
            "UNION_TREE_NEO4J_USER": settings.neo4j_user,
            "UNION_TREE_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        }
    return env


def percentile(samples: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of samples."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def time_async(fn: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` awaited calls (after 3 warm-up calls)."""
    for _ in range(3):
        await fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / max in ms."""
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(percentile(samples, 95), 3),
        "max_ms": round(max(samples), 3),
        "n": len(samples),
    }


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return done.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def save(name: str, result: dict[str, object]) -> Path:
    """Write this run's own result file under bench/results/ (``name_engine_UTCtime.json``,
    never overwriting another run's) with its time, commit, engine and the machine's load
    average before and after; returns its path."""
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    engine = str(_RUN["engine"])
    meta = {
        "time_utc": now.isoformat(timespec="seconds"),
        "commit": _commit(),
        "engine": engine,
        "load_average_before": [round(x, 2) for x in _RUN["load_before"]],  # type: ignore[attr-defined]
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    path = RESULTS / f"{name}_{engine}_{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    text = json.dumps({"run": meta, **result}, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
