"""GraphQL of affiliation changes: create, move, dissolve unions; upsert, transfer employers."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from api.context import Context
from api.types import EmployerType, UnionLevel, UnionStatus, UnionType
from graph_service.domain import changes

Info = strawberry.Info[Context, None]


@strawberry.input(description="新建工会")
class CreateUnionInput:
    name: str
    level: UnionLevel
    kind: str
    parent_id: strawberry.ID | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="社团法人统一社会信用代码；不填则临时赋码"
    )
    region_code: str | None = None
    founded_on: date | None = None
    term_ends_on: date | None = None
    chair: str | None = None
    phone: str | None = None
    status: UnionStatus | None = None
    effective_on: date | None = strawberry.field(
        default=None, description="隶属关系起始日期，默认建会日期或今天"
    )
    reason: str | None = None


@strawberry.input(description="新增或更新单位")
class EmployerInput:
    name: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="统一社会信用代码；不填则临时赋码"
    )
    union_id: strawberry.ID | None = strawberry.field(
        default=None, description="所属工会（首次建立覆盖关系）"
    )
    employee_count: int | None = None
    nature: str | None = None
    region_code: str | None = None
    industry: str | None = None
    address: str | None = None
    effective_on: date | None = strawberry.field(
        default=None, description="覆盖关系起始日期，默认今天"
    )
    reason: str | None = None


def _input_dict(value: object) -> dict[str, Any]:
    """An input object as the camelCase mapping the domain parsers read (unset fields dropped)."""
    out: dict[str, Any] = {}
    for name, item in vars(value).items():
        if item is None:
            continue
        head, *rest = name.split("_")
        key = head + "".join(part.title() for part in rest)
        out[key] = item.value if hasattr(item, "value") and not isinstance(item, str) else item
    return out


@strawberry.type
class ChainEffect:
    union_id: strawberry.ID
    name: str
    members_before: int
    members_after: int
    unions_before: int
    unions_after: int
    employers_before: int
    employers_after: int
    employees_before: int
    employees_after: int

    @classmethod
    def from_domain(cls, e: changes.ChainEffect) -> ChainEffect:
        return cls(
            union_id=strawberry.ID(e.union_id),
            name=e.name,
            members_before=e.members_before,
            members_after=e.members_after,
            unions_before=e.unions_before,
            unions_after=e.unions_after,
            employers_before=e.employers_before,
            employers_after=e.employers_after,
            employees_before=e.employees_before,
            employees_after=e.employees_after,
        )


@strawberry.type(description="变更对原上级链和新上级链统计的影响（全国总工会在前）")
class MoveEffect:
    old_chain: list[ChainEffect]
    new_chain: list[ChainEffect]

    @classmethod
    def from_domain(cls, e: changes.MoveEffect) -> MoveEffect:
        return cls(
            old_chain=[ChainEffect.from_domain(c) for c in e.old_chain],
            new_chain=[ChainEffect.from_domain(c) for c in e.new_chain],
        )


@strawberry.type(name="AffiliationChange", description="隶属关系变更记录")
class AffiliationChangeType:
    id: strawberry.ID
    subject_id: strawberry.ID
    subject_type: str
    effective_on: date
    reason: str | None
    recorded_at: str
    recorded_by: str | None
    dry_run: bool
    effect: MoveEffect | None
    from_union_id: strawberry.Private[str | None]
    to_union_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, c: changes.AffiliationChange) -> AffiliationChangeType:
        return cls(
            id=strawberry.ID(c.id),
            subject_id=strawberry.ID(c.subject_id),
            subject_type=c.subject_type,
            effective_on=c.effective_on or date.min,
            reason=c.reason,
            recorded_at=c.recorded_at,
            recorded_by=c.recorded_by,
            dry_run=c.dry_run,
            effect=MoveEffect.from_domain(c.effect) if c.effect else None,
            from_union_id=c.from_union_id,
            to_union_id=c.to_union_id,
        )

    @strawberry.field
    async def from_union(self, info: Info) -> UnionType | None:
        if self.from_union_id is None:
            return None
        found = await info.context.unions.load(self.from_union_id)
        return UnionType.from_domain(found) if found else None

    @strawberry.field
    async def to_union(self, info: Info) -> UnionType:
        found = await info.context.unions.load(self.to_union_id)
        if found is None:
            found = await info.context.services.tree.get_union(self.to_union_id)
        return UnionType.from_domain(found)


@strawberry.type
class AffiliationQuery:
    @strawberry.field(description="工会的隶属关系变更记录（含单位转入转出），按生效日期排序")
    async def affiliation_history(
        self, info: Info, union_id: strawberry.ID
    ) -> list[AffiliationChangeType]:
        found = await info.context.services.affiliation.history(str(union_id))
        return [AffiliationChangeType.from_domain(c) for c in found]


@strawberry.type
class AffiliationMutation:
    @strawberry.mutation(description="新建工会（无代码时临时赋码）")
    async def create_union(self, info: Info, input: CreateUnionInput) -> UnionType:
        union = await info.context.services.affiliation.create_union(
            _input_dict(input), actor=info.context.actor
        )
        return UnionType.from_domain(union)

    @strawberry.mutation(description="变更工会隶属关系（连同其下级）；dryRun 只预演不写入")
    async def move_union(
        self,
        info: Info,
        union_id: strawberry.ID,
        new_parent_id: strawberry.ID,
        effective_on: date | None = None,
        reason: str | None = None,
        dry_run: bool | None = False,
    ) -> AffiliationChangeType:
        change = await info.context.services.affiliation.move_union(
            union_id=str(union_id),
            new_parent_id=str(new_parent_id),
            effective_on=effective_on,
            reason=reason,
            dry_run=bool(dry_run),
            actor=info.context.actor,
        )
        return AffiliationChangeType.from_domain(change)

    @strawberry.mutation(description="撤销工会（须无未撤销的下级工会和在册会员）")
    async def dissolve_union(
        self,
        info: Info,
        union_id: strawberry.ID,
        effective_on: date | None = None,
        reason: str | None = None,
    ) -> UnionType:
        union = await info.context.services.affiliation.dissolve_union(
            union_id=str(union_id),
            effective_on=effective_on,
            reason=reason,
            actor=info.context.actor,
        )
        return UnionType.from_domain(union)

    @strawberry.mutation(description="新增或更新单位；首次指定所属工会即建立覆盖关系")
    async def upsert_employer(self, info: Info, input: EmployerInput) -> EmployerType:
        employer = await info.context.services.affiliation.upsert_employer(
            _input_dict(input), actor=info.context.actor
        )
        return EmployerType.from_domain(employer)

    @strawberry.mutation(description="企业转移：单位改由另一工会覆盖（会员不随之转移）")
    async def transfer_employer(
        self,
        info: Info,
        employer_id: strawberry.ID,
        to_union_id: strawberry.ID,
        effective_on: date | None = None,
        reason: str | None = None,
        dry_run: bool | None = False,
    ) -> AffiliationChangeType:
        change = await info.context.services.affiliation.transfer_employer(
            employer_id=str(employer_id),
            to_union_id=str(to_union_id),
            effective_on=effective_on,
            reason=reason,
            dry_run=bool(dry_run),
            actor=info.context.actor,
        )
        return AffiliationChangeType.from_domain(change)
