"""GraphQL of affiliation changes: create, move, dissolve unions; upsert, transfer employers."""

from __future__ import annotations

from datetime import date

import strawberry

from api.context import Context
from api.scope import scope_of
from api.types import EmployerType, UnionLevel, UnionStatus, UnionType, load_union
from graph_service.domain import changes, commands
from graph_service.domain.models import Employer
from graph_service.domain.validation import validate_org_code
from graph_service.errors import Conflict, Forbidden

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

    def to_domain(self) -> commands.CreateUnion:
        """The command the affiliation service takes."""
        return commands.CreateUnion(
            name=self.name,
            level=self.level.value,
            kind=self.kind,
            parent_id=_str(self.parent_id),
            id=_str(self.id),
            region_code=self.region_code,
            founded_on=self.founded_on,
            term_ends_on=self.term_ends_on,
            chair=self.chair,
            phone=self.phone,
            status=self.status.value if self.status is not None else None,
            effective_on=self.effective_on,
            reason=self.reason,
        )


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

    def to_domain(self) -> commands.UpsertEmployer:
        """The command the affiliation service takes."""
        return commands.UpsertEmployer(
            name=self.name,
            id=_str(self.id),
            union_id=_str(self.union_id),
            employee_count=self.employee_count,
            nature=self.nature,
            region_code=self.region_code,
            industry=self.industry,
            address=self.address,
            effective_on=self.effective_on,
            reason=self.reason,
        )


