"""Import workers do not run the parent's __main__ again (the CLI, or here pytest's script):
their fork server stands in for it (loaders/worker_main.py), yet their tasks still run."""

from __future__ import annotations

import asyncio
import sys

from loaders.importer import _Worker, _worker_cells


def _in_worker(expression: str) -> object:
    async def ask() -> object:
        with _Worker() as worker:
            return await worker.call(eval, expression)

    return asyncio.run(ask())


def test_the_worker_main_is_a_stand_in_with_the_parents_identity() -> None:
    here = sys.modules["__main__"]
    names = _in_worker(
        "sorted(n for n in vars(__import__('sys').modules['__main__']) if n[0] != '_')"
    )
    assert names == []  # nothing of the parent's main script ran in the worker
    assert set(vars(here)) - {n for n in vars(here) if n.startswith("_")}  # the parent's did
    same_file = _in_worker("getattr(__import__('sys').modules['__main__'], '__file__', None)")
    assert same_file == getattr(here, "__file__", None) or here.__spec__ is not None


def test_worker_tasks_still_run() -> None:
    async def ask() -> object:
        with _Worker() as worker:
            return await worker.call(_worker_cells, "no-such-stream", 0, [2])

    assert asyncio.run(ask()) == {}
