"""Audit over GraphQL: every mutation and every full-value read is recorded (``AuditTrail``), and
admins read the records of their subtree (``auditLog``).

``AuditTrail`` runs after the operation (refused ones included: a mutation document that failed
validation, a FORBIDDEN or NOT_FOUND from a resolver): one record per top-level mutation field,
with its arguments (variables substituted; masked by the audit service) and ``OK`` or the error
code of that field; then, once per request, one ``READ_FULL_VALUES`` record listing the objects
whose full certificate number or phone the response carries. If that read record cannot be
written the response withholds its data (no unaudited full values); a mutation whose record
cannot be written has already happened, so the response keeps its data and adds an error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any

import strawberry
from fastapi import Request
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    get_operation_ast,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from api.context import Context
from api.types import Connection, connection
from graph_service.domain.accounts import Principal
from graph_service.domain.audit import OK, READ_FULL_VALUES, AuditRecord
from graph_service.errors import Forbidden, NotFound, Unauthenticated, UnionTreeError
from graph_service.services.tree import check_union_id

log = logging.getLogger("union_tree.audit")
MAX_FIELD_RECORDS = 20
"""A document with more top-level mutation fields than this gets one summary record."""
AUDIT_FAILED = {"code": "GRAPH_UNAVAILABLE", "reason": "AUDIT_FAILED"}
Info = strawberry.Info[Context, None]


def error_code(error: GraphQLError) -> str:
    """The client code of an error, whether or not ClientErrors has rewritten it yet."""
    original = error.original_error
    if isinstance(original, UnionTreeError):
        return original.code
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    return "BAD_USER_INPUT" if original is None else "INTERNAL"


def _top_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    """Top-level fields of an operation, through fragments (cycles cut: this also runs on
    documents that failed validation)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _top_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            yield from _top_fields(fragments[name].selection_set, fragments, seen)


def _arguments(field: FieldNode, variables: dict[str, Any] | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for argument in field.arguments or ():
        value = value_from_ast_untyped(argument.value, variables)
        out[argument.name.value] = None if value is Undefined else value
    return out


def _operation(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    try:
        return get_operation_ast(document, name)
    except GraphQLError:
        return None


class AuditTrail(SchemaExtension):
    """Writes the audit records of a GraphQL request (place it after ClientErrors)."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context):
            return
        operation = _operation(
            self.execution_context.graphql_document, self.execution_context.operation_name
        )
        if operation is None:
            return
        result = self.execution_context.result
        errors: list[GraphQLError] = list(result.errors or []) if result is not None else []
        mutation = operation.operation is OperationType.MUTATION
        if mutation and not await self._record_mutation(context, operation, errors):
            self._add_error("审计记录写入失败，操作已执行，请联系管理员核对")
        if context.full_reads and not await self._record_full_reads(context, operation):
            if result is not None:
                result.data = None
            self._add_error("审计记录写入失败，未返回完整证件号和电话")

    def _add_error(self, message: str) -> None:
        result = self.execution_context.result
        if result is not None:
            result.errors = [*(result.errors or []), GraphQLError(message, extensions=AUDIT_FAILED)]

    async def _record_mutation(
        self, context: Context, operation: OperationDefinitionNode, errors: list[GraphQLError]
    ) -> bool:
        document = self.execution_context.graphql_document
        fragments = {
            d.name.value: d
            for d in (document.definitions if document else ())
            if isinstance(d, FragmentDefinitionNode)
        }
        fields = list(_top_fields(operation.selection_set, fragments, set()))
        variables = self.execution_context.variables
        pathless = [error_code(e) for e in errors if not e.path]
        by_key: dict[str, str] = {}
        for e in errors:
            if e.path:
                by_key.setdefault(str(e.path[0]), error_code(e))

        def outcome(field: FieldNode) -> str:
            key = field.alias.value if field.alias else field.name.value
            return by_key.get(key) or (pathless[0] if pathless else OK)

        if len(fields) > MAX_FIELD_RECORDS:
            summary = {
                "fields": [f.name.value for f in fields[:100]],
                "count": len(fields),
            }
            results = sorted({outcome(f) for f in fields})
            bad = [r for r in results if r != OK]
            return await self._write(context, "mutation", summary, bad[0] if bad else OK)
        written = True
        for field in fields:
            arguments = _arguments(field, variables)
            written &= await self._write(context, field.name.value, arguments, outcome(field))
        return written

    async def _record_full_reads(
        self, context: Context, operation: OperationDefinitionNode
    ) -> bool:
        objects = sorted(set(context.full_reads))
        fields = sorted({f.name.value for f in _top_fields(operation.selection_set, {}, set())})
        arguments = {
            "objects": [{"kind": kind, "id": object_id} for kind, object_id in objects],
            "fields": fields,
        }
        return await self._write(context, READ_FULL_VALUES, arguments, OK)

    async def _write(
        self, context: Context, operation: str, arguments: dict[str, object], result: str
    ) -> bool:
        principal = getattr(context, "principal", None)
        try:
            await context.services.audit.record(
                actor=principal.actor if principal is not None else "anonymous",
                scope_union_id=principal.scope_union_id if principal is not None else None,
                operation=operation,
                arguments=arguments,
                result=result,
                client_address=context.client_address,
                request_id=context.request_id,
            )
        except UnionTreeError as exc:  # never the message: it is ours, but keep logs uniform
            log.error("audit record of %s not written: %s", operation, type(exc).__name__)
            return False
        return True


async def record_request(
    request: Request,
    principal: Principal,
    operation: str,
    arguments: Mapping[str, object],
    result: str = OK,
) -> None:
    """The audit record of a plain HTTP endpoint (import upload, report download). Raises
    GraphUnavailableError when it cannot be written (the endpoint answers 503)."""
    await request.app.state.runtime.services.audit.record(
        actor=principal.actor,
        scope_union_id=principal.scope_union_id,
        operation=operation,
        arguments=arguments,
        result=result,
        client_address=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
    )


@strawberry.type(name="AuditRecord", description="一条审计记录（参数已脱敏）")
class AuditRecordType:
    seq: int
    at: str = strawberry.field(description="UTC 时间（ISO 8601）")
    actor: str
    scope_id: strawberry.ID | None = strawberry.field(description="操作账号的管辖工会")
    operation: str
    arguments: str = strawberry.field(description="脱敏后的参数（JSON）")
    result: str = strawberry.field(description="OK 或错误代码")
    client_address: str | None
    request_id: str | None
    prev_hash: str
    hash: str

    @classmethod
    def from_domain(cls, record: AuditRecord) -> AuditRecordType:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            scope_id=strawberry.ID(record.scope_id) if record.scope_id else None,
            operation=record.operation,
            arguments=record.arguments,
            result=record.result,
            client_address=record.client_address,
            request_id=record.request_id,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(description="审计日志：管辖范围内账号的操作记录，新的在前（仅管理员）")
    async def audit_log(
        self,
        info: Info,
        union_id: strawberry.ID,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[AuditRecordType]:
        context = info.context
        principal = getattr(context, "principal", None)
        if principal is None:
            raise Unauthenticated()
        if not principal.may_manage_accounts:
            raise Forbidden("只有管理员可以查看审计日志", reason="ADMIN_ONLY")
        uid = check_union_id(str(union_id), "unionId")
        inside = await context.services.tree.within([uid], principal.scope_union_id)
        if not inside.get(uid):
            raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field="unionId")
        page = await context.services.audit.log(
            union_id=uid, since=from_, until=to, first=first, after=after
        )
        return connection(page, AuditRecordType.from_domain)
