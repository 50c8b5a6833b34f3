"""The loader↔service contract of imports: what ``loaders`` hand over (``MemberChunk``:
validated member rows in columns; unit rows) and what comes back (``Outcome`` with ``RowIssue``s,
``MemberPlan``), with the batch a write is traced to (``BatchInfo``).

Member rows travel as a ``MemberChunk`` (a worker process builds it: columns pickle several
times faster than one object per row); unit rows as ``UnitRow`` records."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import overload


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


@dataclass(slots=True)
class UnionRecord:
    """A validated union of a unit row: ``id`` None when the file gives no code (the service
    finds a same-named union under the parent or gives a temporary code)."""

    id: str | None
    name: str
    parent_id: str | None
    props: dict[str, object]


@dataclass(slots=True)
class EmployerRecord:
    """A validated employer of a unit row: ``id`` None when the file gives no code (a gap: the
    service gives a temporary code)."""

    id: str | None
    props: dict[str, object]


@dataclass(slots=True)
class UnitRow:
    """One validated row of a units sheet (附件1, Hubei, canonical): a union, the employer it
    covers, or both."""

    src_row: int
    union: UnionRecord | None
    employer: EmployerRecord | None


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


def new_batch_id() -> str:
    """A fresh import batch id."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


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

FIELDS_FROM = 3  # MEMBER_FIELDS start at this position of a created row
_FIELD_AT = {k: i + FIELDS_FROM for i, k in enumerate(MEMBER_FIELDS)}
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
        fields = self.rows[i][FIELDS_FROM:]
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
