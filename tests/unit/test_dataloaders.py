"""A resolver cancelled while it awaits a shared DataLoader future must not cancel the others."""

from __future__ import annotations

import asyncio

import pytest
from strawberry.dataloader import DataLoader

from api.dataloaders import SharedDataLoader


async def _load(keys: list[str]) -> list[str]:
    await asyncio.sleep(0.01)
    return [k.upper() for k in keys]


async def _cancel_one_waiter(loader: DataLoader[str, str]) -> str:
    first = asyncio.ensure_future(loader.load("a"))
    second = asyncio.ensure_future(loader.load("a"))  # same key: the same batched future
    await asyncio.sleep(0)
    first.cancel()  # graphql-core cancels the siblings of a failed field like this
    return await second


async def test_a_cancelled_waiter_leaves_the_shared_value_to_the_others() -> None:
    assert await _cancel_one_waiter(SharedDataLoader(load_fn=_load)) == "A"


async def test_strawberrys_own_loader_would_cancel_them_all() -> None:
    # why SharedDataLoader exists: the plain loader hands both waiters one future
    with pytest.raises(asyncio.CancelledError):
        await _cancel_one_waiter(DataLoader(load_fn=_load))
