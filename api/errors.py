"""Errors reach clients with ``extensions.code`` and a Chinese message; nothing else leaks."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph_service.errors import UnionTreeError

log = logging.getLogger("union_tree.api")


def to_client_error(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: known errors keep their code, the rest are masked."""
    original = error.original_error
    if original is None:  # parse or validation error of the document itself
        return GraphQLError(
            f"查询语句有误：{error.message}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "BAD_USER_INPUT", "reason": "GRAPHQL_VALIDATION"},
        )
    if isinstance(original, UnionTreeError):
        if original.code == "INTERNAL" or original.code == "GRAPH_UNAVAILABLE":
            log.warning("graph error %s on %s", type(original).__name__, error.path)
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            extensions=original.extensions(),
        )
    if error.path is None and isinstance(original, GraphQLError | ValueError | TypeError):
        # a variable's value does not fit its declared type: graphql-core coerces variables
        # before execution (no path). The client's own input, not a server fault (the message
        # quotes the value back to the client that sent it, and is not logged)
        return GraphQLError(
            f"变量值有误：{error.message}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            extensions={"code": "BAD_USER_INPUT", "reason": "GRAPHQL_VARIABLES"},
        )
    # the stack, never the exception's message: messages (pydantic's, drivers') can carry
    # certificate numbers or phones, which must not reach the logs
    frames = "".join(traceback.format_tb(original.__traceback__))
    log.error("unexpected %s on %s\n%s", type(original).__name__, error.path, frames)
    return GraphQLError(
        "服务内部错误", nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"}
    )


class ClientErrors(SchemaExtension):
    """Rewrites every error of a result into its client form."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [to_client_error(e) for e in result.errors]
