"""Neo4j 5 adapter over the official async driver: reads routed as reads, writes managed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator, Mapping

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction
from neo4j import exceptions as neo4j_errors

from graph_service.errors import Conflict, GraphStoreError, GraphUnavailableError
from graph_service.queries import schema_statements
from graph_service.store import JsonRows, Query, Row


@contextlib.contextmanager
def map_neo4j_errors(query_name: str) -> Iterator[None]:
    """Translate driver exceptions into the service's error tree (messages never passed on)."""
    try:
        yield
    except (
        neo4j_errors.ServiceUnavailable,
        neo4j_errors.SessionExpired,
        neo4j_errors.AuthError,
        OSError,
    ) as exc:
        raise GraphUnavailableError() from exc
    except neo4j_errors.ConstraintError as exc:
        raise Conflict("记录已存在（唯一性约束）", reason="UNIQUE_VIOLATION") from exc
    except neo4j_errors.TransientError as exc:
        raise GraphUnavailableError("图数据库繁忙，请重试", reason="TRANSIENT") from exc
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
        raise GraphStoreError(details={"query": query_name}) from exc


class Neo4jStore:
    """GraphStore on a Neo4j 5 database."""

    engine = "neo4j"

    def __init__(self, driver: AsyncDriver, *, database: str | None = None) -> None:
        self._driver = driver
        self._database = database

    @classmethod
    def connect(
        cls, url: str, *, user: str, password: str, database: str | None = None
    ) -> Neo4jStore:
        """A store on ``neo4j://`` or ``bolt://`` with basic auth."""
        driver = AsyncGraphDatabase.driver(url, auth=(user, password))
        return cls(driver, database=database)

    async def _run(
        self, query: Query, params: Mapping[str, object] | None, *, write: bool
    ) -> list[Row]:
        text = query.text_for(self.engine)

        async def work(tx: AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(text, _decoded(params))
            return [dict(record) for record in await result.data()]

        with map_neo4j_errors(query.name):
            async with self._driver.session(database=self._database) as session:
                if write:
                    return await session.execute_write(work)
                return await session.execute_read(work)

    async def read(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run a read-only statement in a managed read transaction (routed to readers)."""
        return await self._run(query, params, write=False)

    async def write(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run one statement in a managed write transaction (retried on transient errors)."""
        return await self._run(query, params, write=True)

    async def ensure_schema(self) -> None:
        """Constraints and indexes from ``cypher/schema/neo4j.cypher`` (all IF NOT EXISTS)."""
        with map_neo4j_errors("schema"):
            async with self._driver.session(database=self._database) as session:
                for statement in schema_statements(self.engine):
                    await (await session.run(statement)).consume()
                await (await session.run("CALL db.awaitIndexes(300)")).consume()

    @contextlib.asynccontextmanager
    async def deferred_indexes(self, label: str) -> AsyncIterator[None]:
        """Nothing to defer: Neo4j keeps its indexes up to date within each transaction
        (bulk loads of a fresh database belong to ``neo4j-admin database import``)."""
        yield

    @contextlib.asynccontextmanager
    async def fresh_build(self) -> AsyncIterator[None]:
        """No bulk path through the driver: writes go through ``write`` (an offline load of
        a new database is ``neo4j-admin database import``'s job)."""
        yield None

    async def drop(self) -> None:
        """Delete every node (tests only)."""
        with map_neo4j_errors("drop"):
            async with self._driver.session(database=self._database) as session:
                await (await session.run("MATCH (n) DETACH DELETE n")).consume()

    async def checkpoint(self) -> None:
        """Nothing to do: Neo4j checkpoints its transaction log itself."""

    async def ping(self) -> bool:
        """True when the server answers."""
        with map_neo4j_errors("ping"):
            await self._driver.verify_connectivity()
        return True

    async def close(self) -> None:
        """Close the driver."""
        await self._driver.close()


def _decoded(params: Mapping[str, object] | None) -> dict[str, object]:
    """Parameters as the driver takes them: ``JsonRows`` text decoded to lists."""
    return {
        k: json.loads(v) if isinstance(v, JsonRows) else v for k, v in (params or {}).items()
    }
