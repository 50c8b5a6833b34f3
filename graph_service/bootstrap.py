"""The one place that picks an engine from settings and wires the services."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.engines.falkordb_snapshot import data_dir_in_use, running_endpoint
from graph_service.engines.falkordb_supervisor import EngineSupervisor
from graph_service.engines.neo4j import Neo4jStore
from graph_service.errors import BadUserInput
from graph_service.file_modes import private_umask, warn_exposed
from graph_service.metrics import InstrumentedStore
from graph_service.repositories.accounts import AccountRepository
from graph_service.services.registry import Services, sealer_for
from graph_service.settings import Settings
from graph_service.store import GraphStore

log = logging.getLogger("union_tree.bootstrap")


async def open_store(settings: Settings, *, beside_service: bool = False) -> GraphStore:
    """Connect to the configured engine (starting the embedded one if no URL is set).

    ``beside_service``: when a running service holds the embedded engine's data dir, use that
    service's engine through its ``endpoint.json`` (as ``backup`` does) instead of refusing
    with DATA_DIR_IN_USE; the command then leaves the engine running when it closes."""
    url = settings.graph_url
    if not url:
        data_dir = settings.data_dir.resolve()
        if beside_service and data_dir.is_dir() and data_dir_in_use(data_dir):
            return _open_running(settings, running_endpoint(data_dir))
        return await _open_embedded(settings)
    if url.startswith(("falkordb://", "falkor://", "redis://")):
        return FalkorDBStore.from_url(
            url, pool_size=settings.pool_size, timeout_ms=settings.query_timeout_ms
        )
    if url.startswith(("neo4j://", "neo4j+s://", "bolt://", "bolt+s://")):
        return Neo4jStore.connect(
            url,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
        )
    raise BadUserInput("无法识别的图数据库地址（UNION_TREE_GRAPH_URL）", field="graph_url")


async def _open_embedded(settings: Settings) -> FalkorDBStore:
    engine = EmbeddedFalkorDB(
        data_dir=settings.data_dir,
        appendfsync=settings.appendfsync,
        start_timeout_s=settings.engine_start_timeout_s,
    )
    engine.start()
    supervisor: EngineSupervisor | None = None

    async def stop() -> None:
        if supervisor is not None:
            await supervisor.stop()  # first: a stop on purpose is not a crash to repair
        await asyncio.to_thread(engine.stop)

    store = FalkorDBStore.connect(
        graph_name=settings.graph_name,
        unix_socket=engine.unix_socket,
        port=engine.port or 0,
        password=engine.password,
        pool_size=settings.pool_size,
        timeout_ms=settings.query_timeout_ms,
        on_close=stop,
    )
    store.embedded = engine  # type: ignore[attr-defined]
    if settings.engine_supervise:  # restart a dead engine (engines/falkordb_supervisor.py)
        supervisor = EngineSupervisor(
            engine, on_restarted=store.after_restart, on_down=lambda: _down(store)
        ).start()
    store.supervisor = supervisor  # type: ignore[attr-defined]
    return store


def _open_running(settings: Settings, endpoint: dict[str, object]) -> FalkorDBStore:
    """A store on the engine of the service running on the data dir (not ours to stop)."""
    socket = endpoint.get("unixSocket")
    return FalkorDBStore.connect(
        graph_name=settings.graph_name,
        unix_socket=str(socket) if socket else None,
        port=int(endpoint.get("port") or 0),  # type: ignore[call-overload]
        password=endpoint.get("password"),  # type: ignore[arg-type]
        pool_size=min(settings.pool_size, 4),
        timeout_ms=settings.query_timeout_ms,
    )


def _down(store: FalkorDBStore) -> None:
    store.available = False


@dataclass
class Runtime:
    """An open store and the services wired on it."""

    settings: Settings
    store: GraphStore
    services: Services

    async def close(self) -> None:
        """Close the store (stopping an embedded engine)."""
        await self.store.close()


async def open_runtime(settings: Settings, *, beside_service: bool = False) -> Runtime:
    """Open the store, make sure the schema exists (and run the one-off data migrations:
    ancestor paths, TOTP secrets stored in clear), and wire the services (``beside_service``:
    see ``open_store``)."""
    private_umask()  # the engine and every file of ours: for the service's user only
    warn_exposed([Path(settings.data_dir)])
    store = await open_store(settings, beside_service=beside_service)
    if settings.metrics_enabled:
        store = InstrumentedStore(store)  # times every statement (graph_service/metrics.py)
    try:
        await store.ensure_schema()
        services = Services.build(store, settings)
        # one-off: graphs written before stored ancestor paths get them (a count otherwise)
        await services.stats.migrate_ancestor_paths()
        # the migration: TOTP secrets stored in clear before are sealed
        sealed = await AccountRepository(store, sealer_for(settings)).seal_plain_totp()
    except BaseException:
        await store.close()
        raise
    if sealed:
        log.info("sealed %d TOTP secrets stored in clear", sealed)
    return Runtime(settings, store, services)
