"""GraphQL over HTTP by the spec (graphql-over-http, the ``application/graphql-response+json``
media type), as an ASGI layer around ``/graphql``.

* Content negotiation: a client whose ``Accept`` lists ``application/graphql-response+json``
  (and does not rank ``application/json`` above it) gets that media type; everyone else
  (``application/json``, ``*/*``, no ``Accept``) gets ``application/json``. Both in UTF-8,
  ``charset=utf-8`` said in the header, no ``\\u`` escapes.
* Status codes under ``application/graphql-response+json``: a *request error* (the document
  does not parse or validate, variables do not coerce, several operations and no
  ``operationName``, a refusal before execution such as the page budget: ``data`` absent or
  null and no error carries a ``path``) answers **400** without a ``data`` entry. Under
  ``application/json`` such errors keep the legacy 200, as the spec asks.
* Every 4xx body is a GraphQL-shaped JSON object with ``errors[].extensions.code``: a coded
  body of the older shape (``{"code", "reason", "message"}``, made by api/transport.py or the
  401 of api/auth.py) keeps its fields and gains an ``errors`` list with the same code.

Only JSON answers are touched; GraphiQL's HTML page and streamed answers pass through."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
GRAPHQL_PATH = "/graphql"


def _ranked(accept: str) -> dict[str, float]:
    """Media ranges of an Accept header with their quality (malformed q counts as 1)."""
    ranked: dict[str, float] = {}
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 1.0
        ranked[media] = max(ranked.get(media, 0.0), quality)
    return ranked


def negotiate(accept: str | None) -> str:
    """The response media type for a request's Accept header."""
    if not accept:
        return APPLICATION_JSON
    ranked = _ranked(accept)
    wanted = ranked.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if wanted <= 0.0:
        return APPLICATION_JSON
    legacy = max(ranked.get(APPLICATION_JSON, 0.0), ranked.get("application/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if wanted >= legacy else APPLICATION_JSON


def is_request_error(body: object) -> bool:
    """A GraphQL response that failed before execution: errors, no data, no error with a path."""
    if not isinstance(body, dict):
        return False
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or body.get("data") is not None:
        return False
    return all(isinstance(e, dict) and not e.get("path") for e in errors)


def with_errors(body: dict[str, Any]) -> dict[str, Any]:
    """A coded body of the older shape, with a GraphQL ``errors`` list of the same code."""
    if "errors" in body or "code" not in body:
        return body
    extensions = {"code": body["code"]}
    if body.get("reason"):
        extensions["reason"] = body["reason"]
    message = body.get("message") or body.get("error") or "请求被拒绝"
    return {**body, "errors": [{"message": message, "extensions": extensions}]}


def shaped(status: int, body: object, media: str) -> tuple[int, object]:
    """The status and body to send for a JSON answer of ``/graphql``."""
    if status == 200 and media == GRAPHQL_RESPONSE_JSON and is_request_error(body):
        assert isinstance(body, dict)
        return 400, {k: v for k, v in body.items() if k != "data"}
    if 400 <= status < 500 and isinstance(body, dict):
        return status, with_errors(body)
    return status, body


def encode(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class GraphQLOverHTTP:
    """ASGI middleware: on ``/graphql`` negotiated media type and spec status codes; on every
path, 4xx JSON answers with GraphQL-shaped ``errors``."""

    def __init__(self, app: ASGIApp, *, path: str = GRAPHQL_PATH) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        graphql = scope.get("path", "").rstrip("/") == self.path
        accept = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"accept"),
            None,
        )
        media = negotiate(accept) if graphql else APPLICATION_JSON
        start: Message | None = None
        chunks: list[bytes] = []

        async def shaping(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                given = dict(message.get("headers", []))
                content_type = given.get(b"content-type", b"").decode("latin-1").lower()
                json_answer = content_type.startswith((APPLICATION_JSON, GRAPHQL_RESPONSE_JSON))
                if json_answer and (graphql or 400 <= message["status"] < 500):
                    start = message  # held until the (single, small) body is known
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            original = b"".join(chunks)
            try:
                parsed = json.loads(original)
            except ValueError:
                await send(start)
                await send({"type": "http.response.body", "body": original})
                return
            status, body = shaped(start["status"], parsed, media)
            encoded = encode(body)
            headers: list[tuple[bytes, bytes]] = [
                (k, v) for k, v in start.get("headers", [])
                if k.lower() not in (b"content-length", b"content-type")
            ]  # fmt: skip
            headers += [
                (b"content-type", f"{media}; charset=utf-8".encode()),
                (b"content-length", str(len(encoded)).encode()),
            ]
            await send({**start, "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": encoded})

        await self.app(scope, receive, shaping)
