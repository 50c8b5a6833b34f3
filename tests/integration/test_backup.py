"""Backup while a writer keeps writing, restore elsewhere: identical counts, stats and content.

The service's runtime (embedded engine, its lock and supervisor) stays open on data dir A with a
demo province; a writer task keeps adding probe nodes (numbered 0, 1, 2 …) during the backup.
The snapshot must hold a gap-free prefix of them (a consistent instant), the manifest's counts
and content digest must match what the restored data dir B holds, subtreeStats of the province
must be equal on A and B, and ``backup --verify`` must pass (and fail on a damaged copy).
``restore`` refuses a data dir that is not empty (Chinese message, exit 1).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph_service.backup import (
    MANIFEST,
    SNAPSHOT,
    backup,
    content_digest,
    graph_counts,
    restore,
    verify_backup,
)
from graph_service.bootstrap import open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.errors import Conflict
from graph_service.settings import Settings
from graph_service.store import Query

PROBE = Query("t/probe", "CREATE (:BackupProbe {i: $i})")
PROBES = Query("t/probes", "MATCH (p:BackupProbe) RETURN p.i AS i")
ROOT = Query("t/root", "MATCH (u:Union {level: 'PROVINCE'}) RETURN u.id AS id")


def _settings(data: Path) -> Settings:
    return Settings(data_dir=data, appendfsync="everysec", metrics_enabled=False)


async def test_backup_under_writes_restores_identically(tmp_path: Path) -> None:
    source, target, saved = tmp_path / "a", tmp_path / "b", tmp_path / "backup"
    runtime = await open_runtime(_settings(source))
    stop = asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            await runtime.store.write(PROBE, {"i": written})
            written += 1
            await asyncio.sleep(0)

    try:
        await runtime.services.demo.load(DemoConfig(members=2_000, seed=3))
        task = asyncio.create_task(writer())
        await asyncio.sleep(0.3)
        before = written
        manifest = await backup(_settings(source), saved, digest=True)
        after = written
        stop.set()
        await task
        root = str((await runtime.store.read(ROOT))[0]["id"])
        source_stats = await runtime.services.stats.subtree_stats(root)
    finally:
        stop.set()
        await runtime.close()

    assert (saved / SNAPSHOT).is_file() and (saved / MANIFEST).is_file()
    doc = json.loads((saved / MANIFEST).read_text(encoding="utf-8"))
    assert doc["engine"] == "falkordb" and doc["graph"] == "union_tree"
    assert len(doc["files"][SNAPSHOT]["sha256"]) == 64 and doc["contentSha256"]
    # keys are label combinations: a member marked for the orphan scan is "Member:OrphanCheck"
    members = sum(n for key, n in manifest.nodes.items() if "Member" in key.split(":"))
    assert members == 2_000 and manifest.edges["MEMBER_OF"] > 1_900
    in_snapshot = manifest.nodes["BackupProbe"]
    assert before <= in_snapshot <= after  # taken while the writer was writing
    assert await verify_backup(saved) == []

    await restore(_settings(target), saved)
    restored = await open_runtime(_settings(target))
    try:
        nodes, edges = await graph_counts(restored.store)
        assert (nodes, edges) == (manifest.nodes, manifest.edges)
        probes = sorted(int(r["i"]) for r in await restored.store.read(PROBES))  # type: ignore[call-overload]
        assert probes == list(range(in_snapshot))  # a gap-free prefix: one consistent instant
        assert await content_digest(restored.store) == manifest.content_sha256
        assert await restored.services.stats.subtree_stats(root) == source_stats
        assert await restored.services.stats.verify() == []
    finally:
        await restored.close()

    with pytest.raises(Conflict) as caught:
        await restore(_settings(source), saved)  # not empty: refused, nothing touched
    assert caught.value.reason == "DATA_DIR_NOT_EMPTY"


def test_cli_verify_and_restore_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, saved = tmp_path / "data", tmp_path / "backup"
    monkeypatch.setenv("UNION_TREE_DATA_DIR", str(data))
    monkeypatch.setenv("UNION_TREE_APPENDFSYNC", "everysec")
    runner = CliRunner()
    assert runner.invoke(app, ["bootstrap", "--province", "42"]).exit_code == 0
    made = runner.invoke(app, ["backup", "--to", str(saved)])  # no service runs: starts one
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["backup", "--verify", str(saved)]).exit_code == 0

    refused = runner.invoke(app, ["restore", "--from", str(saved)])  # data dir is not empty
    assert refused.exit_code == 1
    assert "不是空目录" in refused.output

    damaged = tmp_path / "damaged"
    shutil.copytree(saved, damaged)
    with (damaged / SNAPSHOT).open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01\x02")
    bad = runner.invoke(app, ["backup", "--verify", str(damaged)])
    assert bad.exit_code == 1 and "SHA-256" in bad.output

    monkeypatch.setenv("UNION_TREE_DATA_DIR", str(tmp_path / "fresh"))
    restored = runner.invoke(app, ["restore", "--from", str(saved)])
    assert restored.exit_code == 0, restored.output
