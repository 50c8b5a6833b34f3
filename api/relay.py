"""Relay's ``node(id:)`` and ``nodes(ids:)``: any Node by its global id (api/node.py).

Scope rules are those of the type's own query: a union or employer outside the caller's
subtree, a member the caller may not see, are NOT_FOUND exactly like an unknown id (``node``)
or null (``nodes``), indistinguishable from absent."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Context
from api.membership import MemberTransferType
from api.node import Node, parse_global_id
from api.scope import scope_of
from api.types import EmployerType, MemberType, UnionType
from graph_service.errors import BadUserInput, NotFound

Info = strawberry.Info[Context, None]
MAX_NODES = 100


def _not_found(field: str) -> NotFound:
    return NotFound("未找到该对象", reason="NODE_NOT_FOUND", field=field)


async def resolve_node(context: Context, value: str, field: str = "id") -> Node:
    """The node of a global id as this caller may see it; else NotFound (as if absent)."""
    type_name, key = parse_global_id(value, field)
    scope = scope_of(context)
    try:
        if type_name == "Union":
            uid = await scope.require_union(key, field)
            return UnionType.from_domain(await context.services.tree.get_union(uid), in_scope=True)
        if type_name == "Employer":
            return EmployerType.from_domain(await scope.require_employer(key, field))
        if type_name == "Member":
            found = (await context.services.membership.get_members([key])).get(key)
            member = await MemberType.visible(context, found) if found is not None else None
            if member is not None:
                return member
        if type_name == "MemberTransfer":
            await scope.require_transfer(key)  # visible to its origin's and target's scope
            transfer = await context.services.membership.get_transfer(key)
            return MemberTransferType.from_domain(transfer)
    except NotFound:
        pass  # the same answer for out of scope and absent, whatever the type's own reason
    raise _not_found(field)


@strawberry.type
class NodeQuery:
    """Refetching any object by its global id (Relay ``@refetchable``)."""

    @strawberry.field(
        description="按全局 id 获取对象；不存在或不在管辖范围内均为 NOT_FOUND"
        " / Any object by its global id; absent and out of scope alike are NOT_FOUND"
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="全局 id / Global id")],
    ) -> Node | None:
        return await resolve_node(info.context, str(id))

    @strawberry.field(
        description=f"按全局 id 批量获取对象（最多 {MAX_NODES} 个，顺序同 ids）；不存在或不在"
        "管辖范围内的为 null / Objects by global ids, in order; absent or out of scope: null"
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="全局 id 列表 / Global ids")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"一次最多 {MAX_NODES} 个 id", reason="TOO_MANY_IDS", field="ids")
        found: list[Node | None] = []
        for value in ids:  # the request's DataLoaders batch the scope checks
            try:
                found.append(await resolve_node(info.context, str(value), "ids"))
            except NotFound:
                found.append(None)
        return found
