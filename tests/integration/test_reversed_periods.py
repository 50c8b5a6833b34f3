"""``verify`` lists every edge whose end precedes its start (issue 16, finding 8)."""

from __future__ import annotations

from graph_service.queries import Query
from graph_service.services.consistency import ReversedPeriod, reversed_periods
from graph_service.store import GraphStore

MAKE = Query(
    "t/reversed",
    "CREATE (:Member {id: 'm1'})-[:MEMBER_OF {since: '2020-01-01', until: '1800-01-01'}]->"
    "(:Union {id: 'u1'}), (:Member {id: 'm2'})-[:MEMBER_OF {since: '2020-01-01', "
    "until: '2021-01-01'}]->(:Union {id: 'u2'})",
)


async def test_reversed_edges_listed(store: GraphStore) -> None:
    assert await reversed_periods(store) == []
    await store.write(MAKE)
    assert await reversed_periods(store) == [
        ReversedPeriod("MEMBER_OF", "m1", "u1", "2020-01-01", "1800-01-01")
    ]
