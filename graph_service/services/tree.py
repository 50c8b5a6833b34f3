"""Use cases that read the union tree: a union, its chain, children, employers and members."""

from __future__ import annotations

from graph_service.domain.codes import MembershipStatus, UnionLevel
from graph_service.domain.models import Employer, Member, Union
from graph_service.domain.subtree import MAX_SUBTREE_DEPTH, SubtreeUnion, UnionOrder
from graph_service.domain.validation import certificate_key, validate_certificate, validate_org_code
from graph_service.errors import BadUserInput, NotFound
from graph_service.repositories.tree import EmployerRepository, MemberRepository, UnionRepository
from graph_service.services.pagination import Page, decode_cursor, page_size


def check_union_id(union_id: str, field: str = "id") -> str:
    """A union code must be a USCC or a temporary code; anything else is BAD_USER_INPUT."""
    return validate_org_code(union_id.strip(), field=field)


def _offset(key: str | None) -> int:
    """The offset inside an offset cursor's key (``#N``); anything else is BAD_CURSOR."""
    if key is None:
        return 0
    if not key.startswith("#") or not key[1:].isdigit():
        raise BadUserInput("分页游标无效", reason="BAD_CURSOR", field="after")
    return int(key[1:])


class TreeService:
    """Reading the tree as a superior union explores what lies beneath it."""

    def __init__(
        self, unions: UnionRepository, employers: EmployerRepository, members: MemberRepository
    ) -> None:
        self._unions = unions
        self._employers = employers
        self._members = members

    async def get_union(self, union_id: str, *, field: str = "id") -> Union:
        """One union; NOT_FOUND if unknown."""
        uid = check_union_id(union_id, field)
        found = await self._unions.get_many([uid])
        if uid not in found:
            raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field=field)
        return found[uid]

    async def get_unions(self, ids: list[str]) -> dict[str, Union]:
        """Unions by id (for batched loading of nested fields)."""
        return await self._unions.get_many(ids)

    async def ancestors(self, union_id: str) -> list[Union]:
        """National root first, parent last."""
        return await self._unions.ancestors(union_id)

    async def chains(self, ids: list[str]) -> dict[str, list[Union]]:
        """Per known union: its ancestors, national root first, then the union itself."""
        return await self._unions.chains(ids)

    async def within(self, union_ids: list[str], scope_union_id: str) -> dict[str, bool]:
        """Per id: whether that union lies in the current subtree of ``scope_union_id``
        (the scope union itself included). Unknown ids are ``False``."""
        chains = await self._unions.chains(union_ids)
        return {
            uid: any(u.id == scope_union_id for u in chains.get(uid, [])) for uid in union_ids
        }

    async def children(self, union_id: str, *, first: int | None, after: str | None) -> Page[Union]:
        """One page of a union's current children."""
        size, key = page_size(first), decode_cursor(after)
        items = await self._unions.children(union_id, after=key, limit=size + 1)
        total = await self._unions.count_children(union_id)
        return Page.from_overfetch(items, [u.id for u in items], size, total)

    async def search_unions(
        self,
        *,
        name_contains: str | None,
        level: str | None,
        under: str | None,
        first: int | None,
        after: str | None,
    ) -> Page[Union]:
        """Unions by name fragment, level and subtree."""
        size, key = page_size(first), decode_cursor(after)
        lvl = UnionLevel.parse(level).value if level else None
        root = None
        if under is not None:
            root = (await self.get_union(under, field="under")).id
        name = name_contains.strip() if name_contains and name_contains.strip() else None
        filters = {"name_contains": name, "level": lvl, "under": root}
        items = await self._unions.search(**filters, after=key, limit=size + 1)
        total = await self._unions.count_search(**filters)
        return Page.from_overfetch(items, [u.id for u in items], size, total)

    async def count_children(self, union_id: str) -> int:
        """How many current children a union has."""
        return await self._unions.count_children(union_id)

    async def subtree(
        self,
        *,
        under: str,
        depth: int | None,
        name_contains: str | None,
        level: str | None,
        order: UnionOrder,
        first: int | None,
        after: str | None,
    ) -> Page[SubtreeUnion]:
        """A union's current subtree, flat, down to ``depth`` levels below it (None: all), each
        with its depth and child count, in ``order``. Cursors carry the offset."""
        size = page_size(first)
        if depth is not None and not 0 <= depth <= MAX_SUBTREE_DEPTH:
            raise BadUserInput(
                f"depth 须在 0 到 {MAX_SUBTREE_DEPTH} 之间", reason="DEPTH", field="depth"
            )
        skip = _offset(decode_cursor(after))
        root = (await self.get_union(under, field="under")).id
        max_depth = MAX_SUBTREE_DEPTH if depth is None else depth
        name = (name_contains or "").strip() or None
        lvl = UnionLevel.parse(level).value if level else None
        items = await self._unions.subtree(
            under=root, max_depth=max_depth, name_contains=name, level=lvl,
            order=order.value, skip=skip, limit=size + 1,
        )  # fmt: skip
        total = await self._unions.count_subtree(
            under=root, max_depth=max_depth, name_contains=name, level=lvl
        )
        keys = [f"#{skip + i + 1}" for i in range(len(items))]
        return Page.from_overfetch(items, keys, size, total)

    async def employers(
        self, union_id: str, *, first: int | None, after: str | None
    ) -> Page[Employer]:
        """One page of the employers a union covers."""
        size, key = page_size(first), decode_cursor(after)
        items = await self._employers.of_union(union_id, after=key, limit=size + 1)
        total = await self._employers.count_of_union(union_id)
        return Page.from_overfetch(items, [e.id for e in items], size, total)

    async def get_employer(self, employer_id: str) -> Employer:
        """One employer; NOT_FOUND if unknown."""
        eid = validate_org_code(employer_id.strip(), field="id")
        found = await self._employers.get_many([eid])
        if eid not in found:
            raise NotFound("未找到该单位", reason="EMPLOYER_NOT_FOUND", field="id")
        return found[eid]

    async def get_employers(self, ids: list[str]) -> dict[str, Employer]:
        """Employers by id (batched loading)."""
        return await self._employers.get_many(ids)

    async def members(
        self, union_id: str, *, status: str, first: int | None, after: str | None
    ) -> Page[Member]:
        """One page of a union's members in one status."""
        size, key = page_size(first), decode_cursor(after)
        state = MembershipStatus.parse(status).value
        items = await self._members.of_union(union_id, status=state, after=key, limit=size + 1)
        total = await self._members.count_of_union(union_id, status=state)
        return Page.from_overfetch(items, [m.id for m in items], size, total)

    async def search_members(
        self,
        *,
        under: str,
        name_contains: str,
        statuses: list[str],
        first: int | None,
        after: str | None,
    ) -> Page[Member]:
        """Members of a union's current subtree by name fragment, in any of ``statuses``."""
        size, key = page_size(first), decode_cursor(after)
        name = name_contains.strip()
        if not name:
            raise BadUserInput(
                "请输入姓名（或其中几个字）", reason="NAME_REQUIRED", field="nameContains"
            )
        states = sorted({MembershipStatus.parse(s).value for s in statuses})
        if not states:
            raise BadUserInput("至少选择一种会籍状态", reason="STATUS_REQUIRED", field="statuses")
        items = await self._members.search_subtree(
            under=under, name_contains=name, statuses=states, after=key, limit=size + 1
        )
        total = await self._members.count_search_subtree(
            under=under, name_contains=name, statuses=states
        )
        return Page.from_overfetch(items, [m.id for m in items], size, total)

    async def search_employers(
        self, *, under: str, search: str, first: int | None, after: str | None
    ) -> Page[Employer]:
        """Employers covered in a union's current subtree, by name fragment or code."""
        size, key = page_size(first), decode_cursor(after)
        text = search.strip()
        if not text:
            raise BadUserInput("请输入单位名称或代码", reason="SEARCH_REQUIRED", field="search")
        code = text.upper().replace(" ", "")
        items = await self._employers.search_subtree(
            under=under, search=code if len(code) == 18 else text, after=key, limit=size + 1
        )
        total = await self._employers.count_search_subtree(
            under=under, search=code if len(code) == 18 else text
        )
        return Page.from_overfetch(items, [e.id for e in items], size, total)

    async def member_by_certificate(self, id_number: str, cert_type: str = "01") -> Member:
        """A member by certificate number; NOT_FOUND if nobody holds it."""
        if not id_number or not id_number.strip():
            raise BadUserInput("证件号不能为空", reason="ID_FORMAT", field="idNumber")
        number = validate_certificate(cert_type, id_number, field="idNumber")
        key = certificate_key(cert_type, number)
        found = await self._members.by_cert_keys([key])
        if key not in found:
            raise NotFound("未找到该会员", reason="MEMBER_NOT_FOUND", field="idNumber")
        return found[key]
