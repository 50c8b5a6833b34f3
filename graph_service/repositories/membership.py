"""Reads and writes of memberships, member transfers and the membership change log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_service.domain.models import Member
from graph_service.domain.transfers import MembershipChange, MemberTransfer
from graph_service.queries import q
from graph_service.repositories.tree import member_from_row
from graph_service.repositories.values import whole
from graph_service.store import GraphStore


def _applied(rows: list[dict[str, object]]) -> bool:
    return bool(rows)


class MembershipRepository:
    """Each write is one statement that re-checks its guards; False = nothing was written."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    # ------------------------------------------------------------------ members
    async def by_ids(self, ids: Sequence[str]) -> dict[str, Member]:
        """Members by internal id, with their current union and employer."""
        if not ids:
            return {}
        rows = await self._store.read(
            q("membership/get_members_by_id"), {"ids": list(dict.fromkeys(ids))}
        )
        return {str(r["id"]): member_from_row(r) for r in rows}

    async def add(self, params: Mapping[str, object]) -> bool:
        """Register (or re-register) a member with its rollup delta."""
        return _applied(await self._store.write(q("membership/add_member"), params))

    async def retain(self, params: Mapping[str, object]) -> bool:
        """保留会籍 at the member's own union."""
        return _applied(await self._store.write(q("membership/retain_member"), params))

    async def retain_upper(self, params: Mapping[str, object]) -> bool:
        """保留会籍 at the parent of the member's union."""
        return _applied(await self._store.write(q("membership/retain_member_upper"), params))

    async def end(self, params: Mapping[str, object]) -> bool:
        """Close a membership (status LEFT)."""
        return _applied(await self._store.write(q("membership/end_member"), params))

    async def changes(self, member_id: str) -> list[MembershipChange]:
        """The change log of a member, oldest first."""
        rows = await self._store.read(q("membership/list_member_changes"), {"memberId": member_id})
        return [MembershipChange.model_validate(r) for r in rows]

    # ---------------------------------------------------------------- transfers
    async def transfers(self, ids: Sequence[str]) -> dict[str, MemberTransfer]:
        """Transfers by id."""
        if not ids:
            return {}
        rows = await self._store.read(q("transfer/get_transfers"), {"ids": list(ids)})
        return {str(r["id"]): MemberTransfer.model_validate(r) for r in rows}

    async def open_transfer_targets(self, member_ids: Sequence[str]) -> dict[str, list[str]]:
        """Per member id: the receiving unions of its open transfers (absent: none open)."""
        if not member_ids:
            return {}
        rows = await self._store.read(
            q("transfer/list_open_transfers_of_members"),
            {"memberIds": list(dict.fromkeys(member_ids))},
        )
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(str(r["memberId"]), []).append(str(r["toUnionId"]))
        return out

    async def of_union(
        self, union_id: str, *, state: str | None, after: str | None, limit: int
    ) -> list[MemberTransfer]:
        """One page of the transfers into or out of a union."""
        params = {"unionId": union_id, "state": state, "after": after, "limit": limit}
        rows = await self._store.read(q("transfer/list_union_transfers"), params)
        return [MemberTransfer.model_validate(r) for r in rows]

    async def count_of_union(self, union_id: str, *, state: str | None) -> int:
        """How many transfers go into or out of a union."""
        params = {"unionId": union_id, "state": state}
        rows = await self._store.read(q("transfer/count_union_transfers"), params)
        return whole(rows[0]["total"]) if rows else 0

    async def create_transfer(self, params: Mapping[str, object]) -> bool:
        """Open a transfer (member becomes TRANSFERRING)."""
        return _applied(await self._store.write(q("transfer/create_transfer"), params))

    async def set_transfer_state(self, params: Mapping[str, object]) -> bool:
        """Release, reject or cancel a transfer."""
        return _applied(await self._store.write(q("transfer/set_transfer_state"), params))

    async def complete_transfer(self, params: Mapping[str, object]) -> bool:
        """Register the member at the target and move the rollup delta."""
        return _applied(await self._store.write(q("transfer/complete_transfer"), params))

    async def expire_transfers(self, today: str) -> int:
        """Expire every overdue open transfer; returns how many."""
        rows = await self._store.write(q("transfer/expire_transfers"), {"today": today})
        return whole(rows[0]["expired"]) if rows else 0
