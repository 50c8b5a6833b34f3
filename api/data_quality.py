"""GraphQL of the 百日采集 data-quality scorecard (``dataQuality``)."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.scope import scope_of
from api.types import Count, UnionType
from graph_service.domain import quality as domain

Info = strawberry.Info[Context, None]


@strawberry.type(description="一个下级工会（含其全部下级）的数据质量")
class DataQualityRow:
    union: UnionType
    members: int
    member_fields_filled: float | None = strawberry.field(
        description="会员9项信息的填报率（0..1），无会员时为空"
    )
    union_fields_filled: float | None = strawberry.field(description="工会5项信息的填报率")
    unit_fields_filled: float | None = strawberry.field(description="单位2项信息的填报率")
    invalid: list[Count] = strawberry.field(
        description="不合规条数：CERT 证件号、PHONE 手机号、TEMP_CODE 临时赋码、UNIT_CODE 单位代码"
    )
    duplicates: int = strawberry.field(description="同名单位的数量")
    members_with_gaps: int = strawberry.field(
        description="9项必采信息中至少一项未填的会员人数（导入时记为缺项，不拒绝）"
    )
    missing_member_fields: list[Count] = strawberry.field(
        description="各必采项未填的会员人数（key 为字段名）"
    )

    @classmethod
    def from_domain(cls, r: domain.DataQualityRow) -> DataQualityRow:
        return cls(
            union=UnionType.from_domain(r.union, in_scope=True),  # a child of a union in scope
            members=r.members,
            member_fields_filled=r.member_fields_filled,
            union_fields_filled=r.union_fields_filled,
            unit_fields_filled=r.unit_fields_filled,
            invalid=[Count.from_domain(c) for c in r.invalid],
            duplicates=r.duplicates,
            members_with_gaps=r.members_with_gaps,
            missing_member_fields=[Count.from_domain(c) for c in r.missing_member_fields],
        )


@strawberry.type(description="百日采集数据质量记分卡：逐个现行下级工会")
class DataQuality:
    union_id: strawberry.ID
    children: list[DataQualityRow]

    @classmethod
    def from_domain(cls, d: domain.DataQuality) -> DataQuality:
        return cls(
            union_id=strawberry.ID(d.union_id),
            children=[DataQualityRow.from_domain(r) for r in d.children],
        )


@strawberry.type
class DataQualityQuery:
    @strawberry.field(description="工会各现行下级（含其全部下级）的数据填报率与不合规数据")
    async def data_quality(self, info: Info, union_id: strawberry.ID) -> DataQuality:
        uid = await scope_of(info.context).require_union(str(union_id), "unionId")
        found = await info.context.services.data_quality.data_quality(union_id=uid)
        return DataQuality.from_domain(found)
