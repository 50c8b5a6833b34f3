"""GraphQL types: thin wrappers of the domain models (CONTRACT.md names)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry

from api.node import Node, global_id
from api.scope import limited_error, may_see_full, scope_of
from graph_service.domain import models
from graph_service.domain.privacy import mask_id_number, mask_phone
from graph_service.domain.stats import Count as DomainCount
from graph_service.domain.stats import SubtreeStats as DomainStats
from graph_service.domain.subtree import SubtreeUnion
from graph_service.services.pagination import Page

if TYPE_CHECKING:
    from api.context import Context


@strawberry.enum(description="工会层级")
class UnionLevel(Enum):
    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    FEDERATION = "FEDERATION"
    GRASSROOTS = "GRASSROOTS"


@strawberry.enum(description="工会状态")
class UnionStatus(Enum):
    PREPARING = "PREPARING"
    ACTIVE = "ACTIVE"
    DISSOLVED = "DISSOLVED"


@strawberry.enum(description="会籍状态")
class MembershipStatus(Enum):
    ACTIVE = "ACTIVE"
    RETAINED = "RETAINED"
    TRANSFERRING = "TRANSFERRING"
    LEFT = "LEFT"


N = TypeVar("N")
D = TypeVar("D")


@strawberry.type(description="分页信息（Relay 约定）/ Relay page info")
class PageInfo:
    has_next_page: bool = strawberry.field(description="之后还有数据 / More items after this page")
    has_previous_page: bool = strawberry.field(
        description="之前还有数据（向后翻页 last/before 时给出；向前翻页时恒为 false，Relay 允许）"
        " / Items before this page (when paging backward; false when paging forward)"
    )
    start_cursor: str | None = strawberry.field(description="本页第一条的游标 / First cursor")
    end_cursor: str | None = strawberry.field(description="本页最后一条的游标 / Last cursor")


def page_info(page: Page[D]) -> PageInfo:
    """Relay PageInfo of a forward page."""
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=False,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.end_cursor,
    )


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    total_count: int


def connection(page: Page[D], wrap: Callable[[D], N]) -> Connection[N]:
    """A Relay connection from a service page, each item wrapped by ``wrap``."""
    edges = [Edge(cursor=c, node=wrap(i)) for i, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=page_info(page),
        total_count=page.total_count,
    )


def connection_of(page: Page[D], nodes: Sequence[N]) -> Connection[N]:
    """A Relay connection from a service page and its items already wrapped (same order)."""
    edges = [Edge(cursor=c, node=n) for n, c in zip(nodes, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=page_info(page),
        total_count=page.total_count,
    )


async def gathered(items: Iterable[Awaitable[N]]) -> list[N]:
    """Await all at once, so the request's DataLoaders batch their reads."""
    return list(await asyncio.gather(*items))


async def load_union(
    context: Context, union_id: str | None, *, outside: str = "limited"
) -> UnionType | None:
    """A union by id through the request's batching loader (None when absent). A union out of
    the caller's scope comes back limited to id, name and level (``outside="limited"``) or as
    None, as if it did not exist (``outside="hidden"``)."""
    if union_id is None:
        return None
    found = await context.unions.load(union_id)
    if found is None:
        return None
    in_scope = await scope_of(context).union_in(found.id)
    if not in_scope and outside == "hidden":
        return None
    return UnionType.from_domain(found, in_scope=in_scope)


async def wrap_unions(context: Context, unions: Sequence[models.Union]) -> list[UnionType]:
    """Unions as GraphQL types: full in scope, id/name/level only outside it."""
    flags = await scope_of(context).classify(unions)
    return [UnionType.from_domain(u, in_scope=f) for u, f in zip(unions, flags, strict=True)]


@strawberry.type
class Count:
    key: str
    count: int

    @classmethod
    def from_domain(cls, c: DomainCount) -> Count:
        return cls(key=c.key, count=c.count)


@strawberry.type
class SubtreeStats:
    unions: int
    grassroots_unions: int
    employers: int
    employees: int
    members: int
    new_form_worker_members: int
    membership_rate: float | None
    employers_without_union: int
    by_level: list[Count]
    by_gender: list[Count]
    by_household_type: list[Count]
    by_employer_nature: list[Count]
    as_of: date | None

    @classmethod
    def from_domain(cls, s: DomainStats) -> SubtreeStats:
        return cls(
            unions=s.unions,
            grassroots_unions=s.grassroots_unions,
            employers=s.employers,
            employees=s.employees,
            members=s.members,
            new_form_worker_members=s.new_form_worker_members,
            membership_rate=s.membership_rate,
            employers_without_union=s.employers_without_union,
            by_level=[Count.from_domain(c) for c in s.by_level],
            by_gender=[Count.from_domain(c) for c in s.by_gender],
            by_household_type=[Count.from_domain(c) for c in s.by_household_type],
            by_employer_nature=[Count.from_domain(c) for c in s.by_employer_nature],
            as_of=s.as_of,
        )


