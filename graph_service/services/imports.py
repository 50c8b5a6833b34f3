"""Bulk import, the graph side: classify validated rows against the register, write each batch
as ONE statement (nodes, edges and rollup deltas), and record the ImportBatch.

Rows arrive already validated by ``loaders`` (plain dicts, shapes below). Here they are checked
against the graph: unknown unions or employers, a certificate already active in another union
(CONFLICT, never a silent move), a union already hanging elsewhere. Each surviving row is
created, updated (only what changed) or counted unchanged, so the same file twice writes nothing
the second time and a rerun after a crash completes without duplicates.

Member row: ``{srcRow, certKey, props, unionId, employerId?, employerName?}``.
Unit row: ``{srcRow, union: {id?, name, parentId?, props} | None, employer: {id, props} | None}``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from graph_service import metrics
from graph_service.domain.levels import can_hang_under, can_hold_members
from graph_service.domain.regions import list_divisions
from graph_service.domain.stats import UNCOVERED_THRESHOLD, rollup_vector
from graph_service.domain.validation import make_temporary_code
from graph_service.errors import NotFound
from graph_service.repositories.imports import ImportRepository
from graph_service.services.stats import StatsService
from graph_service.services.tree import TreeService
from graph_service.store import GraphStore, Row

_LOCAL_LEVELS = ("PROVINCE", "CITY", "COUNTY")
_SRC = ("srcBatch", "srcRow")
_COUNTED = ("created", "updated", "unchanged", "rejected")  # import rows metric


@dataclass(frozen=True)
class BatchInfo:
    """Where written values come from (recorded on every node and edge written)."""

    id: str
    file: str
    sha256: str
    operator: str
    started_at: str


@dataclass(frozen=True)
class RowIssue:
    """A row the register refuses: ``field`` is the row key (certNumber, unionId ...)."""

    row: int
    field: str
    code: str
    message: str
    conflict: bool = False


@dataclass
class Outcome:
    """Counts of one write call (rows of the chunk given)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        """Accumulate another outcome."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.issues.extend(other.issues)


_ABSENT, _NEVER, _SEP = "\u0001", "\u0002", "\u001f"


def fingerprint(props: Mapping[str, object], names: Sequence[str]) -> str:
    """The text ``import/get_member_fingerprints`` builds from stored properties, built from
    a row's new values. A name the row lacks, a value of another type, or text holding the
    separators gives a character the query never produces: such a row is compared in full."""
    parts = []
    for name in names:
        if name not in props:
            parts.append(_NEVER)
            continue
        value = props[name]
        if value is None:
            parts.append(_ABSENT)
        elif isinstance(value, bool):
            parts.append("true" if value else "false")
        elif isinstance(value, int):
            parts.append(str(value))
        elif isinstance(value, str) and _SEP not in value and _ABSENT not in value:
            parts.append(value)
        else:
            parts.append(_NEVER)
    return "".join(p + _SEP for p in parts)


def new_batch_id() -> str:
    """A fresh import batch id."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


def _member_tally(props: Mapping[str, object]) -> Counter[str]:
    if props.get("status") == "LEFT":
        return Counter()
    return Counter(
        {
            "members": 1,
            f"gender:{props.get('gender')}": 1,
            f"household:{props.get('householdType')}": 1,
            "newForm": 1 if props.get("newFormWorker") else 0,
        }
    )


def _employer_tally(props: Mapping[str, object]) -> Counter[str]:
    return Counter(
        {
            "employers": 1,
            "employees": int(props.get("employeeCount") or 0),  # type: ignore[call-overload]
            f"nature:{props.get('nature')}": 1,
        }
    )


def _union_tally(props: Mapping[str, object]) -> Counter[str]:
    if props.get("status") == "DISSOLVED":
        return Counter()
    level = str(props.get("level"))
    return Counter({"unions": 1, f"level:{level}": 1, "grassroots": int(level == "GRASSROOTS")})


def _changed(new: Mapping[str, object], old: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in new.items() if k not in _SRC and old.get(k) != v}


