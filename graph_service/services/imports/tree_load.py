"""Whole-tree loads: ``bootstrap`` (national root, province, city and county federations from
GB/T 2260, through the unit import) and the reads of ``export`` (a subtree's unions, employers
and members)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from graph_service.domain.regions import list_divisions
from graph_service.domain.validation import make_temporary_code
from graph_service.services.imports.contract import (
    BatchInfo,
    BootstrapOutcome,
    UnionRecord,
    UnitRow,
)
from graph_service.services.imports.units import UnitImports
from graph_service.store import Row


class TreeLoads(UnitImports):
    """Bootstrap and export."""

    async def bootstrap(self, province: str, *, operator: str) -> BootstrapOutcome:
        """National root, province, city and county federations from GB/T 2260 (idempotent);
        the outcome names the national root's and the province's ids."""
        divisions = list_divisions(province[:2])
        if not divisions:
            from graph_service.errors import BadUserInput

            raise BadUserInput("未知的省级行政区划代码", reason="REGION_CODE", field="province")
        codes = {code for code, _, _ in divisions}
        local = {str(r["regionCode"]): str(r["id"]) for r in await self._repo.local_federations()}
        rows: list[UnitRow] = []
        national = await self._national_root()
        if national is None:
            national = make_temporary_code("100000", 0)
            rows.append(_local_row(1, national, "中华全国总工会", "NATIONAL", "100000", None))
        for n, (code, name, kind) in enumerate(divisions, start=2):
            if kind == "PROVINCE":
                parent = national
            elif kind == "CITY" or code[:4] + "00" not in codes:
                parent = local.get(code[:2] + "0000", make_temporary_code(code[:2] + "0000", 0))
            else:
                parent = local.get(code[:4] + "00", make_temporary_code(code[:4] + "00", 0))
            uid = local.get(code, make_temporary_code(code, 0))
            rows.append(_local_row(n, uid, name + "总工会", kind, code, parent))
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        batch = BatchInfo(
            f"bootstrap-{province}-{stamp}", f"GB/T 2260 {province}", "", operator, stamp
        )
        out = await self.import_units(rows, default_parent=None, batch=batch, dry_run=False)
        top = province[:2] + "0000"
        return BootstrapOutcome(
            created=out.created,
            updated=out.updated,
            unchanged=out.unchanged,
            issues=out.issues,
            national_id=national,
            province_id=local.get(top, make_temporary_code(top, 0)),
            province_name=next(name for code, name, _ in divisions if code == top) + "总工会",
        )

    async def _national_root(self) -> str | None:
        page = await self._tree.search_unions(
            name_contains=None, level="NATIONAL", under=None, first=1, after=None
        )
        return page.items[0].id if page.items else None

    # ------------------------------------------------------------ export

    async def export_tree(self, union_id: str) -> tuple[list[Row], list[Row], list[Row]]:
        """(unions with parentId, employers with unionId, uncovered employers of the area)."""
        root = await self.check_union(union_id)
        unions = await self._repo.subtree_unions(root)
        ids = [str(u["id"]) for u in unions]
        employers: list[Row] = []
        for start in range(0, len(ids), 500):
            employers.extend(await self._repo.covered_employers(ids[start : start + 500]))
        regions = sorted(
            {
                str(u["props"]["regionCode"])  # type: ignore[index]
                for u in unions
                if u["props"].get("kind") == "地方总工会"  # type: ignore[attr-defined]
                and u["props"].get("regionCode")  # type: ignore[attr-defined]
            }
        )
        uncovered = await self._uncovered_in(regions) if regions else []
        return unions, employers, uncovered

    async def _uncovered_in(self, regions: Sequence[str]) -> list[Row]:
        prefixes = tuple(r.rstrip("0") or r for r in regions)
        everything = {code for code, _, _ in list_divisions("")}
        wanted = sorted(c for c in everything if c.startswith(prefixes)) or list(regions)
        found = await self._repo.uncovered_employers(wanted)
        return [r | {"unionId": None} for r in found]

    async def members_of(self, union_ids: Sequence[str]) -> list[Row]:
        """Current members of a chunk of unions (the caller pages over unions)."""
        return await self._repo.members_of(union_ids)


def _local_row(n: int, uid: str, name: str, level: str, region: str, parent: str | None) -> UnitRow:
    props: dict[str, object] = {
        "level": level,
        "kind": "地方总工会",
        "status": "ACTIVE",
        "regionCode": region,
    }
    return UnitRow(n, UnionRecord(uid, name, parent, props), None)
