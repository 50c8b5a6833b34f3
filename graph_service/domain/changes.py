"""Affiliation changes (隶属关系变更): a union moved, an employer transferred, and their effect.

A change is stored as an ``(:AffiliationChange)`` node in the same statement as the change
itself. Its *effect* is what it does to the subtree figures along the old and the new parent
chains, computed from the stored rollups: the moved vector subtracted along the old chain and
added along the new one (common ancestors are unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.models import GraphModel, OptionalGraphDate
from graph_service.domain.stats import counters_from_vector

__all__ = ["AffiliationChange", "ChainEffect", "ChainNode", "MoveEffect", "move_effect"]

SubjectType = Literal["UNION", "EMPLOYER"]
_SHOWN = ("members", "unions", "employers", "employees")


class ChainNode(BaseModel):
    """A union of a parent chain with its stored rollup vector."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    rollup: list[int] = Field(default_factory=list)


class ChainEffect(BaseModel):
    """One union's subtree figures before and after a change."""

    model_config = ConfigDict(frozen=True)

    union_id: str
    name: str
    members_before: int
    members_after: int
    unions_before: int
    unions_after: int
    employers_before: int
    employers_after: int
    employees_before: int
    employees_after: int


class MoveEffect(BaseModel):
    """The effect of a change on the old and the new parent chain (national root first)."""

    model_config = ConfigDict(frozen=True)

    old_chain: list[ChainEffect]
    new_chain: list[ChainEffect]


class AffiliationChange(GraphModel):
    """A recorded (or, with ``dry_run``, only planned) change of affiliation."""

    id: str
    subject_id: str = Field(alias="subjectId")
    subject_type: SubjectType = Field("UNION", alias="subjectType")
    from_union_id: str | None = Field(None, alias="fromUnionId")
    to_union_id: str = Field(alias="toUnionId")
    effective_on: OptionalGraphDate = Field(None, alias="effectiveOn")
    reason: str | None = None
    recorded_at: str = Field(alias="recordedAt")
    recorded_by: str | None = Field(None, alias="recordedBy")
    dry_run: bool = Field(False, alias="dryRun")
    effect: MoveEffect | None = None


def _effect(node: ChainNode, vector: Sequence[int], sign: int) -> ChainEffect:
    before = counters_from_vector(node.rollup)
    moved = counters_from_vector(list(vector))
    after = {k: before[k] + sign * moved[k] for k in _SHOWN}
    return ChainEffect(
        union_id=node.id,
        name=node.name,
        members_before=before["members"],
        members_after=after["members"],
        unions_before=before["unions"],
        unions_after=after["unions"],
        employers_before=before["employers"],
        employers_after=after["employers"],
        employees_before=before["employees"],
        employees_after=after["employees"],
    )


def move_effect(
    old_chain: Sequence[ChainNode], new_chain: Sequence[ChainNode], vector: Sequence[int]
) -> MoveEffect:
    """Effect of moving ``vector`` from below ``old_chain`` to below ``new_chain``.

    Chains are given parent first; the effect lists them national root first. A union on both
    chains (a common ancestor) keeps its figures.
    """
    old_ids = {n.id for n in old_chain}
    new_ids = {n.id for n in new_chain}
    return MoveEffect(
        old_chain=[_effect(n, vector, 0 if n.id in new_ids else -1) for n in reversed(old_chain)],
        new_chain=[_effect(n, vector, 0 if n.id in old_ids else 1) for n in reversed(new_chain)],
    )
