"""Search within the caller's subtree: members by name (several statuses at once) and employers
by name or code. ``under`` defaults to the account's union; a union outside the scope is
NOT_FOUND like an unknown one."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Context
from api.scope import scope_of
from api.types import Connection, EmployerType, MembershipStatus, MemberType, connection

Info = strawberry.Info[Context, None]


async def _root(info: Info, under: strawberry.ID | None) -> str:
    scope = scope_of(info.context)
    return scope.root if under is None else await scope.require_union(str(under), "under")


@strawberry.type
class SearchQuery:
    """Search within the caller's subtree."""

    @strawberry.field(
        description="按姓名检索下级会员（under 缺省为本账号所属工会；可同时选多种会籍状态，"
        "LEFT 为已离会会员）/ Members of a subtree by name, in any of several statuses"
    )
    async def search_members(
        self,
        info: Info,
        name_contains: Annotated[
            str, strawberry.argument(description="姓名或其中几个字 / Name fragment")
        ],
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="子树的根工会 / Subtree root union"),
        ] = None,
        statuses: Annotated[
            list[MembershipStatus] | None,
            strawberry.argument(description="会籍状态（缺省：ACTIVE）/ Statuses (default ACTIVE)"),
        ] = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[MemberType]:
        root = await _root(info, under)
        wanted = [s.value for s in statuses] if statuses else [MembershipStatus.ACTIVE.value]
        page = await info.context.services.tree.search_members(
            under=root, name_contains=name_contains, statuses=wanted, first=first, after=after
        )
        return connection(page, lambda m: MemberType.from_domain(m, in_scope=True))

    @strawberry.field(
        description="按名称或统一社会信用代码检索下级工会覆盖的单位 / Employers of a subtree by"
        " name fragment or code"
    )
    async def search_employers(
        self,
        info: Info,
        search: Annotated[
            str, strawberry.argument(description="单位名称的一部分或完整代码 / Name or code")
        ],
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="子树的根工会 / Subtree root union"),
        ] = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[EmployerType]:
        root = await _root(info, under)
        page = await info.context.services.tree.search_employers(
            under=root, search=search, first=first, after=after
        )
        return connection(page, EmployerType.from_domain)
