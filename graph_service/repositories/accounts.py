"""Accounts and their login sessions in the graph: query name + params -> domain objects.

``(:Account)`` holds the password hash and TOTP secret; ``(:Session)-[:SESSION_OF]->(:Account)``
holds the SHA-256 of the current refresh token (and of the one it replaced, to notice reuse);
``(:LoginThrottle {key})`` counts recent failed logins of one (username, client address).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.domain.accounts import Account
from graph_service.queries import q
from graph_service.sealed_secrets import PREFIX, SecretSealer
from graph_service.store import GraphStore, Row


def account_from_row(row: Row) -> Account:
    """An account read by any ``cypher/account`` statement."""
    return Account(
        id=str(row["id"]),
        username=str(row["username"]),
        union_id=str(row["unionId"]),
        role=str(row["role"]),  # type: ignore[arg-type]
        disabled=bool(row["disabled"]),
        failed_logins=int(row["failedLogins"] or 0),  # type: ignore[call-overload]
        locked_until=_text(row["lockedUntil"]),
        created_at=str(row["createdAt"]),
        created_by=str(row["createdBy"]),
        password_changed_at=_text(row["passwordChangedAt"]),
        last_login_at=_text(row["lastLoginAt"]),
        token_version=int(row["tokenVersion"] or 0),  # type: ignore[call-overload]
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class LoginRecord:
    """An account with what a login checks; never leaves the service layer."""

    account: Account
    password_hash: str
    totp_secret: str | None
    totp_last_step: int | None

    def __repr__(self) -> str:  # the hash and secret must not reach a log through repr()
        return f"LoginRecord(account={self.account.username!r})"


@dataclass(frozen=True)
class LoginClaim:
    """One claimed login attempt of a (username, client address)."""

    allowed: bool
    """False: the attempt came before ``next_allowed_at`` and is refused unchecked."""
    failures: int
    """Attempts since the last success (this one included when allowed)."""
    next_allowed_at: str


@dataclass(frozen=True)
class SessionState:
    """What is known of a refresh token that could not be used."""

    current_id: str | None
    revoked_at: str | None
    expires_at: str | None
    last_used_at: str | None
    rotated_id: str | None
    """The session whose previous token this was (a replayed, already rotated token)."""


@dataclass(frozen=True)
class RotatedSession:
    """The account behind a refresh token that was just rotated."""

    account_id: str
    username: str
    union_id: str
    role: str
    token_version: int
    session_id: str
    cert_fingerprint: str | None = None
    """The session was opened with this client certificate (its tokens are bound to it)."""


class AccountRepository:
    """Accounts and sessions on one store."""

    def __init__(self, store: GraphStore, sealer: SecretSealer | None = None) -> None:
        self._store = store
        self._sealer = sealer  # TOTP secrets sealed at rest (None: stored as given)

    def _sealed(self, params: dict[str, object], account_id: object) -> dict[str, object]:
        if self._sealer is not None and isinstance(params.get("totpSecret"), str):
            secret = str(params["totpSecret"])
            params = {**params, "totpSecret": self._sealer.seal(secret, str(account_id))}
        return params

    async def seal_plain_totp(self) -> int:
        """Seal every TOTP secret still stored in clear (the migration); how many."""
        if self._sealer is None:
            return 0
        plain = await self._store.read(q("account/list_plain_totp"), {"prefix": PREFIX})
        rows = [
            {"id": r["id"], "old": r["totpSecret"],
             "sealed": self._sealer.seal(str(r["totpSecret"]), str(r["id"]))}
            for r in plain
        ]  # fmt: skip
        if not rows:
            return 0
        done = await self._store.write(q("account/seal_totp_secrets"), {"rows": rows})
        return int(done[0]["sealed"]) if done else 0  # type: ignore[call-overload]

    async def create(self, **params: object) -> Account | None:
        """The new account; None when the union is unknown or the username taken."""
        params = self._sealed(params, params.get("id"))
        rows = await self._store.write(q("account/create_account"), params)
        return account_from_row(rows[0]) if rows else None

    async def login_record(self, username: str) -> LoginRecord | None:
        rows = await self._store.read(q("account/get_account_by_username"), {"username": username})
        if not rows:
            return None
        row = rows[0]
        step = row["totpLastStep"]
        return LoginRecord(
            account=account_from_row(row),
            password_hash=str(row["passwordHash"] or ""),
            totp_secret=self._open(_text(row["totpSecret"]), row["id"]),
            totp_last_step=None if step is None else int(step),  # type: ignore[call-overload]
        )

    def _open(self, stored: str | None, account_id: object) -> str | None:
        return stored if self._sealer is None else self._sealer.open(stored, str(account_id))

    async def get_many(self, ids: list[str]) -> dict[str, Account]:
        rows = await self._store.read(q("account/get_accounts"), {"ids": ids})
        return {str(r["id"]): account_from_row(r) for r in rows}

    async def principal_state(
        self, account_id: str, session_id: str, *, now: str
    ) -> tuple[Account | None, bool]:
        """The account and whether the session is open (``(None, False)``: no such account)."""
        rows = await self._store.read(
            q("account/get_principal_state"),
            {"accountId": account_id, "sessionId": session_id, "now": now},
        )
        if not rows:
            return None, False
        return account_from_row(rows[0]), bool(rows[0]["sessionOpen"])

    async def list_all(self) -> list[Account]:
        return [account_from_row(r) for r in await self._store.read(q("account/list_accounts"))]

    async def claim_login_attempt(
        self, *, key: str, username: str, now: str, forget_before: str, schedule: list[str]
    ) -> LoginClaim:
        """Count one login attempt of a (username, client address) before it is checked."""
        rows = await self._store.write(
            q("account/claim_login_attempt"),
            {"key": key, "username": username, "now": now, "forgetBefore": forget_before,
             "schedule": schedule},
        )  # fmt: skip
        r = rows[0]
        return LoginClaim(
            allowed=bool(r["allowed"]),
            failures=int(r["failures"]),  # type: ignore[call-overload]
            next_allowed_at=str(r["nextAllowedAt"]),
        )

    async def clear_login_throttle(self, key: str) -> None:
        await self._store.write(q("account/clear_login_throttle"), {"key": key})

    async def delete_stale_login_throttles(self, *, forget_before: str) -> int:
        rows = await self._store.write(
            q("account/delete_stale_login_throttles"), {"forgetBefore": forget_before}
        )
        return int(rows[0]["deleted"]) if rows else 0  # type: ignore[call-overload]

    async def record_success(self, **params: object) -> str | None:
        """The new session's id; None when a guard failed (disabled, changed, TOTP replayed)."""
        rows = await self._store.write(q("account/record_login_success"), params)
        return str(rows[0]["sessionId"]) if rows else None

    async def rotate(
        self, *, old_hash: str, new_hash: str, now: str, idle_cutoff: str
    ) -> RotatedSession | None:
        rows = await self._store.write(
            q("account/rotate_session"),
            {"oldHash": old_hash, "newHash": new_hash, "now": now, "idleCutoff": idle_cutoff},
        )
        if not rows:
            return None
        r = rows[0]
        return RotatedSession(
            account_id=str(r["id"]),
            username=str(r["username"]),
            union_id=str(r["unionId"]),
            role=str(r["role"]),
            token_version=int(r["tokenVersion"]),  # type: ignore[call-overload]
            session_id=str(r["sessionId"]),
            cert_fingerprint=_text(r.get("certFingerprint")),
        )

    async def session_state(self, token_hash: str) -> SessionState:
        rows = await self._store.read(q("account/get_session_by_hash"), {"hash": token_hash})
        r = rows[0] if rows else {}
        return SessionState(
            current_id=_text(r.get("currentId")),
            revoked_at=_text(r.get("revokedAt")),
            expires_at=_text(r.get("expiresAt")),
            last_used_at=_text(r.get("lastUsedAt")),
            rotated_id=_text(r.get("rotatedId")),
        )

    async def revoke_session(self, session_id: str, *, now: str) -> None:
        await self._store.write(q("account/revoke_session"), {"sessionId": session_id, "now": now})

    async def delete_stale_sessions(self, account_id: str, *, now: str, idle_cutoff: str) -> int:
        rows = await self._store.write(
            q("account/delete_stale_sessions"),
            {"accountId": account_id, "now": now, "idleCutoff": idle_cutoff},
        )
        return int(rows[0]["deleted"]) if rows else 0  # type: ignore[call-overload]

    async def disable(self, account_id: str, *, now: str, by: str) -> Account | None:
        rows = await self._store.write(
            q("account/disable_account"), {"accountId": account_id, "now": now, "by": by}
        )
        return account_from_row(rows[0]) if rows else None

    async def reset(self, **params: object) -> Account | None:
        params = self._sealed(params, params.get("accountId"))
        rows = await self._store.write(q("account/reset_account"), params)
        return account_from_row(rows[0]) if rows else None
