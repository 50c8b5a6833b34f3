"""Logging in (password + TOTP), refreshing sessions, and checking a request's bearer token.

Every refusal is UNAUTHENTICATED with a stable ``reason``. Any failed combination of username,
password and TOTP code answers ``INVALID_CREDENTIALS``; an unknown username runs the same
statements and one argon2 verification (of a dummy hash) like a known one, so usernames cannot be
probed. Nothing locks an account: each (username, client address) gets
``login_free_failures`` free failures, then waits twice as long after each further one (capped at
``login_delay_max_seconds``), refused unchecked with RATE_LIMITED/LOGIN_THROTTLED meanwhile;
attempts from other addresses, the owner's included, are unaffected.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from graph_service.domain.accounts import Account, Principal, Role
from graph_service.domain.audit import utc_timestamp
from graph_service.errors import RateLimited, Unauthenticated
from graph_service.repositories.accounts import AccountRepository, LoginClaim, LoginRecord
from graph_service.repositories.certificates import CertificateBinding
from graph_service.services import credentials
from graph_service.services.certificates import CertificateRegister, ClientCertificate, cert_refused
from graph_service.services.tokens import AccessTokens, new_refresh_token, token_hash
from graph_service.services.tree import TreeService
from graph_service.settings import Settings

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]
ANONYMOUS = "anonymous"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
"""3–64 of ``a-z 0-9 . _ -``, starting with a letter or digit (compared in lower case)."""
MAX_PASSWORD_LENGTH = 256
_MAX_CACHED = 10_000
_NO_UNION = "-"
_NO_SESSION = ""
"""The principal cache's session key of a request authenticated by its certificate alone."""


class AuditRecorder(Protocol):
    """What the audit service offers (graph_service/services/audit.py)."""

    async def record(
        self,
        *,
        actor: str,
        scope_union_id: str | None,
        operation: str,
        arguments: Mapping[str, object] | None = None,
        result: str = "OK",
        client_address: str | None = None,
        request_id: str | None = None,
    ) -> object: ...


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh returns."""

    access_token: str
    expires_in: int
    """Seconds the access token is valid."""
    refresh_token: str

    def __repr__(self) -> str:
        return f"TokenPair(expires_in={self.expires_in})"


@dataclass(frozen=True)
class Caller:
    """Where a login attempt came from (for the audit log)."""

    client_address: str | None = None
    request_id: str | None = None


NO_CALLER = Caller()


def refused(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)


def _invalid() -> Unauthenticated:
    return refused("INVALID_CREDENTIALS", "用户名、密码或动态码错误")


def throttle_key(username: str, client_address: str | None) -> str:
    """What login attempts are counted under: one (username, client address)."""
    return hashlib.sha256(f"{username}\x00{client_address or ''}".encode()).hexdigest()


def delay_schedule(
    now: datetime, *, free: int, base_seconds: float, max_seconds: float
) -> list[str]:
    """``[i]``: when the next attempt is allowed after ``i + 1`` failures in a row. The first
    ``free`` cost nothing, then ``base``, ``2 base``, ``4 base`` ... up to ``max`` (the last)."""
    steps = max(1, math.ceil(math.log2(max(max_seconds / base_seconds, 1.0))) + 1)
    waits = [0.0] * free + [min(base_seconds * 2**k, max_seconds) for k in range(steps)]
    return [utc_timestamp(now + timedelta(seconds=w)) for w in waits]


def normalize_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding blanks."""
    return username.strip().lower()


