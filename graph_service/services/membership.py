"""Use cases of membership (会籍): joining, leaving or keeping it, and transfers (会籍接转).

Every change is one write statement that re-checks its guards; the reads before it only give
precise errors. A member is counted exactly once: at the origin until a transfer completes.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph_service.domain.codes import (
    LeaveReason,
    MembershipChangeType,
    MembershipStatus,
    TransferState,
    UnionStatus,
)
from graph_service.domain.commands import AddMember
from graph_service.domain.levels import can_hold_members
from graph_service.domain.models import Member, Union
from graph_service.domain.stats import rollup_vector
from graph_service.domain.transfers import (
    OPEN_STATES,
    MembershipChange,
    MemberTransfer,
    TransferPath,
)
from graph_service.domain.validation import certificate_key
from graph_service.errors import BadUserInput, Conflict, NotFound
from graph_service.repositories.membership import MembershipRepository
from graph_service.repositories.tree import MemberRepository
from graph_service.services.pagination import Page, decode_cursor, page_size
from graph_service.services.transfer_path import merge_path
from graph_service.services.tree import TreeService, check_union_id
from graph_service.settings import Settings
from graph_service.store import GraphStore

Clock = Callable[[], datetime]

RETAIN_HERE = frozenset({LeaveReason.RETIRED, LeaveReason.UNEMPLOYED})
"""保留会籍 at the member's own union."""
CLOSE_EMPLOYMENT = frozenset({LeaveReason.LEFT_JOB, LeaveReason.DECEASED})
"""Leaving for these reasons also ends the current employment."""
CHANGE_TYPE: dict[LeaveReason, MembershipChangeType] = {
    LeaveReason.RETIRED: MembershipChangeType.RETAIN,
    LeaveReason.UNEMPLOYED: MembershipChangeType.RETAIN,
    LeaveReason.EMPLOYER_CLOSED: MembershipChangeType.RETAIN,
    LeaveReason.EXPELLED: MembershipChangeType.EXPEL,
    LeaveReason.LEFT_JOB: MembershipChangeType.WITHDRAW,
    LeaveReason.WITHDREW: MembershipChangeType.WITHDRAW,
    LeaveReason.DECEASED: MembershipChangeType.WITHDRAW,
}
_MEMBER_PROPS = (
    ("name", "name"),
    ("gender", "gender"),
    ("phone", "phone"),
    ("household_type", "householdType"),
    ("political", "political"),
    ("education", "education"),
    ("new_form_worker", "newFormWorker"),
    ("union_post", "unionPost"),
    ("union_post_type", "unionPostType"),
)


def _new_id() -> str:
    return secrets.token_hex(8)


def member_delta(
    gender: object, household_type: object, new_form_worker: bool, sign: int = 1
) -> list[int]:
    """The rollup vector one member contributes (members, newForm, gender, household)."""
    tally: Counter[str] = Counter(
        {"members": 1, f"gender:{gender}": 1, f"household:{household_type}": 1}
    )
    if new_form_worker:
        tally["newForm"] += 1
    return [sign * v for v in rollup_vector(tally)]


def _delta_of(member: Member, sign: int = 1) -> list[int]:
    gender = member.gender
    household = member.household_type
    return member_delta(gender, household, member.new_form_worker, sign)


def _code(value: Any) -> Any:
    """Plain value of a code-table member (StrEnum), other values unchanged."""
    return getattr(value, "value", value)


