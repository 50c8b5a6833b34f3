"""Reads of the union tree: unions, their employers and members, one page at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_service.domain.models import Employer, Member, Union
from graph_service.domain.subtree import SubtreeUnion
from graph_service.queries import q
from graph_service.repositories.affiliation import path_missing
from graph_service.store import GraphStore, Row


def union_from_row(row: Row) -> Union:
    """A Union from the standard union columns."""
    return Union.model_validate(row)


def employer_from_row(row: Row) -> Employer:
    """An Employer from the standard employer columns."""
    return Employer.model_validate(row)


def member_from_row(row: Row) -> Member:
    """A Member from the standard member columns (the certificate key is split in two)."""
    data = dict(row)
    cert_type, _, number = str(data.pop("certKey") or ":").partition(":")
    data["certType"], data["certNumber"] = cert_type, number
    return Member.model_validate(data)


async def _total(store: GraphStore, name: str, params: Mapping[str, object]) -> int:
    rows = await store.read(q(name), params)
    return int(rows[0]["total"]) if rows else 0  # type: ignore[call-overload]


class UnionRepository:
    """Unions and their place in the tree."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def get_many(self, ids: Sequence[str]) -> dict[str, Union]:
        """Unions by id; unknown ids are absent from the result."""
        if not ids:
            return {}
        rows = await self._store.read(q("union/get_unions"), {"ids": list(dict.fromkeys(ids))})
        return {str(row["id"]): union_from_row(row) for row in rows}

    async def ancestors(self, union_id: str) -> list[Union]:
        """The current chain above a union, national root first."""
        return (await self.chains([union_id])).get(union_id, [])[:-1]

    async def chains(self, ids: Sequence[str]) -> dict[str, list[Union]]:
        """Per known union: its current ancestors, national root first, then the union itself.

        Read from the stored ancestor paths in one statement."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        rows = await self._store.read(q("union/list_chains"), {"ids": wanted})
        out: dict[str, list[Union]] = {}
        for row in rows:
            if not row["stored"]:
                raise path_missing(str(row["of"]))
            out.setdefault(str(row["of"]), []).append(union_from_row(row))
        return out

    async def children(self, union_id: str, *, after: str | None, limit: int) -> list[Union]:
        """One page of current children ordered by id."""
        params = {"id": union_id, "after": after, "limit": limit}
        return [union_from_row(r) for r in await self._store.read(q("union/list_children"), params)]

    async def count_children(self, union_id: str) -> int:
        """How many current children."""
        return await _total(self._store, "union/count_children", {"id": union_id})

    async def search(
        self,
        *,
        name_contains: str | None,
        level: str | None,
        under: str | None,
        after: str | None,
        limit: int,
    ) -> list[Union]:
        """One page of unions matching the filters, ordered by id."""
        params: dict[str, object] = {
            "nameContains": name_contains,
            "level": level,
            "after": after,
            "limit": limit,
        }
        name = "union/search_unions"
        if under is not None:
            params["under"], name = under, "union/search_unions_under"
        return [union_from_row(r) for r in await self._store.read(q(name), params)]

    async def count_search(
        self, *, name_contains: str | None, level: str | None, under: str | None
    ) -> int:
        """How many unions match the filters."""
        params: dict[str, object] = {"nameContains": name_contains, "level": level}
        if under is None:
            return await _total(self._store, "union/count_unions", params)
        return await _total(self._store, "union/count_unions_under", params | {"under": under})


    async def subtree(
        self,
        *,
        under: str,
        max_depth: int,
        name_contains: str | None,
        level: str | None,
        order: str,
        skip: int,
        limit: int,
    ) -> list[SubtreeUnion]:
        """One page of a subtree, flat, each union with its depth and child count."""
        params: dict[str, object] = {
            "under": under,
            "maxDepth": max_depth,
            "nameContains": name_contains,
            "level": level,
            "order": order,
            "skip": skip,
            "limit": limit,
        }
        rows = await self._store.read(q("union/list_subtree"), params)
        return [
            SubtreeUnion(
                union=union_from_row(r),
                depth=int(r["depth"]),  # type: ignore[call-overload]
                child_count=int(r["childCount"]),  # type: ignore[call-overload]
            )
            for r in rows
        ]

    async def count_subtree(
        self, *, under: str, max_depth: int, name_contains: str | None, level: str | None
    ) -> int:
        """How many unions of the subtree (down to ``max_depth``) match the filters."""
        params = {"under": under, "maxDepth": max_depth, "nameContains": name_contains,
                  "level": level}  # fmt: skip
        return await _total(self._store, "union/count_subtree", params)


class EmployerRepository:
    """Employers (单位) and the unions covering them."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def get_many(self, ids: Sequence[str]) -> dict[str, Employer]:
        """Employers by id; unknown ids are absent."""
        if not ids:
            return {}
        rows = await self._store.read(
            q("employer/get_employers"), {"ids": list(dict.fromkeys(ids))}
        )
        return {str(row["id"]): employer_from_row(row) for row in rows}

    async def of_union(self, union_id: str, *, after: str | None, limit: int) -> list[Employer]:
        """One page of the employers a union covers."""
        params = {"id": union_id, "after": after, "limit": limit}
        rows = await self._store.read(q("employer/list_union_employers"), params)
        return [employer_from_row(r) for r in rows]

    async def count_of_union(self, union_id: str) -> int:
        """How many employers a union covers."""
        return await _total(self._store, "employer/count_union_employers", {"id": union_id})

    async def search_subtree(
        self, *, under: str, search: str, after: str | None, limit: int
    ) -> list[Employer]:
        """One page of the subtree's employers by name fragment or code."""
        params = {"under": under, "search": search, "after": after, "limit": limit}
        rows = await self._store.read(q("employer/search_subtree_employers"), params)
        return [employer_from_row(r) for r in rows]

    async def count_search_subtree(self, *, under: str, search: str) -> int:
        """How many of the subtree's employers match by name fragment or code."""
        params = {"under": under, "search": search}
        return await _total(self._store, "employer/count_subtree_employers", params)


