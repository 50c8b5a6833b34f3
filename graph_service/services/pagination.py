"""Relay-style pages with opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from graph_service.errors import BadUserInput

T = TypeVar("T")
MAX_PAGE = 500
_PREFIX = "c1:"


def encode_cursor(key: str) -> str:
    """An opaque cursor for the item with sort key ``key``."""
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key inside a cursor; a malformed cursor is BAD_USER_INPUT."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_PREFIX):
        raise BadUserInput("分页游标无效", reason="BAD_CURSOR", field="after")
    return raw[len(_PREFIX) :]


def page_size(first: int | None) -> int:
    """A requested page size, checked against the maximum."""
    size = 50 if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise BadUserInput(f"每页数量须在 0 到 {MAX_PAGE} 之间", reason="PAGE_SIZE", field="first")
    return size


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items, each with its cursor, and the total across all pages."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    total_count: int

    @property
    def end_cursor(self) -> str | None:
        """Cursor of the last item, to ask for the next page."""
        return self.cursors[-1] if self.cursors else None

    @classmethod
    def from_overfetch(cls, items: list[T], keys: list[str], size: int, total: int) -> Page[T]:
        """Build from ``size + 1`` fetched items: the extra one only says a next page exists."""
        return cls(
            items=items[:size],
            cursors=[encode_cursor(k) for k in keys[:size]],
            has_next_page=len(items) > size,
            total_count=total,
        )
