"""Prometheus metrics of the library: engine query timings, engine up, import rows.

``InstrumentedStore`` decorates any ``GraphStore``: every read and write is timed by query name
(the ``cypher/`` file name, never its parameters) and outcome (``ok``, ``timeout``,
``unavailable``, ``error``); ``bootstrap.open_runtime`` applies it when ``metrics_enabled`` is
set. Other attributes (``ping``, ``drop``, ``embedded`` ...) pass through to the wrapped store.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager

from prometheus_client import Counter, Gauge, Histogram

from graph_service.errors import GraphUnavailableError
from graph_service.store import FreshBuild, GraphStore, Query, Row

ENGINE_QUERY_SECONDS = Histogram(
    "union_tree_engine_query_duration_seconds",
    "Time of one statement at the graph engine, by query name, kind (read/write) and outcome",
    ["query", "kind", "outcome"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
)
ENGINE_UP = Gauge(
    "union_tree_engine_up",
    "1 when the graph engine answered the last statement or health probe, else 0",
)
IMPORT_ROWS = Counter(
    "union_tree_import_rows_total",
    "Rows of finished (not dry-run) import files, by outcome: created, updated, unchanged, "
    "rejected (invalid, duplicated in the file, or refused by the register)",
    ["outcome"],
)


def count_import_rows(*, created: int, updated: int, unchanged: int, rejected: int) -> None:
    """Add one finished import file's row counts to ``union_tree_import_rows_total``."""
    for outcome, n in (
        ("created", created),
        ("updated", updated),
        ("unchanged", unchanged),
        ("rejected", rejected),
    ):
        if n:
            IMPORT_ROWS.labels(outcome).inc(n)


def set_engine_up(up: bool) -> None:
    """Record the result of a health probe."""
    ENGINE_UP.set(1 if up else 0)


class InstrumentedStore:
    """A ``GraphStore`` that times every statement of the store it wraps."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.engine = inner.engine

    @property
    def inner(self) -> GraphStore:
        """The wrapped store."""
        return self._inner

    def __getattr__(self, name: str) -> object:
        # only called for attributes this class lacks: ping, drop, embedded, graph_name ...
        return getattr(self._inner, name)

    async def _timed(
        self, kind: str, query: Query, params: Mapping[str, object] | None
    ) -> list[Row]:
        began = time.perf_counter()
        outcome = "error"
        try:
            run = self._inner.read if kind == "read" else self._inner.write
            rows = await run(query, params)
            outcome = "ok"
            ENGINE_UP.set(1)
            return rows
        except GraphUnavailableError as exc:
            if exc.reason == "QUERY_TIMEOUT":  # the engine answered: it gave up on the query
                outcome = "timeout"
            else:
                outcome = "unavailable"
                ENGINE_UP.set(0)
            raise
        finally:
            elapsed = time.perf_counter() - began
            ENGINE_QUERY_SECONDS.labels(query.name, kind, outcome).observe(elapsed)

    async def read(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run a read-only statement, timed."""
        return await self._timed("read", query, params)

    async def write(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run one write statement, timed."""
        return await self._timed("write", query, params)

    async def ensure_schema(self) -> None:
        """Create constraints and indexes if missing."""
        await self._inner.ensure_schema()

    async def checkpoint(self) -> None:
        """Compact the engine's durable log."""
        await self._inner.checkpoint()

    def deferred_indexes(self, label: str) -> AbstractAsyncContextManager[None]:
        """The wrapped store's bulk-load window for ``label``."""
        return self._inner.deferred_indexes(label)

    def fresh_build(self) -> AbstractAsyncContextManager[FreshBuild | None]:
        """The wrapped store's bulk path for a graph without nodes."""
        return self._inner.fresh_build()

    async def close(self) -> None:
        """Close the wrapped store (stopping an embedded engine)."""
        await self._inner.close()
        ENGINE_UP.set(0)
