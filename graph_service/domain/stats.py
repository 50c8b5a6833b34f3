"""Subtree statistics and the rollup counters they are read from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

TOTAL_KEYS = ("unions", "grassroots", "employers", "employees", "members", "newForm", "noUnion")
_BUCKETS: dict[str, tuple[str, ...]] = {
    # the first code of each breakdown is where unknown or missing values are counted
    "level": ("NATIONAL", "PROVINCE", "CITY", "COUNTY", "TOWNSHIP", "FEDERATION", "GRASSROOTS"),
    "gender": ("0", "1", "2", "9"),
    "household": ("0", "1", "2"),
    "nature": ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"),
}
ROLLUP_KEYS: tuple[str, ...] = TOTAL_KEYS + tuple(
    f"{name}:{code}" for name, codes in _BUCKETS.items() for code in codes
)
"""The order of the ``rollup`` vector stored on every union (append only: never reorder)."""
_INDEX = {key: i for i, key in enumerate(ROLLUP_KEYS)}
UNCOVERED_THRESHOLD = 25  # 应建未建: employers with 25+ employees should have a union


def bucket(key: str) -> str:
    """The rollup key a tally lands in: unknown codes of a breakdown go to its first bucket."""
    if key in _INDEX:
        return key
    name, _, _code = key.partition(":")
    if name in _BUCKETS:
        return f"{name}:{_BUCKETS[name][0]}"
    raise KeyError(f"not a rollup key: {key}")


def rollup_vector(counters: Counter[str]) -> list[int]:
    """Counters as the stored vector (order of ROLLUP_KEYS)."""
    vector = [0] * len(ROLLUP_KEYS)
    for key, value in counters.items():
        vector[_INDEX[bucket(key)]] += int(value)
    return vector


def counters_from_vector(vector: list[int] | None) -> Counter[str]:
    """The stored vector back as counters (a missing vector is all zeros)."""
    out: Counter[str] = Counter()
    for key, value in zip(ROLLUP_KEYS, vector or [], strict=False):
        out[key] = int(value)
    return out


@dataclass(frozen=True)
class UnionNode:
    """What the rollup arithmetic needs of a union."""

    id: str
    level: str
    status: str
    parent_id: str | None
    region_code: str | None = None
    kind: str | None = None


class Count(BaseModel):
    """One bucket of a breakdown."""

    key: str
    count: int


class SubtreeStats(BaseModel):
    """Figures of a union's whole subtree, itself included."""

    model_config = ConfigDict(frozen=True)

    union_id: str
    unions: int
    grassroots_unions: int
    employers: int
    employees: int
    members: int
    new_form_worker_members: int
    employers_without_union: int
    by_level: list[Count]
    by_gender: list[Count]
    by_household_type: list[Count]
    by_employer_nature: list[Count]
    as_of: date | None = None

    @property
    def membership_rate(self) -> float | None:
        """Members per employee of the covered employers; None without employees."""
        return round(self.members / self.employees, 4) if self.employees else None

    @classmethod
    def from_counters(
        cls, union_id: str, counters: Counter[str], as_of: date | None = None
    ) -> SubtreeStats:
        """Build from rollup counters (``members``, ``gender:1`` ...)."""

        def breakdown(name: str) -> list[Count]:
            prefix = name + ":"
            items = [(k[len(prefix) :], v) for k, v in counters.items() if k.startswith(prefix)]
            return [Count(key=k, count=v) for k, v in sorted(items) if v]

        return cls(
            union_id=union_id,
            unions=counters["unions"],
            grassroots_unions=counters["grassroots"],
            employers=counters["employers"],
            employees=counters["employees"],
            members=counters["members"],
            new_form_worker_members=counters["newForm"],
            employers_without_union=counters["noUnion"],
            by_level=breakdown("level"),
            by_gender=breakdown("gender"),
            by_household_type=breakdown("household"),
            by_employer_nature=breakdown("nature"),
            as_of=as_of,
        )
