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

    async def member_fingerprints(
        self, cert_keys: Sequence[str], props: Sequence[str], *, sep: str, absent: str
    ) -> dict[str, Row]:
        """Existing members by certificate key: current union and employer, and the
        fingerprint of ``props`` (see ``import/get_member_fingerprints``)."""
        if not cert_keys:
            return {}
        params = {
            "keys": [[k] for k in dict.fromkeys(cert_keys)],
            "props": list(props),
            "sep": sep,
            "absent": absent,
        }
        rows = await self._store.read(q("import/get_member_fingerprints"), params)
        return {str(r["certKey"]): r for r in rows}

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

    async def employer_unions(self, ids: Sequence[str]) -> dict[str, str | None]:
        """Existing employers by id -> the union currently covering them (None: uncovered)."""
        if not ids:
            return {}
        wanted = [[i] for i in dict.fromkeys(ids)]
        rows = await self._store.read(q("import/get_employer_unions"), {"ids": wanted})
        return {str(r["id"]): (None if r["unionId"] is None else str(r["unionId"])) for r in rows}

    async def employer_names(self, union_ids: Sequence[str]) -> list[Row]:
        """(unionId, id, name) of the employers the unions cover."""
        if not union_ids:
            return []
        params = {"ids": list(set(union_ids))}
        return await self._store.read(q("import/list_union_employer_names"), params)

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
