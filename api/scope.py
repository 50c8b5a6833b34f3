"""Object-level authorisation: what lies in the caller's subtree, decided in one place.

An account is bound to one union (``Principal.scope_union_id``); its scope is that union's
*current* subtree, computed from the stored ancestor paths at every request, so moving a union
moves the scope of its accounts with it. Rules:

* a union is in scope when the scope root is the union itself or one of its current ancestors;
* an employer is in scope when a union in scope covers it, or, when no union covers it, when the
  地方总工会 its region code is attributed to (own code, else city, else province; conventions.md
  "noUnion") is in scope;
* a member is in scope when its current union is (a member without a union: its current
  employer); a member in transfer is also *visible* to the receiving union's scope, masked;
* a member transfer is visible to the scope of its origin and of its target union.

Ids passed as arguments that are out of scope raise exactly the ``NotFound`` an unknown id raises
(``require_*``): the check treats unknown and out-of-scope alike and runs before the service, so
no ordering of checks can tell them apart. Decisions are batched and cached per request
(DataLoaders); union checks read the ``path`` the union loader already returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from api.dataloaders import SharedDataLoader
from api.node import domain_key
from graph_service.domain.accounts import Principal
from graph_service.domain.codes import MembershipStatus
from graph_service.domain.models import Employer, Member, Union
from graph_service.domain.transfers import MemberTransfer
from graph_service.domain.validation import validate_org_code
from graph_service.errors import Forbidden, NotFound
from graph_service.services.registry import Services
from graph_service.services.tree import check_union_id

if TYPE_CHECKING:
    from api.context import Context

UNION_NOT_FOUND = ("未找到该工会", "UNION_NOT_FOUND")
"""(message, reason) of the services' NotFound for an unknown union id."""
OUTSIDE = "该工会不在您的管辖范围内，只能查看其名称和层级"


def read_only_error() -> Forbidden:
    """What a viewer gets for any mutation."""
    return Forbidden("查看员账号只能查询，无权修改数据", reason="READ_ONLY")


def limited_error(field: str | None = None) -> Forbidden:
    """A nested field of a union above the scope (visible only as id, name and level)."""
    return Forbidden(OUTSIDE, reason="OUTSIDE_SCOPE", field=field)


