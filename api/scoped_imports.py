"""Imports over HTTP, confined to the uploader's subtree, row by row.

The policy (README "Accounts and scope"): the target union (``union`` form field or the
roster's 工会名称) must lie in the uploader's scope, else the upload is refused with the NOT_FOUND
of an unknown union. Rows addressed to unions outside the scope are rejected one by one, each
exactly as a row naming an unknown union is (UNION_NOT_FOUND / PARENT_NOT_FOUND), so a file
cannot probe the tree; rows naming a union or employer code registered outside the scope are
rejected as REGISTERED_ELSEWHERE (those codes are public credit codes); a member registered in a
union outside the scope is reported without naming that union. Valid rows in scope are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from api.scope import Scope, scope_for
from graph_service.domain.accounts import Principal
from graph_service.domain.models import Employer
from graph_service.errors import NotFound
from graph_service.services.imports import (
    BatchInfo,
    ImportService,
    MemberPlan,
    Outcome,
    RowIssue,
    UnitRow,
)
from graph_service.services.registry import Services

_OTHER_UNION = "该证件号已是其他工会的在册会员，一证一会员，不能重复入会；如需转会请办理会籍接转"


def _row(record: Mapping[str, object]) -> int:
    return int(record["srcRow"])  # type: ignore[call-overload]


class ScopedImports:
    """An ImportService whose look-ups and row plans stop at the uploader's subtree."""

    def __init__(self, principal: Principal, services: Services) -> None:
        self._principal = principal
        self._services = services
        self._inner: ImportService = services.imports

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _scope(self) -> Scope:
        # fresh caches per call: unions created by an earlier sheet of the same upload count
        return scope_for(self._principal, self._services)

    async def check_union(self, union_id: str) -> str:
        return await self._scope().require_union(union_id, "union")

    async def union_by_exact_name(self, name: str) -> str:
        found = await self._inner.union_by_exact_name(name)
        if not await self._scope().union_in(found):
            raise NotFound(
                f"未找到名称为「{name}」的工会，请指定所属工会的代码",
                reason="UNION_NAME_NOT_FOUND",
                field="unionName",
            )
        return found

    async def plan_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo
    ) -> MemberPlan:
        scope = self._scope()
        inside = await scope.unions_in(str(r["unionId"]) for r in rows)
        kept = [r for r in rows if inside[str(r["unionId"])]]
        plan = await self._inner.plan_members(kept, batch=batch)
        issues = [
            RowIssue(_row(r), "unionId", "UNION_NOT_FOUND", "所属工会不存在")
            for r in rows
            if not inside[str(r["unionId"])]
        ]
        for i, issue in enumerate(plan.outcome.issues):
            other = issue.other_union
            if other is not None and not await scope.union_in(other):
                plan.outcome.issues[i] = replace(issue, message=_OTHER_UNION, other_union=None)
        plan.outcome.issues.extend(issues)
        return plan

    async def import_units(
        self,
        rows: Sequence[UnitRow],
        *,
        default_parent: str | None,
        batch: BatchInfo,
        dry_run: bool,
        chunk: int = 2_000,
    ) -> Outcome:
        scope = self._scope()
        tree = self._services.tree
        union_ids: set[str] = set()
        employer_ids: set[str] = set()
        for r in rows:
            if r.union is not None:
                union_ids.update(x for x in (r.union.id, r.union.parent_id) if x)
            if r.employer is not None and r.employer.id:
                employer_ids.add(r.employer.id)
        if default_parent:
            union_ids.add(default_parent)
        existing = await tree.get_unions(sorted(union_ids))
        employers = await tree.get_employers(sorted(employer_ids))
        inside = await scope.unions_in(existing)
        issues: list[RowIssue] = []
        kept = []
        for r in rows:
            issue = await self._unit_issue(r, default_parent, existing, inside, employers, scope)
            if issue is None:
                kept.append(r)
            else:
                issues.append(issue)
        out = await self._inner.import_units(
            kept, default_parent=default_parent, batch=batch, dry_run=dry_run, chunk=chunk
        )
        out.issues.extend(issues)
        return out

    @staticmethod
    async def _unit_issue(
        r: UnitRow,
        default_parent: str | None,
        existing: Mapping[str, object],
        inside: Mapping[str, bool],
        employers: Mapping[str, Employer],
        scope: Scope,
    ) -> RowIssue | None:
        n = r.src_row
        elsewhere = "该代码已由本账号管辖范围以外的工会登记，不能在此导入"
        union = r.union
        if union is not None:
            uid = union.id or ""
            if uid in existing and not inside[uid]:
                return RowIssue(n, "unionId", "REGISTERED_ELSEWHERE", elsewhere, conflict=True)
            national = union.props.get("level") == "NATIONAL"
            if national and uid not in existing:  # a new root lies in nobody's scope
                msg = "全国总工会须由本地管理员用命令行建立（union-tree bootstrap / import）"
                return RowIssue(n, "unionLevel", "OUTSIDE_SCOPE", msg)
            if national:
                return None  # the caller's own root (in scope, checked above)
            parent = union.parent_id or default_parent or ""
            if parent in existing and not inside[parent]:
                return RowIssue(n, "parentId", "PARENT_NOT_FOUND", "上级工会不存在")
        employer = r.employer
        if employer is not None:
            found = employers.get(employer.id or "")
            if found is not None and not await scope.employer_in(found):
                return RowIssue(n, "employerId", "REGISTERED_ELSEWHERE", elsewhere, conflict=True)
            if found is None and union is None:
                region = employer.props.get("regionCode")
                future = Employer.model_validate({"id": "-", "name": "-", "regionCode": region})
                if not await scope.employer_in(future):
                    msg = "单位所在地区不属于本账号管辖范围，请填写所属工会或由所在地区的工会导入"
                    return RowIssue(n, "regionCode", "REGION_OUTSIDE_SCOPE", msg)
        return None
