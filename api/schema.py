"""The GraphQL schema of CONTRACT.md: queries over the union tree."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.tools import merge_types

from api.accounts import AccountMutation, AccountQuery
from api.affiliation import AffiliationMutation, AffiliationQuery
from api.anomalies import AnomalyQuery
from api.audit import AuditQuery, AuditTrail
from api.certificates import CertificateMutation, CertificateQuery
from api.context import Context
from api.data_quality import DataQualityQuery
from api.errors import ClientErrors
from api.hardening import (
    MAX_TOKENS,
    GuardedParserCache,
    GuardedValidation,
    PageBudget,
    document_rules,
)
from api.input_limits import InputLimits
from api.membership import MembershipMutation, MembershipQuery
from api.node import GlobalIdArguments, domain_key
from api.relay import NodeQuery
from api.scope import scope_of
from api.search import SearchQuery
from api.types import (
    Connection,
    EmployerType,
    MemberType,
    SubtreeStats,
    UnionLevel,
    UnionType,
    connection,
)
from graph_service.domain.subtree import UnionOrder

Info = strawberry.Info[Context, None]


@strawberry.enum(description="工会列表的排序 / Order of a union listing (ties by code)")
class UnionOrderBy(Enum):
    NAME = strawberry.enum_value("NAME", description="按名称 / By name")
    LEVEL = strawberry.enum_value("LEVEL", description="按层级，全国在前 / National first")
    NEWEST = strawberry.enum_value(
        "NEWEST", description="按成立日期，新的在前 / Latest founding date first"
    )
    MEMBERS = strawberry.enum_value("MEMBERS", description="会员多的在前 / Most members first")
    EMPLOYEES = strawberry.enum_value(
        "EMPLOYEES", description="职工多的在前 / Most employees first"
    )
    MEMBERSHIP_RATE = strawberry.enum_value(
        "MEMBERSHIP_RATE", description="入会率高的在前（无职工的在后）/ Highest rate first"
    )
    ID = strawberry.enum_value("ID", description="按代码 / By code")


@strawberry.type
class TreeQuery:
    """Reads of the tree, each confined to the caller's subtree (api/scope.py)."""

    @strawberry.field(description="一个工会（按统一社会信用代码或临时赋码）")
    async def union(self, info: Info, id: strawberry.ID) -> UnionType | None:
        uid = await scope_of(info.context).require_union(domain_key(id, "Union"), "id")
        found = await info.context.services.tree.get_union(uid)
        return UnionType.from_domain(found, in_scope=True)

    @strawberry.field(description="按名称、层级、所属上级检索工会（默认本账号管辖范围）")
    async def unions(
        self,
        info: Info,
        name_contains: str | None = None,
        level: UnionLevel | None = None,
        under: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
        depth: Annotated[
            int | None,
            strawberry.argument(
                description="只列 under 以下这么多层（0：仅 under 本身），含 depth 与 childCount"
                " / Levels below `under` (0: it alone); the flat subtree, level by level"
            ),
        ] = None,
        order_by: Annotated[
            UnionOrderBy | None,
            strawberry.argument(description="排序（缺省按代码）/ Order (default: by code)"),
        ] = None,
    ) -> Connection[UnionType]:
        scope = scope_of(info.context)
        root = (
            scope.root
            if under is None
            else await scope.require_union(domain_key(under, "Union"), "under")
        )
        if depth is not None or order_by is not None:  # the flat subtree, offset cursors
            listed = await info.context.services.tree.subtree(
                under=root,
                depth=depth,
                name_contains=name_contains,
                level=level.value if level else None,
                order=UnionOrder[order_by.name] if order_by else UnionOrder.ID,
                first=first,
                after=after,
            )
            return connection(listed, UnionType.listed)
        page = await info.context.services.tree.search_unions(
            name_contains=name_contains,
            level=level.value if level else None,
            under=root,
            first=first,
            after=after,
        )
        return connection(page, lambda u: UnionType.from_domain(u, in_scope=True))

    @strawberry.field(description="一个单位（按统一社会信用代码）")
    async def employer(self, info: Info, id: strawberry.ID) -> EmployerType | None:
        found = await scope_of(info.context).require_employer(domain_key(id, "Employer"), "id")
        return EmployerType.from_domain(found)

    @strawberry.field(description="按证件号查找会员")
    async def member(self, info: Info, id_number: str, cert_type: str = "01") -> MemberType | None:
        scope = scope_of(info.context)
        found, in_scope = await scope.require_member(id_number, cert_type, receiving=True)
        return MemberType.from_domain(found, in_scope=in_scope)

    @strawberry.field(description="工会及其下级的汇总统计")
    async def subtree_stats(
        self, info: Info, union_id: strawberry.ID, as_of: date | None = None
    ) -> SubtreeStats:
        uid = await scope_of(info.context).require_union(domain_key(union_id, "Union"), "unionId")
        stats = await info.context.services.stats.subtree_stats(uid, as_of=as_of)
        return SubtreeStats.from_domain(stats)


QUERIES: list[type] = [
    TreeQuery,
    NodeQuery,
    SearchQuery,
    AnomalyQuery,
    AffiliationQuery,
    MembershipQuery,
    DataQualityQuery,
    AuditQuery,
    AccountQuery,
]
"""Query types of each area, merged into one ``Query`` (areas append theirs here)."""
MUTATIONS: list[type] = [AffiliationMutation, MembershipMutation, AccountMutation]
QUERIES.append(CertificateQuery)  # api/certificates.py
MUTATIONS.append(CertificateMutation)
"""Mutation types of each area, merged into one ``Mutation``."""


def build_schema(*, demo: bool = False) -> strawberry.Schema:
    """The schema with error mapping, audit, document limits (api/hardening.py: introspection
    only in ``demo`` mode) and parse/validation caches."""
    query = merge_types("Query", tuple(QUERIES))
    mutation = merge_types("Mutation", tuple(MUTATIONS)) if MUTATIONS else None
    # Built once per schema: the same rule classes on every request keep the validation
    # cache's key stable (a limiter made per request creates new rule classes).
    rules = document_rules(demo=demo)
    extensions: list[Any] = [
        ClientErrors,
        AuditTrail,  # after ClientErrors: sees the original errors, records before they are masked
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: GuardedParserCache(maxsize=256),
        lambda: AddValidationRules(list(rules)),
        lambda: GuardedValidation(maxsize=256),
        PageBudget,
        InputLimits,  # api/input_limits.py: the same refusals for dry and real runs
        GlobalIdArguments,  # api/node.py: a Node's global id passed where its key is asked
    ]
    return strawberry.Schema(query=query, mutation=mutation, extensions=extensions)
