"""GraphQL of membership: members join and leave, transfers (会籍接转) and their path."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from api.context import Context
from api.node import Node, global_id
from api.scope import scope_of
from api.types import (
    Connection,
    EmployerType,
    MemberType,
    UnionLevel,
    UnionType,
    connection,
    employer_if_in_scope,
    load_union,
    wrap_unions,
)
from graph_service.domain.commands import AddMember
from graph_service.domain.transfers import MemberTransfer as DomainTransfer
from graph_service.domain.transfers import TransferPath as DomainPath
from graph_service.errors import Conflict, NotFound
from graph_service.services.tree import check_union_id

Info = strawberry.Info[Context, None]


@strawberry.enum(description="离会原因")
class LeaveReason(Enum):
    RETIRED = "RETIRED"
    LEFT_JOB = "LEFT_JOB"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    UNEMPLOYED = "UNEMPLOYED"
    EMPLOYER_CLOSED = "EMPLOYER_CLOSED"
    EXPELLED = "EXPELLED"
    WITHDREW = "WITHDREW"
    DECEASED = "DECEASED"


@strawberry.enum(description="会籍接转状态")
class TransferState(Enum):
    REQUESTED = "REQUESTED"
    RELEASED = "RELEASED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


@strawberry.input(description="会员登记信息")
class MemberInput:
    union_id: strawberry.ID
    name: str
    id_number: str
    employer_id: strawberry.ID | None = None
    cert_type: str = "01"
    gender: str | None = None
    phone: str | None = None
    household_type: str | None = None
    political: str | None = None
    education: str | None = None
    new_form_worker: bool = False
    joined_on: date | None = None
    union_post: str | None = None
    union_post_type: str | None = None

    def to_domain(self) -> AddMember:
        """The command the membership service takes."""
        return AddMember(
            union_id=str(self.union_id),
            employer_id=str(self.employer_id) if self.employer_id is not None else None,
            name=self.name,
            cert_number=self.id_number,
            cert_type=self.cert_type,
            gender=self.gender,
            phone=self.phone,
            household_type=self.household_type,
            political=self.political,
            education=self.education,
            new_form_worker=self.new_form_worker,
            joined_on=self.joined_on,
            union_post=self.union_post,
            union_post_type=self.union_post_type,
        )


@strawberry.type(name="TransferPath")
class TransferPathType:
    """Nodes in the caller's scope in full, the others as id, name and level only."""

    from_: UnionType = strawberry.field(name="from")
    to: UnionType
    common_ancestor: UnionType
    up: list[UnionType]
    down: list[UnionType]
    hops: int
    boundary: UnionLevel
    cross_region: bool

    @classmethod
    async def build(cls, context: Context, p: DomainPath) -> TransferPathType:
        ends = [p.from_union, p.to_union, p.common_ancestor]
        wrapped = await wrap_unions(context, [*ends, *p.up, *p.down])
        up_end = 3 + len(p.up)
        return cls(
            from_=wrapped[0],
            to=wrapped[1],
            common_ancestor=wrapped[2],
            up=wrapped[3:up_end],
            down=wrapped[up_end:],
            hops=p.hops,
            boundary=UnionLevel[p.boundary.value],
            cross_region=p.cross_region,
        )


