"""Hostile uploads at full size (issue 16): each bomb is uploaded over real HTTP to a service
on the embedded engine (uvicorn in this process, as `union-tree serve` runs it) while a
thread polls /healthz; for each bomb: the time from upload start to the refusal, the
service's peak RSS growth, /healthz p50/p99 meanwhile, and the answer's status and code.

Targets: refused within 5 s, memory growth ≤ 200 MB, /healthz p99 ≤ 100 ms.

    .venv/bin/python -m bench.bench_bombs            # results in bench/results/bombs.json
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import percentile, save
from graph_service.domain.commands import CreateUnion
from graph_service.settings import Settings
from tests.bombs import shared_strings_bomb, sheet_whitespace_bomb, sparse_grid_bomb, wide_csv

_GB = 1 << 30


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _serve(data: Path) -> tuple[str, str, object]:
    import uvicorn

    from api.app import create_app
    from loaders.samples import credit_code
    from tests.e2e.conftest import account_token, free_port, on_server, register_server

    app = create_app(Settings(data_dir=data, appendfsync="everysec"))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    register_server(base, app, srv)
    root = credit_code("81", "100000", 1)

    async def national_root(app: object) -> object:
        return await app.state.runtime.services.affiliation.create_union(  # type: ignore[attr-defined]
            command=CreateUnion(
                id=root, name="中华全国总工会", level="NATIONAL", kind="地方总工会"
            ),
            actor="cli:bench",
        )

    on_server(base, national_root)
    return base, account_token(base, root, "operator"), srv


def _one(base: str, token: str, path: Path) -> dict[str, object]:
    stop, latencies, rss = threading.Event(), [], []

    def probe() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                began = time.perf_counter()
                client.get(f"{base}/healthz")
                latencies.append((time.perf_counter() - began) * 1000)
                rss.append(_rss_mb())
                time.sleep(0.005)

    thread = threading.Thread(target=probe)
    rss_before = _rss_mb()
    thread.start()
    began = time.perf_counter()
    with path.open("rb") as fh:
        answer = httpx.post(
            f"{base}/imports",
            files=[("files", (path.name, fh))],
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )
    seconds = time.perf_counter() - began
    time.sleep(0.2)
    stop.set()
    thread.join()
    body = answer.json()
    return {
        "file": path.name,
        "file_mb": round(path.stat().st_size / (1 << 20), 2),
        "status": answer.status_code,
        "code": body.get("code"),
        "reason": body.get("reason"),
        "refused_s": round(seconds, 3),
        "rss_growth_mb": round(max(rss) - rss_before, 1),
        "healthz_n": len(latencies),
        "healthz_p50_ms": round(percentile(latencies, 50), 2),
        "healthz_p99_ms": round(percentile(latencies, 99), 2),
    }


def main() -> None:
    """Make the bombs, upload each, print and keep the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-bombs-") as tmp:
        work = Path(tmp)
        bombs = [
            shared_strings_bomb(work / "shared-strings-1.5GB.xlsx", 3 * _GB // 2),
            sheet_whitespace_bomb(work / "sheet-whitespace-4GB.xlsx", 4 * _GB - (1 << 20)),
            sparse_grid_bomb(work / "sparse-grid-16384-columns.xlsx", 100_000),
            wide_csv(work / "columns-1000000.csv", 1_000_000),
        ]
        base, token, srv = _serve(work / "data")
        results = [_one(base, token, b) for b in bombs]
        srv.should_exit = True  # type: ignore[attr-defined]
    for r in results:
        print(r)
    ok = all(
        float(r["refused_s"]) <= 5  # type: ignore[arg-type]
        and float(r["rss_growth_mb"]) <= 200  # type: ignore[arg-type]
        and float(r["healthz_p99_ms"]) <= 100  # type: ignore[arg-type]
        for r in results
    )
    save("bombs", {"bombs": results, "targets_met": ok})


if __name__ == "__main__":
    main()
