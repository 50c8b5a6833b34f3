"""The 百日采集 data-quality scorecard: how complete and valid the register is, per child union.

Pure arithmetic over rows read from the graph (see ``DataQualityService``):

* ``member_fields_filled`` — share of the 9 Hubei member fields filled over the subtree's current
  members (name, 证件类型, 证件号, phone, joinedOn, newFormWorker, political, unionPost,
  unionPostType); ``None`` when the subtree has no members.
* ``union_fields_filled`` — share of 5 union fields over the subtree's non-dissolved unions: name,
  kind, a real USCC (not a temporary ``LS…`` code), foundedOn, termEndsOn.
* ``unit_fields_filled`` — share of 2 employer fields over employers the subtree currently covers:
  name and a valid USCC.
* ``invalid`` — counts by kind (``INVALID_KINDS``): CERT (certificate number failing its rules),
  PHONE (stored phone not a mainland mobile), TEMP_CODE (unions on a temporary code), UNIT_CODE
  (employers whose code is not a valid USCC).
* ``members_with_gaps`` / ``missing_member_fields`` — members imported with gaps (a blank
  must-collect field does not reject a roster row): how many, and blanks per field.
* ``duplicates`` — employers of the subtree whose name another employer of the subtree also bears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graph_service.domain.models import Union
from graph_service.domain.stats import Count
from graph_service.domain.validation import (
    is_temporary_code,
    normalise_mobile,
    validate_certificate,
    validate_uscc,
)
from graph_service.errors import BadUserInput

MEMBER_FIELDS = (
    "name",
    "certType",
    "certNumber",
    "phone",
    "joinedOn",
    "newFormWorker",
    "political",
    "unionPost",
    "unionPostType",
)
UNION_FIELDS = ("name", "kind", "uscc", "foundedOn", "termEndsOn")
UNIT_FIELDS = ("name", "uscc")
INVALID_KINDS = ("CERT", "PHONE", "TEMP_CODE", "UNIT_CODE")


@dataclass(frozen=True)
class DataQualityRow:
    """The scorecard of one child union's whole subtree."""

    union: Union
    members: int
    member_fields_filled: float | None
    union_fields_filled: float | None
    unit_fields_filled: float | None
    invalid: list[Count]
    duplicates: int
    members_with_gaps: int = 0
    """Current members leaving at least one of the 9 fields blank (imported with gaps)."""
    missing_member_fields: list[Count] = field(default_factory=list)
    """Per member field (MEMBER_FIELDS order), how many current members leave it blank."""


@dataclass(frozen=True)
class DataQuality:
    """One row per current child union of ``union_id``."""

    union_id: str
    children: list[DataQualityRow] = field(default_factory=list)


@dataclass
class Tally:
    """Running sums of one subtree."""

    members: int = 0
    member_filled: int = 0
    members_with_gaps: int = 0
    member_field_filled: Counter[str] = field(default_factory=Counter)
    unions: int = 0
    union_filled: int = 0
    units: int = 0
    unit_filled: int = 0
    invalid: Counter[str] = field(default_factory=Counter)
    unit_names: dict[str, set[str]] = field(default_factory=dict)

    def share(self, filled: int, total: int, width: int) -> float | None:
        return None if total == 0 else filled / (total * width)

    def row(self, union: Union) -> DataQualityRow:
        duplicates = sum(len(ids) for ids in self.unit_names.values() if len(ids) > 1)
        return DataQualityRow(
            union=union,
            members=self.members,
            member_fields_filled=self.share(self.member_filled, self.members, len(MEMBER_FIELDS)),
            union_fields_filled=self.share(self.union_filled, self.unions, len(UNION_FIELDS)),
            unit_fields_filled=self.share(self.unit_filled, self.units, len(UNIT_FIELDS)),
            invalid=[Count(key=k, count=self.invalid[k]) for k in INVALID_KINDS],
            duplicates=duplicates,
            members_with_gaps=self.members_with_gaps,
            missing_member_fields=[
                Count(key=f, count=self.members - self.member_field_filled[f])
                for f in MEMBER_FIELDS
            ],
        )


def _filled(value: object) -> bool:
    return value is not None and value != ""


def add_member_counts(tally: Tally, row: Mapping[str, object]) -> None:
    """Add one union's aggregate member row (``quality/count_member_fields``)."""
    tally.members += int(row["n"])  # type: ignore[call-overload]
    filled = {f: int(row[f] or 0) for f in MEMBER_FIELDS}  # type: ignore[call-overload]
    tally.member_filled += sum(filled.values())
    tally.member_field_filled.update(filled)
    tally.members_with_gaps += int(row.get("withGaps") or 0)  # type: ignore[call-overload]


def phone_valid(phone: object) -> bool:
    """Whether a stored phone is a mainland mobile (an empty phone is missing, not invalid)."""
    try:
        normalise_mobile(phone)
    except BadUserInput:
        return False
    return True


def cert_valid(cert_key: object) -> bool:
    """Whether a stored ``type:number`` certificate key holds a number valid for its type."""
    cert_type, _, number = str(cert_key).partition(":")
    try:
        validate_certificate(cert_type, number)
    except BadUserInput:
        return False
    return True


def add_member_codes(tally: Tally, row: Mapping[str, object]) -> None:
    """Validate one member's phone and certificate (``quality/list_member_codes``)."""
    if _filled(row["phone"]) and not phone_valid(row["phone"]):
        tally.invalid["PHONE"] += 1
    if _filled(row["certKey"]) and not cert_valid(row["certKey"]):
        tally.invalid["CERT"] += 1


def add_union(tally: Tally, row: Mapping[str, object]) -> None:
    """Add one union's registration fields (``quality/list_union_fields``)."""
    temporary = is_temporary_code(row["id"])
    tally.unions += 1
    tally.union_filled += sum(
        (
            _filled(row["name"]),
            _filled(row["kind"]),
            not temporary,
            _filled(row["foundedOn"]),
            _filled(row["termEndsOn"]),
        )
    )
    if temporary:
        tally.invalid["TEMP_CODE"] += 1


def uscc_valid(code: object) -> bool:
    """Whether an employer code is a valid unified social credit code."""
    try:
        validate_uscc(code)
    except BadUserInput:
        return False
    return True


def add_units(tally: Tally, rows: Iterable[Mapping[str, object]]) -> None:
    """Add the subtree's covered employers, each once (``quality/list_covered_employers``)."""
    seen: dict[str, object] = {}
    for row in rows:
        seen.setdefault(str(row["id"]), row["name"])
    for eid, name in seen.items():
        valid = uscc_valid(eid)
        tally.units += 1
        tally.unit_filled += _filled(name) + valid
        if not valid:
            tally.invalid["UNIT_CODE"] += 1
        if _filled(name):
            tally.unit_names.setdefault(str(name).strip(), set()).add(eid)
