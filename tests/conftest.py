"""Shared fixtures: a real graph engine for every integration test, never a mock.

FalkorDB (embedded, one server per session, one graph per test, dropped at teardown) always;
Neo4j 5 always too: the server at ``UNION_TREE_TEST_NEO4J_URI`` when set, else one that
testcontainers starts when Docker answers, else the local Neo4j of ``neo4j-local/`` (one JVM
per session on a free port, stopped at the end). Neo4j has one database here, emptied before
each test (the schema stays).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

import pytest

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.engines.neo4j import Neo4jStore
from graph_service.services.registry import Services
from graph_service.settings import Settings
from graph_service.store import GraphStore, Query, Row

ENGINES = ["falkordb", "neo4j"]
_neo4j: dict[str, object] = {}


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    """One embedded FalkorDB for the whole session."""
    server = EmbeddedFalkorDB(tmp_path_factory.mktemp("falkordb"), appendfsync="everysec").start()
    yield server
    server.stop()


def _docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def neo4j_connection() -> tuple[str, str, str] | str:
    """(uri, user, password) of a reachable Neo4j 5, or the reason there is none."""
    if "result" in _neo4j:
        return _neo4j["result"]  # type: ignore[return-value]
    uri = os.environ.get("UNION_TREE_TEST_NEO4J_URI")
    result: tuple[str, str, str] | str
    if uri:
        result = (
            uri,
            os.environ.get("UNION_TREE_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("UNION_TREE_TEST_NEO4J_PASSWORD", "neo4j"),
        )
    elif _docker_works():
        from testcontainers.neo4j import Neo4jContainer

        container = Neo4jContainer("neo4j:5")
        container.start()
        _neo4j["container"] = container
        result = (container.get_connection_url(), "neo4j", container.password)
    else:
        result = _start_local_neo4j()
    _neo4j["result"] = result
    return result


def _start_local_neo4j() -> tuple[str, str, str] | str:
    """The local Neo4j (neo4j-local/) on a free port in a temporary dir, or why not."""
    import tempfile

    from tests import neo4j_local

    if reason := neo4j_local.missing_tools():
        return f"Neo4j skipped: {reason}"
    home = Path(tempfile.mkdtemp(prefix="union-tree-neo4j-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    try:
        server = neo4j_local.start(home, port=port, heap="1g", page_cache="256m")
    except neo4j_local.Neo4jLocalError as exc:
        pytest.fail(f"the local Neo4j did not start: {exc}")
    _neo4j["local"] = server
    return (server.uri, server.user, server.password)


def claim_neo4j_database() -> tuple[str, str, str]:
    """(uri, user, password) of the session's Neo4j, its database emptied for a served app
    (e2e); skipped where no Neo4j can run. Test stores opened before refuse to run after."""
    conn = neo4j_connection()
    if isinstance(conn, str):
        pytest.skip(conn)
    from neo4j import GraphDatabase

    uri, user, password = conn
    _neo4j_owner[0] = 0
    from graph_service.engines.neo4j import DROP_EDGES, DROP_NODES

    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        for statement in (DROP_EDGES, DROP_NODES):
            while True:
                records, _, _ = driver.execute_query(statement)
                if not records or records[0]["deleted"] == 0:
                    break
    return conn


def local_neo4j() -> object | None:
    """The session's local Neo4j (``tests.neo4j_local.LocalNeo4j``) when the tests started
    it themselves (crash tests kill and restart it), else None."""
    neo4j_connection()
    return _neo4j.get("local")


def pytest_sessionfinish(session: pytest.Session) -> None:
    container = _neo4j.get("container")
    if container is not None:
        container.stop()  # type: ignore[attr-defined]
    local = _neo4j.get("local")
    if local is not None:
        from tests import neo4j_local

        neo4j_local.stop(local.home)  # type: ignore[attr-defined]
        shutil.rmtree(local.home, ignore_errors=True)  # type: ignore[attr-defined]


_neo4j_owner = [0]  # id of the test store whose graph the one Neo4j database holds


class _TestNeo4jStore(Neo4jStore):
    """A test's store on the session's Neo4j database. Test stores take turns: opening one
    empties the database, so a store opened earlier (a module's loaded graph) refuses every
    statement afterwards instead of reading someone else's graph."""

    def _check_owner(self) -> None:
        if _neo4j_owner[0] != id(self):
            raise AssertionError(
                "this test store's Neo4j graph was emptied by a store opened after it "
                "(tests share one Neo4j database: keep a module's graph to its own tests)"
            )

    async def read(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        self._check_owner()
        return await super().read(query, params)

    async def write(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        self._check_owner()
        return await super().write(query, params)

    async def drop(self) -> None:
        if _neo4j_owner[0] == id(self):
            await super().drop()


async def open_test_store(engine: str, server: EmbeddedFalkorDB) -> GraphStore:
    """A fresh, empty graph with the schema in place."""
    if engine == "falkordb":
        store: GraphStore = FalkorDBStore.connect(
            graph_name=f"test_{uuid.uuid4().hex[:12]}",
            unix_socket=server.unix_socket,
            port=server.port or 0,
            password=server.password,
            pool_size=8,
        )
    else:
        conn = neo4j_connection()
        if isinstance(conn, str):
            pytest.skip(conn)
        uri, user, password = conn
        store = _TestNeo4jStore.connect(uri, user=user, password=password)
        _neo4j_owner[0] = id(store)
        await store.drop()
    await store.ensure_schema()
    return store


@pytest.fixture(params=ENGINES)
async def store(
    request: pytest.FixtureRequest, falkordb_server: EmbeddedFalkorDB
) -> AsyncIterator[GraphStore]:
    """An empty graph on each engine present, dropped at teardown."""
    graph = await open_test_store(request.param, falkordb_server)
    yield graph
    await graph.drop()  # type: ignore[attr-defined]
    await graph.close()


def make_services(store: GraphStore) -> Services:
    """Services wired on a test store."""
    return Services.build(store, Settings(write_batch_size=1_000))


@pytest.fixture
def services(store: GraphStore) -> Services:
    return make_services(store)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
import tests.hypothesis_profiles  # noqa: E402, F401  (Hypothesis: derandomised "ci" profile when CI=true)