@strawberry.type(name="MemberTransfer")
class MemberTransferType(Node):
    """A transfer, visible to its origin's and its target's scope."""

    id: strawberry.ID = strawberry.field(description="全局 id（Node）；接转编号见 key")
    key: strawberry.ID = strawberry.field(description="接转编号（2026-12 之前的 id 值）")
    state: TransferState
    requested_on: date
    released_on: date | None
    completed_on: date | None
    expires_on: date | None
    reason: str | None
    note: str | None
    member_id: strawberry.Private[str]
    from_union_id: strawberry.Private[str]
    to_union_id: strawberry.Private[str]
    to_employer_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, t: DomainTransfer) -> MemberTransferType:
        return cls(
            id=global_id("MemberTransfer", t.id),
            key=strawberry.ID(t.id),
            state=TransferState[t.state.value],
            requested_on=t.requested_on or date.min,
            released_on=t.released_on,
            completed_on=t.completed_on,
            expires_on=t.expires_on,
            reason=t.reason or None,
            note=t.note,
            member_id=t.member_id,
            from_union_id=t.from_union_id,
            to_union_id=t.to_union_id,
            to_employer_id=t.to_employer_id,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberType:
        found = await info.context.services.membership.get_members([self.member_id])
        member = found[self.member_id]
        in_scope = await scope_of(info.context).member_in(member)
        return MemberType.from_domain(member, in_scope=in_scope)

    @strawberry.field
    async def from_union(self, info: Info) -> UnionType:
        found = await load_union(info.context, self.from_union_id)
        assert found is not None
        return found

    @strawberry.field
    async def to_union(self, info: Info) -> UnionType:
        found = await load_union(info.context, self.to_union_id)
        assert found is not None
        return found

    @strawberry.field
    async def to_employer(self, info: Info) -> EmployerType | None:
        """The new employer named by the transfer, when it lies in the caller's scope."""
        return await employer_if_in_scope(info.context, self.to_employer_id)

    @strawberry.field
    async def path(self, info: Info) -> TransferPathType:
        path = await info.context.services.membership.transfer_path(
            from_union_id=self.from_union_id, to_union_id=self.to_union_id
        )
        return await TransferPathType.build(info.context, path)


_FROM_NOT_FOUND = ("未找到转出工会", "UNION_NOT_FOUND")
_TO_NOT_FOUND = ("未找到转入工会", "UNION_NOT_FOUND")


@strawberry.type
class MembershipQuery:
    @strawberry.field(description="会籍接转路径：向上到共同上级工会，再向下到转入工会")
    async def transfer_path(
        self, info: Info, from_union_id: strawberry.ID, to_union_id: strawberry.ID
    ) -> TransferPathType:
        # one end must lie in the caller's scope (a transfer out of it, or into it); the other
        # may be anywhere and is shown as id, name and level only
        source = check_union_id(str(from_union_id), "fromUnionId")
        target = check_union_id(str(to_union_id), "toUnionId")
        inside = await scope_of(info.context).unions_in([source, target])
        if not inside[source] and not inside[target]:
            message, reason = _FROM_NOT_FOUND
            raise NotFound(message, reason=reason, field="fromUnionId")
        path = await info.context.services.membership.transfer_path(
            from_union_id=source, to_union_id=target
        )
        return await TransferPathType.build(info.context, path)

    @strawberry.field(description="转入或转出某工会的会籍接转")
    async def member_transfers(
        self,
        info: Info,
        union_id: strawberry.ID,
        state: TransferState | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[MemberTransferType]:
        uid = await scope_of(info.context).require_union(str(union_id), "unionId")
        page = await info.context.services.membership.transfers(
            union_id=uid,
            state=state.value if state else None,
            first=first,
            after=after,
        )
        return connection(page, MemberTransferType.from_domain)

    @strawberry.field(description="一次会籍接转")
    async def member_transfer(self, info: Info, id: strawberry.ID) -> MemberTransferType | None:
        await scope_of(info.context).require_transfer(str(id))
        found = await info.context.services.membership.get_transfer(str(id))
        return MemberTransferType.from_domain(found)


def _already_member_elsewhere() -> Conflict:
    return Conflict(
        "该证件已是其他工会的会员，一证一会员，不能重复入会；如需变更请办理会籍接转",
        reason="ALREADY_MEMBER",
        field="idNumber",
    )


async def _may_act_on_transfer(info: Info, transfer_id: strawberry.ID, *, side: str) -> None:
    """Only an operator or admin whose scope holds the origin (``from``) or receiver (``to``)."""
    scope = scope_of(info.context)
    scope.require_change()
    await scope.require_transfer(str(transfer_id), side=side)


@strawberry.type
class MembershipMutation:
    """Changes of members in the caller's scope; viewers may change nothing (FORBIDDEN)."""

    @strawberry.mutation(description="会员入会（一证一会员）")
    async def add_member(self, info: Info, input: MemberInput) -> MemberType:
        scope = scope_of(info.context)
        scope.require_change()
        await scope.require_union(str(input.union_id), "unionId")
        if input.employer_id is not None:
            await scope.require_employer(str(input.employer_id), "employerId")
        try:
            member = await info.context.services.membership.add_member(
                command=input.to_domain(), actor=info.context.actor
            )
        except Conflict as exc:
            # 一证一会员 must refuse, but not say where a member outside the scope belongs
            other = exc.details.get("unionId") if exc.reason == "ALREADY_MEMBER" else None
            if exc.reason == "ALREADY_MEMBER" and not await scope.union_in(
                str(other) if other else None
            ):
                raise _already_member_elsewhere() from None
            raise
        return MemberType.from_domain(member, in_scope=True)

    @strawberry.mutation(description="退休、失业保留会籍；单位关闭在上级工会保留；其余离会")
    async def end_membership(
        self,
        info: Info,
        id_number: str,
        reason: LeaveReason,
        effective_on: date | None = None,
        cert_type: str = "01",
    ) -> MemberType:
        scope = scope_of(info.context)
        scope.require_change()
        await scope.require_member(id_number, cert_type)
        member = await info.context.services.membership.end_membership(
            id_number=id_number,
            reason=reason.value,
            effective_on=effective_on,
            actor=info.context.actor,
            cert_type=cert_type,
        )
        return MemberType.from_domain(member, in_scope=await scope.member_in(member))

    @strawberry.mutation(description="申请会籍接转（转入工会可以是任何工会）")
    async def request_member_transfer(
        self,
        info: Info,
        id_number: str,
        to_union_id: strawberry.ID,
        reason: str | None = None,
        cert_type: str = "01",
        to_employer_id: strawberry.ID | None = None,
    ) -> MemberTransferType:
        scope = scope_of(info.context)
        scope.require_change()
        # the service checks the target first: keep that order, so an unknown target and a
        # member outside the scope give the same answers as before
        await info.context.services.tree.get_union(str(to_union_id), field="toUnionId")
        await scope.require_member(id_number, cert_type)
        transfer = await info.context.services.membership.request_transfer(
            id_number=id_number,
            to_union_id=str(to_union_id),
            reason=reason,
            actor=info.context.actor,
            cert_type=cert_type,
            to_employer_id=str(to_employer_id) if to_employer_id is not None else None,
        )
        return MemberTransferType.from_domain(transfer)

    @strawberry.mutation(description="转出工会办理转出")
    async def release_member_transfer(
        self, info: Info, transfer_id: strawberry.ID
    ) -> MemberTransferType:
        await _may_act_on_transfer(info, transfer_id, side="from")
        transfer = await info.context.services.membership.release_transfer(
            transfer_id=str(transfer_id), actor=info.context.actor
        )
        return MemberTransferType.from_domain(transfer)

    @strawberry.mutation(description="转入工会登记转入")
    async def complete_member_transfer(
        self, info: Info, transfer_id: strawberry.ID
    ) -> MemberTransferType:
        await _may_act_on_transfer(info, transfer_id, side="to")
        transfer = await info.context.services.membership.complete_transfer(
            transfer_id=str(transfer_id), actor=info.context.actor
        )
        return MemberTransferType.from_domain(transfer)

    @strawberry.mutation(description="因信息有误退回会籍接转（转入工会办理，须说明原因）")
    async def reject_member_transfer(
        self, info: Info, transfer_id: strawberry.ID, note: str | None = None
    ) -> MemberTransferType:
        await _may_act_on_transfer(info, transfer_id, side="to")
        transfer = await info.context.services.membership.reject_transfer(
            transfer_id=str(transfer_id), note=note, actor=info.context.actor
        )
        return MemberTransferType.from_domain(transfer)

    @strawberry.mutation(description="撤回会籍接转（转出工会办理）")
    async def cancel_member_transfer(
        self, info: Info, transfer_id: strawberry.ID, note: str | None = None
    ) -> MemberTransferType:
        await _may_act_on_transfer(info, transfer_id, side="from")
        transfer = await info.context.services.membership.cancel_transfer(
            transfer_id=str(transfer_id), note=note, actor=info.context.actor
        )
        return MemberTransferType.from_domain(transfer)