@strawberry.type(name="Union")
class UnionType(Node):
    """A union. In the caller's scope: every field. Above it (a parent or ancestor of the scope
    root, a transfer's other end ...): id, name, level, kind and status only; the other scalar
    fields are null and nested fields are refused (FORBIDDEN, reason OUTSIDE_SCOPE)."""

    id: strawberry.ID = strawberry.field(description="全局 id（Node）；工会代码见 code")
    code: strawberry.ID = strawberry.field(
        description="工会代码：统一社会信用代码或临时赋码（2026-12 之前的 id 值）"
    )
    name: str
    level: UnionLevel
    kind: str
    status: UnionStatus
    raw: strawberry.Private[models.Union]
    in_scope: strawberry.Private[bool]
    listed_depth: strawberry.Private[int | None] = None
    listed_children: strawberry.Private[int | None] = None

    @classmethod
    def listed(cls, item: SubtreeUnion) -> UnionType:
        """A union of a subtree listing (in scope), with its depth and child count."""
        found = cls.from_domain(item.union, in_scope=True)
        found.listed_depth, found.listed_children = item.depth, item.child_count
        return found

    @strawberry.field(
        description="在 unions(under:) 列表中：相对 under 的层深（under 本身为 0）；其他场合为 null"
        " / Depth below the listing's `under` (0 for it); null outside such a listing"
    )
    def depth(self) -> int | None:
        return self.listed_depth

    @strawberry.field(
        description="现行下级工会数（管辖范围外的上级为 null）/ Current children (null above scope)"
    )
    async def child_count(self, info: strawberry.Info[Context, None]) -> int | None:
        if self.listed_children is not None:
            return self.listed_children
        if not self.in_scope:
            return None
        return await info.context.services.tree.count_children(self.raw.id)

    @classmethod
    def from_domain(cls, u: models.Union, *, in_scope: bool = False) -> UnionType:
        """``in_scope`` False (the safe default) limits the union to id, name and level."""
        return cls(
            id=global_id("Union", u.id),
            code=strawberry.ID(u.id),
            name=u.name,
            level=UnionLevel[u.level.value],
            kind=u.kind,
            status=UnionStatus[u.status.value],
            raw=u,
            in_scope=in_scope,
        )

    def _require_scope(self, field: str) -> None:
        if not self.in_scope:
            raise limited_error(field)

    @strawberry.field
    def region_code(self) -> str | None:
        return self.raw.region_code if self.in_scope else None

    @strawberry.field
    def founded_on(self) -> date | None:
        return self.raw.founded_on if self.in_scope else None

    @strawberry.field
    def term_ends_on(self) -> date | None:
        return self.raw.term_ends_on if self.in_scope else None

    @strawberry.field
    def chair(self) -> str | None:
        return self.raw.chair if self.in_scope else None

    @strawberry.field
    def phone(self, info: strawberry.Info[Context, None]) -> str | None:
        if not self.in_scope:
            return None
        raw = self.raw.phone
        if raw and may_see_full(info.context, True):
            info.context.note_full_read("Union", self.raw.id)
            return raw
        return mask_phone(raw)

    @strawberry.field
    async def parent(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        if self.raw.parent_id is None:
            return None
        found = await info.context.unions.load(self.raw.parent_id)
        if found is None:
            return None
        # the parent of a union in scope is in scope unless this union is the scope root
        in_scope = self.in_scope and self.raw.id != scope_of(info.context).root
        return UnionType.from_domain(found, in_scope=in_scope)

    @strawberry.field
    async def ancestors(self, info: strawberry.Info[Context, None]) -> list[UnionType]:
        chain = await info.context.services.tree.ancestors(self.raw.id)
        root = scope_of(info.context).root
        ids = [u.id for u in chain]
        first_in = ids.index(root) if self.in_scope and root in ids else len(ids)
        return [UnionType.from_domain(u, in_scope=i >= first_in) for i, u in enumerate(chain)]

    @strawberry.field
    async def children(
        self, info: strawberry.Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[UnionType]:
        self._require_scope("children")
        page = await info.context.services.tree.children(self.raw.id, first=first, after=after)
        return connection(page, lambda u: UnionType.from_domain(u, in_scope=True))

    @strawberry.field
    async def employers(
        self, info: strawberry.Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[EmployerType]:
        self._require_scope("employers")
        page = await info.context.services.tree.employers(self.raw.id, first=first, after=after)
        return connection(page, EmployerType.from_domain)

    @strawberry.field
    async def members(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        status: MembershipStatus = MembershipStatus.ACTIVE,
    ) -> Connection[MemberType]:
        self._require_scope("members")
        page = await info.context.services.tree.members(
            self.raw.id, status=status.value, first=first, after=after
        )
        return connection(page, lambda m: MemberType.from_domain(m, in_scope=True))

    @strawberry.field
    async def stats(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> SubtreeStats:
        self._require_scope("stats")
        result = await info.context.services.stats.subtree_stats(self.raw.id, as_of=as_of)
        return SubtreeStats.from_domain(result)


@strawberry.type(name="Employer")
class EmployerType(Node):
    """An employer; only employers in the caller's scope are ever returned."""

    id: strawberry.ID = strawberry.field(description="全局 id（Node）；单位代码见 code")
    code: strawberry.ID = strawberry.field(
        description="单位统一社会信用代码（2026-12 之前的 id 值）"
    )
    name: str
    nature: str | None
    employee_count: int
    region_code: str | None
    union_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, e: models.Employer) -> EmployerType:
        return cls(
            id=global_id("Employer", e.id),
            code=strawberry.ID(e.id),
            name=e.name,
            nature=e.nature,
            employee_count=e.employee_count,
            region_code=e.region_code,
            union_id=e.union_id,
        )

    @strawberry.field
    async def union(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        return await load_union(info.context, self.union_id, outside="hidden")


async def employer_if_in_scope(context: Context, employer_id: str | None) -> EmployerType | None:
    """An employer by id when it lies in the caller's scope; None otherwise (as if absent)."""
    if employer_id is None:
        return None
    found = await context.employers.load(employer_id)
    if found is None or not await scope_of(context).employer_in(found):
        return None
    return EmployerType.from_domain(found)


@strawberry.type(name="Member")
class MemberType(Node):
    """A member. Certificate number and phone are full only when the role allows it AND the
    member is in the caller's scope (each such read is noted for the audit log); a member seen
    from outside its scope (in transfer to the caller's union, an orphan of the caller's area
    ...) is masked, its union limited to id, name and level."""

    id: strawberry.ID = strawberry.field(description="全局 id（Node）；内部编号见 key")
    key: strawberry.ID = strawberry.field(
        description="会员内部编号，从不是证件号（2026-12 之前的 id 值）"
    )
    name: str
    status: MembershipStatus
    joined_on: date | None
    new_form_worker: bool
    raw: strawberry.Private[models.Member]
    in_scope: strawberry.Private[bool]

    @classmethod
    def from_domain(cls, m: models.Member, *, in_scope: bool = False) -> MemberType:
        """``in_scope`` False (the safe default) masks the personal numbers."""
        return cls(
            id=global_id("Member", m.id),
            key=strawberry.ID(m.id),
            name=m.name,
            status=MembershipStatus[m.status.value],
            joined_on=m.joined_on,
            new_form_worker=m.new_form_worker,
            raw=m,
            in_scope=in_scope,
        )

    @classmethod
    async def visible(cls, context: Context, m: models.Member) -> MemberType | None:
        """The member as this caller may see it (None when not visible at all)."""
        visible, in_scope = await scope_of(context).member_visible(m)
        return cls.from_domain(m, in_scope=in_scope) if visible else None

    @strawberry.field
    def id_number(self, info: strawberry.Info[Context, None]) -> str:
        if may_see_full(info.context, self.in_scope):
            info.context.note_full_read("Member", self.raw.id)
            return self.raw.cert_number
        return mask_id_number(self.raw.cert_number) or ""

    @strawberry.field
    def phone(self, info: strawberry.Info[Context, None]) -> str | None:
        raw = self.raw.phone
        if raw and may_see_full(info.context, self.in_scope):
            info.context.note_full_read("Member", self.raw.id)
            return raw
        return mask_phone(raw)

    @strawberry.field
    async def union(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        return await load_union(info.context, self.raw.union_id)

    @strawberry.field
    async def employer(self, info: strawberry.Info[Context, None]) -> EmployerType | None:
        return await employer_if_in_scope(info.context, self.raw.employer_id)
