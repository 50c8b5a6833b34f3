"""TOTP secrets sealed at rest (AES-256-GCM), with a key kept apart from the graph: the
``UNION_TREE_TOTP_KEY`` setting (base64 of 32 bytes; the same on every API process sharing a
graph) or, unset, ``<data_dir>/totp.key`` (mode 0600, made at first start). A stored secret
reads ``sealed:v1:<base64 nonce+ciphertext>``; a secret stored in clear before (no prefix) is
still read, and sealed by ``AccountRepository.seal_plain_totp`` at every start (the
migration). The account id is bound to the ciphertext, so a sealed secret copied onto
another account does not open."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graph_service.errors import UnionTreeError

PREFIX = "sealed:v1:"
KEY_FILE = "totp.key"


class SecretKeyMismatch(UnionTreeError):
    """A sealed secret does not open with this key (the key file or setting changed)."""

    default_message = "TOTP 密钥与已加密的数据不符，请恢复原来的 totp.key 或 UNION_TREE_TOTP_KEY"


class SecretSealer:
    """Seals and opens TOTP secrets with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the TOTP key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def load(cls, data_dir: Path, configured: str | None) -> SecretSealer:
        """The configured key (base64), else the data dir's key file (made 0600 if missing)."""
        if configured:
            try:
                return cls(base64.b64decode(configured, validate=True))
            except (binascii.Error, ValueError) as exc:
                raise ValueError("UNION_TREE_TOTP_KEY must be base64 of 32 bytes") from exc
        path = data_dir / KEY_FILE
        if not path.exists():
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        return cls(base64.b64decode(path.read_text().strip()))

    def seal(self, secret: str | None, account_id: str) -> str | None:
        """The secret as stored (None stays None; a sealed one is kept as it is)."""
        if secret is None or secret.startswith(PREFIX):
            return secret
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), account_id.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str | None, account_id: str) -> str | None:
        """The secret in clear (a secret stored in clear before sealing is returned as is)."""
        if stored is None or not stored.startswith(PREFIX):
            return stored
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], account_id.encode()).decode()
        except InvalidTag as exc:
            raise SecretKeyMismatch() from exc


def is_sealed(stored: object) -> bool:
    """Whether a stored TOTP secret is sealed."""
    return isinstance(stored, str) and stored.startswith(PREFIX)
