"""Access tokens (JWT, HS256) and opaque refresh tokens.

The signing key comes from ``UNION_TREE_TOKEN_SECRET`` or, unset, is generated once and kept
in ``<data_dir>/token.key`` (mode 0600). It is read lazily, on the first token issued or
checked, so wiring the services touches no file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from graph_service.errors import BadUserInput, Unauthenticated
from graph_service.settings import Settings

ALGORITHM = "HS256"
ISSUER = "union-tree"
KEY_FILE = "token.key"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says."""

    account_id: str
    username: str
    role: str
    union_id: str
    token_version: int
    session_id: str
    """The login session the token belongs to: ending the session refuses the token."""
    jti: str
    cert_fingerprint: str | None = None
    """SHA-256 (hex) of the client certificate the token is bound to (RFC 8705 ``cnf``): the
    token is accepted only over a connection presenting that certificate."""


def _x5t(fingerprint_hex: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(fingerprint_hex)).rstrip(b"=").decode("ascii")


def _fingerprint_of(x5t: str) -> str:
    return base64.urlsafe_b64decode(x5t + "=" * (-len(x5t) % 4)).hex()


def new_refresh_token() -> str:
    """An opaque refresh token (256 bits); only its hash is stored."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a refresh token is stored and looked up (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_or_create_key(path: Path) -> bytes:
    """The key kept in ``path``, created (random, mode 0600) the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    else:
        key = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
    if len(key) < MIN_SECRET_LENGTH:
        raise BadUserInput(
            "令牌签名密钥文件内容过短", reason="TOKEN_SECRET_WEAK", field="token_secret"
        )
    return key.encode("ascii")


class AccessTokens:
    """Issues and checks short-lived access tokens."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._key: bytes | None = None
        self.ttl = timedelta(minutes=settings.access_token_minutes)

    def _signing_key(self) -> bytes:
        if self._key is None:
            secret = self._settings.token_secret
            if secret is not None:
                value = secret.get_secret_value()
                if len(value) < MIN_SECRET_LENGTH:
                    raise BadUserInput(
                        f"UNION_TREE_TOKEN_SECRET 至少需要 {MIN_SECRET_LENGTH} 个字符",
                        reason="TOKEN_SECRET_WEAK",
                        field="token_secret",
                    )
                self._key = value.encode("utf-8")
            else:
                self._key = load_or_create_key(self._settings.data_dir / KEY_FILE)
        return self._key

    def issue(
        self,
        *,
        account_id: str,
        username: str,
        role: str,
        union_id: str,
        token_version: int,
        session_id: str,
        now: datetime,
        cert_fingerprint: str | None = None,
    ) -> str:
        """A signed access token valid for ``access_token_minutes``."""
        claims = {
            "iss": ISSUER,
            "sub": account_id,
            "username": username,
            "role": role,
            "union_id": union_id,
            "ver": token_version,
            "sid": session_id,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + self.ttl,
        }
        if cert_fingerprint is not None:
            claims["cnf"] = {"x5t#S256": _x5t(cert_fingerprint)}
        return jwt.encode(claims, self._signing_key(), algorithm=ALGORITHM)

    def check(self, token: str) -> AccessClaims:
        """The claims of a valid token; UNAUTHENTICATED (TOKEN_EXPIRED, TOKEN_INVALID) if not."""
        try:
            claims = jwt.decode(
                token,
                self._signing_key(),
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "sid"]},
            )
            return AccessClaims(
                account_id=str(claims["sub"]),
                username=str(claims["username"]),
                role=str(claims["role"]),
                union_id=str(claims["union_id"]),
                token_version=int(claims["ver"]),
                session_id=str(claims["sid"]),
                jti=str(claims["jti"]),
                cert_fingerprint=(
                    _fingerprint_of(str(claims["cnf"]["x5t#S256"])) if "cnf" in claims else None
                ),
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("登录已过期，请重新登录", reason="TOKEN_EXPIRED") from None
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
            raise Unauthenticated("访问令牌无效", reason="TOKEN_INVALID") from None
