"""GraphQL hardening: what an abusive document or request meets before it can cost anything.

* Document limits (validation rules shared by every request, so the validation cache hits):
  depth 12 and 30 aliases, counted through fragments; introspection (``__schema``/``__type``)
  refused outside demo mode (graphql-core's ``NoSchemaIntrospectionCustomRule``). The token
  limit (2,000) is applied by the parser (strawberry's ``MaxTokensLimiter``).
* ``GuardedValidation``: before graphql-core's validation, refuses documents that repeat one
  field in a selection set too often (the "fields can be merged" check is quadratic per
  repetition and multiplies with nesting: 1,800 tokens of nested repeats took 1.1 s of CPU).
* ``PageBudget``: before execution, multiplies the page sizes (``first``, or its default) of
  nested connections; more than :data:`MAX_PAGED_OBJECTS` objects is refused. A single page is
  still limited by ``pagination.page_size`` (0..500, else BAD_USER_INPUT/PAGE_SIZE).
* ``GraphQLRequestGuard`` (ASGI): a JSON array body to ``/graphql`` (batching) is refused with
  400 and a code; bodies over :data:`MAX_BODY_BYTES` with 413.

Every refusal carries ``extensions.code`` BAD_USER_INPUT and a ``reason``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from graph_service.errors import BadUserInput
from graph_service.services.pagination import MAX_PAGE

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MAX_SAME_FIELD = 2
"""How often one response name may appear in one selection set (inline fragments flattened)."""
MAX_REPEATED_FIELDS = 20
"""Repetitions (beyond the first) allowed in the whole document."""
MAX_PAGED_OBJECTS = 10_000
"""Objects a document may ask for through nested pages (product of ``first`` along nesting)."""
MAX_BODY_BYTES = 1_048_576
GRAPHQL_PATH = "/graphql"

_LIMITS = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)
_NO_INTROSPECTION = (NoSchemaIntrospectionCustomRule,)


def document_rules(*, demo: bool) -> tuple[type[ASTValidationRule], ...]:
    """The document limits; introspection is refused unless ``demo``. The same tuple of rule
    classes every call, so the validation cache's keys stay stable."""
    return _LIMITS if demo else _LIMITS + _NO_INTROSPECTION


def refusal(message: str, reason: str) -> GraphQLError:
    """A refusal that ClientErrors turns into BAD_USER_INPUT with ``reason``."""
    return GraphQLError(message, original_error=BadUserInput(message, reason=reason))


# ---------------------------------------------------------------- parsing


class GuardedParserCache(ParserCache):
    """The parser cache, minus one flaw: a syntax error (the token limit's too) raised inside
    the parse hook escapes strawberry's handling and reaches the client without a code. Here it
    is left to strawberry's own parse, which reports it as a document error (BAD_USER_INPUT)."""

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLError:
            self.execution_context.graphql_document = None
            yield


# ---------------------------------------------------------------- repeated fields


def _flatten(selection_set: SelectionSetNode) -> Iterator[FieldNode]:
    """Fields of one selection set, inline fragments flattened (named spreads are compared by
    graphql-core with a memo, so they do not multiply)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _flatten(selection.selection_set)


def _selection_sets(document: DocumentNode) -> Iterator[SelectionSetNode]:
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        current = stack.pop()
        yield current
        for selection in current.selections:
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                stack.append(inner)


def repeated_fields_error(document: DocumentNode | None) -> GraphQLError | None:
    """A refusal when fields are repeated beyond the limits, else None."""
    if document is None:
        return None
    repeated = 0
    for selection_set in _selection_sets(document):
        names = Counter(
            (f.alias or f.name).value for f in _flatten(selection_set)
        )
        for count in names.values():
            if count > MAX_SAME_FIELD:
                return refusal(
                    f"同一字段在一个选择集中最多出现 {MAX_SAME_FIELD} 次", "REPEATED_FIELDS"
                )
            repeated += count - 1
    if repeated > MAX_REPEATED_FIELDS:
        return refusal(f"重复字段过多（最多 {MAX_REPEATED_FIELDS} 个）", "REPEATED_FIELDS")
    return None


def operation_name_error(
    document: DocumentNode | None, operation_name: str | None
) -> GraphQLError | None:
    """A refusal when the document has several operations and no ``operationName`` says which
    one to run (strawberry would silently run the first)."""
    if document is None or operation_name is not None:
        return None
    operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    if operations > 1:
        return refusal(
            "文档包含多个操作，请用 operationName 指定要执行的操作", "OPERATION_NAME_REQUIRED"
        )
    return None


class GuardedValidation(ValidationCache):
    """The validation cache, with the operation-name and repeated-field checks first (either
    refusal skips validation)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        provided = context._provided_operation_name  # ``operation_name`` falls back to the first
        document = context.graphql_document
        error = operation_name_error(document, provided) or repeated_fields_error(document)
        if error is not None:
            self.execution_context.pre_execution_errors = [error]
            yield
            return
        yield from super().on_validate()


# ---------------------------------------------------------------- page budget


