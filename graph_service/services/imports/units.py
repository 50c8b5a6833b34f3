"""Union and employer rows (附件1, Hubei, canonical) against the register: ids resolved
(codes, same-named unions, temporary codes), parents before children, each chunk written in one
statement with its rollup deltas (including the 应建未建 counts of the area's local federation)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from graph_service.domain.levels import can_hang_under
from graph_service.domain.validation import make_temporary_code
from graph_service.repositories.imports import ImportRepository, StoredEmployer, StoredUnion
from graph_service.services.imports.contract import (
    BatchInfo,
    EmployerRecord,
    Outcome,
    RowIssue,
    UnionRecord,
    UnitRow,
)
from graph_service.services.imports.deltas import (
    LOCAL_LEVELS,
    Deltas,
    area_owner,
    changed_props,
    employer_tally,
    uncovered_owner,
    union_tally,
)
from graph_service.services.imports.lookups import ImportServiceBase


class UnitImports(ImportServiceBase):
    """Unions and the employers they cover."""

    async def import_units(
        self,
        rows: Sequence[UnitRow],
        *,
        default_parent: str | None,
        batch: BatchInfo,
        dry_run: bool,
        chunk: int = 2_000,
    ) -> Outcome:
        """Unions (with their parents) and the employers they cover, parents first."""
        out = Outcome()
        plan = _UnitPlan(self._repo, default_parent)
        await plan.resolve_ids(rows)
        ordered = plan.ordered()
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            out.add(await plan.write(part, batch=batch, dry_run=dry_run))
        return out


def _with_employer_id(row: UnitRow, union_id: str | None) -> UnitRow:
    """The row, its employer given a stable temporary code when the file gives none (a gap:
    the code is must-collect, the employer is still registered)."""
    employer = row.employer
    if employer is None or employer.id:
        return row
    name = str(employer.props.get("name") or "")
    region = str(employer.props.get("regionCode") or "")
    digest = hashlib.sha256(f"employer|{union_id}|{name}".encode()).hexdigest()
    area = region if len(region) == 6 and region.isdigit() else "000000"
    code = make_temporary_code(area, int(digest[:12], 16) % 10**10)
    return replace(row, employer=replace(employer, id=code))


def temporary_union_id(parent: str | None, name: str, region: str | None) -> str:
    """A stable temporary code for a union the file gives no code for (same file, same code)."""
    digest = hashlib.sha256(f"{parent}|{name}".encode()).hexdigest()
    area = region if region and len(region) == 6 and region.isdigit() else "000000"
    return make_temporary_code(area, int(digest[:12], 16) % 10**10)


class _UnitPlan:
    """Union and employer rows of one file, checked against the graph and written in chunks.
    After ``resolve_ids`` every union and employer of ``_rows`` has its id."""

    def __init__(self, repo: ImportRepository, default_parent: str | None) -> None:
        self._repo = repo
        self._default_parent = default_parent
        self._file_unions: dict[str, UnionRecord] = {}  # id -> first row's union part
        self._first_row: dict[str, int] = {}
        self._rejected_unions: dict[str, RowIssue] = {}
        self._rows: list[UnitRow] = []
        self._levels: dict[str, str] = {}

    async def resolve_ids(self, rows: Sequence[UnitRow]) -> None:
        """Give each union an id (its code, a same-named union under the parent, or a temp
        code) and its parent, and each employer an id (its code or a temp code)."""
        parents = {self._parent_of(r.union) for r in rows if r.union} - {None}
        known = await self._repo.unions_by_id([p for p in parents if p])
        for row in rows:
            if row.union is None:
                self._rows.append(_with_employer_id(row, None))
                continue
            parent = self._parent_of(row.union)
            u = replace(row.union, parent_id=parent)
            if not u.id:
                region = u.props.get("regionCode") or _region(known.get(str(parent)))
                u.id = await self._same_named(u.name, parent) or temporary_union_id(
                    parent, u.name, str(region)
                )
            self._file_unions.setdefault(u.id, u)
            self._first_row.setdefault(u.id, row.src_row)
            self._rows.append(_with_employer_id(replace(row, union=u), u.id))

    def _parent_of(self, union: UnionRecord) -> str | None:
        if union.props.get("level") == "NATIONAL":
            return None
        return union.parent_id or self._default_parent or None

    async def _same_named(self, name: str, parent: str | None) -> str | None:
        named = await self._repo.unions_named(name)
        if not named:
            return None
        found = await self._repo.unions_by_id([str(r["id"]) for r in named])
        for uid, r in found.items():
            if r.parent_id == parent:
                return uid
        return None

    def ordered(self) -> list[UnitRow]:
        """Rows with parents before children (depth within the file), employer-only rows last."""
        depth: dict[str, int] = {}

        def d(uid: str, seen: frozenset[str] = frozenset()) -> int:
            if uid in depth:
                return depth[uid]
            parent = self._file_unions[uid].parent_id
            value = 0
            if parent in self._file_unions and parent not in seen:
                value = d(str(parent), seen | {uid}) + 1
            depth[uid] = value
            return value

        def key(row: UnitRow) -> tuple[int, int]:
            if row.union is None:
                return (10**6, row.src_row)
            return (d(str(row.union.id)), row.src_row)

        return sorted(self._rows, key=key)

    async def write(self, rows: Sequence[UnitRow], *, batch: BatchInfo, dry_run: bool) -> Outcome:
        """Classify one chunk and write it in one statement."""
        out = Outcome()
        chunk_unions = [str(r.union.id) for r in rows if r.union]
        parents = [str(r.union.parent_id) for r in rows if r.union and r.union.parent_id]
        existing = await self._repo.unions_by_id(chunk_unions + parents)
        employers = await self._repo.employers_by_id(
            [str(r.employer.id) for r in rows if r.employer]
        )
        local = {str(r["regionCode"]): str(r["id"]) for r in await self._repo.local_federations()}
        w = _Writes()
        new_local = False
        for row in rows:
            n, union = row.src_row, row.union
            status = "unchanged"
            if union is not None:
                result = self._union(union, n, existing, batch, w)
                if isinstance(result, RowIssue):
                    out.issues.append(result)
                    continue
                status = result
                props = union.props
                if (
                    status == "created"
                    and props.get("kind") == "地方总工会"
                    and props.get("level") in LOCAL_LEVELS
                    and props.get("regionCode")
                ):
                    local.setdefault(str(props["regionCode"]), str(union.id))
                    new_local = True
            if row.employer is not None:
                uid = str(union.id) if union is not None else None
                result = self._employer(row.employer, uid, n, employers, local, batch, w)
                if isinstance(result, RowIssue):
                    out.issues.append(result)
                    continue
                status = _merge_status(status, result)
            setattr(out, status, getattr(out, status) + 1)
        if new_local:
            await self._reattribute(existing_local=local, new_ids=w.new_union_ids, w=w)
        if not dry_run and w.any():
            await self._repo.write_units(w.params(batch.id))
        return out

    def _union(
        self,
        union: UnionRecord,
        n: int,
        existing: Mapping[str, StoredUnion],
        batch: BatchInfo,
        w: _Writes,
    ) -> str | RowIssue:
        uid = str(union.id)
        if uid in self._rejected_unions:
            first = self._rejected_unions[uid]
            msg = f"同一工会在第{first.row}行有误：{first.message}"
            return RowIssue(n, first.field, first.code, msg, first.conflict)
        props = {"name": union.name, **union.props}
        level, parent = str(props["level"]), union.parent_id
        old = existing.get(uid)
        issue = self._union_issue(n, uid, props, parent, old, existing)
        if issue is not None:
            self._rejected_unions.setdefault(uid, issue)
            return issue
        self._levels[uid] = level
        if uid in w.touched_unions:
            return "unchanged"
        w.touched_unions.add(uid)
        src = {"srcBatch": batch.id, "srcRow": n}
        if old is None:
            w.unions.append({"id": uid, "props": props | src})
            w.new_union_ids.append(uid)
            if parent:
                since = props.get("foundedOn") or date.today().isoformat()
                w.links.append({"childId": uid, "parentId": parent, "since": since, "srcRow": n})
            w.deltas.add(uid, union_tally(props))
            return "created"
        diff = changed_props(props, old.props)
        if not diff:
            return "unchanged"
        w.unions.append({"id": uid, "props": diff | src})
        return "updated"

    def _union_issue(
        self,
        n: int,
        uid: str,
        props: Mapping[str, object],
        parent: object,
        old: StoredUnion | None,
        existing: Mapping[str, StoredUnion],
    ) -> RowIssue | None:
        level = str(props["level"])
        if old is not None:
            old_props = old.props
            if old.parent_id != parent and not (parent is None and level == "NATIONAL"):
                msg = (
                    f"该工会已隶属于（{old.parent_id}），调整隶属关系请使用“变更隶属关系”，"
                    "不能通过导入改变"
                )
                return RowIssue(n, "parentId", "UNION_PARENT_DIFFERS", msg, conflict=True)
            for key, title in (("level", "层级"), ("status", "状态")):
                if key in props and old_props.get(key) != props[key]:
                    msg = f"工会{title}与登记的不一致，不能通过导入改变"
                    return RowIssue(n, key, f"UNION_{key.upper()}_CHANGED", msg, conflict=True)
            return None
        if level == "NATIONAL":
            return None
        if not parent:
            msg = "缺少上级工会：请在文件中填写上级工会代码，或指定上级工会的代码"
            return RowIssue(n, "parentId", "REQUIRED", msg)
        parent_level = self._levels.get(str(parent))
        if parent_level is None and parent in existing:
            parent_level = str(existing[str(parent)].props.get("level"))
        if parent_level is None:
            return RowIssue(n, "parentId", "PARENT_NOT_FOUND", "上级工会不存在")
        if not can_hang_under(parent_level, level):
            msg = "上级工会的层级必须高于本工会"
            return RowIssue(n, "parentId", "LEVEL_ORDER", msg)
        return None

    def _employer(
        self,
        employer: EmployerRecord,
        uid: str | None,
        n: int,
        employers: Mapping[str, StoredEmployer],
        local: Mapping[str, str],
        batch: BatchInfo,
        w: _Writes,
    ) -> str | RowIssue:
        eid = str(employer.id)
        props = dict(employer.props)
        old = employers.get(eid)
        cover = uid
        if old is not None and old.union_id is not None:
            if uid is not None and old.union_id != uid:
                msg = f"该单位已由工会（{old.union_id}）覆盖，变更请使用“单位转隶”"
                return RowIssue(n, "employerId", "EMPLOYER_COVERED_ELSEWHERE", msg, conflict=True)
            cover = old.union_id
        if eid in w.touched_employers:
            return "unchanged"
        w.touched_employers.add(eid)
        src = {"srcBatch": batch.id, "srcRow": n}
        old_props: dict[str, object] = dict(old.props) if old is not None else {}
        new_props = old_props | props
        was_covered = old is not None and old.union_id is not None
        # rollups: the covering union's counts, and the 应建未建 count of the area owner
        if was_covered:
            w.deltas.add(cover, employer_tally(old_props), -1)
        elif old is not None:
            w.deltas.add(uncovered_owner(local, old_props), Counter({"noUnion": 1}), -1)
        if cover is not None:
            w.deltas.add(cover, employer_tally(new_props))
        else:
            w.deltas.add(uncovered_owner(local, new_props), Counter({"noUnion": 1}))
        diff = props if old is None else changed_props(props, old_props)
        if diff:
            w.employers.append({"id": eid, "props": diff | src})
        if cover is not None and not was_covered:
            since = str(props.get("coveredSince") or date.today().isoformat())
            w.covers.append({"unionId": cover, "employerId": eid, "since": since, "srcRow": n})
        if old is None:
            return "created"
        return "updated" if diff or (cover is not None and not was_covered) else "unchanged"

    async def _reattribute(
        self, *, existing_local: Mapping[str, str], new_ids: Sequence[str], w: _Writes
    ) -> None:
        """New local federations take over the 应建未建 count of existing uncovered employers."""
        new = set(new_ids)
        before = {k: v for k, v in existing_local.items() if v not in new}
        for region, count in (await self._repo.uncovered_by_region()).items():
            old_owner, new_owner = area_owner(before, region), area_owner(existing_local, region)
            if old_owner != new_owner:
                w.deltas.add(old_owner, Counter({"noUnion": count}), -1)
                w.deltas.add(new_owner, Counter({"noUnion": count}))


def _region(union: StoredUnion | None) -> str:
    if union is None:
        return ""
    return str(union.props.get("regionCode") or "")


def _merge_status(a: str, b: str) -> str:
    for status in ("created", "updated"):
        if status in (a, b):
            return status
    return "unchanged"


class _Writes:
    """What one unit chunk writes."""

    def __init__(self) -> None:
        self.unions: list[dict[str, object]] = []
        self.links: list[dict[str, object]] = []
        self.employers: list[dict[str, object]] = []
        self.covers: list[dict[str, object]] = []
        self.deltas = Deltas()
        self.new_union_ids: list[str] = []
        self.touched_unions: set[str] = set()
        self.touched_employers: set[str] = set()

    def any(self) -> bool:
        return bool(
            self.unions or self.links or self.employers or self.covers or self.deltas.params()
        )

    def params(self, batch_id: str) -> dict[str, object]:
        return {
            "unions": self.unions,
            "links": self.links,
            "employers": self.employers,
            "covers": self.covers,
            "deltas": self.deltas.params(),
            "batchId": batch_id,
        }
