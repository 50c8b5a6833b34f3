"""Errors the service raises, each with a stable code clients can rely on.

The tree (codes in brackets reach clients as ``extensions.code``)::

    UnionTreeError [INTERNAL]
     ├── BadUserInput [BAD_USER_INPUT]        malformed id, date, certificate, credit code ...
     │    ├── FileTooLarge [FILE_TOO_LARGE]   a file past a size limit (HTTP 413)
     │    └── FileUnprocessable [FILE_UNPROCESSABLE]  past a shape limit: columns, cell (422)
     ├── NotFound [NOT_FOUND]                 unknown id (or outside the caller's scope)
     ├── Conflict [CONFLICT]                  a rule of the register forbids the change
     ├── Forbidden [FORBIDDEN]
     ├── Unauthenticated [UNAUTHENTICATED]
     ├── RateLimited [RATE_LIMITED]           too many attempts; ``retry_after`` seconds (HTTP 429)
     └── GraphError [INTERNAL]
          ├── GraphStoreError [INTERNAL]      the engine rejected a query (a bug of ours)
          └── GraphUnavailableError [GRAPH_UNAVAILABLE]
               └── EngineStartError           the embedded engine could not be started

``message`` is Chinese, for the officials who read it; it never carries a driver's text,
a certificate number or a phone. ``reason`` is a finer, stable machine code
(``CYCLE``, ``LEVEL_ORDER``, ``DUPLICATE_ID`` ...) and ``field`` names the offending input.
This module imports nothing of ours, so every layer may raise these.
"""

from __future__ import annotations


class UnionTreeError(Exception):
    """Base of every error the service raises on purpose."""

    code = "INTERNAL"
    default_message = "服务内部错误"

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str | None = None,
        field: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.reason = reason
        self.field = field
        self.details = details or {}
        super().__init__(self.message)

    def extensions(self) -> dict[str, object]:
        """The machine-readable part a client receives."""
        ext: dict[str, object] = {"code": self.code}
        if self.reason:
            ext["reason"] = self.reason
        if self.field:
            ext["field"] = self.field
        if self.details:
            ext["details"] = self.details
        return ext


class BadUserInput(UnionTreeError):
    code = "BAD_USER_INPUT"
    default_message = "输入有误"


class FileTooLarge(BadUserInput):
    """A file (or a part of it, or its worker) passed a size, ratio, row or time limit."""

    code = "FILE_TOO_LARGE"
    default_message = "文件过大，已拒绝"


class FileUnprocessable(BadUserInput):
    """A file whose shape passes a limit: too many columns, a cell too long."""

    code = "FILE_UNPROCESSABLE"
    default_message = "文件内容超出限制，已拒绝"


class NotFound(UnionTreeError):
    code = "NOT_FOUND"
    default_message = "未找到"


class Conflict(UnionTreeError):
    code = "CONFLICT"
    default_message = "操作与现有数据冲突"


class Forbidden(UnionTreeError):
    code = "FORBIDDEN"
    default_message = "无权执行此操作"


class Unauthenticated(UnionTreeError):
    code = "UNAUTHENTICATED"
    default_message = "请先登录"


class RateLimited(UnionTreeError):
    """Too many attempts (logins from one address, certificates checked by imports): try again
    after ``retry_after`` seconds (HTTP 429 with ``Retry-After``)."""

    code = "RATE_LIMITED"
    default_message = "请求过于频繁，请稍后再试"

    def __init__(
        self, message: str | None = None, *, reason: str, retry_after: int, field: str | None = None
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message, reason=reason, field=field, details={"retryAfter": self.retry_after}
        )


class GraphError(UnionTreeError):
    code = "INTERNAL"
    default_message = "图数据库错误"


class GraphStoreError(GraphError):
    """The engine was reached and rejected the query."""

    default_message = "图数据库拒绝了查询"


class GraphUnavailableError(GraphError):
    """The engine could not be reached (or is not running)."""

    code = "GRAPH_UNAVAILABLE"
    default_message = "图数据库暂时不可用，请稍后重试"


class EngineStartError(GraphUnavailableError):
    """The embedded engine could not be started (binary missing, port busy, data dir in use)."""

    default_message = "内置图数据库无法启动"
