"""What an import chunk changes, computed before it is written: the fingerprint that finds
unchanged members in one read, the rollup tallies of members, employers and unions, and the
per-union rollup deltas a write statement carries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from graph_service.domain.stats import UNCOVERED_THRESHOLD, rollup_vector
from graph_service.services.imports.contract import (
    FIELDS_FROM,
    MEMBER_FIELDS,
    MemberTally,
)

LOCAL_LEVELS = ("PROVINCE", "CITY", "COUNTY")
_SRC = ("srcBatch", "srcRow")

ABSENT, NEVER, SEP = "\u0001", "\u0002", "\u001f"


def given_names(rows: Sequence[Sequence[object]]) -> list[str]:
    """The property names a fingerprint compares: those any row gives, and certKey (``rows``
    as ``MemberChunk.rows``)."""
    if not rows:
        return ["certKey"]
    given = [
        k
        for i, k in enumerate(MEMBER_FIELDS, start=FIELDS_FROM)
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
            parts.append(NEVER)
            continue
        value = props[name]
        if value is None:
            parts.append(ABSENT)
        elif isinstance(value, bool):
            parts.append("true" if value else "false")
        elif isinstance(value, int):
            parts.append(str(value))
        elif isinstance(value, str) and SEP not in value and ABSENT not in value:
            parts.append(value)
        else:
            parts.append(NEVER)
    return "".join(p + SEP for p in parts)


def member_tally(props: Mapping[str, object]) -> Counter[str]:
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


def employer_tally(props: Mapping[str, object]) -> Counter[str]:
    return Counter(
        {
            "employers": 1,
            "employees": int(props.get("employeeCount") or 0),  # type: ignore[call-overload]
            f"nature:{props.get('nature')}": 1,
        }
    )


def union_tally(props: Mapping[str, object]) -> Counter[str]:
    if props.get("status") == "DISSOLVED":
        return Counter()
    level = str(props.get("level"))
    return Counter({"unions": 1, f"level:{level}": 1, "grassroots": int(level == "GRASSROOTS")})


def changed_props(new: Mapping[str, object], old: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in new.items() if k not in _SRC and old.get(k) != v}


def area_owner(local: Mapping[str, str], region: object) -> str | None:
    code = str(region or "")
    if len(code) != 6:
        return None
    for key in (code, code[:4] + "00", code[:2] + "0000"):
        if key in local:
            return local[key]
    return None


def uncovered_owner(local: Mapping[str, str], props: Mapping[str, object]) -> str | None:
    if int(props.get("employeeCount") or 0) < UNCOVERED_THRESHOLD:  # type: ignore[call-overload]
        return None
    return area_owner(local, props.get("regionCode"))


class Deltas:
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
