"""Property test: random trees, random batches of moves issued CONCURRENTLY.

After every batch: each non-root union has exactly one current parent edge, walking parents
always reaches the root (no cycle), each union's parent is the target of one of its accepted moves
(or unchanged), and the stored rollups equal the live counts. Rejections are only the rule
conflicts CYCLE, LEVEL_ORDER and SAME_PARENT.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.domain.changes import AffiliationChange
from graph_service.domain.commands import CreateUnion, UpsertEmployer
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import Conflict
from graph_service.repositories.rollups import RollupRepository
from graph_service.services.registry import Services
from tests.conftest import ENGINES, make_services, open_test_store
from tests.integration.test_affiliation import add_members, make_uscc

LEVELS = ("NATIONAL", "PROVINCE", "CITY", "COUNTY", "TOWNSHIP", "FEDERATION", "GRASSROOTS")
KINDS = {
    "TOWNSHIP": "工会工作委员会",
    "FEDERATION": "区域性工会联合会",
    "GRASSROOTS": "单独基层工会",
}
ALLOWED = {"CYCLE", "LEVEL_ORDER", "SAME_PARENT"}


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[int, int | None]]:
    """(level rank, parent index) per union; index 0 is the national root."""
    n = draw(st.integers(10, 25))
    nodes: list[tuple[int, int | None]] = [(0, None)]
    for _ in range(1, n):
        candidates = [i for i, (rank, _) in enumerate(nodes) if rank < 6]
        parent = draw(st.sampled_from(candidates))
        rank = draw(st.integers(nodes[parent][0] + 1, 6))
        nodes.append((rank, parent))
    return nodes


async def build(services: Services, nodes: list[tuple[int, int | None]]) -> list[str]:
    ids: list[str] = []
    for i, (rank, parent) in enumerate(nodes):
        level = LEVELS[rank]
        data: dict[str, object] = {
            "name": f"工会{i}",
            "level": level,
            "kind": KINDS.get(level, "地方总工会"),
            "regionCode": "420102",
            "foundedOn": "2000-01-01",
        }
        if parent is not None:
            data["parentId"] = ids[parent]
        ids.append(
            (await services.affiliation.create_union(command=CreateUnion.of(data), actor="prop")).id
        )
    holders = [ids[i] for i, (rank, _) in enumerate(nodes) if rank >= 5][:4]
    for n, union_id in enumerate(holders, start=1):
        employer = await services.affiliation.upsert_employer(
            command=UpsertEmployer.of(
                {
                    "id": make_uscc("420102", n),
                    "name": f"单位{n}",
                    "unionId": union_id,
                    "employeeCount": 10 * n,
                    "nature": "05",
                    "regionCode": "420102",
                }
            ),
            actor="prop",
        )
        await add_members(services, union_id, employer.id, n + 1)
    await services.stats.rebuild()
    return ids


async def parents(services: Services) -> dict[str, str | None]:
    skeleton = await RollupRepository(services.tree._unions._store).skeleton()
    counts = Counter(node.id for node in skeleton)
    assert all(c == 1 for c in counts.values()), "a union has more than one current parent"
    return {node.id: node.parent_id for node in skeleton}


def descendants(parent: dict[str, str | None], root: str) -> list[str]:
    return [u for u in parent if u != root and root in chain(parent, u)]


def chain(parent: dict[str, str | None], union_id: str) -> list[str]:
    seen: list[str] = []
    node = parent[union_id]
    while node is not None:
        assert node not in seen and node != union_id, "cycle in the tree"
        seen.append(node)
        node = parent[node]
    return seen


@pytest.mark.parametrize("engine", ENGINES)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    nodes=trees(),
    batches=st.lists(
        st.lists(st.tuples(st.integers(1, 24), st.integers(0, 24)), min_size=2, max_size=5),
        min_size=1,
        max_size=3,
    ),
    seed=st.integers(0, 2**16),
)
async def test_concurrent_random_moves_keep_the_tree_and_rollups_consistent(
    engine: str,
    falkordb_server: EmbeddedFalkorDB,
    nodes: list[tuple[int, int | None]],
    batches: list[list[tuple[int, int]]],
    seed: int,
) -> None:
    store = await open_test_store(engine, falkordb_server)
    try:
        services = make_services(store)
        ids = await build(services, nodes)
        rng = random.Random(seed)
        root = ids[0]
        for batch in batches:
            before = await parents(services)
            moves = [(ids[c % len(ids)] if c % len(ids) else ids[1], ids[p % len(ids)])
                     for c, p in batch]  # fmt: skip
            deep = [u for u in ids[1:] if descendants(before, u)]
            if deep:  # always one move under the union's own subtree: it must be refused
                u = rng.choice(deep)
                moves.append((u, rng.choice(descendants(before, u))))
            results = await asyncio.gather(
                *[
                    services.affiliation.move_union(union_id=u, new_parent_id=p, actor="prop")
                    for u, p in moves
                ],
                return_exceptions=True,
            )
            accepted: dict[str, set[str]] = {}
            for (u, p), result in zip(moves, results, strict=True):
                if isinstance(result, AffiliationChange):
                    accepted.setdefault(u, set()).add(p)
                else:
                    assert isinstance(result, Conflict), repr(result)
                    assert result.reason in ALLOWED, result.reason
            if deep:
                assert not isinstance(results[-1], AffiliationChange)
            after = await parents(services)
            for union_id in ids:
                if union_id == root:
                    assert after[union_id] is None
                    continue
                assert after[union_id] is not None
                assert chain(after, union_id)[-1] == root
                if union_id in accepted:
                    assert after[union_id] in accepted[union_id]
                else:
                    assert after[union_id] == before[union_id]
            assert await services.stats.verify() == []  # includes every stored ancestor path
            for union_id in rng.sample(ids, min(5, len(ids))):
                above = [u.id for u in await services.tree.ancestors(union_id)]
                assert above == chain(after, union_id)[::-1]
    finally:
        await store.drop()  # type: ignore[attr-defined]
        await store.close()
