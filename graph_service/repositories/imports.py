"""Reads and writes of bulk imports and exports: query name + params -> rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_service.domain.stats import UNCOVERED_THRESHOLD
from graph_service.queries import q
from graph_service.store import GraphStore, Row


class ImportRepository:
    """Batched look-ups by key and the one-statement batch writes of an import."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def members_by_cert(self, cert_keys: Sequence[str]) -> dict[str, Row]:
        """Existing members by certificate key, with current union and employer."""
        if not cert_keys:
            return {}
        keys = [[k] for k in dict.fromkeys(cert_keys)]
        rows = await self._store.read(q("import/get_members_by_cert_rows"), {"keys": keys})
        return {str(r["certKey"]): r for r in rows}

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
    ) -> tuple[dict[str, Row], dict[str, str | None], list[Row], dict[str, Row]]:
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
        unions: dict[str, Row] = {}
        employers: dict[str, str | None] = {}
        named: list[Row] = []
        members: dict[str, Row] = {}
        for r in await self._store.read(q("import/get_member_chunk_context"), params):
            kind, key = r["kind"], str(r["key"])
            if kind == "member":
                members[key] = {"unionId": r["a"], "employerId": r["b"], "fp": r["c"]}
            elif kind == "union":
                unions[key] = {
                    "id": key,
                    "props": {"level": r["a"], "status": r["b"], "name": r["c"]},
                }
            elif kind == "employer":
                employers[key] = None if r["a"] is None else str(r["a"])
            else:
                named.append({"unionId": key, "id": r["a"], "name": r["b"]})
        return unions, employers, named, members

    async def unions_by_id(self, ids: Sequence[str]) -> dict[str, Row]:
        """Existing unions by id, with properties and current parent."""
        if not ids:
            return {}
        rows = await self._store.read(q("import/get_unions_by_ids"), {"ids": list(set(ids))})
        return {str(r["id"]): r for r in rows}

    async def unions_named(self, name: str) -> list[Row]:
        """Unions whose name is exactly ``name``."""
        return await self._store.read(q("import/search_unions_by_name"), {"name": name})

    async def employers_by_id(self, ids: Sequence[str]) -> dict[str, Row]:
        """Existing employers by id, with properties and covering union."""
        if not ids:
            return {}
        rows = await self._store.read(q("import/get_employers_by_ids"), {"ids": list(set(ids))})
        return {str(r["id"]): r for r in rows}

    async def local_federations(self) -> list[Row]:
        """Every 地方总工会 of province, city or county level with its region code."""
        return await self._store.read(q("import/list_local_federations"))

    async def uncovered_by_region(self) -> dict[str, int]:
        """应建未建 employers per region code."""
        rows = await self._store.read(
            q("import/count_uncovered_by_region"), {"threshold": UNCOVERED_THRESHOLD}
        )
        return {str(r["regionCode"]): int(r["n"]) for r in rows if r["regionCode"]}  # type: ignore[call-overload]

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
