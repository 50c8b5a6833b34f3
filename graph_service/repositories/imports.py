"""Reads and writes of bulk imports and exports: query name + params -> rows, the look-ups
mapped once, here, to the records below."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph_service.domain.stats import UNCOVERED_THRESHOLD
from graph_service.queries import q
from graph_service.repositories.values import whole
from graph_service.store import GraphStore, Row


@dataclass(frozen=True, slots=True)
class StoredUnion:
    """A stored union as an import sees it: the properties an import may set (not the
    rollup) and, where the look-up reads it, the current parent."""

    id: str
    props: Mapping[str, object]
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredEmployer:
    """A stored employer: every property and the union covering it now."""

    id: str
    props: Mapping[str, object]
    union_id: str | None


@dataclass(frozen=True, slots=True)
class StoredMember:
    """A stored member by certificate key: every property, current union and employer."""

    cert_key: str
    props: Mapping[str, object]
    union_id: str | None
    union_name: str | None
    employer_id: str | None


@dataclass(frozen=True, slots=True)
class MemberSketch:
    """A stored member's current union, employer and property fingerprint (``fp``)."""

    union_id: object
    employer_id: object
    fp: object


@dataclass(frozen=True, slots=True)
class CoveredEmployer:
    """An employer a union covers, by name (for a roster's 所属单位)."""

    union_id: str
    id: str
    name: str


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _props(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


class ImportRepository:
    """Batched look-ups by key and the one-statement batch writes of an import."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def members_by_cert(self, cert_keys: Sequence[str]) -> dict[str, StoredMember]:
        """Existing members by certificate key, with current union and employer."""
        if not cert_keys:
            return {}
        keys = [[k] for k in dict.fromkeys(cert_keys)]
        rows = await self._store.read(q("import/get_members_by_cert_rows"), {"keys": keys})
        return {
            str(r["certKey"]): StoredMember(
                str(r["certKey"]),
                _props(r["props"]),
                _opt(r["unionId"]),
                _opt(r["unionName"]),
                _opt(r["employerId"]),
            )
            for r in rows
        }

    async def member_chunk_context(
        self,
        union_ids: Sequence[str],
        employer_ids: Sequence[str],
        named_union_ids: Sequence[str],
        cert_keys: Sequence[str],
        props: Sequence[str],
        *,
        sep: str,
        absent: str,
    ) -> tuple[
        dict[str, StoredUnion],
        dict[str, str | None],
        list[CoveredEmployer],
        dict[str, MemberSketch],
    ]:
        """One read for a roster chunk (``import/get_member_chunk_context``): (unions by id
        with their ``props`` level/status/name, employers by id -> covering union, the
        (unionId, id, name) employers of ``named_union_ids``, members by certificate key with
        unionId, employerId and the fingerprint ``fp`` of ``props``)."""
        params = {
            "unions": list(dict.fromkeys(union_ids)),
            "employers": [[i] for i in dict.fromkeys(employer_ids)],
            "named": list(dict.fromkeys(named_union_ids)),
            "keys": list(dict.fromkeys(cert_keys)),
            "props": list(props),
            "sep": sep,
            "absent": absent,
        }
        unions: dict[str, StoredUnion] = {}
        employers: dict[str, str | None] = {}
        named: list[CoveredEmployer] = []
        members: dict[str, MemberSketch] = {}
        for r in await self._store.read(q("import/get_member_chunk_context"), params):
            kind, key = r["kind"], str(r["key"])
            if kind == "member":
                members[key] = MemberSketch(r["a"], r["b"], r["c"])
            elif kind == "union":
                unions[key] = StoredUnion(key, {"level": r["a"], "status": r["b"], "name": r["c"]})
            elif kind == "employer":
                employers[key] = _opt(r["a"])
            else:
                named.append(CoveredEmployer(key, str(r["a"]), str(r["b"])))
        return unions, employers, named, members

    async def unions_by_id(self, ids: Sequence[str]) -> dict[str, StoredUnion]:
        """Existing unions by id, with properties and current parent."""
        if not ids:
            return {}
        rows = await self._store.read(q("import/get_unions_by_ids"), {"ids": list(set(ids))})
        return {
            str(r["id"]): StoredUnion(str(r["id"]), _props(r["props"]), _opt(r["parentId"]))
            for r in rows
        }

    async def unions_named(self, name: str) -> list[Row]:
        """Unions whose name is exactly ``name``."""
        return await self._store.read(q("import/search_unions_by_name"), {"name": name})

    async def employers_by_id(self, ids: Sequence[str]) -> dict[str, StoredEmployer]:
        """Existing employers by id, with properties and covering union."""
        if not ids:
            return {}
        rows = await self._store.read(q("import/get_employers_by_ids"), {"ids": list(set(ids))})
        return {
            str(r["id"]): StoredEmployer(str(r["id"]), _props(r["props"]), _opt(r["unionId"]))
            for r in rows
        }

    async def local_federations(self) -> list[Row]:
        """Every 地方总工会 of province, city or county level with its region code."""
        return await self._store.read(q("import/list_local_federations"))

    async def uncovered_by_region(self) -> dict[str, int]:
        """应建未建 employers per region code."""
        rows = await self._store.read(
            q("import/count_uncovered_by_region"), {"threshold": UNCOVERED_THRESHOLD}
        )
        return {str(r["regionCode"]): whole(r["n"]) for r in rows if r["regionCode"]}

    async def write_members(self, params: Mapping[str, object]) -> None:
        """One member batch: nodes, edges and rollup deltas in one statement."""
        await self._store.write(q("import/write_members"), params)

    async def write_units(self, params: Mapping[str, object]) -> None:
        """One union/employer batch: nodes, edges and rollup deltas in one statement."""
        await self._store.write(q("import/write_units"), params)

    async def save_batch(self, batch_id: str, props: Mapping[str, object]) -> None:
        """Create or update the ImportBatch record."""
        await self._store.write(q("import/upsert_import_batch"), {"id": batch_id, "props": props})

    async def subtree_unions(self, root: str) -> list[Row]:
        """The current subtree of ``root`` with properties and parents."""
        return await self._store.read(q("import/list_subtree_unions"), {"id": root})

    async def covered_employers(self, union_ids: Sequence[str]) -> list[Row]:
        """Employers covered by the unions, with properties."""
        params = {"ids": list(union_ids)}
        return await self._store.read(q("import/list_union_employers_full"), params)

    async def uncovered_employers(self, regions: Sequence[str]) -> list[Row]:
        """Uncovered employers located in the given regions."""
        params = {"regions": list(regions)}
        return await self._store.read(q("import/list_uncovered_employers"), params)

    async def members_of(self, union_ids: Sequence[str]) -> list[Row]:
        """Current members of a chunk of unions."""
        params = {"ids": list(union_ids)}
        return await self._store.read(q("import/list_union_members_full"), params)