def _area_owner(local: Mapping[str, str], region: object) -> str | None:
    code = str(region or "")
    if len(code) != 6:
        return None
    for key in (code, code[:4] + "00", code[:2] + "0000"):
        if key in local:
            return local[key]
    return None


def _uncovered_owner(local: Mapping[str, str], props: Mapping[str, object]) -> str | None:
    if int(props.get("employeeCount") or 0) < UNCOVERED_THRESHOLD:  # type: ignore[call-overload]
        return None
    return _area_owner(local, props.get("regionCode"))


@dataclass
class MemberPlan:
    """A classified member chunk: its counts and the params of its one write (None: nothing)."""

    outcome: Outcome
    params: dict[str, object] | None


CREATED_COLUMNS = (
    "id",
    "certKey",
    "name",
    "gender",
    "phone",
    "householdType",
    "political",
    "education",
    "newFormWorker",
    "joinedOn",
    "status",
    "unionPost",
    "unionPostType",
    "unionId",
    "employerId",
    "since",
    "srcRow",
    "employmentStatus",
    "nationality",
)
"""Positions of a new member's row in ``import/write_members`` ($created)."""


class _Deltas:
    """Rollup deltas of one batch, aggregated per union."""

    def __init__(self) -> None:
        self._by_union: dict[str, Counter[str]] = {}
        self._members: Counter[tuple[str, object, object, bool]] = Counter()

    def add_member(
        self, union_id: str, gender: object, household: object, new_form: object
    ) -> None:
        """One counted (not LEFT) new member: tallied as a tuple, expanded once in params()."""
        self._members[(union_id, gender, household, bool(new_form))] += 1

    def add(self, union_id: str | None, tally: Counter[str], sign: int = 1) -> None:
        if union_id is None or not tally:
            return
        target = self._by_union.setdefault(union_id, Counter())
        for key, value in tally.items():
            target[key] += sign * value

    def params(self) -> list[list[object]]:
        """Positional rows ``[unionId, *delta]`` (the engines' fast parameter encoding)."""
        for (uid, gender, household, new_form), n in self._members.items():
            target = self._by_union.setdefault(uid, Counter())
            target["members"] += n
            target[f"gender:{gender}"] += n
            target[f"household:{household}"] += n
            target["newForm"] += n if new_form else 0
        self._members.clear()
        out: list[list[object]] = []
        for uid, counter in self._by_union.items():
            vector = rollup_vector(counter)
            if any(vector):
                out.append([uid, *vector])
        return out


