"""Audit records: what was done, by whom, in which scope; chained by SHA-256 so that altering or
removing a record is detected.

A record's ``hash`` is the SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of its
fields and ``prevHash`` (the previous record's hash; :data:`GENESIS` for the first). Arguments are
stored masked: certificate numbers and mobiles never appear in full, passwords, tokens and
one-time codes are dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from graph_service.domain.privacy import mask_id_number, mask_phone

GENESIS = "0" * 64
"""``prevHash`` of the first record ever written."""
OK = "OK"
"""``result`` of an operation that succeeded; otherwise an error code (``FORBIDDEN`` ...)."""
READ_FULL_VALUES = "READ_FULL_VALUES"
"""``operation`` of a request that returned full certificate numbers or phones."""
MAX_ARGUMENTS_CHARS = 8_000
"""Masked arguments longer than this (as JSON) are cut, with ``"truncated": true``."""

_DROPPED_KEY = re.compile(r"password|passwd|token|totp|otp|secret|credential", re.IGNORECASE)
_ID_NUMBER_KEY = re.compile(r"^(idNumber|certNumber|certificate|idCard|证件号.*|身份证.*)$", re.I)
_PHONE_KEY = re.compile(r"phone|mobile|手机|电话", re.IGNORECASE)
_OBJECT_ID_KEY = re.compile(r"^(id|ids)$|Ids?$")
_CERT_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")


def utc_timestamp(moment: datetime | None = None) -> str:
    """``2025-03-01T08:15:30.123456Z``: fixed width, so string order is time order.

    A naive ``moment`` is taken as UTC."""
    moment = moment or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _mask_text(text: str) -> str:
    text = _CERT_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)) or "", text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)) or "", text)


def _mask_value(key: str, value: object) -> object:
    if isinstance(value, Mapping):
        return mask_arguments(value)
    if isinstance(value, list | tuple):
        return [_mask_value(key, v) for v in value]
    if isinstance(value, str):
        if _ID_NUMBER_KEY.match(key):
            return mask_id_number(value.strip())
        if _PHONE_KEY.search(key):
            return mask_phone(value.strip())
        if _OBJECT_ID_KEY.search(key):  # union / employer codes, internal ids: kept as given
            return value
        return _mask_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return _mask_text(str(value))


def mask_arguments(arguments: Mapping[str, object] | None) -> dict[str, object]:
    """The arguments as they may be stored: secrets dropped, personal numbers masked."""
    if not arguments:
        return {}
    return {
        str(k): _mask_value(str(k), v)
        for k, v in arguments.items()
        if not _DROPPED_KEY.search(str(k))
    }


def arguments_json(arguments: Mapping[str, object] | None) -> str:
    """Masked arguments as canonical JSON, cut at :data:`MAX_ARGUMENTS_CHARS`."""
    text = canonical_json(mask_arguments(arguments))
    if len(text) > MAX_ARGUMENTS_CHARS:
        text = canonical_json({"truncated": True, "head": text[: MAX_ARGUMENTS_CHARS - 100]})
    return text


def canonical_json(value: object) -> str:
    """Sorted keys, no insignificant whitespace, non-ASCII kept: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class AuditRecord(BaseModel):
    """One audited operation, as stored."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: str
    actor: str
    scope_id: str | None
    scope_path: list[str]
    operation: str
    arguments: str
    """Masked arguments, canonical JSON."""
    result: str
    client_address: str | None
    request_id: str | None
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict[str, object]:
        """Everything the hash covers (all fields but ``hash`` itself), graph property names."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "scopeId": self.scope_id,
            "scopePath": list(self.scope_path),
            "operation": self.operation,
            "arguments": self.arguments,
            "result": self.result,
            "clientAddress": self.client_address,
            "requestId": self.request_id,
            "prevHash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        """The hash these fields should carry."""
        return record_hash(self.hashed_fields())

    @property
    def intact(self) -> bool:
        return self.computed_hash() == self.hash


def record_hash(fields: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of a record's fields, ``prevHash`` included."""
    return hashlib.sha256(canonical_json(dict(fields)).encode("utf-8")).hexdigest()


def chain_record(
    *,
    seq: int,
    prev_hash: str,
    at: str,
    actor: str,
    scope_id: str | None,
    scope_path: list[str],
    operation: str,
    arguments: str,
    result: str,
    client_address: str | None,
    request_id: str | None,
) -> AuditRecord:
    """A new record following the one whose hash is ``prev_hash``, with its own hash."""
    draft = AuditRecord(
        seq=seq,
        at=at,
        actor=actor,
        scope_id=scope_id,
        scope_path=scope_path,
        operation=operation,
        arguments=arguments,
        result=result,
        client_address=client_address,
        request_id=request_id,
        prev_hash=prev_hash,
        hash="",
    )
    return draft.model_copy(update={"hash": draft.computed_hash()})
