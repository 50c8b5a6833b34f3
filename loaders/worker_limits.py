"""An import's worker process bounded in address space and wall-clock time.

The worker parses what the streaming checks (loaders/limits.py) let through; a file that
still makes it grow past ``import_worker_memory_mb`` (RLIMIT_AS: its allocations fail, or it
dies) or run past ``import_worker_seconds`` (a watchdog in the parent; RLIMIT_CPU behind
it) is refused with FILE_TOO_LARGE, and the worker is killed, so nothing keeps running after
the caller has its answer."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing.context
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, TypeVar

from graph_service.errors import FileTooLarge

if TYPE_CHECKING:
    from loaders.limits import FileLimits

_T = TypeVar("_T")
_MB = 1 << 20


def limit_process(memory_bytes: int, seconds: float) -> None:
    """In the worker, first thing: its address space and CPU time are bounded."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cpu = max(1, int(seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


class WorkerGuard:
    """Starts the bounded pool of one import run and turns its failures into refusals."""

    def __init__(self, limits: FileLimits) -> None:
        self._limits = limits
        self._deadline = 0.0
        self.killed = False

    def pool(self, context: multiprocessing.context.BaseContext) -> ProcessPoolExecutor:
        """The one-process pool, its clock started now."""
        self._deadline = time.monotonic() + self._limits.worker_seconds
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=limit_process,
            initargs=(self._limits.worker_memory_bytes, self._limits.worker_seconds),
        )

    def watch(
        self, future: concurrent.futures.Future[_T], pool: ProcessPoolExecutor
    ) -> asyncio.Future[_T]:
        """The call's result, or FILE_TOO_LARGE once the worker passed a limit (killed)."""
        return asyncio.ensure_future(self._guarded(future, pool))

    async def _guarded(
        self, future: concurrent.futures.Future[_T], pool: ProcessPoolExecutor
    ) -> _T:
        left = max(0.0, self._deadline - time.monotonic())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), left)
        except TimeoutError as exc:
            self.kill(pool)
            raise self._timeout() from exc
        except (BrokenProcessPool, MemoryError) as exc:
            self.kill(pool)
            if time.monotonic() >= self._deadline:
                raise self._timeout() from exc
            limit = f"{self._limits.worker_memory_bytes // _MB} MB"
            raise FileTooLarge(
                f"文件解析所需内存超过限制（{limit}），已拒绝导入",
                reason="WORKER_MEMORY",
                field="file",
                details={"limit": limit},
            ) from exc

    def _timeout(self) -> FileTooLarge:
        limit = f"{self._limits.worker_seconds:g} 秒"
        return FileTooLarge(
            f"文件解析超过时间限制（{limit}），已拒绝导入",
            reason="WORKER_TIMEOUT",
            field="file",
            details={"limit": limit},
        )

    def kill(self, pool: ProcessPoolExecutor) -> None:
        """Kill the worker now (the pool is broken from then on)."""
        self.killed = True
        # ProcessPoolExecutor has no public way to stop a running task before Python 3.14
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
