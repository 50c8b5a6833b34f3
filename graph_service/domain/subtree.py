"""Records of subtree listings (a tree loaded level by level, flat)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from graph_service.domain.models import Union

MAX_SUBTREE_DEPTH = 12
"""Deepest level below a subtree root a listing reaches (the tree has seven levels)."""


class UnionOrder(Enum):
    """Orders of a union listing (ties by code)."""

    NAME = "NAME"
    LEVEL = "LEVEL"  # national first
    NEWEST = "NEWEST"  # latest founding date first, undated last
    MEMBERS = "MEMBERS"  # most members of the subtree first
    EMPLOYEES = "EMPLOYEES"  # most employees of the subtree first
    MEMBERSHIP_RATE = "MEMBERSHIP_RATE"  # highest members / employees first, no employees last
    ID = "ID"


@dataclass(frozen=True)
class SubtreeUnion:
    """A union listed flat in a subtree: its depth below the subtree root (0: the root) and
    its number of current children."""

    union: Union
    depth: int
    child_count: int
