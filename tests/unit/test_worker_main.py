"""Import workers do not run the parent's __main__ again (the CLI, or here pytest's script):
their fork server stands in for it (loaders/worker_main.py), yet their tasks still run."""

from __future__ import annotations

import asyncio
import os
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
    worker_file, worker_spec = _in_worker(
        "(getattr(__import__('sys').modules['__main__'], '__file__', None), "
        "getattr(getattr(__import__('sys').modules['__main__'], '__spec__', None), 'name', None))"
    )  # type: ignore[misc]
    # the identity multiprocessing compares before re-running a main: its module name when the
    # parent ran ``python -m ...``, its file otherwise (multiprocessing.spawn)
    parent_spec = getattr(getattr(here, "__spec__", None), "name", None)
    if parent_spec:
        assert worker_spec == parent_spec
    else:
        assert worker_file is not None
        assert os.path.abspath(worker_file) == os.path.abspath(here.__file__)


def test_worker_tasks_still_run() -> None:
    async def ask() -> object:
        with _Worker() as worker:
            return await worker.call(_worker_cells, "no-such-stream", 0, [2])

    assert asyncio.run(ask()) == {}
