"""The GraphQL schema of CONTRACT.md: queries over the union tree."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from api.affiliation import AffiliationMutation, AffiliationQuery
from api.anomalies import AnomalyQuery
from api.context import Context
from api.data_quality import DataQualityQuery
from api.errors import ClientErrors
from api.membership import MembershipMutation, MembershipQuery
from api.types import (
    Connection,
    EmployerType,
    MemberType,
    SubtreeStats,
    UnionLevel,
    UnionType,
    connection,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class TreeQuery:
    @strawberry.field(description="一个工会（按统一社会信用代码或临时赋码）")
    async def union(self, info: Info, id: strawberry.ID) -> UnionType | None:
        return UnionType.from_domain(await info.context.services.tree.get_union(str(id)))

    @strawberry.field(description="按名称、层级、所属上级检索工会")
    async def unions(
        self,
        info: Info,
        name_contains: str | None = None,
        level: UnionLevel | None = None,
        under: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[UnionType]:
        page = await info.context.services.tree.search_unions(
            name_contains=name_contains,
            level=level.value if level else None,
            under=str(under) if under is not None else None,
            first=first,
            after=after,
        )
        return connection(page, UnionType.from_domain)

    @strawberry.field(description="一个单位（按统一社会信用代码）")
    async def employer(self, info: Info, id: strawberry.ID) -> EmployerType | None:
        return EmployerType.from_domain(await info.context.services.tree.get_employer(str(id)))

    @strawberry.field(description="按证件号查找会员")
    async def member(self, info: Info, id_number: str, cert_type: str = "01") -> MemberType | None:
        found = await info.context.services.tree.member_by_certificate(id_number, cert_type)
        return MemberType.from_domain(found, info.context)

    @strawberry.field(description="工会及其下级的汇总统计")
    async def subtree_stats(
        self, info: Info, union_id: strawberry.ID, as_of: date | None = None
    ) -> SubtreeStats:
        stats = await info.context.services.stats.subtree_stats(str(union_id), as_of=as_of)
        return SubtreeStats.from_domain(stats)


QUERIES: list[type] = [
    TreeQuery,
    AnomalyQuery,
    AffiliationQuery,
    MembershipQuery,
    DataQualityQuery,
]
"""Query types of each area, merged into one ``Query`` (areas append theirs here)."""
MUTATIONS: list[type] = [AffiliationMutation, MembershipMutation]
"""Mutation types of each area, merged into one ``Mutation``."""


# Built once: the same rule classes on every request keep the validation cache's key stable
# (a limiter extension made per request creates new rule classes, so nothing would be cached).
_LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
)


class DocumentLimits(AddValidationRules):
    """Depth and alias limits, with rule classes shared by every request."""

    def __init__(self) -> None:
        super().__init__(list(_LIMIT_RULES))


def build_schema() -> strawberry.Schema:
    """The schema with error mapping, document limits and parse/validation caches."""
    query = merge_types("Query", tuple(QUERIES))
    mutation = merge_types("Mutation", tuple(MUTATIONS)) if MUTATIONS else None
    extensions: list[Any] = [
        ClientErrors,
        lambda: MaxTokensLimiter(max_token_count=2_000),
        lambda: ParserCache(maxsize=256),
        DocumentLimits,
        lambda: ValidationCache(maxsize=256),
    ]
    return strawberry.Schema(query=query, mutation=mutation, extensions=extensions)
