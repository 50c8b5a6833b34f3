"""Bounded, consistent input: every string argument of a GraphQL operation (inline or in the
variables, inside input objects too) is checked before execution, so a dry run and a real run
refuse exactly the same values:

* no control character (U+0000-U+001F except tab, newline and carriage return; U+007F):
  a NUL was accepted by a dry run and refused by the engine in the real run;
* at most :data:`MAX_CHARS` characters for the argument's name (documented in the README),
  :data:`DEFAULT_MAX_CHARS` for any other string.

A refusal is BAD_USER_INPUT with ``reason`` CONTROL_CHARACTER or TOO_LONG and the field's name;
the value itself is never echoed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from graphql.language import Visitor, visit
from strawberry.extensions import SchemaExtension

from graph_service.errors import BadUserInput

MAX_CHARS = {
    "reason": 500,
    "note": 500,
    "name": 100,
    "nameContains": 100,
    "address": 200,
    "chair": 50,
    "unionPost": 50,
    "username": 64,
    "password": 256,
    "certificatePem": 16_000,  # api/certificates.py: a PEM certificate (chain)
    "issuer": 1_000,
}
"""Characters per free-text argument (a name field is also held to its own rule, e.g. a
member's name to 50, by graph_service/domain/inputs.py)."""
DEFAULT_MAX_CHARS = 200
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(name: str, value: str) -> None:
    """Refuse a control character or a text longer than the argument's limit."""
    if _CONTROL.search(value):
        raise BadUserInput(
            "输入中含有不允许的控制字符（如空字符 U+0000）", reason="CONTROL_CHARACTER", field=name
        )
    limit = MAX_CHARS.get(name, DEFAULT_MAX_CHARS)
    if len(value) > limit:
        raise BadUserInput(f"不能超过{limit}个字", reason="TOO_LONG", field=name)


def check_value(name: str, value: Any) -> None:
    """``check_text`` of every string in a (variable's) value, by its field's name."""
    if isinstance(value, str):
        check_text(name, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(str(key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            check_value(name, item)


class _Arguments(Visitor):
    """Inline string values by argument or input field name; variables by where they go."""

    def __init__(self) -> None:
        super().__init__()
        self.literals: list[tuple[str, str]] = []
        self.variables: dict[str, str] = {}

    def _value(self, name: str, node: ValueNode) -> None:
        if isinstance(node, StringValueNode):
            self.literals.append((name, node.value))
        elif isinstance(node, VariableNode):
            self.variables.setdefault(node.name.value, name)
        elif isinstance(node, ListValueNode):
            for item in node.values:
                self._value(name, item)
        # object values: their fields are visited on their own (ObjectFieldNode)

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        self._value(node.name.value, node.value)

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        if not isinstance(node.value, ObjectValueNode):
            self._value(node.name.value, node.value)


class InputLimits(SchemaExtension):
    """Refuses, before execution, string arguments with control characters or too long."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            found = _Arguments()
            visit(document, found)
            try:
                for name, text in found.literals:
                    check_text(name, text)
                for variable, value in (context.variables or {}).items():
                    check_value(found.variables.get(variable, variable), value)
            except BadUserInput as exc:
                error = GraphQLError(exc.message, original_error=exc)
                context.result = ExecutionResult(data=None, errors=[error])
        yield
