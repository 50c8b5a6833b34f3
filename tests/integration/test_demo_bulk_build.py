"""The engine's bulk path for a new graph (FalkorDB GRAPH.BULK) gives the very graph the
Cypher write path gives, keeps the schema in force, and recovers from a half-built load."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from graph_service.demo.generator import DemoConfig
from graph_service.errors import Conflict
from graph_service.repositories.anomalies import AnomalyRepository
from graph_service.services.registry import Services
from graph_service.store import FreshBuild, GraphStore, Query
from tests.conftest import make_services
from tests.truth import Truth

CONFIG = DemoConfig(members=600, seed=11)
NODES = Query("test/dump_nodes", "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
EDGES = Query(
    "test/dump_edges",
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props",
)
SENTINEL = Query("test/sentinel", "CREATE (:Sentinel {id: 'other data'})")
MEMBER = Query("test/member", "CREATE (:Member {id: $id, certKey: $certKey})")


async def _dump(store: GraphStore) -> tuple[list[str], list[str]]:
    """Every node and edge as sorted JSON text (the load's clock time and the sentinel out)."""
    nodes = []
    for row in await store.read(NODES):
        labels, props = sorted(row["labels"]), dict(row["props"])  # type: ignore[call-overload]
        if "Sentinel" in labels or "AnomalyState" in labels:  # only a new graph is known
            continue  # to hold no members written before the :OrphanCheck mark
        if "DemoLoad" in labels:
            props.pop("at")
        nodes.append(json.dumps([labels, props], sort_keys=True, ensure_ascii=False))
    edges = [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in await store.read(EDGES)]
    return sorted(nodes), sorted(edges)


async def _orphans(services: Services, root: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    after = None
    while True:
        page = await services.anomalies.orphan_members(union_id=root, first=500, after=after)
        found += [(o.member.id, str(o.reason)) for o in page.items]
        if not page.has_next_page:
            return sorted(found)
        after = page.end_cursor


async def _fresh_build_used(store: GraphStore) -> bool:
    async with store.fresh_build() as build:
        return build is not None


@pytest.mark.parametrize("store", ["falkordb"], indirect=True)
async def test_bulk_build_and_cypher_writes_give_the_same_graph(
    store: GraphStore,
    falkordb_server,  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import open_test_store

    other = await open_test_store("falkordb", falkordb_server)
    try:
        await other.write(SENTINEL)  # a node: no bulk path, the loader writes through Cypher
        assert not await _fresh_build_used(other)
        built_services, written_services = make_services(store), make_services(other)
        built = await built_services.demo.load(CONFIG)
        written = await written_services.demo.load(CONFIG)
        assert built.loaded and written.loaded and built.members == written.members == 600
        nodes, edges = await _dump(store)
        assert (nodes, edges) == await _dump(other)
        labels = {json.loads(n)[0][0] for n in nodes}
        assert {"Union", "Employer", "Member", "DemoLoad"} <= labels
        assert any('"OrphanCheck"' in n for n in nodes)  # members lacking a union or employer
        assert {json.loads(e)["type"] for e in edges} == {
            "AFFILIATED_TO", "COVERS", "MEMBER_OF", "EMPLOYED_BY",
        }  # fmt: skip
        # the bulk-built graph skips the :OrphanCheck backfill the other one runs: same orphans
        root = Truth.of(CONFIG).root()
        found = [await _orphans(s, root) for s in (built_services, written_services)]
        assert found[0] == found[1] and len(found[0]) > 0
    finally:
        await other.drop()  # type: ignore[attr-defined]
        await other.close()


@pytest.mark.parametrize("store", ["falkordb"], indirect=True)
async def test_a_bulk_built_graph_has_its_schema_in_force(store: GraphStore) -> None:
    services = make_services(store)
    await services.demo.load(CONFIG)
    truth = Truth.of(CONFIG)
    assert await services.stats.verify() == []
    assert (await services.stats.subtree_stats(truth.root())).members == truth.stats(truth.root())[
        "members"
    ]
    some = await store.read(Query("test/one", "MATCH (m:Member) RETURN m.certKey AS k LIMIT 1"))
    with pytest.raises(Conflict) as caught:  # the unique constraint covers bulk-built members
        await store.write(MEMBER, {"id": "another", "certKey": some[0]["k"]})
    assert caught.value.reason == "UNIQUE_VIOLATION"
    assert await AnomalyRepository(store).marks_ready()  # built marked: no backfill needed


@pytest.mark.parametrize("store", ["falkordb"], indirect=True)
async def test_a_half_built_demo_is_cleared_and_built_again(store: GraphStore) -> None:
    async with store.fresh_build() as build:  # a load that died after its first batch
        assert build is not None
        build.encoder.nodes(["DemoLoad"], ["id", "state"], [["demo", "loading"]])
        build.encoder.nodes(["AnomalyState"], ["id"], [["orphanCheck"]])
        build.encoder.nodes(["Union"], ["id", "name"], [["LS4201020000000009", "半截工会"]])
        await build.send(build.encoder.take())
    services = make_services(store)
    assert await services.demo.state() == ("loading", True)
    built: list[bool] = []
    fresh_build = store.fresh_build

    def watched() -> AbstractAsyncContextManager[FreshBuild | None]:
        @asynccontextmanager
        async def block() -> AsyncIterator[FreshBuild | None]:
            async with fresh_build() as build:
                built.append(build is not None)
                yield build

        return block()

    store.fresh_build = watched  # type: ignore[method-assign]
    report = await services.demo.load(CONFIG)
    assert built == [True]  # cleared to nothing, so built again on the bulk path
    assert report.loaded and report.members == 600
    assert await services.stats.verify() == []
    names = await store.read(Query("test/names", "MATCH (u:Union) RETURN u.name AS name"))
    assert "半截工会" not in {r["name"] for r in names}
    assert await services.demo.state() == ("complete", True)


# Neo4j's bulk path for a new graph: the Cypher writes with the member constraints dropped
# and built again over the loaded members (Neo4jStore.deferred_indexes).
MEMBER_SCHEMA = Query(
    "test/member_schema",
    "SHOW CONSTRAINTS YIELD name, labelsOrTypes WHERE 'Member' IN labelsOrTypes RETURN name",
)


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
async def test_neo4j_deferred_member_indexes_give_the_graph_of_the_plain_cypher_path(
    store: GraphStore,
    falkordb_server,  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import open_test_store

    dropped: list[list[str]] = []
    deferred = store.deferred_indexes

    def watched(label: str) -> AbstractAsyncContextManager[None]:
        @asynccontextmanager
        async def block() -> AsyncIterator[None]:
            async with deferred(label):
                dropped.append(sorted(str(r["name"]) for r in await store.read(MEMBER_SCHEMA)))
                yield

        return block()

    store.deferred_indexes = watched  # type: ignore[method-assign]
    built = await make_services(store).demo.load(CONFIG)
    assert built.loaded and built.members == 600
    assert dropped == [[]]  # no member constraint while the members were written
    assert sorted(str(r["name"]) for r in await store.read(MEMBER_SCHEMA)) == [
        "member_cert", "member_id",
    ]  # fmt: skip
    deferred_dump = await _dump(store)

    await store.drop()  # type: ignore[attr-defined]
    store.deferred_indexes = _kept  # type: ignore[method-assign]
    written = await make_services(store).demo.load(CONFIG)
    assert written.loaded and written.members == 600
    assert await _dump(store) == deferred_dump

    other = await open_test_store("falkordb", falkordb_server)  # GRAPH.BULK on FalkorDB
    try:
        assert (await make_services(other).demo.load(CONFIG)).members == 600
        assert await _dump(other) == deferred_dump  # the same graph on both engines
    finally:
        await other.drop()  # type: ignore[attr-defined]
        await other.close()


@asynccontextmanager
async def _kept(label: str) -> AsyncIterator[None]:
    """Indexes kept in force: the plain Cypher path."""
    yield


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
async def test_a_neo4j_demo_load_has_its_schema_in_force(store: GraphStore) -> None:
    services = make_services(store)
    await services.demo.load(CONFIG)
    truth = Truth.of(CONFIG)
    assert await services.stats.verify() == []
    assert (await services.stats.subtree_stats(truth.root())).members == truth.stats(truth.root())[
        "members"
    ]
    some = await store.read(Query("test/one", "MATCH (m:Member) RETURN m.certKey AS k LIMIT 1"))
    with pytest.raises(Conflict) as caught:  # the rebuilt constraint covers the loaded members
        await store.write(MEMBER, {"id": "another", "certKey": some[0]["k"]})
    assert caught.value.reason == "UNIQUE_VIOLATION"


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
async def test_a_failed_neo4j_load_leaves_the_member_constraints_in_force(
    store: GraphStore,
) -> None:
    with pytest.raises(RuntimeError):
        async with store.deferred_indexes("Member"):
            assert await store.read(MEMBER_SCHEMA) == []
            raise RuntimeError("the load died")
    assert sorted(str(r["name"]) for r in await store.read(MEMBER_SCHEMA)) == [
        "member_cert", "member_id",
    ]  # fmt: skip
