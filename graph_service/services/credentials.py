"""Passwords (argon2id) and second factors (TOTP, RFC 6238): pure functions, no storage.

Hashing is CPU- and memory-hard on purpose (argon2-cffi's RFC 9106 low-memory profile: 64 MiB,
3 passes): callers run it in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from graph_service.errors import BadUserInput

ISSUER = "union-tree"
_CODE = re.compile(r"^\d{6}$")
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the parameters travel inside the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a malformed stored hash never matches."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn_verification(password: str) -> None:
    """Spend the time of one verification, so unknown usernames answer as slowly as known ones."""
    verify_password(_dummy_hash(), password)


def new_password() -> str:
    """A random password (20 URL-safe characters, 120 bits)."""
    return secrets.token_urlsafe(15)


def check_password_policy(password: str, *, username: str, min_length: int) -> str:
    """The password if acceptable; BAD_USER_INPUT (reason WEAK_PASSWORD) otherwise."""
    if len(password) < min_length:
        raise BadUserInput(
            f"密码至少需要 {min_length} 个字符", reason="WEAK_PASSWORD", field="password"
        )
    if len(password) > 256:  # authentication.MAX_PASSWORD_LENGTH
        raise BadUserInput("密码过长（最多 256 个字符）", reason="WEAK_PASSWORD", field="password")
    if password.strip().lower() == username.lower() or len(set(password)) < 4:
        raise BadUserInput("密码过于简单", reason="WEAK_PASSWORD", field="password")
    return password


def new_totp_secret() -> str:
    """A base32 TOTP secret (160 bits) for an authenticator app."""
    return pyotp.random_base32()


def otpauth_uri(secret: str, username: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_totp_step(
    secret: str, code: str, *, now: datetime, last_step: int | None
) -> int | None:
    """The time step ``code`` belongs to (one step of clock drift either way), or None.

    A step at or before ``last_step`` (the last one accepted) never matches again, so an
    observed code cannot be replayed (RFC 6238 §5.2).
    """
    code = code.strip()
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
