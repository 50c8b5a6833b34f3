"""Structured logs: every line one JSON object with time, level, logger, message, request_id.

``configure_logging()`` installs one stderr handler on the root logger and returns the
``log_config`` for uvicorn, so uvicorn's own loggers write the same JSON lines. The request id
comes from a context variable that ``api.observability.RequestObservability`` sets for the
duration of each request (``None`` outside a request).
"""

from __future__ import annotations

import logging
import logging.config
import re
import signal
import traceback
from contextvars import ContextVar
from types import FrameType
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("union_tree_request_id", default=None)
"""The id of the request being served by the current task (set by the HTTP middleware)."""

JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
_RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}


_CERTIFICATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
"""Both shapes stand alone: inside a longer token (a request id's hex) they are not data."""


def redact(text: str) -> str:
    """Mask anything shaped like a resident ID number or a mainland mobile number."""
    return _MOBILE.sub("[手机号已隐去]", _CERTIFICATE.sub("[证件号已隐去]", text))


class SafeJsonFormatter(JsonFormatter):
    """JSON lines that never carry an exception's message, with ID/mobile-shaped text masked.

    Exception messages (pydantic's, drivers', GraphQL coercion errors) can quote the input, so
    a logged exception keeps only its type and stack. Masking is a safety net behind the rule
    that no code logs personal data at all.
    """

    def formatException(self, ei: Any) -> str:
        exc_type, _, tb = ei
        frames = "".join(traceback.format_tb(tb))
        return f"Traceback (most recent call last):\n{frames}{exc_type.__name__} (message withheld)"

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's, or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: JSON lines on stderr for ours and uvicorn's loggers."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": SafeJsonFormatter,
                "fmt": JSON_FORMAT,
                "rename_fields": _RENAME,
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                "json_ensure_ascii": False,
                # uvicorn adds a copy of its message with terminal colour codes: not for logs
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
            }
        },
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level.upper()},
        "loggers": {
            # uvicorn's loggers keep no handlers of their own: their lines reach the root's JSON
            # handler. Its access log is off (serve passes access_log=False): it would write the
            # raw query string; RequestObservability writes one access line per request instead.
            "uvicorn": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            # strawberry logs every GraphQL error with its message, and coercion errors quote
            # the variables (certificate numbers, passwords); api/errors.py logs the unexpected
            # ones itself, by type and stack only
            "strawberry.execution": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def configure_logging(level: str = "INFO") -> dict[str, Any]:
    """Install the JSON handler now and return the same config for ``uvicorn.run(log_config=)``."""
    config = logging_config(level)
    logging.config.dictConfig(config)
    return config


def _exit_zero(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def exit_cleanly_on_signals() -> None:
    """Make SIGTERM/SIGINT end the process with status 0 once uvicorn's graceful shutdown is done.

    uvicorn replaces these handlers while it serves and, after shutting down gracefully,
    raises the captured signal again against the handlers it found at start: with the default
    ones the process would die "killed by SIGTERM" (status 143) after a clean shutdown.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_zero)