class Authenticator:
    """Login, refresh and bearer-token checks for one store."""

    def __init__(
        self,
        repository: AccountRepository,
        tree: TreeService,
        settings: Settings,
        *,
        audit: AuditRecorder | None = None,
        clock: Clock | None = None,
        monotonic: Monotonic | None = None,
        certificates: CertificateRegister | None = None,
    ) -> None:
        self._repo = repository
        self._tree = tree
        self._settings = settings
        self._audit = audit
        self.certificates = certificates
        self._cert_roles = {k.strip().lower(): v for k, v in settings.cert_roles.items()}
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._monotonic: Monotonic = monotonic or time.monotonic
        self.tokens = AccessTokens(settings)
        self._totp_roles = {r.strip().lower() for r in settings.totp_roles}
        self._cache_ttl = max(0.0, min(settings.principal_cache_seconds, 5.0))
        # (account id, session id) -> (trusted until, account, union exists, session open)
        self._checked: dict[tuple[str, str], tuple[float, Account | None, bool, bool]] = {}

    def needs_totp(self, role: Role | str) -> bool:
        return str(role) in self._totp_roles

    def needs_certificate(self, role: Role | str) -> bool:
        """The role's policy is ``required``: only a bound certificate signs it in."""
        return self._cert_roles.get(str(role)) == "required"

    # --- login -------------------------------------------------------------------------------

    async def login(
        self, *, username: str, password: str, totp: str | None = None, caller: Caller = NO_CALLER
    ) -> TokenPair:
        """Check password (and TOTP for the roles that need it); open a session."""
        name = normalize_username(username)
        plausible = USERNAME.match(name) and len(password) <= MAX_PASSWORD_LENGTH
        now = self.clock()
        key = throttle_key(name, caller.client_address)
        claim = await self._claim(key, name, now)
        record = await self._repo.login_record(name) if plausible else None
        if not claim.allowed:
            raise await self._throttled(record, claim, now, caller)
        if record is None:
            await asyncio.to_thread(credentials.burn_verification, password)
            await self._note(None, "INVALID_CREDENTIALS", caller)
            raise _invalid()
        account = record.account
        right = await asyncio.to_thread(credentials.verify_password, record.password_hash, password)
        if not right:
            await self._note(account, "INVALID_CREDENTIALS", caller)
            raise _invalid()
        if self.needs_certificate(account.role):
            await self._note(account, "CERT_REQUIRED", caller)
            raise cert_refused("CERT_REQUIRED")
        step = await self._second_factor(record, totp, now, caller)
        if account.disabled:
            await self._note(account, "ACCOUNT_DISABLED", caller)
            raise refused("ACCOUNT_DISABLED", "账号已停用")
        if not await self._union_exists(account.union_id):
            await self._note(account, "SCOPE_GONE", caller)
            raise refused("SCOPE_GONE", "账号所属工会不存在")
        pair = await self._open_session(record, password, step, now, caller)
        await self._repo.clear_login_throttle(key)
        return pair

    async def _claim(self, key: str, name: str, now: datetime) -> LoginClaim:
        s = self._settings
        return await self._repo.claim_login_attempt(
            key=key, username=name, now=utc_timestamp(now),
            forget_before=self._forget_before(now),
            schedule=delay_schedule(now, free=s.login_free_failures,
                                    base_seconds=s.login_delay_base_seconds,
                                    max_seconds=s.login_delay_max_seconds),
        )  # fmt: skip

    def _forget_before(self, now: datetime) -> str:
        return utc_timestamp(now - timedelta(hours=self._settings.login_throttle_forget_hours))

    async def _throttled(
        self, record: LoginRecord | None, claim: LoginClaim, now: datetime, caller: Caller
    ) -> RateLimited:
        wait = datetime.fromisoformat(claim.next_allowed_at) - now
        seconds = max(1, math.ceil(wait.total_seconds()))
        await self._note(record.account if record else None, "LOGIN_THROTTLED", caller,
                         extra={"failures": claim.failures, "retryAfter": seconds})  # fmt: skip
        message = f"登录失败次数过多，请 {seconds} 秒后再试"
        return RateLimited(message, reason="LOGIN_THROTTLED", retry_after=seconds)

    async def _second_factor(
        self, record: LoginRecord, totp: str | None, now: datetime, caller: Caller
    ) -> int | None:
        """The TOTP step accepted; a missing or wrong code answers exactly like a wrong password
        (the audit log keeps which it was)."""
        account = record.account
        if not self.needs_totp(account.role):
            return None
        if not totp or not totp.strip():
            await self._note(account, "TOTP_REQUIRED", caller)
            raise _invalid()
        step = None
        if record.totp_secret:
            step = credentials.matching_totp_step(
                record.totp_secret, totp, now=now, last_step=record.totp_last_step
            )
        if step is None:
            await self._note(account, "TOTP_INVALID", caller)
            raise _invalid()
        return step

    async def _open_session(
        self, record: LoginRecord, password: str, step: int | None, now: datetime, caller: Caller
    ) -> TokenPair:
        account = record.account
        rehash = None
        if credentials.needs_rehash(record.password_hash):
            rehash = await asyncio.to_thread(credentials.hash_password, password)
        refresh = new_refresh_token()
        stamp = utc_timestamp(now)
        session = await self._repo.record_success(
            accountId=account.id,
            tokenVersion=account.token_version,
            totpStep=step,
            passwordHash=rehash,
            sessionId=secrets.token_hex(8),
            tokenHash=token_hash(refresh),
            now=stamp,
            expiresAt=utc_timestamp(now + timedelta(hours=self._settings.refresh_max_hours)),
        )
        if session is None:  # disabled, reset or the same code used by a concurrent login
            await self._note(account, "LOGIN_RACE", caller)
            if step is not None:
                raise _invalid()
            raise refused("ACCOUNT_CHANGED", "登录未完成，请重试")
        await self._repo.delete_stale_sessions(
            account.id, now=stamp, idle_cutoff=self._idle_cutoff(now)
        )
        await self._repo.delete_stale_login_throttles(forget_before=self._forget_before(now))
        await self._note(account, "OK", caller)
        return self._pair(account.id, account.username, str(account.role), account.union_id,
                          account.token_version, session, refresh, now)  # fmt: skip

    # --- refresh -----------------------------------------------------------------------------

    async def refresh(
        self,
        refresh_token: str,
        *,
        caller: Caller = NO_CALLER,
        certificate: ClientCertificate | None = None,
    ) -> TokenPair:
        """A new access token and a new refresh token; the presented one stops working. A
        session opened with a certificate is refreshed only over a connection presenting it."""
        now = self.clock()
        old = token_hash(refresh_token.strip())
        new = new_refresh_token()
        rotated = await self._repo.rotate(
            old_hash=old, new_hash=token_hash(new), now=utc_timestamp(now),
            idle_cutoff=self._idle_cutoff(now),
        )  # fmt: skip
        if rotated is None:
            raise await self._refresh_refused(old, now, caller)
        bound = rotated.cert_fingerprint
        if bound is not None and (certificate is None or certificate.fingerprint != bound):
            await self._repo.revoke_session(rotated.session_id, now=utc_timestamp(now))
            self.forget_session(rotated.session_id)
            await self._note(None, "CERT_MISMATCH", caller, operation="auth.refresh")
            raise cert_refused("CERT_MISMATCH")
        if bound is None and self.needs_certificate(rotated.role):
            raise cert_refused("CERT_REQUIRED")
        return self._pair(rotated.account_id, rotated.username, rotated.role, rotated.union_id,
                          rotated.token_version, rotated.session_id, new, now,
                          cert_fingerprint=bound)  # fmt: skip

    async def _refresh_refused(self, old_hash: str, now: datetime, caller: Caller) -> Exception:
        state = await self._repo.session_state(old_hash)
        if state.current_id is None and state.rotated_id is not None:
            # a token already exchanged was presented again: someone else may hold the session
            await self._repo.revoke_session(state.rotated_id, now=utc_timestamp(now))
            self.forget_session(state.rotated_id)  # its access tokens too, from the next request
            await self._note(None, "REFRESH_REUSED", caller, operation="auth.refresh")
            return refused("REFRESH_REUSED", "登录已失效，请重新登录")
        reason = "REFRESH_INVALID"
        if state.current_id is not None:
            if state.revoked_at is not None:
                reason = "REFRESH_REVOKED"
            elif (state.expires_at or "") <= utc_timestamp(now):
                reason = "REFRESH_EXPIRED"
            elif (state.last_used_at or "") < self._idle_cutoff(now):
                reason = "REFRESH_IDLE"
            else:
                reason = "ACCOUNT_DISABLED"
        return refused(reason, "登录已失效，请重新登录")

    def _idle_cutoff(self, now: datetime) -> str:
        return utc_timestamp(now - timedelta(minutes=self._settings.refresh_idle_minutes))

    def _pair(
        self, account_id: str, username: str, role: str, union_id: str, version: int,
        session_id: str, refresh: str, now: datetime, cert_fingerprint: str | None = None,
    ) -> TokenPair:  # fmt: skip
        access = self.tokens.issue(
            account_id=account_id, username=username, role=role, union_id=union_id,
            token_version=version, session_id=session_id, now=now,
            cert_fingerprint=cert_fingerprint,
        )  # fmt: skip
        return TokenPair(access, int(self.tokens.ttl.total_seconds()), refresh)

    # --- bearer tokens -----------------------------------------------------------------------

    async def principal(
        self,
        access_token: str,
        *,
        certificate: ClientCertificate | None = None,
        verify_issuer: bool = False,
    ) -> Principal:
        """Who a valid access token speaks for; the account must still be enabled, unchanged
        and bound to an existing union, and the token's session open (checked at most every
        ``principal_cache_seconds``; at once when this process ended the session or changed the
        account). A token issued over a certificate is accepted only over a connection
        presenting that certificate, still bound and unrevoked (CERT_MISMATCH, CERT_REVOKED);
        a role whose policy requires a certificate accepts only such tokens (CERT_REQUIRED)."""
        claims = self.tokens.check(access_token)
        if claims.cert_fingerprint is not None:
            if certificate is None or certificate.fingerprint != claims.cert_fingerprint:
                raise cert_refused("CERT_MISMATCH")
            binding = await self._certificate_binding(certificate, verify_issuer)
            if binding.account_id != claims.account_id:
                raise cert_refused("CERT_MISMATCH")
        elif self.needs_certificate(claims.role):
            raise cert_refused("CERT_REQUIRED")
        account, union_exists, session_open = await self._principal_state(
            claims.account_id, claims.session_id
        )
        if (
            account is None
            or account.disabled
            or account.token_version != claims.token_version
            or not union_exists
            or not session_open
        ):
            raise refused("TOKEN_REVOKED", "访问令牌已失效，请重新登录")
        return Principal(
            account_id=account.id,
            username=account.username,
            role=account.role,
            scope_union_id=account.union_id,
        )

    async def _certificate_binding(
        self, certificate: ClientCertificate, verify_issuer: bool
    ) -> CertificateBinding:
        if self.certificates is None:
            raise cert_refused("CERT_NOT_BOUND")
        return await self.certificates.binding_of(certificate, verify_issuer=verify_issuer)

    async def _certificate_account(
        self, certificate: ClientCertificate, verify_issuer: bool
    ) -> tuple[CertificateBinding, Account]:
        binding = await self._certificate_binding(certificate, verify_issuer)
        account, union_exists = await self._account_state(binding.account_id)
        if account is None:
            raise cert_refused("CERT_NOT_BOUND")
        if account.disabled:
            raise refused("ACCOUNT_DISABLED", "账号已停用")
        if not union_exists:
            raise refused("SCOPE_GONE", "账号所属工会不存在")
        return binding, account

    async def _account_state(self, account_id: str) -> tuple[Account | None, bool]:
        """The account and whether its union exists, read at most every
        ``principal_cache_seconds`` (at once after this process changed the account)."""
        now = self._monotonic()
        cached = self._checked.get((account_id, _NO_SESSION))
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        account = (await self._repo.get_many([account_id])).get(account_id)
        exists = account is not None and await self._union_exists(account.union_id)
        if len(self._checked) >= _MAX_CACHED:
            self._checked.clear()
        self._checked[(account_id, _NO_SESSION)] = (now + self._cache_ttl, account, exists, False)
        return account, exists

    async def certificate_login(
        self,
        certificate: ClientCertificate,
        *,
        caller: Caller = NO_CALLER,
        verify_issuer: bool = False,
    ) -> TokenPair:
        """Sign in with a bound certificate alone (it lives on a secure key behind a PIN): a
        session tied to it, whose tokens are accepted only over that certificate."""
        now = self.clock()
        try:
            binding, account = await self._certificate_account(certificate, verify_issuer)
        except Unauthenticated as exc:
            await self._note(None, exc.reason or exc.code, caller, operation="auth.certificate",
                             extra={"subject": certificate.subject,
                                    "serial": certificate.serial})  # fmt: skip
            raise
        refresh = new_refresh_token()
        stamp = utc_timestamp(now)
        assert self.certificates is not None
        session = await self.certificates.open_session(
            accountId=account.id, tokenVersion=account.token_version,
            sessionId=secrets.token_hex(8), tokenHash=token_hash(refresh),
            fingerprint=binding.fingerprint, now=stamp,
            expiresAt=utc_timestamp(now + timedelta(hours=self._settings.refresh_max_hours)),
        )  # fmt: skip
        if session is None:
            raise refused("ACCOUNT_CHANGED", "登录未完成，请重试")
        await self._repo.delete_stale_sessions(
            account.id, now=stamp, idle_cutoff=self._idle_cutoff(now)
        )
        await self._note(account, "OK", caller, operation="auth.certificate",
                         extra={"serial": binding.serial})  # fmt: skip
        return self._pair(account.id, account.username, str(account.role), account.union_id,
                          account.token_version, session, refresh, now,
                          cert_fingerprint=binding.fingerprint)  # fmt: skip

    async def certificate_principal(
        self, certificate: ClientCertificate, *, verify_issuer: bool = False
    ) -> Principal:
        """The account a request without a bearer token speaks for by its connection's bound,
        valid and unrevoked certificate."""
        _, account = await self._certificate_account(certificate, verify_issuer)
        return Principal(
            account_id=account.id,
            username=account.username,
            role=account.role,
            scope_union_id=account.union_id,
        )

    async def logout(
        self,
        access_token: str,
        *,
        caller: Caller = NO_CALLER,
        certificate: ClientCertificate | None = None,
        verify_issuer: bool = False,
    ) -> None:
        """End the token's session: its refresh token and every access token issued in it are
        refused from the next request on (other processes: within the principal cache's 5 s)."""
        principal = await self.principal(
            access_token, certificate=certificate, verify_issuer=verify_issuer
        )
        session_id = self.tokens.check(access_token).session_id
        await self._repo.revoke_session(session_id, now=utc_timestamp(self.clock()))
        self.forget_session(session_id)
        if self._audit is not None:
            await self._audit.record(
                actor=principal.actor, scope_union_id=principal.scope_union_id,
                operation="auth.logout", arguments={"username": principal.username},
                client_address=caller.client_address, request_id=caller.request_id,
            )  # fmt: skip

    async def _principal_state(
        self, account_id: str, session_id: str
    ) -> tuple[Account | None, bool, bool]:
        now = self._monotonic()
        cached = self._checked.get((account_id, session_id))
        if cached is not None and cached[0] > now:
            return cached[1], cached[2], cached[3]
        account, session_open = await self._repo.principal_state(
            account_id, session_id, now=utc_timestamp(self.clock())
        )
        exists = account is not None and await self._union_exists(account.union_id)
        if len(self._checked) >= _MAX_CACHED:
            self._checked.clear()
        self._checked[(account_id, session_id)] = (
            now + self._cache_ttl, account, exists, session_open
        )
        return account, exists, session_open

    def forget(self, account_id: str) -> None:
        """Drop the cached checks of an account (after this process changed it)."""
        for key in [k for k in self._checked if k[0] == account_id]:
            del self._checked[key]

    def forget_session(self, session_id: str) -> None:
        """Drop the cached checks of a session (after this process ended it)."""
        for key in [k for k in self._checked if k[1] == session_id]:
            del self._checked[key]

    async def _union_exists(self, union_id: str) -> bool:
        return union_id in await self._tree.get_unions([union_id])

    async def _note(
        self,
        account: Account | None,
        result: str,
        caller: Caller,
        *,
        operation: str = "auth.login",
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """One audit record per login attempt, in the scope of the account's union so its admins
        see it (an unknown username is not stored: it is often a password typed in the wrong
        field)."""
        if self._audit is None:
            return
        if account is None:  # the read of the scope's ancestors a known account's record makes
            await self._tree.chains([_NO_UNION])
        arguments: dict[str, object] = (
            {"username": account.username} if account else {"knownUsername": False}
        )
        await self._audit.record(
            actor=f"account:{account.username}" if account else ANONYMOUS,
            scope_union_id=account.union_id if account else None,
            operation=operation,
            arguments=arguments | dict(extra or {}),
            result=result,
            client_address=caller.client_address,
            request_id=caller.request_id,
        )
