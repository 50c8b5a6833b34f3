"""The GraphStore port: the only way the library talks to a graph engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

Row = dict[str, object]


class JsonRows(str):
    """A list parameter already encoded as JSON text: lists, strings, numbers, booleans and
    null only, never objects. Bulk loaders encode rows in a worker process with it, so the
    service's event loop only passes the text on (each engine decodes it as it needs)."""

    __slots__ = ()


@dataclass(frozen=True)
class Query:
    """One Cypher statement from ``cypher/``, with per-engine overrides."""

    name: str
    text: str
    params: frozenset[str] = frozenset()
    overrides: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, engine: str) -> str:
        """The statement the given engine runs (``falkordb`` or ``neo4j``)."""
        return self.overrides.get(engine, self.text)


class BuildEncoder(Protocol):
    """Encodes the nodes and edges of a new graph for ``FreshBuild.send``. Plain computation
    (no connection): it may run in a worker process, forked after the build began."""

    def nodes(
        self, labels: Sequence[str], keys: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> int:
        """Add one node per row of values (in ``keys`` order; None: no such property);
        nodes are numbered from 0 in the order added; returns the first one's number."""
        ...

    def edges(self, rel_type: str, keys: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        """Add one edge per row ``[source number, destination number, *values]``."""
        ...

    def take(self) -> object:
        """Everything added since the last take, encoded (picklable), for one ``send``."""
        ...


class FreshBuild(Protocol):
    """A graph built from nothing by an engine's bulk path (see ``GraphStore.fresh_build``)."""

    @property
    def encoder(self) -> BuildEncoder:
        """Encodes what ``send`` takes."""
        ...

    async def send(self, batch: object) -> None:
        """Write one encoded batch (batches must be sent in the order they were taken)."""
        ...


@runtime_checkable
class GraphStore(Protocol):
    """A graph engine spoken to in Cypher; adapters live in ``graph_service.engines``."""

    engine: str

    async def read(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run a read-only statement; rows are dicts keyed by the RETURN column names."""
        ...

    async def write(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run one statement as one atomic write transaction."""
        ...

    async def ensure_schema(self) -> None:
        """Create constraints and indexes if they do not exist (idempotent)."""
        ...

    async def checkpoint(self) -> None:
        """Compact the engine's durable log after a bulk load (so restarts stay fast), and
        return once that is done."""
        ...

    def deferred_indexes(self, label: str) -> AbstractAsyncContextManager[None]:
        """A bulk load of new ``label`` nodes into a graph holding none: inside the block
        the engine may skip index upkeep for the label; on leaving it the label's indexes
        and unique constraints are in force again (rebuilt and waited for if they were
        dropped), also when the block failed."""
        ...

    def fresh_build(self) -> AbstractAsyncContextManager[FreshBuild | None]:
        """A bulk path for filling a graph that holds no nodes at all: yields a builder, or
        None when the graph holds data or the engine has no such path (then write through
        ``write``). On leaving the block the schema is in force again (indexes built over
        what was sent), also when the block failed."""
        ...

    async def close(self) -> None:
        """Release connections (and stop an embedded engine)."""
        ...