class ImportService:
    """Writes validated import rows into the register, batch by batch."""

    def __init__(self, store: GraphStore, tree: TreeService, stats: StatsService) -> None:
        self._repo = ImportRepository(store)
        self._tree = tree
        self._stats = stats

    # ------------------------------------------------------------ batches and look-ups

    async def record_batch(self, batch: BatchInfo, *, state: str, **counts: object) -> None:
        """Create or update the ImportBatch node of one source file."""
        props: dict[str, object] = {
            "file": batch.file,
            "sha256": batch.sha256,
            "operator": batch.operator,
            "startedAt": batch.started_at,
            "state": state,
            **counts,
        }
        if state != "RUNNING":
            props["finishedAt"] = datetime.now(UTC).isoformat(timespec="seconds")
        await self._repo.save_batch(batch.id, props)
        if state != "RUNNING":
            metrics.count_import_rows(
                **{k: int(counts.get(k) or 0) for k in _COUNTED}  # type: ignore[call-overload]
            )

    async def union_by_exact_name(self, name: str) -> str:
        """The id of the one union called ``name``; NOT_FOUND or CONFLICT when not exactly one."""
        from graph_service.errors import Conflict

        found = [r for r in await self._repo.unions_named(name) if r["status"] != "DISSOLVED"]
        if not found:
            raise NotFound(
                f"未找到名称为「{name}」的工会，请用 --union 指定工会代码",
                reason="UNION_NAME_NOT_FOUND",
                field="unionName",
            )
        if len(found) > 1:
            raise Conflict(
                f"名称为「{name}」的工会有{len(found)}个，请用 --union 指定工会代码",
                reason="UNION_NAME_AMBIGUOUS",
                field="unionName",
                details={"candidates": [str(r["id"]) for r in found]},
            )
        return str(found[0]["id"])

    async def check_union(self, union_id: str) -> str:
        """The normalised id of an existing union (NOT_FOUND otherwise)."""
        return (await self._tree.get_union(union_id, field="union")).id

    # ------------------------------------------------------------ members

    async def import_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo, dry_run: bool
    ) -> Outcome:
        """Create, update or leave unchanged each member row; one write statement per call."""
        plan = await self.plan_members(rows, batch=batch)
        if not dry_run:
            await self.write_member_plan(plan)
        return plan.outcome

    async def plan_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo
    ) -> MemberPlan:
        """Classify a chunk against the register (reads only): what its one write will do.

        Rows whose certificate the look-up did not find become positional CREATE rows (the
        fast path); existing members are compared and only what changed is written.
        """
        out = Outcome()
        unions = await self._repo.unions_by_id(list({str(r["unionId"]) for r in rows}))
        rows = self._member_unions_ok(rows, unions, out)
        rows = await self._resolve_employers(rows, out)
        found, same = await self._unchanged_members(rows)
        existing = await self._repo.members_by_cert([k for k in found if k not in same])
        created: list[list[object]] = []
        updated: list[dict[str, object]] = []
        moved: list[list[object]] = []
        deltas = _Deltas()
        today = date.today().isoformat()
        fresh = [r for r in rows if str(r["certKey"]) not in found]
        ids = os.urandom(8 * len(fresh)).hex()
        for i, row in enumerate(fresh):
            props: Mapping[str, object] = row["props"]  # type: ignore[assignment]
            uid = str(row["unionId"])
            status = props.get("status") or "ACTIVE"
            created.append(
                [
                    ids[16 * i : 16 * i + 16],
                    row["certKey"],
                    props.get("name"),
                    props.get("gender"),
                    props.get("phone"),
                    props.get("householdType"),
                    props.get("political"),
                    props.get("education"),
                    bool(props.get("newFormWorker", False)),
                    props.get("joinedOn"),
                    status,
                    props.get("unionPost"),
                    props.get("unionPostType"),
                    uid,
                    row.get("employerId"),
                    props.get("joinedOn") or today,
                    row["srcRow"],
                    props.get("employmentStatus"),
                    props.get("nationality"),
                ]
            )
            if status != "LEFT":
                deltas.add_member(
                    uid, props.get("gender"), props.get("householdType"), props.get("newFormWorker")
                )
        out.created += len(created)
        out.unchanged += len(same)
        for row in rows:
            old = existing.get(str(row["certKey"]))
            if old is None:
                continue
            issue = self._member_conflict(row, old)
            if issue is not None:
                out.issues.append(issue)
                continue
            uid, eid = str(row["unionId"]), row.get("employerId")
            src = {"srcBatch": batch.id, "srcRow": row["srcRow"]}
            new_props = dict(row["props"])  # type: ignore[call-overload]
            old_props: dict[str, object] = old["props"]  # type: ignore[assignment]
            if old_props.get("status") == "TRANSFERRING":
                new_props.pop("status", None)  # a transfer under way keeps its state
            diff = _changed(new_props, old_props)
            employer_moved = eid != old["employerId"]
            if not diff and not employer_moved:
                out.unchanged += 1
                continue
            if diff:
                updated.append({"certKey": row["certKey"], "props": diff | src})
                deltas.add(uid, _member_tally(old_props), -1)
                deltas.add(uid, _member_tally(old_props | diff))
            if employer_moved:
                moved.append([row["certKey"], eid, today, row["srcRow"]])
            out.updated += 1
        params: dict[str, object] | None = None
        if created or updated or moved:
            params = {
                "created": created,
                "updated": updated,
                "moved": moved,
                "deltas": deltas.params(),
                "batchId": batch.id,
            }
        return MemberPlan(out, params)

    async def _unchanged_members(
        self, rows: Sequence[Mapping[str, object]]
    ) -> tuple[set[str], set[str]]:
        """(certificates already registered, those whose row changes nothing).

        A row changes nothing when the member is current in the row's union, employed by the
        row's employer and every property the row gives has the same text: decided from one
        fingerprint string per member, so an idempotent rerun never parses property maps.
        Anything else takes the full look-up (``members_by_cert``) and the exact comparison.
        """
        names = sorted({k for r in rows for k in r["props"] if k not in _SRC})  # type: ignore[attr-defined]
        keys = [str(r["certKey"]) for r in rows]
        quick = await self._repo.member_fingerprints(keys, names, sep=_SEP, absent=_ABSENT)
        same = set()
        for row in rows:
            key = str(row["certKey"])
            old = quick.get(key)
            if (
                old is not None
                and old["unionId"] == row["unionId"]
                and old["employerId"] == (row.get("employerId") or None)
                and old["fp"] == fingerprint(row["props"], names)  # type: ignore[arg-type]
            ):
                same.add(key)
        return set(quick), same

    async def write_member_plan(self, plan: MemberPlan) -> None:
        """Run a planned chunk's one write statement (nothing when the chunk changes nothing)."""
        if plan.params is not None:
            await self._repo.write_members(plan.params)

    @staticmethod
    def _member_unions_ok(
        rows: Sequence[Mapping[str, object]], unions: Mapping[str, Row], out: Outcome
    ) -> list[Mapping[str, object]]:
        kept = []
        for row in rows:
            union = unions.get(str(row["unionId"]))
            n = int(row["srcRow"])  # type: ignore[call-overload]
            if union is None:
                out.issues.append(RowIssue(n, "unionId", "UNION_NOT_FOUND", "所属工会不存在"))
                continue
            props: dict[str, object] = union["props"]  # type: ignore[assignment]
            if props.get("status") == "DISSOLVED":
                msg = f"所属工会「{props.get('name')}」已撤销"
                out.issues.append(RowIssue(n, "unionId", "UNION_DISSOLVED", msg))
                continue
            if not can_hold_members(str(props.get("level"))):
                msg = f"「{props.get('name')}」不是基层工会或工会联合会，不能直接登记会员"
                out.issues.append(RowIssue(n, "unionId", "UNION_LEVEL", msg))
                continue
            kept.append(row)
        return kept

    async def _resolve_employers(
        self, rows: Sequence[Mapping[str, object]], out: Outcome
    ) -> list[Mapping[str, object]]:
        """Fill ``employerId`` from an id (must be covered by the union) or a 所属单位 name."""
        by_id = await self._repo.employer_unions(
            [str(r["employerId"]) for r in rows if r.get("employerId")]
        )
        names: dict[str, dict[str, str]] = {}
        need_names = {str(r["unionId"]) for r in rows if not r.get("employerId")}
        for r in await self._repo.employer_names(list(need_names)):
            names.setdefault(str(r["unionId"]), {})[str(r["name"])] = str(r["id"])
        kept: list[Mapping[str, object]] = []
        for row in rows:
            n, uid = int(row["srcRow"]), str(row["unionId"])  # type: ignore[call-overload]
            eid, ename = row.get("employerId"), row.get("employerName")
            covered = names.get(uid, {})
            if eid:
                if str(eid) not in by_id:
                    out.issues.append(RowIssue(n, "employerId", "EMPLOYER_NOT_FOUND", "单位不存在"))
                    continue
                if by_id[str(eid)] != uid:
                    msg = "该单位不在所属工会的覆盖范围内"
                    out.issues.append(RowIssue(n, "employerId", "EMPLOYER_NOT_COVERED", msg))
                    continue
            elif ename:
                eid = covered.get(str(ename))
                if eid is None:
                    msg = f"所属单位「{ename}」不是该工会覆盖的单位，请先导入单位信息（附件1）"
                    out.issues.append(RowIssue(n, "employerName", "EMPLOYER_NOT_FOUND", msg))
                    continue
            elif len(covered) == 1:
                eid = next(iter(covered.values()))
            if eid != row.get("employerId"):
                row = {**row, "employerId": eid or None}
            kept.append(row)
        return kept

    @staticmethod
    def _member_conflict(row: Mapping[str, object], old: Row) -> RowIssue | None:
        n = int(row["srcRow"])  # type: ignore[call-overload]
        if old["unionId"] is None:
            msg = (
                "该证件号已有会员记录，但当前不在任何工会（已离会或待处理），"
                "请通过入会或会籍接转办理"
            )
            return RowIssue(n, "certNumber", "MEMBER_NOT_CURRENT", msg, conflict=True)
        if old["unionId"] != row["unionId"]:
            msg = (
                f"该证件号已是「{old['unionName']}」（{old['unionId']}）的在册会员，"
                "一证一会员，不能重复入会；如需转会请办理会籍接转"
            )
            return RowIssue(n, "certNumber", "MEMBER_ACTIVE_ELSEWHERE", msg, conflict=True)
        return None

    # ------------------------------------------------------------ unions and employers

    async def import_units(
        self,
        rows: Sequence[Mapping[str, object]],
        *,
        default_parent: str | None,
        batch: BatchInfo,
        dry_run: bool,
        chunk: int = 2_000,
    ) -> Outcome:
        """Unions (with their parents) and the employers they cover, parents first."""
        out = Outcome()
        plan = _UnitPlan(self._repo, default_parent)
        await plan.resolve_ids(rows, out)
        ordered = plan.ordered()
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            out.add(await plan.write(part, batch=batch, dry_run=dry_run))
        return out

    # ------------------------------------------------------------ bootstrap

    async def bootstrap(self, province: str, *, operator: str) -> Outcome:
        """National root, province, city and county federations from GB/T 2260 (idempotent)."""
        divisions = list_divisions(province[:2])
        if not divisions:
            from graph_service.errors import BadUserInput

            raise BadUserInput("未知的省级行政区划代码", reason="REGION_CODE", field="province")
        codes = {code for code, _, _ in divisions}
        local = {str(r["regionCode"]): str(r["id"]) for r in await self._repo.local_federations()}
        rows: list[dict[str, object]] = []
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
        return await self.import_units(rows, default_parent=None, batch=batch, dry_run=False)

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


