"""The FastAPI application: GraphQL at /graphql, health probes, engine lifecycle."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth import announce_demo_credentials, client_address, install_auth, principal_from_request
from api.context import Context
from api.graphiql_page import install_graphiql
from api.graphql_http import GraphQLOverHTTP
from api.graphql_status import StatusGraphQLRouter
from api.hardening import install_hardening
from api.imports import install_upload_limit
from api.imports import router as imports_router
from api.observability import install_observability
from api.schema import build_schema
from api.tls import Hsts
from api.transport import CodedErrors
from graph_service.bootstrap import Runtime, open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.errors import GraphUnavailableError
from graph_service.settings import Settings, load_settings

log = logging.getLogger("union_tree.api")


def create_app(
    settings: Settings | None = None,
    *,
    demo_members: int = 20_000,
    demo_seed: int = 42,
    on_ready: Callable[[Runtime], None] | None = None,
    base_url: str = "http://127.0.0.1:8000",
) -> FastAPI:
    """An app that opens the configured engine at start and closes it at shutdown."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await open_runtime(settings)
        try:
            if settings.demo:
                report = await runtime.services.demo.load(
                    DemoConfig(members=demo_members, seed=demo_seed)
                )
                if report.loaded:
                    log.info("demo province loaded: %s members", report.members)
                password = settings.demo_admin_password
                app.state.demo_credentials = await runtime.services.accounts.ensure_demo_admin(
                    password=password.get_secret_value() if password else None
                )
                announce_demo_credentials(app.state.demo_credentials, base_url=base_url)
            app.state.runtime = runtime
            if on_ready is not None:
                on_ready(runtime)
            yield
        finally:
            await runtime.close()

    app = FastAPI(title="union-tree", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_observability(app, metrics_enabled=settings.metrics_enabled)  # request ids, logs
    install_hardening(app, cors_origins_setting=settings.cors_origins)  # no batching, CORS

    async def context_getter(request: Request) -> Context:
        runtime: Runtime = request.app.state.runtime
        principal = await principal_from_request(request)  # 401 without a valid bearer token
        return Context(
            services=runtime.services,
            principal=principal,
            client_address=client_address(request),
            request_id=getattr(request.state, "request_id", None) or uuid.uuid4().hex,
        )

    graphql = StatusGraphQLRouter(  # 503 when the engine is unavailable
        build_schema(demo=settings.demo),  # introspection only in demo mode
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.demo else None,
        allow_queries_via_get=False,
    )
    if settings.demo:  # the GraphiQL page itself needs no token (its requests do)
        install_graphiql(app)  # api/graphiql_page.py: served from here, no CDN

    app.include_router(graphql, prefix="/graphql")
    install_auth(app)
    app.include_router(imports_router)
    install_upload_limit(app, settings)  # hostile files: a body past the limit is never read
    app.add_middleware(CodedErrors)  # api/transport.py: every 4xx body coded JSON, no echo
    app.add_middleware(GraphQLOverHTTP)  # api/graphql_http.py: media type, spec status codes
    app.add_middleware(Hsts)  # api/tls.py: Strict-Transport-Security on HTTPS

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        try:
            # reachable within a second, and schema ready: after an engine restart the store
            # refuses statements until its constraints are enforced again (``available``)
            ready = (
                runtime is not None
                and bool(getattr(runtime.store, "available", True))
                and await asyncio.wait_for(runtime.store.ping(), 1.0)  # type: ignore[attr-defined]
            )
        except (GraphUnavailableError, TimeoutError):
            ready = False
        body = {"status": "ready" if ready else "unavailable"}
        return JSONResponse(body, status_code=200 if ready else 503)

    return app
