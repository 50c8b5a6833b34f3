"""Rules of the tree's levels: which level may hang under which, and which may hold members."""

from __future__ import annotations

from graph_service.domain.codes import UnionLevel
from graph_service.errors import Conflict

__all__ = ["MEMBER_HOLDING_LEVELS", "can_hang_under", "can_hold_members", "check_parent"]

MEMBER_HOLDING_LEVELS: frozenset[UnionLevel] = frozenset(
    {UnionLevel.FEDERATION, UnionLevel.GRASSROOTS}
)


def _level(value: UnionLevel | str) -> UnionLevel:
    return value if isinstance(value, UnionLevel) else UnionLevel.parse(value)


def can_hang_under(parent_level: UnionLevel | str, child_level: UnionLevel | str) -> bool:
    """Whether a union of child_level may have a parent of parent_level (strictly higher level)."""
    parent, child = _level(parent_level), _level(child_level)
    return child is not UnionLevel.NATIONAL and parent.rank < child.rank


def check_parent(parent_level: UnionLevel | str, child_level: UnionLevel | str) -> None:
    """Raise Conflict(reason='LEVEL_ORDER') unless child_level may hang under parent_level."""
    if can_hang_under(parent_level, child_level):
        return
    parent, child = _level(parent_level), _level(child_level)
    if child is UnionLevel.NATIONAL:
        message = f"{child.label}是工会树的根，不能隶属于{parent.label}"
    else:
        message = f"{child.label}不能隶属于{parent.label}：上级工会的层级必须高于下级工会"
    raise Conflict(
        message,
        reason="LEVEL_ORDER",
        field="parentId",
        details={"parentLevel": parent.value, "childLevel": child.value},
    )


def can_hold_members(level: UnionLevel | str) -> bool:
    """Whether members may be registered directly in a union of this level."""
    return _level(level) in MEMBER_HOLDING_LEVELS