def _local_row(
    n: int, uid: str, name: str, level: str, region: str, parent: str | None
) -> dict[str, object]:
    props = {"level": level, "kind": "地方总工会", "status": "ACTIVE", "regionCode": region}
    return {
        "srcRow": n,
        "union": {"id": uid, "name": name, "parentId": parent, "props": props},
        "employer": None,
    }


def temporary_union_id(parent: str | None, name: str, region: str | None) -> str:
    """A stable temporary code for a union the file gives no code for (same file, same code)."""
    digest = hashlib.sha256(f"{parent}|{name}".encode()).hexdigest()
    area = region if region and len(region) == 6 and region.isdigit() else "000000"
    return make_temporary_code(area, int(digest[:12], 16) % 10**10)


class _UnitPlan:
    """Union and employer rows of one file, checked against the graph and written in chunks."""

    def __init__(self, repo: ImportRepository, default_parent: str | None) -> None:
        self._repo = repo
        self._default_parent = default_parent
        self._file_unions: dict[str, dict[str, object]] = {}  # id -> first row's union part
        self._first_row: dict[str, int] = {}
        self._rejected_unions: dict[str, RowIssue] = {}
        self._rows: list[dict[str, object]] = []
        self._levels: dict[str, str] = {}

    async def resolve_ids(self, rows: Sequence[Mapping[str, object]], out: Outcome) -> None:
        """Give each union an id (its code, a same-named union under the parent, or a temp code)."""
        parents = {self._parent_of(r) for r in rows if r.get("union")} - {None}
        known = await self._repo.unions_by_id([p for p in parents if p])
        for row in rows:
            union = row.get("union")
            if not union:
                self._rows.append(dict(row))
                continue
            u = dict(union)  # type: ignore[call-overload]
            parent = self._parent_of(row)
            u["parentId"] = parent
            if not u.get("id"):
                u["id"] = await self._same_named(str(u["name"]), parent) or temporary_union_id(
                    parent,
                    str(u["name"]),
                    str(u["props"].get("regionCode") or _region(known.get(str(parent)))),
                )
            uid = str(u["id"])
            self._file_unions.setdefault(uid, u)
            self._first_row.setdefault(uid, int(row["srcRow"]))  # type: ignore[call-overload]
            self._rows.append({**row, "union": u})

    def _parent_of(self, row: Mapping[str, object]) -> str | None:
        union: Mapping[str, object] = row.get("union") or {}  # type: ignore[assignment]
        props: Mapping[str, object] = union.get("props") or {}  # type: ignore[assignment]
        if props.get("level") == "NATIONAL":
            return None
        return str(union.get("parentId") or self._default_parent or "") or None

    async def _same_named(self, name: str, parent: str | None) -> str | None:
        named = await self._repo.unions_named(name)
        if not named:
            return None
        found = await self._repo.unions_by_id([str(r["id"]) for r in named])
        for uid, r in found.items():
            if r["parentId"] == parent:
                return uid
        return None

    def ordered(self) -> list[dict[str, object]]:
        """Rows with parents before children (depth within the file), employer-only rows last."""
        depth: dict[str, int] = {}

        def d(uid: str, seen: frozenset[str] = frozenset()) -> int:
            if uid in depth:
                return depth[uid]
            parent = self._file_unions[uid].get("parentId")
            value = 0
            if parent in self._file_unions and parent not in seen:
                value = d(str(parent), seen | {uid}) + 1
            depth[uid] = value
            return value

        def key(row: Mapping[str, object]) -> tuple[int, int]:
            union: Mapping[str, object] | None = row.get("union")  # type: ignore[assignment]
            if not union:
                return (10**6, int(row["srcRow"]))  # type: ignore[call-overload]
            return (d(str(union["id"])), int(row["srcRow"]))  # type: ignore[call-overload]

        return sorted(self._rows, key=key)

    async def write(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo, dry_run: bool
    ) -> Outcome:
        """Classify one chunk and write it in one statement."""
        out = Outcome()
        chunk_unions = {str(r["union"]["id"]): r for r in rows if r.get("union")}  # type: ignore[index]
        parents = [
            str(r["union"]["parentId"])  # type: ignore[index]
            for r in rows
            if r.get("union") and r["union"]["parentId"]  # type: ignore[index]
        ]
        existing = await self._repo.unions_by_id(list(chunk_unions) + parents)
        employers = await self._repo.employers_by_id(
            [str(r["employer"]["id"]) for r in rows if r.get("employer")]  # type: ignore[index]
        )
        local = {str(r["regionCode"]): str(r["id"]) for r in await self._repo.local_federations()}
        w = _Writes()
        new_local = False
        for row in rows:
            n = int(row["srcRow"])  # type: ignore[call-overload]
            union: dict[str, object] | None = row.get("union")  # type: ignore[assignment]
            status = "unchanged"
            if union is not None:
                result = self._union(union, n, existing, batch, w)
                if isinstance(result, RowIssue):
                    out.issues.append(result)
                    continue
                status = result
                props: Mapping[str, object] = union["props"]  # type: ignore[assignment]
                if (
                    status == "created"
                    and props.get("kind") == "地方总工会"
                    and props.get("level") in _LOCAL_LEVELS
                    and props.get("regionCode")
                ):
                    local.setdefault(str(props["regionCode"]), str(union["id"]))
                    new_local = True
            employer: dict[str, object] | None = row.get("employer")  # type: ignore[assignment]
            if employer is not None:
                uid = str(union["id"]) if union is not None else None
                result = self._employer(employer, uid, n, employers, local, batch, w)
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
        union: dict[str, object],
        n: int,
        existing: Mapping[str, Row],
        batch: BatchInfo,
        w: _Writes,
    ) -> str | RowIssue:
        uid = str(union["id"])
        if uid in self._rejected_unions:
            first = self._rejected_unions[uid]
            msg = f"同一工会在第{first.row}行有误：{first.message}"
            return RowIssue(n, first.field, first.code, msg, first.conflict)
        props = {"name": union["name"], **union["props"]}  # type: ignore[dict-item]
        level, parent = str(props["level"]), union.get("parentId")
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
            w.deltas.add(uid, _union_tally(props))
            return "created"
        diff = _changed(props, old["props"])  # type: ignore[arg-type]
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
        old: Row | None,
        existing: Mapping[str, Row],
    ) -> RowIssue | None:
        level = str(props["level"])
        if old is not None:
            old_props: Mapping[str, object] = old["props"]  # type: ignore[assignment]
            if old["parentId"] != parent and not (parent is None and level == "NATIONAL"):
                msg = (
                    f"该工会已隶属于（{old['parentId']}），调整隶属关系请使用“变更隶属关系”，"
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
            msg = "缺少上级工会：请在文件中填写上级工会代码，或用 --union 指定"
            return RowIssue(n, "parentId", "REQUIRED", msg)
        parent_level = self._levels.get(str(parent))
        if parent_level is None and parent in existing:
            parent_level = str(existing[str(parent)]["props"].get("level"))  # type: ignore[attr-defined]
        if parent_level is None:
            return RowIssue(n, "parentId", "PARENT_NOT_FOUND", "上级工会不存在")
        if not can_hang_under(parent_level, level):
            msg = "上级工会的层级必须高于本工会"
            return RowIssue(n, "parentId", "LEVEL_ORDER", msg)
        return None

    def _employer(
        self,
        employer: dict[str, object],
        uid: str | None,
        n: int,
        employers: Mapping[str, Row],
        local: Mapping[str, str],
        batch: BatchInfo,
        w: _Writes,
    ) -> str | RowIssue:
        eid = str(employer["id"])
        props: dict[str, object] = dict(employer["props"])  # type: ignore[call-overload]
        old = employers.get(eid)
        cover = uid
        if old is not None and old["unionId"] is not None:
            if uid is not None and old["unionId"] != uid:
                msg = f"该单位已由工会（{old['unionId']}）覆盖，变更请使用“单位转隶”"
                return RowIssue(n, "employerId", "EMPLOYER_COVERED_ELSEWHERE", msg, conflict=True)
            cover = str(old["unionId"])
        if eid in w.touched_employers:
            return "unchanged"
        w.touched_employers.add(eid)
        src = {"srcBatch": batch.id, "srcRow": n}
        old_props: dict[str, object] = old["props"] if old is not None else {}  # type: ignore[assignment]
        new_props = old_props | props
        was_covered = old is not None and old["unionId"] is not None
        # rollups: the covering union's counts, and the 应建未建 count of the area owner
        if was_covered:
            w.deltas.add(cover, _employer_tally(old_props), -1)
        elif old is not None:
            w.deltas.add(_uncovered_owner(local, old_props), Counter({"noUnion": 1}), -1)
        if cover is not None:
            w.deltas.add(cover, _employer_tally(new_props))
        else:
            w.deltas.add(_uncovered_owner(local, new_props), Counter({"noUnion": 1}))
        diff = props if old is None else _changed(props, old_props)
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
            old_owner, new_owner = _area_owner(before, region), _area_owner(existing_local, region)
            if old_owner != new_owner:
                w.deltas.add(old_owner, Counter({"noUnion": count}), -1)
                w.deltas.add(new_owner, Counter({"noUnion": count}))


def _region(row: Row | None) -> str:
    if row is None:
        return ""
    return str(row["props"].get("regionCode") or "")  # type: ignore[attr-defined]


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
        self.deltas = _Deltas()
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
