"""Typed readers of the scalar cells a query returns (the engines give ``object``)."""

from __future__ import annotations


def whole(value: object) -> int:
    """A count or number cell as an int (a missing one is 0)."""
    if value is None:
        return 0
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {type(value).__name__}")
