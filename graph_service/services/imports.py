"""Bulk import, the graph side: classify validated rows against the register, write each batch
as ONE statement (nodes, edges and rollup deltas), and record the ImportBatch.

Rows arrive already validated by ``loaders`` (plain dicts, shapes below). Here they are checked
against the graph: unknown unions or employers, a certificate already active in another union
(CONFLICT, never a silent move), a union already hanging elsewhere. Each surviving row is
created, updated (only what changed) or counted unchanged, so the same file twice writes nothing
the second time and a rerun after a crash completes without duplicates.

Member row: ``{srcRow, certKey, props, unionId, employerId?, employerName?}``, or a whole
chunk of them in columns (``MemberChunk``, what ``loaders`` sends: checked per (union, employer)
group, written grouped).
Unit row: ``{srcRow, union: {id?, name, parentId?, props} | None, employer: {id, props} | None}``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import overload

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
    """A row the register refuses: ``field`` is the row key (certNumber, unionId ...);
    ``other_union`` the union the row collides with (a member active elsewhere), as data, so a
    caller decides on it (scoped imports hide a union outside the scope) without the text."""

    row: int
    field: str
    code: str
    message: str
    conflict: bool = False
    other_union: str | None = None


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


def _given_names(rows: Sequence[Sequence[object]]) -> list[str]:
    """The property names a fingerprint compares: those any row gives, and certKey (``rows``
    as ``MemberChunk.rows``)."""
    if not rows:
        return ["certKey"]
    given = [
        k
        for i, k in enumerate(MEMBER_FIELDS, start=_FIELDS_FROM)
        if any(r[i] is not None for r in rows)  # stops at the first row giving it
    ]
    return sorted([*given, "certKey"])


def fingerprint(props: Mapping[str, object], names: Sequence[str]) -> str:
    """The text ``import/get_member_chunk_context`` builds from stored properties, built from
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
class BootstrapOutcome(Outcome):
    """What ``bootstrap`` did, with the ids an operator needs next (``accounts create``)."""

    national_id: str = ""
    province_id: str = ""
    province_name: str = ""


@dataclass
class MemberPlan:
    """A classified member chunk: its counts and the params of its one write (None: nothing)."""

    outcome: Outcome
    params: dict[str, object] | None


MEMBER_FIELDS = (
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
    "employmentStatus",
    "nationality",
)
"""Member properties a roster row may give, in the order they follow srcRow in a created row."""

CREATED_COLUMNS = ("id", "certKey", "srcRow", *MEMBER_FIELDS)
"""Positions of a new member's row in ``import/write_members`` ($created); a property the row
does not give is null (the statement defaults newFormWorker, status and the edges' since)."""

_FIELDS_FROM = 3  # MEMBER_FIELDS start at this position of a created row
_FIELD_AT = {k: i + _FIELDS_FROM for i, k in enumerate(MEMBER_FIELDS)}
_GENDER, _HOUSEHOLD = _FIELD_AT["gender"], _FIELD_AT["householdType"]
_NEW_FORM, _STATUS = _FIELD_AT["newFormWorker"], _FIELD_AT["status"]
MemberTally = Counter[tuple[str, object, object, bool]]
"""Counted new members by (union, gender, householdType, newFormWorker)."""


class _IdBlock:
    """Random hex drawn from the OS in blocks; emptied in a forked child, so a block is
    never shared between processes."""

    text = ""
    at = 0

    @classmethod
    def forget(cls) -> None:
        cls.text, cls.at = "", 0


os.register_at_fork(after_in_child=_IdBlock.forget)


def new_member_id() -> str:
    """A fresh internal member id (16 random hex digits)."""
    b = _IdBlock
    at = b.at + 16
    if at > len(b.text):
        b.text, at = os.urandom(8 * 4096).hex(), 16
    b.at = at
    return b.text[at - 16 : at]


