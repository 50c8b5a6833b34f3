"""Subtree statistics and the rollup counters they are read from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

ROLLUP_PREFIX = "r_"
TOTAL_KEYS = ("unions", "grassroots", "employers", "employees", "members", "newForm", "noUnion")
BREAKDOWNS = ("level", "gender", "household", "nature")
UNCOVERED_THRESHOLD = 25  # 应建未建: employers with 25+ employees should have a union


def rollup_property(key: str) -> str:
    """``level:CITY`` -> ``r_level_CITY`` (a property name both engines accept)."""
    return ROLLUP_PREFIX + key.replace(":", "_")


def rollup_key(prop: str) -> str | None:
    """Inverse of :func:`rollup_property`; None for properties that are not rollups."""
    if not prop.startswith(ROLLUP_PREFIX):
        return None
    key = prop[len(ROLLUP_PREFIX) :]
    head, _, rest = key.partition("_")
    return f"{head}:{rest}" if head in BREAKDOWNS and rest else key


def counters_from_props(props: dict[str, object]) -> Counter[str]:
    """The rollup counters stored among a union's properties."""
    out: Counter[str] = Counter()
    for prop, value in props.items():
        key = rollup_key(prop)
        if key is not None and isinstance(value, int | float):
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
