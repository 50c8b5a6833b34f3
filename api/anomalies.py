"""GraphQL of anomalies: 空挂会员 (orphanMembers), detached unions and 应建未建 employers."""

from __future__ import annotations

from enum import Enum

import strawberry

from api.context import Context
from api.scope import scope_of
from api.types import (
    Connection,
    EmployerType,
    MemberType,
    UnionType,
    connection,
    connection_of,
    gathered,
    wrap_unions,
)
from graph_service.domain import anomalies as domain

Info = strawberry.Info[Context, None]


@strawberry.enum(description="空挂会员的原因")
class OrphanReason(Enum):
    NO_UNION = "NO_UNION"
    UNION_DISSOLVED = "UNION_DISSOLVED"
    UNION_DETACHED = "UNION_DETACHED"
    NO_EMPLOYER = "NO_EMPLOYER"
    EMPLOYER_NOT_COVERED = "EMPLOYER_NOT_COVERED"
    DUPLICATE_ID = "DUPLICATE_ID"


@strawberry.enum(description="工会脱离组织树的原因")
class DetachReason(Enum):
    NO_PARENT = "NO_PARENT"
    ANCESTOR_DETACHED = "ANCESTOR_DETACHED"
    CYCLE = "CYCLE"


@strawberry.type(description="一名空挂会员及其原因（一名会员可有多条原因，每条一行）")
class OrphanMember:
    member: MemberType
    reason: OrphanReason
    detail: str | None

    @classmethod
    async def build(cls, context: Context, o: domain.OrphanMember) -> OrphanMember:
        """Masked unless the member itself lies in the caller's scope (an orphan of the
        caller's area may belong to a union elsewhere, or to none)."""
        in_scope = await scope_of(context).member_in(o.member)
        return cls(
            member=MemberType.from_domain(o.member, in_scope=in_scope),
            reason=OrphanReason[o.reason.value],
            detail=o.detail,
        )


@strawberry.type(description="没有现行隶属关系通往全国总工会的工会")
class DetachedUnion:
    union: UnionType
    reason: DetachReason
    top: UnionType | None = strawberry.field(description="沿现行上级链条能到达的最高一级工会")
    detail: str

    @classmethod
    async def build(cls, context: Context, d: domain.DetachedUnion) -> DetachedUnion:
        wrapped = await wrap_unions(context, [d.union, *([d.top] if d.top else [])])
        return cls(
            union=wrapped[0],
            reason=DetachReason[d.reason.value],
            top=wrapped[1] if d.top else None,
            detail=d.detail,
        )


@strawberry.type
class AnomalyQuery:
    """Anomalies of a union in the caller's scope (detached unions: those of the caller's area)."""

    @strawberry.field(description="工会及其下级范围内的空挂会员，按（原因, 会员编号）排序")
    async def orphan_members(
        self, info: Info, union_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> Connection[OrphanMember]:
        uid = await scope_of(info.context).require_union(str(union_id), "unionId")
        page = await info.context.services.anomalies.orphan_members(
            union_id=uid, first=first, after=after
        )
        built = await gathered(OrphanMember.build(info.context, o) for o in page.items)
        return connection_of(page, built)

    @strawberry.field(description="未接入全国总工会组织树的工会（无上级或上级链条中断）")
    async def detached_unions(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[DetachedUnion]:
        page = await info.context.services.anomalies.detached_unions(
            first=first, after=after, under=scope_of(info.context).root
        )
        built = await gathered(DetachedUnion.build(info.context, d) for d in page.items)
        return connection_of(page, built)

    @strawberry.field(description="应建未建：工会所辖地区内职工人数达到下限却没有工会的单位")
    async def employers_without_union(
        self,
        info: Info,
        union_id: strawberry.ID,
        min_employees: int = 25,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[EmployerType]:
        uid = await scope_of(info.context).require_union(str(union_id), "unionId")
        page = await info.context.services.anomalies.employers_without_union(
            union_id=uid, min_employees=min_employees, first=first, after=after
        )
        return connection(page, EmployerType.from_domain)