class MemberRepository:
    """Members (会员) and their current memberships."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def by_cert_keys(self, cert_keys: Sequence[str]) -> dict[str, Member]:
        """Members by certificate key (``type:number``)."""
        if not cert_keys:
            return {}
        rows = await self._store.read(
            q("member/get_members_by_cert"), {"certKeys": list(cert_keys)}
        )
        return {str(row["certKey"]): member_from_row(row) for row in rows}

    async def of_union(
        self, union_id: str, *, status: str, after: str | None, limit: int
    ) -> list[Member]:
        """One page of a union's members in one status."""
        params = {"id": union_id, "status": status, "after": after, "limit": limit}
        rows = await self._store.read(q("member/list_union_members"), params)
        return [member_from_row(r) for r in rows]

    async def count_of_union(self, union_id: str, *, status: str) -> int:
        """How many members of a union are in one status."""
        params = {"id": union_id, "status": status}
        return await _total(self._store, "member/count_union_members", params)

    async def search_subtree(
        self,
        *,
        under: str,
        name_contains: str,
        statuses: Sequence[str],
        after: str | None,
        limit: int,
    ) -> list[Member]:
        """One page of the subtree's members by name fragment, in any of ``statuses``."""
        params = {"under": under, "nameContains": name_contains, "statuses": list(statuses),
                  "after": after, "limit": limit}  # fmt: skip
        rows = await self._store.read(q("member/search_subtree_members"), params)
        return [member_from_row(r) for r in rows]

    async def count_search_subtree(
        self, *, under: str, name_contains: str, statuses: Sequence[str]
    ) -> int:
        """How many of the subtree's members match by name fragment and status."""
        params = {"under": under, "nameContains": name_contains, "statuses": list(statuses)}
        return await _total(self._store, "member/count_subtree_members", params)