class MembershipService:
    """Members join, keep, leave and transfer their membership."""

    def __init__(
        self,
        store: GraphStore,
        tree: TreeService,
        settings: Settings,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._repo = MembershipRepository(store)
        self._members = MemberRepository(store)
        self._tree = tree
        self._expiry = timedelta(days=settings.transfer_expiry_days)
        self._clock: Clock = clock or (lambda: datetime.now(UTC))

    # ------------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        return self._now().date()

    def _change(
        self,
        *,
        member_id: str,
        type_: MembershipChangeType,
        reason: str | None,
        union_id: str,
        effective_on: date,
        actor: str,
        transfer_id: str | None = None,
    ) -> dict[str, object]:
        change: dict[str, object] = {
            "id": _new_id(),
            "memberId": member_id,
            "type": type_.value,
            "reason": reason or "",
            "unionId": union_id,
            "effectiveOn": effective_on.isoformat(),
            "recordedAt": self._now().isoformat(),
            "recordedBy": actor,
        }
        if transfer_id is not None:
            change["transferId"] = transfer_id
        return change

    async def _member(self, id_number: str, cert_type: str) -> Member:
        return await self._tree.member_by_certificate(id_number, cert_type)

    async def _member_by_id(self, member_id: str) -> Member:
        found = await self._repo.by_ids([member_id])
        if member_id not in found:
            raise NotFound("未找到该会员", reason="MEMBER_NOT_FOUND", field="idNumber")
        return found[member_id]

    async def get_members(self, ids: list[str]) -> dict[str, Member]:
        """Members by internal id (batched loading)."""
        return await self._repo.by_ids(ids)

    async def open_transfer_targets(self, member_ids: list[str]) -> dict[str, list[str]]:
        """Per member id: the receiving unions of its open transfers (for scope checks)."""
        return await self._repo.open_transfer_targets(member_ids)

    async def changes(self, *, member_id: str) -> list[MembershipChange]:
        """The membership change log of a member, oldest first."""
        return await self._repo.changes(member_id)

    def _effective(self, effective_on: date | None) -> date:
        day = effective_on or self._today()
        if day > self._today():
            raise BadUserInput("生效日期不能晚于今天", reason="DATE_IN_FUTURE", field="effectiveOn")
        return day

    # ------------------------------------------------------------------ joining
    async def add_member(self, *, command: AddMember, actor: str) -> Member:
        """入会: register a member in a FEDERATION or GRASSROOTS union (一证一会员)."""
        new = command.validated()
        if new.union_id is None:
            raise BadUserInput("缺少必填项：所属工会", reason="REQUIRED", field="unionId")
        union = await self._tree.get_union(new.union_id, field="unionId")
        self._check_can_receive(union, field="unionId", prefix="")
        if new.employer_id is not None:
            employers = await self._tree.get_employers([new.employer_id])
            if new.employer_id not in employers:
                raise NotFound("未找到该单位", reason="EMPLOYER_NOT_FOUND", field="employerId")
        key = certificate_key(new.cert_type.value, new.cert_number)
        existing = (await self._members.by_cert_keys([key])).get(key)
        if existing is not None and existing.status is not MembershipStatus.LEFT:
            await self._raise_already_member(existing)
        since = new.joined_on or self._today()
        props: dict[str, object] = {"joinedOn": since.isoformat()}
        for attr, prop in _MEMBER_PROPS:
            value = getattr(new, attr)
            if value is not None:
                props[prop] = _code(value)
        merged = {prop: getattr(existing, attr) for attr, prop in _MEMBER_PROPS} if existing else {}
        merged |= props
        delta = member_delta(
            merged.get("gender"), merged.get("householdType"), bool(merged.get("newFormWorker"))
        )
        member_id = existing.id if existing else _new_id()
        params = {
            "unionId": union.id,
            "employerId": new.employer_id,
            "certKey": key,
            "memberId": member_id,
            "props": props,
            "since": since.isoformat(),
            "delta": delta,
            "change": self._change(
                member_id=member_id,
                type_=MembershipChangeType.JOIN,
                reason="REJOIN" if existing else "JOIN",
                union_id=union.id,
                effective_on=since,
                actor=actor,
            ),
        }
        if not await self._repo.add(params):
            again = (await self._members.by_cert_keys([key])).get(key)
            if again is not None and again.status is not MembershipStatus.LEFT:
                await self._raise_already_member(again)
            raise Conflict("工会状态已变化，请重试", reason="CONCURRENT_CHANGE", field="unionId")
        return (await self._members.by_cert_keys([key]))[key]

    async def _raise_already_member(self, member: Member) -> None:
        if member.union_id is None:
            raise Conflict(
                "该证件已登记为会员（暂无所属工会），一证一会员，不能重复入会",
                reason="ALREADY_MEMBER",
                field="idNumber",
                details={"memberId": member.id, "status": member.status.value},
            )
        union = await self._tree.get_union(member.union_id)
        raise Conflict(
            f"该证件已是“{union.name}”（{union.id}）的会员，一证一会员，不能重复入会；"
            "如需变更请办理会籍接转",
            reason="ALREADY_MEMBER",
            field="idNumber",
            details={
                "unionId": union.id,
                "unionName": union.name,
                "memberId": member.id,
                "status": member.status.value,
            },
        )

    @staticmethod
    def _check_can_receive(union: Union, *, field: str, prefix: str) -> None:
        if union.status is UnionStatus.DISSOLVED:
            raise Conflict(
                f"“{union.name}”已撤销，不能接收会员",
                reason=f"{prefix}DISSOLVED" if prefix else "UNION_DISSOLVED",
                field=field,
            )
        if not can_hold_members(union.level):
            raise Conflict(
                f"“{union.name}”是{union.level.label}，只有基层工会和基层工会联合会可以登记会员",
                reason=f"{prefix}CANNOT_HOLD_MEMBERS" if prefix else "CANNOT_HOLD_MEMBERS",
                field=field,
            )

    # ------------------------------------------------------------------ leaving
    async def end_membership(
        self,
        *,
        id_number: str,
        reason: str,
        effective_on: date | None = None,
        actor: str,
        cert_type: str = "01",
    ) -> Member:
        """Retirement and unemployment keep the membership (RETAINED); an employer's closure
        keeps it at the upper union; the other reasons end it (LEFT). Transfers go through
        :meth:`request_transfer`."""
        why = LeaveReason.parse(reason, field="reason")
        if why is LeaveReason.TRANSFERRED_OUT:
            raise BadUserInput("转出须通过会籍接转办理", reason="USE_TRANSFER", field="reason")
        day = self._effective(effective_on)
        member = await self._member(id_number, cert_type)
        if member.joined_on is not None and day < member.joined_on:
            raise BadUserInput(
                "结束日期不能早于入会日期", reason="END_BEFORE_START", field="effectiveOn"
            )
        await self.expire_transfers()
        member = await self._member_by_id(member.id)
        self._check_may_end(member, why)
        union_id = str(member.union_id)
        change = self._change(
            member_id=member.id,
            type_=CHANGE_TYPE[why],
            reason=why.value,
            union_id=union_id,
            effective_on=day,
            actor=actor,
        )
        base = {
            "memberId": member.id,
            "unionId": union_id,
            "effectiveOn": day.isoformat(),
            "reason": why.value,
            "change": change,
        }
        if why in RETAIN_HERE:
            applied = await self._repo.retain(base)
        elif why is LeaveReason.EMPLOYER_CLOSED:
            union = await self._tree.get_union(union_id)
            if union.parent_id is None:
                raise Conflict(
                    "所属工会没有上级工会，无法在上级工会保留会籍",
                    reason="NO_UPPER_UNION",
                    field="idNumber",
                )
            change["unionId"] = union.parent_id
            applied = await self._repo.retain_upper(
                base | {"parentId": union.parent_id, "delta": _delta_of(member, -1)}
            )
        else:
            applied = await self._repo.end(
                base | {"closeEmployment": why in CLOSE_EMPLOYMENT, "delta": _delta_of(member, -1)}
            )
        if not applied:
            self._check_may_end(await self._member_by_id(member.id), why)
            raise Conflict("会员状态已变化，请重试", reason="CONCURRENT_CHANGE", field="idNumber")
        return await self._member_by_id(member.id)

    @staticmethod
    def _check_may_end(member: Member, why: LeaveReason) -> None:
        status = member.status
        if status is MembershipStatus.TRANSFERRING:
            raise Conflict(
                "该会员正在办理会籍接转，请先撤回或退回接转",
                reason="TRANSFER_OPEN",
                field="idNumber",
            )
        if status is MembershipStatus.LEFT or member.union_id is None:
            raise Conflict("该会员当前不在册", reason="NOT_ACTIVE", field="idNumber")
        if why in RETAIN_HERE and status is not MembershipStatus.ACTIVE:
            raise Conflict("该会员已保留会籍", reason="NOT_ACTIVE", field="idNumber")

    # ---------------------------------------------------------------- the path
    async def transfer_path(self, *, from_union_id: str, to_union_id: str) -> TransferPath:
        """The path between two unions: both stored ancestor chains in one read, merged."""
        source = check_union_id(from_union_id, "fromUnionId")
        target = check_union_id(to_union_id, "toUnionId")
        chains = await self._tree.chains([source, target])
        if source not in chains:
            raise NotFound("未找到转出工会", reason="UNION_NOT_FOUND", field="fromUnionId")
        if target not in chains:
            raise NotFound("未找到转入工会", reason="UNION_NOT_FOUND", field="toUnionId")
        (*above_source, me), (*above_target, other) = chains[source], chains[target]
        return merge_path(me, above_source, other, above_target)

    # --------------------------------------------------------------- transfers
    async def expire_transfers(self, *, today: date | None = None) -> int:
        """Expire open transfers past their expiry date (member ACTIVE again at the origin).

        Called lazily before transfers are read or acted on; also the entry point of a
        scheduled job (``await services.membership.expire_transfers()``)."""
        return await self._repo.expire_transfers((today or self._today()).isoformat())

    async def get_transfer(self, transfer_id: str) -> MemberTransfer:
        """One transfer; NOT_FOUND if unknown."""
        await self.expire_transfers()
        return await self._transfer(transfer_id)

    async def _transfer(self, transfer_id: str) -> MemberTransfer:
        tid = (transfer_id or "").strip()
        found = await self._repo.transfers([tid]) if tid else {}
        if tid not in found:
            raise NotFound("未找到该会籍接转", reason="NOT_FOUND", field="transferId")
        return found[tid]

    async def transfers(
        self,
        *,
        union_id: str,
        state: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Page[MemberTransfer]:
        """One page of the transfers into or out of a union, ordered by id."""
        union = await self._tree.get_union(union_id, field="unionId")
        wanted = TransferState.parse(state, field="state").value if state else None
        size, key = page_size(first), decode_cursor(after)
        await self.expire_transfers()
        items = await self._repo.of_union(union.id, state=wanted, after=key, limit=size + 1)
        total = await self._repo.count_of_union(union.id, state=wanted)
        return Page.from_overfetch(items, [t.id for t in items], size, total)

    async def request_transfer(
        self,
        *,
        id_number: str,
        to_union_id: str,
        reason: str | None = None,
        actor: str,
        cert_type: str = "01",
        to_employer_id: str | None = None,
    ) -> MemberTransfer:
        """会籍接转申请: the member becomes TRANSFERRING, still counted at the origin."""
        target = await self._tree.get_union(to_union_id, field="toUnionId")
        member = await self._member(id_number, cert_type)
        await self.expire_transfers()
        member = await self._member_by_id(member.id)
        self._check_may_request(member, target)
        if to_employer_id is not None:
            eid = check_union_id(to_employer_id, "toEmployerId")
            if eid not in await self._tree.get_employers([eid]):
                raise NotFound("未找到该单位", reason="EMPLOYER_NOT_FOUND", field="toEmployerId")
            to_employer_id = eid
        today = self._today()
        props: dict[str, object] = {
            "id": _new_id(),
            "memberId": member.id,
            "fromUnionId": member.union_id,
            "toUnionId": target.id,
            "state": TransferState.REQUESTED.value,
            "requestedOn": today.isoformat(),
            "expiresOn": (today + self._expiry).isoformat(),
            "reason": (reason or "").strip(),
            "recordedBy": actor,
            "recordedAt": self._now().isoformat(),
        }
        if to_employer_id is not None:
            props["toEmployerId"] = to_employer_id
        params = {
            "memberId": member.id,
            "fromUnionId": member.union_id,
            "toUnionId": target.id,
            "props": props,
        }
        if not await self._repo.create_transfer(params):
            self._check_may_request(
                await self._member_by_id(member.id),
                await self._tree.get_union(target.id, field="toUnionId"),
            )
            raise Conflict("会员状态已变化，请重试", reason="CONCURRENT_CHANGE", field="idNumber")
        return await self._transfer(str(props["id"]))

    def _check_may_request(self, member: Member, target: Union) -> None:
        if member.status is MembershipStatus.TRANSFERRING:
            raise Conflict("该会员已有进行中的会籍接转", reason="TRANSFER_OPEN", field="idNumber")
        if member.status is not MembershipStatus.ACTIVE or member.union_id is None:
            raise Conflict(
                "只有在册（正常）会员可以办理会籍接转", reason="NOT_ACTIVE", field="idNumber"
            )
        if member.union_id == target.id:
            raise Conflict("转入工会与所在工会相同", reason="SAME_UNION", field="toUnionId")
        self._check_can_receive(target, field="toUnionId", prefix="TARGET_")

    async def release_transfer(self, *, transfer_id: str, actor: str) -> MemberTransfer:
        """转出: the origin union lets the member go (still counted there until completion)."""
        props = {"releasedOn": self._today().isoformat(), "releasedBy": actor}
        return await self._step(
            transfer_id, (TransferState.REQUESTED,), TransferState.RELEASED, props, None
        )

    async def reject_transfer(
        self, *, transfer_id: str, note: str | None, actor: str
    ) -> MemberTransfer:
        """退回 for a data error (the receiver does not veto): member ACTIVE at the origin again."""
        text = " ".join((note or "").split())
        if not text:
            raise BadUserInput("退回须说明原因", reason="REQUIRED", field="note")
        if len(text) > 200:
            raise BadUserInput("不能超过200个字", reason="TOO_LONG", field="note")
        props = {"closedOn": self._today().isoformat(), "note": text, "closedBy": actor}
        return await self._step(transfer_id, OPEN_STATES, TransferState.REJECTED, props, "ACTIVE")

    async def cancel_transfer(
        self, *, transfer_id: str, actor: str, note: str | None = None
    ) -> MemberTransfer:
        """撤回 an open transfer: the member is ACTIVE at the origin."""
        props: dict[str, object] = {"closedOn": self._today().isoformat(), "closedBy": actor}
        if note and note.strip():
            props["note"] = " ".join(note.split())[:200]
        return await self._step(transfer_id, OPEN_STATES, TransferState.CANCELLED, props, "ACTIVE")

    async def _step(
        self,
        transfer_id: str,
        allowed: tuple[TransferState, ...],
        state: TransferState,
        props: Mapping[str, object],
        member_status: str | None,
    ) -> MemberTransfer:
        await self.expire_transfers()
        transfer = await self._transfer(transfer_id)
        self._check_state(transfer, allowed, state)
        params = {
            "id": transfer.id,
            "fromStates": [s.value for s in allowed],
            "state": state.value,
            "props": dict(props),
            "memberStatus": member_status,
        }
        if not await self._repo.set_transfer_state(params):
            self._check_state(await self._transfer(transfer.id), allowed, state)
            raise Conflict("会员状态已变化，请重试", reason="CONCURRENT_CHANGE", field="transferId")
        return await self._transfer(transfer.id)

    @staticmethod
    def _check_state(
        transfer: MemberTransfer, allowed: tuple[TransferState, ...], state: TransferState
    ) -> None:
        if transfer.state not in allowed:
            raise Conflict(
                f"会籍接转当前为“{transfer.state.label}”，不能改为“{state.label}”",
                reason="BAD_STATE",
                field="transferId",
                details={"state": transfer.state.value},
            )

    def _transfer_change(
        self,
        transfer: MemberTransfer,
        type_: MembershipChangeType,
        union_id: str,
        day: date,
        actor: str,
    ) -> dict[str, object]:
        return self._change(
            member_id=transfer.member_id,
            type_=type_,
            reason=transfer.reason,
            union_id=union_id,
            effective_on=day,
            actor=actor,
            transfer_id=transfer.id,
        )

    async def complete_transfer(self, *, transfer_id: str, actor: str) -> MemberTransfer:
        """转入: the receiver registers the member; the count moves from origin to target."""
        await self.expire_transfers()
        transfer = await self._transfer(transfer_id)
        self._check_state(transfer, (TransferState.RELEASED,), TransferState.COMPLETED)
        target = await self._tree.get_union(transfer.to_union_id, field="transferId")
        if target.status is UnionStatus.DISSOLVED:
            raise Conflict(
                f"“{target.name}”已撤销，不能接收会员",
                reason="TARGET_DISSOLVED",
                field="transferId",
            )
        member = await self._member_by_id(transfer.member_id)
        today = self._today()
        params = {
            "id": transfer.id,
            "memberId": transfer.member_id,
            "fromUnionId": transfer.from_union_id,
            "toUnionId": transfer.to_union_id,
            "toEmployerId": transfer.to_employer_id,
            "completedOn": today.isoformat(),
            "recordedBy": actor,
            "delta": _delta_of(member),
            "outChange": self._transfer_change(
                transfer, MembershipChangeType.TRANSFER_OUT, transfer.from_union_id, today, actor
            ),
            "inChange": self._transfer_change(
                transfer, MembershipChangeType.TRANSFER_IN, transfer.to_union_id, today, actor
            ),
        }
        if not await self._repo.complete_transfer(params):
            self._check_state(
                await self._transfer(transfer.id),
                (TransferState.RELEASED,),
                TransferState.COMPLETED,
            )
            raise Conflict("会员状态已变化，请重试", reason="CONCURRENT_CHANGE", field="transferId")
        return await self._transfer(transfer.id)