class Scope:
    """The scope decisions of one request (cached for its lifetime)."""

    def __init__(self, principal: Principal, services: Services, unions: DataLoader) -> None:
        self.principal = principal
        self.root = principal.scope_union_id
        self._services = services
        self._unions: DataLoader[str, Union | None] = unions
        self._within: DataLoader[str, bool] = SharedDataLoader(load_fn=self._load_within)
        self._targets: DataLoader[str, list[str]] = SharedDataLoader(load_fn=self._load_targets)
        self._owners: DataLoader[str, str | None] = SharedDataLoader(load_fn=self._load_owners)
        self._root_level: str | None = None

    # ------------------------------------------------------------------ loaders

    def _by_path(self, union: Union) -> bool | None:
        """In scope per the union's stored path; None when no path was stored (old data)."""
        if union.id == self.root:
            return True
        if union.path is None:
            return None
        return self.root in union.path

    async def _load_within(self, ids: list[str]) -> list[bool]:
        found = await self._unions.load_many(ids)
        out: dict[str, bool] = {}
        legacy: list[str] = []
        for uid, union in zip(ids, found, strict=True):
            if union is None:
                out[uid] = False
                continue
            decided = self._by_path(union)
            if decided is None:
                legacy.append(uid)
            else:
                out[uid] = decided
        if legacy:
            out |= await self._services.tree.within(legacy, self.root)
        return [out[uid] for uid in ids]

    async def _load_targets(self, member_ids: list[str]) -> list[list[str]]:
        found = await self._services.membership.open_transfer_targets(member_ids)
        return [found.get(m, []) for m in member_ids]

    async def _load_owners(self, regions: list[str]) -> list[str | None]:
        found = await self._services.affiliation.area_owners(regions)
        return [found.get(r) for r in regions]

    async def _is_national(self) -> bool:
        if self._root_level is None:
            root = await self._unions.load(self.root)
            self._root_level = root.level.value if root is not None else ""
        return self._root_level == "NATIONAL"

    # ------------------------------------------------------------------ decisions

    async def union_in(self, union_id: str | None) -> bool:
        """Whether the union lies in the caller's current subtree (unknown ids: False)."""
        if not union_id:
            return False
        if union_id == self.root:
            return True
        return await self._within.load(union_id)

    async def unions_in(self, union_ids: Iterable[str]) -> dict[str, bool]:
        """``union_in`` for many ids at once."""
        ids = list(dict.fromkeys(union_ids))
        return dict(zip(ids, await self._within.load_many(ids), strict=True))

    async def classify(self, unions: Sequence[Union]) -> list[bool]:
        """Per union: in scope (from its path when read with it, else batched)."""
        decided = [self._by_path(u) for u in unions]
        unknown = [u.id for u, d in zip(unions, decided, strict=True) if d is None]
        later = await self.unions_in(unknown) if unknown else {}
        return [d if d is not None else later[u.id] for u, d in zip(unions, decided, strict=True)]

    async def employer_in(self, employer: Employer) -> bool:
        """Covered by a union in scope; uncovered: attributed to a 地方总工会 in scope."""
        if employer.union_id is not None:
            return await self.union_in(employer.union_id)
        region = employer.region_code or ""
        owner = await self._owners.load(region) if len(region) == 6 else None
        if owner is not None:
            return await self.union_in(owner)
        return await self._is_national()

    async def member_in(self, member: Member) -> bool:
        """The member's current union is in scope (no union: its current employer is)."""
        if member.union_id is not None:
            return await self.union_in(member.union_id)
        if member.employer_id is not None:
            employer = (await self._services.tree.get_employers([member.employer_id])).get(
                member.employer_id
            )
            return employer is not None and await self.employer_in(employer)
        return await self._is_national()

    async def member_receiving(self, member: Member) -> bool:
        """The member is in transfer to a union in scope (visible there, masked)."""
        if member.status is not MembershipStatus.TRANSFERRING:
            return False
        targets = await self._targets.load(member.id)
        return any((await self.unions_in(targets)).values())

    async def member_visible(self, member: Member) -> tuple[bool, bool]:
        """(visible, in scope): in scope implies visible; visible-only members are masked."""
        if await self.member_in(member):
            return True, True
        return await self.member_receiving(member), False

    async def transfer_visible(self, transfer: MemberTransfer) -> bool:
        """Out of the scope: visible to the origin; into it: to the receiver."""
        found = await self.unions_in([transfer.from_union_id, transfer.to_union_id])
        return any(found.values())

    # ------------------------------------------------------------------ requirements

    def require_change(self) -> None:
        """Viewers may not change anything (FORBIDDEN, whatever the ids)."""
        if not self.principal.may_change:
            raise read_only_error()

    async def require_unions(
        self, wanted: Sequence[tuple[str | None, str, tuple[str, str]]]
    ) -> list[str | None]:
        """Check several union-id arguments: (id, field, (message, reason) of the service's
        NotFound). Every format is validated first (BAD_USER_INPUT, as the services do), then
        scope in the order given; unknown and out-of-scope ids raise the same NotFound."""
        ids = [
            None if uid is None else check_union_id(domain_key(str(uid), "Union"), field)
            for uid, field, _ in wanted
        ]  # a union's code or its global id (api/node.py)
        found = await self.unions_in([i for i in ids if i is not None])
        for uid, (_, field, (message, reason)) in zip(ids, wanted, strict=True):
            if uid is not None and not found[uid]:
                raise NotFound(message, reason=reason, field=field)
        return ids

    async def require_union(
        self, union_id: str, field: str, not_found: tuple[str, str] = UNION_NOT_FOUND
    ) -> str:
        """One union-id argument in scope (else the NotFound of an unknown id)."""
        return str((await self.require_unions([(union_id, field, not_found)]))[0])

    async def require_employer(
        self, employer_id: str, field: str, message: str = "未找到该单位"
    ) -> Employer:
        """An employer-id argument in scope (else the NotFound of an unknown id)."""
        eid = validate_org_code(domain_key(str(employer_id), "Employer").strip(), field=field)
        employer = (await self._services.tree.get_employers([eid])).get(eid)
        if employer is None or not await self.employer_in(employer):
            raise NotFound(message, reason="EMPLOYER_NOT_FOUND", field=field)
        return employer

    async def require_member(
        self, id_number: str, cert_type: str, *, receiving: bool = False
    ) -> tuple[Member, bool]:
        """A member by certificate in scope — or, with ``receiving``, in transfer to the scope —
        as (member, in scope); else the NotFound of an unknown certificate."""
        member = await self._services.tree.member_by_certificate(id_number, cert_type)
        visible, in_scope = await self.member_visible(member)
        if in_scope or (receiving and visible):
            return member, in_scope
        raise NotFound("未找到该会员", reason="MEMBER_NOT_FOUND", field="idNumber")

    async def require_transfer(self, transfer_id: str, *, side: str | None = None) -> None:
        """A transfer visible to the scope; ``side`` = "from"/"to" demands that union in scope.
        Else the NotFound of an unknown transfer id."""
        transfer = await self._services.membership.get_transfer(transfer_id)
        if not await self.transfer_visible(transfer):
            raise NotFound("未找到该会籍接转", reason="NOT_FOUND", field="transferId")
        if side == "from" and not await self.union_in(transfer.from_union_id):
            raise Forbidden("只有转出工会可以办理此项", reason="ORIGIN_ONLY", field="transferId")
        if side == "to" and not await self.union_in(transfer.to_union_id):
            raise Forbidden("只有转入工会可以办理此项", reason="TARGET_ONLY", field="transferId")


def scope_for(principal: Principal, services: Services) -> Scope:
    """A Scope outside a GraphQL request (HTTP uploads), with its own caches."""
    tree = services.tree

    async def load_unions(ids: list[str]) -> list[Union | None]:
        found = await tree.get_unions(ids)
        return [found.get(i) for i in ids]

    return Scope(principal, services, SharedDataLoader(load_fn=load_unions))


def scope_of(context: Context) -> Scope:
    """The request's Scope, made on first use and kept on the context."""
    found: Scope | None = getattr(context, "_scope", None)
    if found is None:
        found = Scope(context.principal, context.services, context.unions)
        context._scope = found  # type: ignore[attr-defined]
    return found


def may_see_full(context: Context, in_scope: bool) -> bool:
    """Full certificate numbers and phones: the role allows it AND the object is in scope."""
    return in_scope and context.principal.may_see_full_values
