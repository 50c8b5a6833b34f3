"""Keeps the embedded engine running: notices its exit and starts it again on the same data dir.

While the engine is down every statement fails fast with GRAPH_UNAVAILABLE (the socket refuses
connections, a loading engine answers LOADING); once it answers again the store's idle
connections are dropped and the service carries on by itself.

No restart loop: a permanent cause (the data dir's lock file removed or replaced, the binary
gone, a corrupt append-only file) stops the supervisor at once; otherwise it retries with a
growing pause and gives up after ``max_attempts`` failed starts in a row, or when the engine
keeps dying (more than ``max_restarts`` restarts within ``window_s``). Then the service stays
unavailable (``/readyz`` 503) and the log says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import EngineStartError, UnionTreeError

log = logging.getLogger("union_tree.engine")

PERMANENT = frozenset({"LOCK_LOST", "ENGINE_MISSING", "AOF_CORRUPT", "STOPPED"})


@dataclass
class EngineSupervisor:
    """An asyncio task watching one ``EmbeddedFalkorDB``."""

    engine: EmbeddedFalkorDB
    on_restarted: Callable[[], Awaitable[None]]
    """Called once the engine answers again (the store reconnects, waits for its indexes)."""
    on_down: Callable[[], None] = lambda: None
    """Called as soon as the exit is noticed (the store then refuses statements at once)."""
    poll_s: float = 0.05
    max_attempts: int = 5
    max_restarts: int = 5
    window_s: float = 60.0
    backoff_s: tuple[float, ...] = (0.2, 1.0, 2.0, 5.0, 10.0)
    state: str = field(default="running", init=False)
    """``running``, ``restarting`` or ``failed`` (gave up: see the log)."""
    restarts: int = field(default=0, init=False)
    failure: str | None = field(default=None, init=False)
    """The reason code of giving up."""
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _recent: list[float] = field(default_factory=list, init=False, repr=False)

    def start(self) -> EngineSupervisor:
        """Start watching (needs a running event loop)."""
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    async def stop(self) -> None:
        """Stop watching (before the engine is stopped on purpose)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            if self.engine.running:
                continue
            self.on_down()
            log.warning("embedded engine exited (status %s); restarting it", self.engine.returncode)
            if not await self._restart():
                return

    async def _restart(self) -> bool:
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < self.window_s] + [now]
        if len(self._recent) > self.max_restarts:
            return self._give_up(
                "CRASH_LOOP", f"engine died {len(self._recent)} times within {self.window_s:.0f} s"
            )
        self.state = "restarting"
        for attempt in range(1, self.max_attempts + 1):
            try:
                began = time.monotonic()
                await asyncio.to_thread(self.engine.restart)
            except EngineStartError as exc:
                reason = exc.reason or "ENGINE_EXITED"
                if reason in PERMANENT or attempt == self.max_attempts:
                    return self._give_up(reason, f"start attempt {attempt} failed")
                pause = self.backoff_s[min(attempt - 1, len(self.backoff_s) - 1)]
                log.warning("engine start attempt %s failed (%s); retrying", attempt, reason)
                await asyncio.sleep(pause)
                continue
            try:
                await self.on_restarted()
            except UnionTreeError as exc:  # died again meanwhile: the watch loop sees it
                log.warning("engine restarted but not ready (%s)", exc.reason or exc.code)
            self.restarts += 1
            self.state = "running"
            log.warning("embedded engine restarted in %.2f s", time.monotonic() - began)
            return True
        return False  # pragma: no cover - the loop returns on its last attempt

    def _give_up(self, reason: str, detail: str) -> bool:
        self.state, self.failure = "failed", reason
        log.error(
            "embedded engine not restarted (%s: %s); the service stays unavailable", reason, detail
        )
        return False