def _str(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


@strawberry.experimental.pydantic.type(model=changes.ChainEffect, all_fields=True)
class ChainEffect:
    """The GraphQL face of ``domain.changes.ChainEffect``: its fields are the model's (one
    definition); only the id is typed as a GraphQL ID."""

    union_id: strawberry.ID


@strawberry.type(description="变更对原上级链和新上级链统计的影响（全国总工会在前）")
class MoveEffect:
    old_chain: list[ChainEffect]
    new_chain: list[ChainEffect]

    @classmethod
    def from_domain(cls, e: changes.MoveEffect) -> MoveEffect:
        return cls(
            old_chain=[ChainEffect.from_pydantic(c) for c in e.old_chain],  # type: ignore[attr-defined]
            new_chain=[ChainEffect.from_pydantic(c) for c in e.new_chain],  # type: ignore[attr-defined]
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
    raw_effect: strawberry.Private[changes.MoveEffect | None]
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
            raw_effect=c.effect,
            from_union_id=c.from_union_id,
            to_union_id=c.to_union_id,
        )

    @strawberry.field(description="对原上级链和新上级链统计的影响（只含本账号管辖范围内的工会）")
    async def effect(self, info: Info) -> MoveEffect | None:
        if self.raw_effect is None:
            return None
        ids = [c.union_id for c in (*self.raw_effect.old_chain, *self.raw_effect.new_chain)]
        inside = await scope_of(info.context).unions_in(ids)
        effect = ChainEffect.from_pydantic  # type: ignore[attr-defined]
        old = [effect(c) for c in self.raw_effect.old_chain if inside[c.union_id]]
        new = [effect(c) for c in self.raw_effect.new_chain if inside[c.union_id]]
        return MoveEffect(old_chain=old, new_chain=new)

    @strawberry.field
    async def from_union(self, info: Info) -> UnionType | None:
        return await load_union(info.context, self.from_union_id)

    @strawberry.field
    async def to_union(self, info: Info) -> UnionType:
        found = await load_union(info.context, self.to_union_id)
        if found is None:
            union = await info.context.services.tree.get_union(self.to_union_id)
            in_scope = await scope_of(info.context).union_in(union.id)
            found = UnionType.from_domain(union, in_scope=in_scope)
        return found


_PARENT_NOT_FOUND = ("未找到上级工会", "PARENT_NOT_FOUND")
_NEW_PARENT_NOT_FOUND = ("未找到目标上级工会", "PARENT_NOT_FOUND")
_TARGET_NOT_FOUND = ("未找到目标工会", "UNION_NOT_FOUND")
_UNION_NOT_FOUND = ("未找到该工会", "UNION_NOT_FOUND")


@strawberry.type
class AffiliationQuery:
    @strawberry.field(description="工会的隶属关系变更记录（含单位转入转出），按生效日期排序")
    async def affiliation_history(
        self, info: Info, union_id: strawberry.ID
    ) -> list[AffiliationChangeType]:
        uid = await scope_of(info.context).require_union(str(union_id), "unionId")
        found = await info.context.services.affiliation.history(uid)
        return [AffiliationChangeType.from_domain(c) for c in found]


@strawberry.type
class AffiliationMutation:
    """Changes, only inside the caller's subtree; viewers may change nothing (FORBIDDEN)."""

    @strawberry.mutation(description="新建工会（无代码时临时赋码）")
    async def create_union(self, info: Info, input: CreateUnionInput) -> UnionType:
        scope = scope_of(info.context)
        scope.require_change()
        if input.parent_id is None:
            raise Forbidden(
                "只能在本账号管辖的工会之下新建工会", reason="OUTSIDE_SCOPE", field="parentId"
            )
        await scope.require_union(str(input.parent_id), "parentId", _PARENT_NOT_FOUND)
        union = await info.context.services.affiliation.create_union(
            command=input.to_domain(), actor=info.context.actor
        )
        return UnionType.from_domain(union, in_scope=True)

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
        scope = scope_of(info.context)
        scope.require_change()
        uid, _ = await scope.require_unions(
            [
                (str(union_id), "unionId", _UNION_NOT_FOUND),
                (str(new_parent_id), "newParentId", _NEW_PARENT_NOT_FOUND),
            ]
        )
        if uid == scope.root:
            raise Forbidden(
                "不能变更本账号所属工会自身的隶属关系，请由上级工会办理",
                reason="SCOPE_ROOT_IMMOVABLE",
                field="unionId",
            )
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
        scope = scope_of(info.context)
        scope.require_change()
        await scope.require_union(str(union_id), "unionId")
        union = await info.context.services.affiliation.dissolve_union(
            union_id=str(union_id),
            effective_on=effective_on,
            reason=reason,
            actor=info.context.actor,
        )
        return UnionType.from_domain(union, in_scope=True)

    @strawberry.mutation(description="新增或更新单位；首次指定所属工会即建立覆盖关系")
    async def upsert_employer(self, info: Info, input: EmployerInput) -> EmployerType:
        scope = scope_of(info.context)
        scope.require_change()
        if input.union_id is not None:
            await scope.require_union(str(input.union_id), "unionId")
        await _check_employer_scope(info, input)
        employer = await info.context.services.affiliation.upsert_employer(
            command=input.to_domain(), actor=info.context.actor
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
        scope = scope_of(info.context)
        scope.require_change()
        await scope.require_employer(str(employer_id), "employerId")
        await scope.require_union(str(to_union_id), "toUnionId", _TARGET_NOT_FOUND)
        change = await info.context.services.affiliation.transfer_employer(
            employer_id=str(employer_id),
            to_union_id=str(to_union_id),
            effective_on=effective_on,
            reason=reason,
            dry_run=bool(dry_run),
            actor=info.context.actor,
        )
        return AffiliationChangeType.from_domain(change)


async def _check_employer_scope(info: Info, input: EmployerInput) -> None:
    """The employer, as it will be after the upsert, must lie in the caller's scope.

    An existing employer outside the scope cannot be changed from here; its credit code is
    public (国家企业信用信息公示系统), so the refusal only says it is registered elsewhere. An
    employer left without a union must lie in a region whose 地方总工会 is in the scope."""
    scope = scope_of(info.context)
    existing = None
    if input.id is not None:
        eid = validate_org_code(str(input.id).strip(), field="id")
        existing = (await info.context.services.tree.get_employers([eid])).get(eid)
        if existing is not None and not await scope.employer_in(existing):
            raise Conflict(
                "该单位已由其他地区或工会登记，不能在本账号管辖范围内修改",
                reason="REGISTERED_ELSEWHERE",
                field="id",
            )
    union_id = (existing.union_id if existing else None) or (
        str(input.union_id) if input.union_id is not None else None
    )
    if union_id is not None:
        return  # covered by a union in scope (checked above)
    region = input.region_code or (existing.region_code if existing else None)
    future = Employer.model_validate({"id": "-", "name": "-", "regionCode": region or None})
    if not await scope.employer_in(future):
        raise Forbidden(
            "该单位所在地区不属于本账号管辖范围：请指定本账号管辖的所属工会，"
            "或由单位所在地区的工会登记",
            reason="REGION_OUTSIDE_SCOPE",
            field="regionCode",
        )
