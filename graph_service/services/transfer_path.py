"""The path of a transfer, merged in Python from two ancestor chains (no graph pattern)."""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.domain.codes import UnionLevel
from graph_service.domain.models import Union
from graph_service.domain.transfers import TransferPath
from graph_service.errors import Conflict

__all__ = ["merge_path"]


def merge_path(
    from_union: Union,
    from_ancestors: Sequence[Union],
    to_union: Union,
    to_ancestors: Sequence[Union],
) -> TransferPath:
    """The path from ``from_union`` to ``to_union``; ancestors run national root first.

    The common ancestor is the deepest union both chains (each union included) share;
    ``up`` climbs from ``from_union`` to just below it, ``down`` descends from just below it
    to ``to_union``. Raises Conflict(NO_COMMON_ANCESTOR) for unions in separate trees.
    """
    source = [*from_ancestors, from_union]
    target = [*to_ancestors, to_union]
    shared = 0
    for a, b in zip(source, target, strict=False):
        if a.id != b.id:
            break
        shared += 1
    if shared == 0:
        raise Conflict(
            "两个工会没有共同的上级工会（至少一个未接入工会树）",
            reason="NO_COMMON_ANCESTOR",
            details={"fromUnionId": from_union.id, "toUnionId": to_union.id},
        )
    common = source[shared - 1]
    up = list(reversed(source[shared:]))
    down = target[shared:]
    boundary = common.level
    return TransferPath(
        from_union=from_union,
        to_union=to_union,
        common_ancestor=common,
        up=up,
        down=down,
        hops=len(up) + len(down),
        boundary=boundary,
        cross_region=boundary.rank <= UnionLevel.COUNTY.rank,
    )
