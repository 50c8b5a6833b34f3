"""Checks of the register's dates that ``union-tree verify`` runs beside the rollup recount."""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.queries import q
from graph_service.store import GraphStore


@dataclass(frozen=True)
class ReversedPeriod:
    """An edge (membership, employment, affiliation ...) that ends before it starts."""

    type: str
    from_id: str
    to_id: str
    since: str
    until: str


async def reversed_periods(store: GraphStore, *, limit: int = 200) -> list[ReversedPeriod]:
    """Edges whose ``until`` precedes their ``since`` (at most ``limit``)."""
    rows = await store.read(q("consistency/list_reversed_periods"), {"limit": limit})
    return [
        ReversedPeriod(
            str(r["type"]), str(r["fromId"]), str(r["toId"]), str(r["since"]), str(r["until"])
        )
        for r in rows
    ]
