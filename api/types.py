"""GraphQL types: thin wrappers of the domain models (CONTRACT.md names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry

from graph_service.domain import models
from graph_service.domain.privacy import mask_id_number, mask_phone
from graph_service.domain.stats import Count as DomainCount
from graph_service.domain.stats import SubtreeStats as DomainStats
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


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


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
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


async def load_union(context: Context, union_id: str | None) -> UnionType | None:
    """A union by id through the request's batching loader (None when absent)."""
    if union_id is None:
        return None
    found = await context.unions.load(union_id)
    return UnionType.from_domain(found) if found else None


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
class UnionType:
    id: strawberry.ID
    name: str
    level: UnionLevel
    kind: str
    status: UnionStatus
    region_code: str | None
    founded_on: date | None
    term_ends_on: date | None
    chair: str | None
    raw_phone: strawberry.Private[str | None]
    parent_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, u: models.Union) -> UnionType:
        return cls(
            id=strawberry.ID(u.id),
            name=u.name,
            level=UnionLevel[u.level.value],
            kind=u.kind,
            status=UnionStatus[u.status.value],
            region_code=u.region_code,
            founded_on=u.founded_on,
            term_ends_on=u.term_ends_on,
            chair=u.chair,
            raw_phone=u.phone,
            parent_id=u.parent_id,
        )

    @strawberry.field
    def phone(self, info: strawberry.Info[Context, None]) -> str | None:
        return self.raw_phone if info.context.may_see_personal_data else mask_phone(self.raw_phone)

    @strawberry.field
    async def parent(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        return await load_union(info.context, self.parent_id)

    @strawberry.field
    async def ancestors(self, info: strawberry.Info[Context, None]) -> list[UnionType]:
        chain = await info.context.services.tree.ancestors(str(self.id))
        return [UnionType.from_domain(u) for u in chain]

    @strawberry.field
    async def children(
        self, info: strawberry.Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[UnionType]:
        page = await info.context.services.tree.children(str(self.id), first=first, after=after)
        return connection(page, UnionType.from_domain)

    @strawberry.field
    async def employers(
        self, info: strawberry.Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[EmployerType]:
        page = await info.context.services.tree.employers(str(self.id), first=first, after=after)
        return connection(page, EmployerType.from_domain)

    @strawberry.field
    async def members(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        status: MembershipStatus = MembershipStatus.ACTIVE,
    ) -> Connection[MemberType]:
        page = await info.context.services.tree.members(
            str(self.id), status=status.value, first=first, after=after
        )
        return connection(page, lambda m: MemberType.from_domain(m, info.context))

    @strawberry.field
    async def stats(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> SubtreeStats:
        result = await info.context.services.stats.subtree_stats(str(self.id), as_of=as_of)
        return SubtreeStats.from_domain(result)


@strawberry.type(name="Employer")
class EmployerType:
    id: strawberry.ID
    name: str
    nature: str | None
    employee_count: int
    region_code: str | None
    union_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, e: models.Employer) -> EmployerType:
        return cls(
            id=strawberry.ID(e.id),
            name=e.name,
            nature=e.nature,
            employee_count=e.employee_count,
            region_code=e.region_code,
            union_id=e.union_id,
        )

    @strawberry.field
    async def union(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        return await load_union(info.context, self.union_id)


@strawberry.type(name="Member")
class MemberType:
    id: strawberry.ID
    name: str
    id_number: str
    phone: str | None
    status: MembershipStatus
    joined_on: date | None
    new_form_worker: bool
    union_id: strawberry.Private[str | None]
    employer_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, m: models.Member, context: Context) -> MemberType:
        full = context.may_see_personal_data
        return cls(
            id=strawberry.ID(m.id),
            name=m.name,
            id_number=m.cert_number if full else (mask_id_number(m.cert_number) or ""),
            phone=m.phone if full else mask_phone(m.phone),
            status=MembershipStatus[m.status.value],
            joined_on=m.joined_on,
            new_form_worker=m.new_form_worker,
            union_id=m.union_id,
            employer_id=m.employer_id,
        )

    @strawberry.field
    async def union(self, info: strawberry.Info[Context, None]) -> UnionType | None:
        return await load_union(info.context, self.union_id)

    @strawberry.field
    async def employer(self, info: strawberry.Info[Context, None]) -> EmployerType | None:
        if self.employer_id is None:
            return None
        found = await info.context.employers.load(self.employer_id)
        return EmployerType.from_domain(found) if found else None
