"""Tests that compare GraphQL answers with the generator's domain keys: Relay global ids
(``base64("Type:key")``, api/node.py) of unions, employers and members read as their keys."""

from __future__ import annotations

import base64
import binascii
from typing import Any

NODE_TYPES = ("Union", "Employer", "Member", "MemberTransfer")


def key_of(value: object) -> object:
    """The domain key of a Node's global id; anything else unchanged."""
    if not isinstance(value, str) or len(value) < 8 or len(value) % 4:
        return value
    try:
        raw = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value
    type_name, sep, key = raw.partition(":")
    return key if sep and type_name in NODE_TYPES and key else value


def plain_ids(data: Any) -> Any:
    """``data`` with every ``id`` that is a Node's global id replaced by its domain key."""
    if isinstance(data, dict):
        return {k: key_of(v) if k == "id" else plain_ids(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain_ids(v) for v in data]
    return data
