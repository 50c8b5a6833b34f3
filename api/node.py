"""Relay's ``Node`` interface and global ids.

A global id is ``base64("Type:key")`` (standard alphabet, padded), ``key`` being the object's
domain key (a union's or employer's code, a member's internal id, a transfer's id). It is unique
across types and opaque to clients; the domain key stays readable in its own field (``code`` on
Union and Employer, ``key`` elsewhere)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from graph_service.errors import BadUserInput


@strawberry.interface(
    name="Node",
    description="可按全局 id 重新获取的对象（Relay 约定）/ An object refetchable by its global id",
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="全局唯一 id（不透明，跨类型唯一）/ Globally unique opaque id"
    )


def global_id(type_name: str, key: str) -> strawberry.ID:
    """The global id of the object of ``type_name`` with domain key ``key``."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{key}".encode()).decode())


def parse_global_id(value: str, field: str = "id") -> tuple[str, str]:
    """(type name, domain key) of a global id; a malformed one is BAD_USER_INPUT/NODE_ID."""
    try:
        raw = base64.b64decode(str(value).strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    type_name, sep, key = raw.partition(":")
    if not sep or not type_name or not key:
        raise BadUserInput("全局 id 无效", reason="NODE_ID", field=field)
    return type_name, key


def domain_key(value: str, type_name: str) -> str:
    """An id argument that takes either a domain key or a global id of ``type_name``: the domain
    key. A value that is not a global id of that type is returned as given (a domain key)."""
    try:
        found_type, key = parse_global_id(value)
    except BadUserInput:
        return str(value)
    return key if found_type == type_name else str(value)


NODE_TYPES = frozenset({"Union", "Employer", "Member", "MemberTransfer"})
_RELAY_FIELDS = frozenset({"node", "nodes"})


def _domain_value(value: object) -> object:
    """A global id of a Node type becomes its domain key; lists and input objects are walked;
    anything else is returned unchanged."""
    if isinstance(value, str):
        if len(value) < 8 or len(value) % 4:  # standard base64 is padded to 4
            return value
        try:
            found_type, key = parse_global_id(value)
        except BadUserInput:
            return value
        return key if found_type in NODE_TYPES else value
    if isinstance(value, list):
        return [_domain_value(v) for v in value]
    if isinstance(value, dict):  # an input object, as graphql-core hands it to the resolver
        return {k: _domain_value(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _domain_value(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), str | list)
        }
        return dataclasses.replace(value, **changes) if changes else value
    return value


class GlobalIdArguments(SchemaExtension):
    """Every argument (and input-object field) that holds a Node's global id reaches its
    resolver as the domain key, so a client may pass back the ``id`` it read wherever a union,
    employer or member key is asked for. ``node``/``nodes`` get the global ids themselves."""

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if kwargs and info.field_name not in _RELAY_FIELDS:
            kwargs = {name: _domain_value(value) for name, value in kwargs.items()}
        return _next(root, info, *args, **kwargs)
