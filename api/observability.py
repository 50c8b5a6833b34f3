"""Per-request observability: a request id, one JSON access line, HTTP metrics.

``RequestObservability`` is a plain ASGI middleware (no BaseHTTPMiddleware: it would run the app
in another task and lose the request id context variable). For each HTTP request it

- takes the request id from ``X-Request-ID`` when that is a well-formed UUID or 32 hex digits,
  else makes a new uuid4 (a client's free text never reaches the logs); the id is put on
  ``request.state.request_id``, in ``api.logging_setup.REQUEST_ID`` for every log line of the
  request, and echoed in the response's ``X-Request-ID``;
- logs one access line: method, path (the route template), status, duration in ms, request id;
  never the query string, GraphQL text, variables, bodies, headers or tokens;
- counts the request and observes its latency by route template and status.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logging_setup import REQUEST_ID
from graph_service.errors import UnionTreeError
from graph_service.metrics import set_engine_up

log = logging.getLogger("union_tree.access")

_WELL_FORMED = re.compile(
    r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)

HTTP_REQUESTS = Counter(
    "union_tree_http_requests_total",
    "HTTP requests served, by route template, method and status code",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "union_tree_http_request_duration_seconds",
    "HTTP request latency (first byte received to last byte sent), by route template",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)


def request_id_from(header: bytes | None) -> str:
    """The client's id when it is a well-formed UUID/hex id, else a fresh one."""
    if header:
        text = header.decode("latin-1").strip()
        if _WELL_FORMED.match(text):
            return text
    return uuid.uuid4().hex


def _route_of(scope: Scope) -> str:
    """The matched route's template (``/imports/{batch_id}/report``); ``unmatched`` for a 404.

    A route without parameters is its own path (FastAPI keeps an included router's prefix out
    of ``route.path``, so the request path is used then); a client's free text never becomes
    a label or a log field.
    """
    route = scope.get("route")
    if route is None:
        return "unmatched"
    template = str(getattr(route, "path", "") or "")
    return template if "{" in template else str(scope.get("path", template))


class RequestObservability:
    """ASGI middleware: request id, access log line and HTTP metrics for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = request_id_from(headers.get(b"x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        status = 500
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                kept = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                message = {**message, "headers": [*kept, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - began
            route, method = _route_of(scope), str(scope.get("method", ""))
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_LATENCY.labels(route, method).observe(elapsed)
            fields: dict[str, Any] = {
                "method": method,
                "path": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
            }
            log.info("%s %s %s", method, route, status, extra=fields)
            REQUEST_ID.reset(token)


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: Prometheus text format; probes the engine first (``engine_up``)."""
    runtime = getattr(request.app.state, "runtime", None)
    up = False
    if runtime is not None:
        try:
            up = bool(await asyncio.wait_for(runtime.store.ping(), timeout=1.0))
        except (UnionTreeError, TimeoutError):
            up = False
    set_engine_up(up)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def install_observability(app: FastAPI, *, metrics_enabled: bool) -> None:
    """Add the request middleware and, when enabled, ``GET /metrics``."""
    app.add_middleware(RequestObservability)
    if metrics_enabled:
        app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
