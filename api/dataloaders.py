"""DataLoaders whose shared futures survive the cancellation of one waiting resolver.

graphql-core cancels the sibling fields of a field that failed. A resolver cancelled while it
awaits a DataLoader future would cancel that future, and every other resolver waiting on the
same key (elsewhere in the document) would then get ``CancelledError``, which escapes the
executor as an HTTP 500 (found by schemathesis). Each caller here awaits a shield of the shared
future instead: cancelling a caller cancels only its own shield.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
T = TypeVar("T")


class SharedDataLoader(DataLoader[K, T]):
    """A strawberry DataLoader whose ``load`` (and so ``load_many``) shields the shared future."""

    def load(self, key: K) -> Awaitable[T]:
        """The value for ``key``, batched and cached per request as usual."""
        return asyncio.shield(super().load(key))
