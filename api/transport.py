"""Every 4xx answer is coded JSON, never plain text and never the caller's input echoed.

Strawberry answers a body that is not JSON, or an ``operationName`` the document lacks, with
a plain-text 400 (the latter quoting the name back, however long); FastAPI answers a malformed
form or path with ``{"detail": ...}`` that quotes the input. ``CodedErrors`` (ASGI) rewrites any
4xx whose body is not already coded (a JSON object with ``code``, or GraphQL ``errors``) into
``{"code", "reason", "message"}`` with a Chinese message chosen from the status and the
original text, which is dropped."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CODES = {
    400: "BAD_USER_INPUT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "BAD_USER_INPUT",
    429: "RATE_LIMITED",
}
_KNOWN = (  # strawberry's and starlette's texts -> (reason, message)
    ("unable to parse request body as json", "MALFORMED_JSON", "请求体不是有效的JSON"),
    ("unknown operation named", "UNKNOWN_OPERATION", "请求中没有该名称的操作（operationName）"),
    ("no graphql query found", "NO_QUERY", "请求中没有GraphQL查询"),
    ("not found", "NOT_FOUND", "未找到该地址"),
    ("method not allowed", "METHOD_NOT_ALLOWED", "该地址不支持此请求方法"),
)


def coded_body(status: int, original: bytes) -> bytes | None:
    """The coded body for a 4xx answer, or None when ``original`` is coded already."""
    try:
        parsed = json.loads(original) if original else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and ("code" in parsed or "errors" in parsed):
        return None
    text = original[:200].decode("utf-8", "replace").lower()
    reason, message = next(
        ((r, m) for key, r, m in _KNOWN if key in text),
        ("INVALID_REQUEST" if status == 422 else "BAD_REQUEST", "请求有误，请检查请求格式"),
    )
    body = {"code": _CODES.get(status, "BAD_USER_INPUT"), "reason": reason, "message": message}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class CodedErrors:
    """ASGI middleware: uncoded 4xx bodies become coded JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []  # a 4xx body: made by us or our libraries, small

        async def guarded(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if 400 <= message["status"] < 500:
                    start = message  # held until the body is known
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
            body = coded_body(start["status"], original)
            if body is None:
                await send(start)
                await send({"type": "http.response.body", "body": original})
                return
            headers = [
                (k, v) for k, v in start.get("headers", [])
                if k.lower() not in (b"content-length", b"content-type")
            ]  # fmt: skip
            headers += [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, guarded)