class _Budget:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any] | None,
        caps: dict[str, int] | None = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables or {}
        self.objects = 0
        self.caps = caps or {}

    def walk(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode, factor: int
    ) -> None:
        for selection in selection_set.selections:
            if self.objects > MAX_PAGED_OBJECTS:
                return
            if isinstance(selection, FieldNode):
                self._field(parent, selection, factor)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(target, selection.selection_set, factor)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    self.walk(target, fragment.selection_set, factor)

    def _field(self, parent: GraphQLNamedType | None, node: FieldNode, factor: int) -> None:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return
        definition: GraphQLField | None = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return
        size = self._first(definition, node)
        if size is not None:
            factor *= max(size, 1)
            kind = DISJOINT.get((parent.name, node.name.value))
            if kind is not None and kind in self.caps:
                factor = min(factor, self.caps[kind])  # no more than exist in the scope
            self.objects += factor
        self.walk(get_named_type(definition.type), node.selection_set, factor)

    def _first(self, definition: GraphQLField, node: FieldNode) -> int | None:
        argument = definition.args.get("first")
        if argument is None:
            return None
        value: object = Undefined
        for given in node.arguments or ():
            if given.name.value == "first":
                value = value_from_ast_untyped(given.value, self.variables)
        if value is Undefined or value is None:
            value = argument.default_value
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return min(value, MAX_PAGE)  # a larger page is refused by the resolver (PAGE_SIZE)


DISJOINT = {("Union", "children"): "unions", ("Query", "unions"): "unions"}
"""Connections whose pages under different parents never share an item (a union has one
current parent): however they nest, they return at most the unions of the caller's scope."""


def paged_objects(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    caps: dict[str, int] | None = None,
) -> int:
    """Objects the operation may return through pages: sum over connections of the product of
    ``first`` along their nesting (stops counting past the budget). With ``caps`` (objects of a
    kind in the caller's scope), a :data:`DISJOINT` connection counts no more than exist: a
    three-level tree explorer with ``first: 100`` counts the unions it can really return."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    budget = _Budget(schema, fragments, variables, caps)
    budget.walk(root, operation.selection_set, 1)
    return budget.objects


async def _scope_caps(request_context: Any) -> dict[str, int]:
    """Objects of each :data:`DISJOINT` kind in the caller's scope ({} when unknown)."""
    principal = getattr(request_context, "principal", None)
    services = getattr(request_context, "services", None)
    root = getattr(principal, "scope_union_id", None)
    if services is None or root is None:
        return {}
    page = await services.tree.search_unions(
        name_contains=None, level=None, under=root, first=0, after=None
    )
    return {"unions": page.total_count}


class PageBudget(SchemaExtension):
    """Refuses, before execution, documents whose nested pages ask for too many objects."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            schema = context.schema._schema
            count = paged_objects(schema, document, context.operation_name, context.variables)
            if count > MAX_PAGED_OBJECTS:  # past the naive count: what can really come back
                caps = await _scope_caps(context.context)
                if caps:
                    count = paged_objects(
                        schema, document, context.operation_name, context.variables, caps
                    )
            if count > MAX_PAGED_OBJECTS:
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        refusal(
                            f"嵌套分页请求的对象过多（最多 {MAX_PAGED_OBJECTS} 个），请减小 first",
                            "PAGE_BUDGET",
                        )
                    ],
                )
        yield


# ---------------------------------------------------------------- HTTP request guard


def _refusal_body(message: str, reason: str) -> bytes:
    error = {"message": message, "extensions": {"code": "BAD_USER_INPUT", "reason": reason}}
    body = {"errors": [error]}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class GraphQLRequestGuard:
    """ASGI middleware for ``POST /graphql``: no batching (JSON array bodies), bounded bodies."""

    def __init__(
        self, app: ASGIApp, *, path: str = GRAPHQL_PATH, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.path = path
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path", "").rstrip("/") != self.path
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _respond(send, 413, _refusal_body("请求体过大", "BODY_TOO_LARGE"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.lstrip()[:1] == b"[":
            text = "不支持批量查询：每个请求只能包含一个操作"
            await _respond(send, 400, _refusal_body(text, "BATCHING_DISABLED"))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def cors_origins(origins: Sequence[str]) -> list[str]:
    """The configured allow-list, stripped; ``*`` is refused (credentials travel in headers)."""
    cleaned = [o.strip().rstrip("/") for o in origins if o.strip()]
    if "*" in cleaned:
        raise BadUserInput(
            "CORS 允许来源不能为 *，请逐个列出", reason="CORS_WILDCARD", field="cors_origins"
        )
    return cleaned


def install_hardening(app: Any, *, cors_origins_setting: Sequence[str]) -> None:
    """The request guard on ``/graphql``, and CORS only when an allow-list is configured."""
    from fastapi.middleware.cors import CORSMiddleware

    app.add_middleware(GraphQLRequestGuard)
    origins = cors_origins(cors_origins_setting)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            allow_credentials=False,
            max_age=600,
        )
