"""The GraphStore port on every engine: round trips, schema, and error mapping."""

from __future__ import annotations

import pytest

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.neo4j import Neo4jStore
from graph_service.errors import Conflict, GraphStoreError, GraphUnavailableError
from graph_service.store import GraphStore, JsonRows, Query

CREATE = Query("test/create", "UNWIND $rows AS row CREATE (u:Union {id: row.id, name: row.name})")
READ = Query("test/read", "MATCH (u:Union) RETURN u.id AS id, u.name AS name ORDER BY id")
BROKEN = Query("test/broken", "MATCH (u:Union RETURN u")


async def test_batched_write_then_read_returns_named_columns(store: GraphStore) -> None:
    rows = [{"id": f"u{i}", "name": f'工会 "{i}" \\ 测试'} for i in range(250)]
    await store.write(CREATE, {"rows": rows})
    got = await store.read(READ)
    assert len(got) == 250
    assert got[0] == {"id": "u0", "name": '工会 "0" \\ 测试'}


async def test_ensure_schema_is_idempotent_and_enforces_uniqueness(store: GraphStore) -> None:
    await store.ensure_schema()
    await store.ensure_schema()
    await store.write(CREATE, {"rows": [{"id": "dup", "name": "a"}]})
    with pytest.raises(Conflict) as caught:
        await store.write(CREATE, {"rows": [{"id": "dup", "name": "b"}]})
    assert caught.value.reason == "UNIQUE_VIOLATION"
    assert await store.read(READ) == [{"id": "dup", "name": "a"}]


async def test_rejected_query_is_a_store_error_without_driver_text(store: GraphStore) -> None:
    with pytest.raises(GraphStoreError) as caught:
        await store.read(BROKEN)
    assert caught.value.code == "INTERNAL"
    assert "Invalid input" not in caught.value.message
    assert "MATCH" not in caught.value.message
    assert caught.value.__cause__ is not None


async def test_unreachable_falkordb_is_graph_unavailable() -> None:
    dead = FalkorDBStore.connect(graph_name="x", host="127.0.0.1", port=1, pool_size=1)
    with pytest.raises(GraphUnavailableError) as caught:
        await dead.read(READ)
    assert caught.value.code == "GRAPH_UNAVAILABLE"
    await dead.close()


async def test_unreachable_neo4j_is_graph_unavailable() -> None:
    dead = Neo4jStore.connect("bolt://127.0.0.1:1", user="neo4j", password="x")
    with pytest.raises(GraphUnavailableError):
        await dead.read(READ)
    await dead.close()


MEMBER = Query(
    "test/create_member", "UNWIND $rows AS row CREATE (m:Member {id: row[0], certKey: row[1]})"
)
MEMBERS = Query("test/read_members", "MATCH (m:Member) RETURN m.id AS id ORDER BY id")


async def test_deferred_indexes_are_in_force_again_after_a_bulk_load(store: GraphStore) -> None:
    async with store.deferred_indexes("Member"):
        await store.write(MEMBER, {"rows": JsonRows('[["m1", "01:a"], ["m2", "01:b"]]')})
    for duplicate in (["m1", "01:c"], ["m3", "01:b"]):  # id, then certificate
        with pytest.raises(Conflict) as caught:
            await store.write(MEMBER, {"rows": [duplicate]})
        assert caught.value.reason == "UNIQUE_VIOLATION"
    assert await store.read(MEMBERS) == [{"id": "m1"}, {"id": "m2"}]


async def test_deferred_indexes_are_rebuilt_when_the_load_fails(store: GraphStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.deferred_indexes("Member"):
            await store.write(MEMBER, {"rows": [["m1", "01:a"]]})
            raise RuntimeError("generator died")
    with pytest.raises(Conflict):
        await store.write(MEMBER, {"rows": [["m2", "01:a"]]})


async def test_neo4j_at_start_a_wrong_password_is_said_plainly() -> None:
    from tests.conftest import neo4j_connection

    conn = neo4j_connection()
    if isinstance(conn, str):
        pytest.skip(conn)
    uri, user, _ = conn
    store = Neo4jStore.connect(uri, user=user, password="not-the-password")
    with pytest.raises(GraphUnavailableError) as caught:
        await store.ensure_schema()
    await store.close()
    assert caught.value.reason == "NEO4J_AUTH"
    assert uri in caught.value.message and "UNION_TREE_NEO4J_PASSWORD" in caught.value.message


async def test_neo4j_at_start_an_unreachable_server_is_said_plainly() -> None:
    store = Neo4jStore.connect("neo4j://127.0.0.1:1", user="neo4j", password="x")
    with pytest.raises(GraphUnavailableError) as caught:
        await store.ensure_schema()
    await store.close()
    assert caught.value.reason == "NEO4J_UNREACHABLE"
    assert "neo4j://127.0.0.1:1" in caught.value.message
    assert "UNION_TREE_GRAPH_URL" in caught.value.message


def test_cli_on_an_unreachable_neo4j_exits_1_with_the_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "UNION_TREE_GRAPH_URL": "neo4j://127.0.0.1:1",
        "UNION_TREE_NEO4J_PASSWORD": "x",
        "UNION_TREE_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }
    cli = Path(sys.executable).with_name("union-tree")
    done = subprocess.run(
        [str(cli), "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "无法连接 Neo4j（neo4j://127.0.0.1:1）" in out and "Traceback" not in out
    assert not (tmp_path / "data").exists()  # nothing written