class MemberChunk(Sequence[Mapping[str, object]]):
    """Validated member rows in columns: what ``loaders`` hand over for one chunk.

    Columns pickle several times faster than one dict per row (a worker process builds them)
    and let the plan work per (union, employer) group instead of per row. Each item reads as
    the member row mapping (``{srcRow, certKey, props, unionId, employerId, employerName}``),
    so code written for row mappings keeps working. ``rows[i]`` is the row as the write
    statement creates it (``CREATED_COLUMNS``: a fresh id, certKey, srcRow, then the
    ``MEMBER_FIELDS``, None where the row gives nothing, never a given value), built once by
    whoever builds the chunk; ``tally`` caches ``members_tally()`` (a worker counts it).
    """

    __slots__ = (
        "cert_keys",
        "employer_ids",
        "employer_names",
        "rows",
        "src_rows",
        "tally",
        "union_ids",
    )

    def __init__(
        self,
        src_rows: list[int],
        cert_keys: list[str],
        union_ids: list[str],
        employer_ids: list[str | None],
        employer_names: list[str | None],
        rows: list[list[object]],
    ) -> None:
        self.src_rows = src_rows
        self.cert_keys = cert_keys
        self.union_ids = union_ids
        self.employer_ids = employer_ids
        self.employer_names = employer_names
        self.rows = rows
        self.tally: MemberTally | None = None

    @classmethod
    def empty(cls) -> MemberChunk:
        """A chunk without rows (to be filled with ``append``)."""
        return cls([], [], [], [], [], [])

    def append(
        self,
        src_row: int,
        cert_key: str,
        union_id: str,
        employer_id: str | None,
        employer_name: str | None,
        values: Sequence[object],
    ) -> None:
        """Add one row (``values``: its ``MEMBER_FIELDS``)."""
        self.src_rows.append(src_row)
        self.cert_keys.append(cert_key)
        self.union_ids.append(union_id)
        self.employer_ids.append(employer_id)
        self.employer_names.append(employer_name)
        self.rows.append([new_member_id(), cert_key, src_row, *values])
        self.tally = None

    def members_tally(self) -> MemberTally:
        """The rollup tally of the rows were they all created (cached in ``tally``)."""
        if self.tally is None:
            self.tally = Counter(
                (uid, r[_GENDER], r[_HOUSEHOLD], bool(r[_NEW_FORM]))
                for uid, r in zip(self.union_ids, self.rows, strict=True)
                if r[_STATUS] != "LEFT"
            )
        return self.tally

    def tally_key(self, i: int) -> tuple[str, object, object, bool] | None:
        """Row ``i``'s key in ``members_tally`` (None: not counted)."""
        r = self.rows[i]
        if r[_STATUS] == "LEFT":
            return None
        return (self.union_ids[i], r[_GENDER], r[_HOUSEHOLD], bool(r[_NEW_FORM]))

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, object]]) -> MemberChunk:
        """The rows as a chunk: itself, the chunk its row views come from, or built from dicts."""
        if isinstance(rows, MemberChunk):
            return rows
        first = rows[0] if rows else None
        if isinstance(first, _MemberView):
            source = first.chunk
            if all(isinstance(r, _MemberView) and r.chunk is source for r in rows):
                return source.take([r.index for r in rows])  # type: ignore[attr-defined]
        out = cls.empty()
        for r in rows:
            props: Mapping[str, object] = r["props"]  # type: ignore[assignment]
            eid, ename = r.get("employerId"), r.get("employerName")
            out.append(
                int(r["srcRow"]),  # type: ignore[call-overload]
                str(r["certKey"]),
                str(r["unionId"]),
                None if eid is None else str(eid),
                None if ename is None else str(ename),
                [props.get(k) for k in MEMBER_FIELDS],
            )
        return out

    def take(self, indices: Sequence[int]) -> MemberChunk:
        """The rows at ``indices``, in that order."""
        return MemberChunk(
            [self.src_rows[i] for i in indices],
            [self.cert_keys[i] for i in indices],
            [self.union_ids[i] for i in indices],
            [self.employer_ids[i] for i in indices],
            [self.employer_names[i] for i in indices],
            [self.rows[i] for i in indices],
        )

    def props(self, i: int) -> dict[str, object]:
        """Row ``i``'s properties as the row mapping's ``props`` (given values and certKey)."""
        fields = self.rows[i][_FIELDS_FROM:]
        out = {k: v for k, v in zip(MEMBER_FIELDS, fields, strict=True) if v is not None}
        out["certKey"] = self.cert_keys[i]
        return out

    def __len__(self) -> int:
        return len(self.src_rows)

    @overload
    def __getitem__(self, i: int) -> Mapping[str, object]: ...

    @overload
    def __getitem__(self, i: slice) -> list[Mapping[str, object]]: ...

    def __getitem__(self, i: int | slice) -> Mapping[str, object] | list[Mapping[str, object]]:
        if isinstance(i, slice):
            return [_MemberView(self, j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return _MemberView(self, i)


class _MemberView(Mapping[str, object]):
    """Row ``index`` of a chunk read as a member row mapping."""

    __slots__ = ("chunk", "index")
    _KEYS = ("srcRow", "certKey", "props", "unionId", "employerId", "employerName")

    def __init__(self, chunk: MemberChunk, index: int) -> None:
        self.chunk = chunk
        self.index = index

    def __getitem__(self, key: str) -> object:
        c, i = self.chunk, self.index
        if key == "srcRow":
            return c.src_rows[i]
        if key == "certKey":
            return c.cert_keys[i]
        if key == "unionId":
            return c.union_ids[i]
        if key == "employerId":
            return c.employer_ids[i]
        if key == "employerName":
            return c.employer_names[i]
        if key == "props":
            return c.props(i)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)


class _Deltas:
    """Rollup deltas of one batch, aggregated per union."""

    def __init__(self) -> None:
        self._by_union: dict[str, Counter[str]] = {}
        self._members: Counter[tuple[str, object, object, bool]] = Counter()

    def add_members(self, counts: MemberTally) -> None:
        """Counted (not LEFT) new members by (union, gender, household, newForm), expanded
        once in params(); a count may be negative or zero."""
        self._members.update(counts)

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
                f"未找到名称为「{name}」的工会，请指定所属工会的代码",
                reason="UNION_NAME_NOT_FOUND",
                field="unionName",
            )
        if len(found) > 1:
            raise Conflict(
                f"名称为「{name}」的工会有{len(found)}个，请指定所属工会的代码",
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

        Unions and employers are checked once per (union, employer) group of the chunk, not
        per row. Rows whose certificate the look-up did not find become positional CREATE
        rows, grouped so the write looks each union and employer up once; existing members
        are compared and only what changed is written.
        """
        out = Outcome()
        chunk = MemberChunk.of(rows)
        groups: dict[tuple[str, str | None, str | None], list[int]] = {}
        keyed = zip(chunk.union_ids, chunk.employer_ids, chunk.employer_names, strict=True)
        for i, key in enumerate(keyed):
            members = groups.get(key)
            if members is None:
                groups[key] = [i]
            else:
                members.append(i)
        # every look-up in one read (for every row; rows refused by the union or employer
        # checks just leave their answers unused): while a write runs, each read waits for
        # the graph's lock, and four reads per chunk left the writer idle. (Not four reads at
        # once: concurrent reads crashed the embedded FalkorDB during a 1M-row import.)
        names = _given_names(chunk.rows)
        unions, by_id, covered, quick = await self._repo.member_chunk_context(
            chunk.union_ids,
            [str(k[1]) for k in groups if k[1]],
            [k[0] for k in groups if not k[1]],
            chunk.cert_keys,
            names,
            sep=_SEP,
            absent=_ABSENT,
        )
        resolved = self._resolve_groups(chunk, groups, unions, by_id, covered, out)
        kept = [i for members in resolved.values() for i in members]
        employer_of = {i: eid for (_, eid), members in resolved.items() for i in members}
        found, same = self._unchanged_members(chunk, kept, employer_of, quick, names)
        existing = await self._repo.members_by_cert(
            [chunk.cert_keys[i] for i in kept if chunk.cert_keys[i] in found and i not in same]
        )
        created: list[list[object]] = []
        group_rows: list[list[object]] = []
        counted = chunk.members_tally().copy()  # minus the rows not created, below
        keys, made, src_rows = chunk.cert_keys, chunk.rows, chunk.src_rows
        for (uid, eid), members in resolved.items():
            fresh = [i for i in members if keys[i] not in found] if found else members
            if fresh:
                group_rows.append([uid, eid, len(created), len(created) + len(fresh)])
                created.extend([made[i] for i in fresh])
        if len(created) < len(chunk):
            ids = {id(r) for r in created}
            for i, r in enumerate(made):
                if id(r) not in ids and (tally := chunk.tally_key(i)) is not None:
                    counted[tally] -= 1
        deltas = _Deltas()
        deltas.add_members(counted)
        out.created += len(created)
        out.unchanged += len(same)
        updated: list[dict[str, object]] = []
        moved: list[list[object]] = []
        today = date.today().isoformat()
        for i in kept:
            old = existing.get(keys[i])
            if old is None:
                continue
            row = chunk[i]
            issue = self._member_conflict(row, old)
            if issue is not None:
                out.issues.append(issue)
                continue
            uid, eid = chunk.union_ids[i], employer_of[i]
            src = {"srcBatch": batch.id, "srcRow": src_rows[i]}
            new_props = chunk.props(i)
            old_props: dict[str, object] = old["props"]  # type: ignore[assignment]
            if old_props.get("status") == "TRANSFERRING":
                new_props.pop("status", None)  # a transfer under way keeps its state
            diff = _changed(new_props, old_props)
            employer_moved = eid != old["employerId"]
            if not diff and not employer_moved:
                out.unchanged += 1
                continue
            if diff:
                updated.append({"certKey": keys[i], "props": diff | src})
                deltas.add(uid, _member_tally(old_props), -1)
                deltas.add(uid, _member_tally(old_props | diff))
            if employer_moved:
                moved.append([keys[i], eid, today, src_rows[i]])
            out.updated += 1
        params: dict[str, object] | None = None
        if created or updated or moved:
            params = {
                "groups": group_rows,
                "created": created,
                "updated": updated,
                "moved": moved,
                "deltas": deltas.params(),
                "batchId": batch.id,
                "today": today,
            }
        return MemberPlan(out, params)

    @staticmethod
    def _unchanged_members(
        chunk: MemberChunk,
        kept: Sequence[int],
        employer_of: Mapping[int, str | None],
        quick: Mapping[str, Row],
        names: Sequence[str],
    ) -> tuple[set[str], set[int]]:
        """(certificates of ``kept`` rows already registered, rows that change nothing).

        A row changes nothing when the member is current in the row's union, employed by the
        row's employer and every property the row gives has the same text: decided from one
        fingerprint string per member (``quick``: ``import/get_member_chunk_context`` of
        ``names``), so an idempotent rerun never parses property maps. Anything else takes the
        full look-up (``members_by_cert``) and the exact comparison.
        """
        found: set[str] = set()
        same: set[int] = set()
        if not quick:
            return found, same
        for i in kept:
            key = chunk.cert_keys[i]
            old = quick.get(key)
            if old is None:
                continue
            found.add(key)
            if (
                old["unionId"] == chunk.union_ids[i]
                and old["employerId"] == (employer_of[i] or None)
                and old["fp"] == fingerprint(chunk.props(i), names)
            ):
                same.add(i)
        return found, same

    async def write_member_plan(self, plan: MemberPlan) -> None:
        """Run a planned chunk's one write statement (nothing when the chunk changes nothing)."""
        if plan.params is not None:
            await self._repo.write_members(plan.params)

    def _resolve_groups(
        self,
        chunk: MemberChunk,
        groups: Mapping[tuple[str, str | None, str | None], list[int]],
        unions: Mapping[str, Row],
        by_id: Mapping[str, str | None],
        covered_rows: Sequence[Row],
        out: Outcome,
    ) -> dict[tuple[str, str | None], list[int]]:
        """Rows by (union, employer id) after the union and employer checks, done once per
        group; refused rows become issues. ``employerId`` comes from an id (it must be covered
        by the union), a 所属单位 name among the union's employers, or the union's only one."""
        union_issue = {uid: self._union_issue(unions.get(uid)) for uid in {k[0] for k in groups}}
        names: dict[str, dict[str, str]] = {}
        for r in covered_rows:
            names.setdefault(str(r["unionId"]), {})[str(r["name"])] = str(r["id"])
        resolved: dict[tuple[str, str | None], list[int]] = {}
        for (uid, eid, ename), members in groups.items():
            issue = union_issue[uid]
            if issue is None:
                covered = names.get(uid, {})
                if eid:
                    if eid not in by_id:
                        issue = ("employerId", "EMPLOYER_NOT_FOUND", "单位不存在")
                    elif by_id[eid] != uid:
                        msg = "该单位不在所属工会的覆盖范围内"
                        issue = ("employerId", "EMPLOYER_NOT_COVERED", msg)
                elif ename:
                    eid = covered.get(ename)
                    if eid is None:
                        msg = f"所属单位「{ename}」不是该工会覆盖的单位，请先导入单位信息（附件1）"
                        issue = ("employerName", "EMPLOYER_NOT_FOUND", msg)
                elif len(covered) == 1:
                    eid = next(iter(covered.values()))
            if issue is not None:
                field_, code, message = issue
                out.issues.extend(
                    RowIssue(chunk.src_rows[i], field_, code, message) for i in members
                )
                continue
            resolved.setdefault((uid, eid or None), []).extend(members)
        return resolved

    @staticmethod
    def _union_issue(union: Row | None) -> tuple[str, str, str] | None:
        """Why a roster row cannot name this union (None: it can hold members)."""
        if union is None:
            return ("unionId", "UNION_NOT_FOUND", "所属工会不存在")
        props: dict[str, object] = union["props"]  # type: ignore[assignment]
        if props.get("status") == "DISSOLVED":
            return ("unionId", "UNION_DISSOLVED", f"所属工会「{props.get('name')}」已撤销")
        if not can_hold_members(str(props.get("level"))):
            msg = f"「{props.get('name')}」不是基层工会或工会联合会，不能直接登记会员"
            return ("unionId", "UNION_LEVEL", msg)
        return None

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
            return RowIssue(
                n,
                "certNumber",
                "MEMBER_ACTIVE_ELSEWHERE",
                msg,
                conflict=True,
                other_union=str(old["unionId"]),
            )
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

    async def bootstrap(self, province: str, *, operator: str) -> BootstrapOutcome:
        """National root, province, city and county federations from GB/T 2260 (idempotent);
        the outcome names the national root's and the province's ids."""
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


def _local_row(
    n: int, uid: str, name: str, level: str, region: str, parent: str | None
) -> dict[str, object]:
    props = {"level": level, "kind": "地方总工会", "status": "ACTIVE", "regionCode": region}
    return {
        "srcRow": n,
        "union": {"id": uid, "name": name, "parentId": parent, "props": props},
        "employer": None,
    }


def _with_employer_id(row: Mapping[str, object], union_id: str | None) -> dict[str, object]:
    """The row, its employer given a stable temporary code when the file gives none (a gap:
    the code is must-collect, the employer is still registered)."""
    out = dict(row)
    employer: Mapping[str, object] | None = row.get("employer")  # type: ignore[assignment]
    if employer and not employer.get("id"):
        props: Mapping[str, object] = employer.get("props") or {}  # type: ignore[assignment]
        name = str(props.get("name") or "")
        region = str(props.get("regionCode") or "")
        digest = hashlib.sha256(f"employer|{union_id}|{name}".encode()).hexdigest()
        area = region if len(region) == 6 and region.isdigit() else "000000"
        code = make_temporary_code(area, int(digest[:12], 16) % 10**10)
        out["employer"] = {**employer, "id": code}
    return out


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
                self._rows.append(_with_employer_id(row, None))
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
            self._rows.append(_with_employer_id({**row, "union": u}, uid))

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
            msg = "缺少上级工会：请在文件中填写上级工会代码，或指定上级工会的代码"
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
