"""Shared fixtures: a real graph engine for every integration test, never a mock.

FalkorDB (embedded, one server per session, one graph per test, dropped at teardown) always;
Neo4j 5 when ``UNION_TREE_TEST_NEO4J_URI`` is set or testcontainers can start one, else the
Neo4j half of each parametrised test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.engines.neo4j import Neo4jStore
from graph_service.services.registry import Services
from graph_service.settings import Settings
from graph_service.store import GraphStore

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
        result = (
            "Neo4j skipped: UNION_TREE_TEST_NEO4J_URI is not set and no Docker engine "
            "answers here for testcontainers"
        )
    _neo4j["result"] = result
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    container = _neo4j.get("container")
    if container is not None:
        container.stop()  # type: ignore[attr-defined]


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
        store = Neo4jStore.connect(uri, user=user, password=password)
        await store.drop()  # type: ignore[attr-defined]
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
