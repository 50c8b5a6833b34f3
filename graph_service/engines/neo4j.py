"""Neo4j 5 adapter over the official async driver: reads routed as reads, writes managed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction
from neo4j import exceptions as neo4j_errors

from graph_service.errors import Conflict, GraphStoreError, GraphUnavailableError
from graph_service.queries import schema_statements
from graph_service.store import JsonRows, Query, Row

RETRY_SECONDS = 30.0
DROP_EDGES = "MATCH ()-[r]->() WITH r LIMIT 10000 DELETE r RETURN count(*) AS deleted"
DROP_NODES = "MATCH (n) WITH n LIMIT 10000 DELETE n RETURN count(*) AS deleted"


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
    except neo4j_errors.ConnectionAcquisitionTimeoutError as exc:  # every connection busy
        raise GraphUnavailableError("图数据库繁忙，请重试", reason="BUSY") from exc
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
        raise GraphStoreError(details={"query": query_name}) from exc


class Neo4jStore:
    """GraphStore on a Neo4j 5 database."""

    engine = "neo4j"

    def __init__(
        self, driver: AsyncDriver, *, database: str | None = None, url: str = "neo4j"
    ) -> None:
        self._driver = driver
        self._database = database
        self._url = url

    @classmethod
    def connect(
        cls, url: str, *, user: str, password: str, database: str | None = None
    ) -> Neo4jStore:
        """A store on ``neo4j://`` or ``bolt://`` with basic auth."""
        driver = AsyncGraphDatabase.driver(
            url,
            auth=(user, password),
            # the server warns about every property not yet in the graph: no use to us
            notifications_min_severity="OFF",
            # retries are ours (_run): the driver's would also retry a refused connection
            # for 30 s, so a request to a stopped server would wait that long for its 503
            max_transaction_retry_time=0.0,
            connection_timeout=5.0,
            connection_acquisition_timeout=30.0,
        )
        return cls(driver, database=database, url=url)

    async def _run(
        self, query: Query, params: Mapping[str, object] | None, *, write: bool
    ) -> list[Row]:
        text = query.text_for(self.engine)
        decoded = _decoded(params)

        async def work(tx: AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(text, decoded)
            return [dict(record) for record in await result.data()]

        with map_neo4j_errors(query.name):
            return await self._retrying(work, write=write)

    async def _retrying(
        self, work: Callable[[AsyncManagedTransaction], Awaitable[list[Row]]], *, write: bool
    ) -> list[Row]:
        """One managed transaction, run again on a transient error (deadlock, lock timeout,
        leader switch, a session whose connection broke) for up to RETRY_SECONDS with jittered
        backoff; a server that refuses connections fails at once (GRAPH_UNAVAILABLE)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RETRY_SECONDS
        delay = 0.02
        while True:
            try:
                async with self._driver.session(database=self._database) as session:
                    if write:
                        return await session.execute_write(work)
                    return await session.execute_read(work)
            except (neo4j_errors.TransientError, neo4j_errors.SessionExpired) as exc:
                if not exc.is_retryable() or loop.time() + delay > deadline:
                    raise
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 1.0)

    async def read(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run a read-only statement in a managed read transaction (routed to readers)."""
        return await self._run(query, params, write=False)

    async def write(self, query: Query, params: Mapping[str, object] | None = None) -> list[Row]:
        """Run one statement in a managed write transaction (retried on transient errors)."""
        return await self._run(query, params, write=True)

    async def ensure_schema(self) -> None:
        """Constraints and indexes from ``cypher/schema/neo4j.cypher`` (all IF NOT EXISTS).
        Run first at start: a wrong password or an unreachable server is said plainly, with
        the URL and what to check (the CLI prints it and exits 1)."""
        with self._start_errors(), map_neo4j_errors("schema"):
            async with self._driver.session(database=self._database) as session:
                for statement in schema_statements(self.engine):
                    await (await session.run(statement)).consume()
                await (await session.run("CALL db.awaitIndexes(300)")).consume()

    @contextlib.contextmanager
    def _start_errors(self) -> Iterator[None]:
        try:
            yield
        except GraphUnavailableError as exc:
            cause = exc.__cause__
            if isinstance(cause, neo4j_errors.AuthError):
                raise GraphUnavailableError(
                    f"Neo4j（{self._url}）拒绝登录：请检查用户名和密码"
                    "（UNION_TREE_NEO4J_USER、UNION_TREE_NEO4J_PASSWORD）",
                    reason="NEO4J_AUTH",
                ) from cause
            if isinstance(cause, neo4j_errors.ServiceUnavailable | OSError):
                raise GraphUnavailableError(
                    f"无法连接 Neo4j（{self._url}）：请检查地址和端口（UNION_TREE_GRAPH_URL）"
                    "以及 Neo4j 是否已启动、能否从本机访问",
                    reason="NEO4J_UNREACHABLE",
                ) from cause
            raise

    @contextlib.asynccontextmanager
    async def deferred_indexes(self, label: str) -> AsyncIterator[None]:
        """Drop ``label``'s constraints and indexes for a bulk load into a graph holding no
        such nodes, and build them again afterwards (``ensure_schema`` waits until they are
        online). Neo4j then writes the nodes without index upkeep and populates each index
        in one pass over the store. Leaving the block always rebuilds them; if the service
        dies inside it, ``ensure_schema`` at the next start does."""
        names = [name for name, target in map(_schema_target, schema_statements(self.engine))
                 if target == label]  # fmt: skip
        with map_neo4j_errors("schema"):
            async with self._driver.session(database=self._database) as session:
                for name, kind in await self._existing_schema(session, names):
                    await (await session.run(f"DROP {kind} {name} IF EXISTS")).consume()
        try:
            yield
        except BaseException:
            with contextlib.suppress(GraphStoreError):  # the next start rebuilds them
                await self.ensure_schema()
            raise
        await self.ensure_schema()

    @staticmethod
    async def _existing_schema(session: object, names: list[str]) -> list[tuple[str, str]]:
        """Which of ``names`` exist, as (name, CONSTRAINT or INDEX); constraints first (an
        index backing a constraint goes with it)."""
        found: list[tuple[str, str]] = []
        for kind, listing in (("CONSTRAINT", "SHOW CONSTRAINTS"), ("INDEX", "SHOW INDEXES")):
            result = await session.run(f"{listing} YIELD name RETURN name")  # type: ignore[attr-defined]
            present = {record["name"] for record in await result.data()}
            found += [(name, kind) for name in names if name in present]
        return found

    @contextlib.asynccontextmanager
    async def fresh_build(self) -> AsyncIterator[None]:
        """No bulk path through the driver: writes go through ``write`` (an offline load of
        a new database is ``neo4j-admin database import``'s job)."""
        yield None

    async def drop(self) -> None:
        """Delete every edge, then every node, in batches of 10,000 (tests only: they share
        one database; the schema stays). Edges first: a union holding thousands of members
        would take all its edges into one node batch's transaction."""
        with map_neo4j_errors("drop"):
            async with self._driver.session(database=self._database) as session:
                for statement in (DROP_EDGES, DROP_NODES):
                    while True:
                        record = await (await session.run(statement)).single()
                        if record is None or record["deleted"] == 0:
                            break

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


_TARGET = re.compile(
    r"CREATE\s+(CONSTRAINT|INDEX)\s+(\w+)\s+IF NOT EXISTS\s+FOR\s+\(\w+:(\w+)\)", re.I
)


def _schema_target(statement: str) -> tuple[str, str]:
    """(name, label) of one statement of ``cypher/schema/neo4j.cypher``."""
    match = _TARGET.match(statement)
    if match is None:
        raise ValueError(f"unexpected schema statement: {statement[:60]}")
    return match.group(2), match.group(3)


def _decoded(params: Mapping[str, object] | None) -> dict[str, object]:
    """Parameters as the driver takes them: ``JsonRows`` text decoded to lists."""
    return {
        k: json.loads(v) if isinstance(v, JsonRows) else v for k, v in (params or {}).items()
    }
