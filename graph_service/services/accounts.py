"""Managing accounts: create, list, disable, reset (command line, admins, demo start).

``principal`` is the admin asking (GraphQL): the target union must lie in their subtree, else
NOT_FOUND, as if it did not exist; non-admins are FORBIDDEN. ``principal=None`` is the command
line (whoever runs it on the server already holds the data). Login and token checks live in
:mod:`graph_service.services.authentication` (``accounts.auth``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping

from graph_service.domain.accounts import Account, IssuedCredentials, Principal, Role
from graph_service.domain.audit import utc_timestamp
from graph_service.domain.codes import UnionLevel
from graph_service.errors import BadUserInput, Conflict, Forbidden, NotFound
from graph_service.repositories.accounts import AccountRepository
from graph_service.services import credentials
from graph_service.services.authentication import (
    ANONYMOUS,
    NO_CALLER,
    USERNAME,
    AuditRecorder,
    Authenticator,
    Caller,
    Clock,
    Monotonic,
)
from graph_service.services.certificates import CertificateRegister
from graph_service.services.tree import TreeService, check_union_id
from graph_service.settings import Settings

DEMO_ADMIN = "demo-admin"
SYSTEM = "system"
RESERVED = frozenset({DEMO_ADMIN, SYSTEM, ANONYMOUS})
"""Names an admin can never create (the command line can: it makes the demo admin)."""


def parse_username(username: str) -> str:
    """Lower-case, 3–64 of ``a-z 0-9 . _ -``; BAD_USER_INPUT (USERNAME_FORMAT) otherwise."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise BadUserInput(
            "用户名须为 3–64 位小写字母、数字或 . _ -，以字母或数字开头",
            reason="USERNAME_FORMAT",
            field="username",
        )
    return name


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise BadUserInput(
            "角色须为 viewer、operator 或 admin", reason="ROLE", field="role"
        ) from None


class AccountService:
    """Accounts bound to unions, with roles."""

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
        self.auth = Authenticator(
            repository, tree, settings, audit=audit, clock=clock, monotonic=monotonic,
            certificates=certificates,
        )  # fmt: skip
        self._clock = self.auth.clock

    async def create(
        self,
        *,
        username: str,
        union_id: str,
        role: str,
        password: str | None = None,
        principal: Principal | None = None,
        caller: Caller = NO_CALLER,
    ) -> IssuedCredentials:
        """A new account; the password (generated if not given) and TOTP secret are returned
        once and stored only as a hash / secret."""
        name = parse_username(username)
        kind = parse_role(role)
        uid = await self._union_in_scope(union_id, principal, field="unionId")
        if principal is not None and name in RESERVED:
            raise _unavailable()
        secret_pw = password if password is not None else credentials.new_password()
        credentials.check_password_policy(
            secret_pw, username=name, min_length=self._settings.password_min_length
        )
        totp = credentials.new_totp_secret() if self.auth.needs_totp(kind) else None
        hashed = await asyncio.to_thread(credentials.hash_password, secret_pw)
        try:
            account = await self._repo.create(
                id=secrets.token_hex(8), username=name, unionId=uid, role=kind.value,
                passwordHash=hashed, totpSecret=totp, now=self._now(), by=_actor(principal),
            )  # fmt: skip
        except Conflict:  # the unique constraint caught a concurrent create of the same name
            account = None
        if account is None:
            # usernames are unique across the register: an admin is told only that the name
            # cannot be had (as for a reserved one), never whose it is or where (README)
            if principal is not None:
                raise _unavailable()
            raise Conflict("用户名已被使用", reason="USERNAME_TAKEN", field="username")
        await self._note(principal, "account.create", account, caller, role=kind.value)
        return self._issued(account, secret_pw, totp)

    async def list(
        self, *, union_id: str | None = None, principal: Principal | None = None
    ) -> list[Account]:
        """Accounts bound to unions in the subtree of ``union_id`` (default: the admin's scope;
        for the command line without one: every account)."""
        root = None
        if union_id is not None:
            root = await self._union_in_scope(union_id, principal, field="unionId")
        elif principal is not None:
            self._require_admin(principal)
            root = principal.scope_union_id
        accounts = await self._repo.list_all()
        if root is None:
            return accounts
        inside = await self._tree.within(sorted({a.union_id for a in accounts}), root)
        return [a for a in accounts if inside.get(a.union_id)]

    async def get(self, username: str, *, principal: Principal | None = None) -> Account:
        """One account by username, inside the admin's scope; NOT_FOUND otherwise."""
        if principal is not None:
            self._require_admin(principal)
        found = await self._repo.login_record(username.strip().lower())
        unknown = NotFound("未找到该账号", reason="ACCOUNT_NOT_FOUND", field="username")
        if found is None:
            raise unknown
        try:
            await self._union_in_scope(found.account.union_id, principal, field="username")
        except NotFound:
            raise unknown from None  # outside the scope answers exactly like unknown
        return found.account

    async def disable(
        self, *, username: str, principal: Principal | None = None, caller: Caller = NO_CALLER
    ) -> Account:
        """Refuse the account's logins, refresh tokens and (within seconds) access tokens."""
        target = await self.get(username, principal=principal)
        if principal is not None and principal.account_id == target.id:
            raise Conflict("不能停用自己的账号", reason="SELF_DISABLE", field="username")
        account = await self._repo.disable(target.id, now=self._now(), by=_actor(principal))
        if account is None:
            raise NotFound("未找到该账号", reason="ACCOUNT_NOT_FOUND", field="username")
        self.auth.forget(account.id)
        await self._note(principal, "account.disable", account, caller)
        return account

    async def reset(
        self,
        *,
        username: str,
        password: str | None = None,
        principal: Principal | None = None,
        caller: Caller = NO_CALLER,
        keep_totp: bool = False,
        enable: bool = False,
    ) -> IssuedCredentials:
        """New password and TOTP secret; clears the lock and ends every session."""
        target = await self.get(username, principal=principal)
        secret_pw = password if password is not None else credentials.new_password()
        credentials.check_password_policy(
            secret_pw, username=target.username, min_length=self._settings.password_min_length
        )
        totp = credentials.new_totp_secret() if self.auth.needs_totp(target.role) else None
        hashed = await asyncio.to_thread(credentials.hash_password, secret_pw)
        account = await self._repo.reset(
            accountId=target.id, passwordHash=hashed, totpSecret=totp, keepTotp=keep_totp,
            enable=enable, now=self._now(), by=_actor(principal),
        )  # fmt: skip
        if account is None:
            raise NotFound("未找到该账号", reason="ACCOUNT_NOT_FOUND", field="username")
        self.auth.forget(account.id)
        await self._note(principal, "account.reset", account, caller)
        if keep_totp:
            record = await self._repo.login_record(account.username)
            totp = record.totp_secret if record else None
        return self._issued(account, secret_pw, totp)

    async def ensure_demo_admin(self, *, password: str | None = None) -> IssuedCredentials:
        """Demo mode: an admin of the demo province's federation with a fresh password (its
        TOTP secret is kept across restarts so an authenticator app keeps working)."""
        if await self._repo.login_record(DEMO_ADMIN) is not None:
            return await self.reset(username=DEMO_ADMIN, password=password, keep_totp=True,
                                    enable=True)  # fmt: skip
        page = await self._tree.search_unions(
            name_contains=None, level=UnionLevel.PROVINCE.value, under=None, first=1, after=None
        )
        if not page.items:
            raise NotFound("演示省份尚未载入", reason="DEMO_NOT_LOADED")
        return await self.create(
            username=DEMO_ADMIN, union_id=page.items[0].id, role=Role.ADMIN.value, password=password
        )

    # --- helpers -----------------------------------------------------------------------------

    async def _union_in_scope(
        self, union_id: str, principal: Principal | None, *, field: str
    ) -> str:
        uid = check_union_id(union_id, field)
        if principal is not None:
            self._require_admin(principal)
            if not (await self._tree.within([uid], principal.scope_union_id)).get(uid):
                raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field=field)
        elif uid not in await self._tree.get_unions([uid]):
            raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field=field)
        return uid

    @staticmethod
    def _require_admin(principal: Principal) -> None:
        if not principal.may_manage_accounts:
            raise Forbidden("只有管理员可以管理账号", reason="ADMIN_ONLY")

    def _now(self) -> str:
        return utc_timestamp(self._clock())

    def _issued(self, account: Account, password: str, totp: str | None) -> IssuedCredentials:
        return IssuedCredentials(
            account=account,
            password=password,  # type: ignore[arg-type]
            totp_secret=totp,  # type: ignore[arg-type]
            otpauth_uri=credentials.otpauth_uri(totp, account.username) if totp else None,  # type: ignore[arg-type]
        )

    async def _note(
        self,
        principal: Principal | None,
        operation: str,
        account: Account,
        caller: Caller,
        **extra: object,
    ) -> None:
        # A change asked through GraphQL (a principal) is recorded once by the API's audit
        # extension; the service records only the command line's changes.
        if self._audit is None or principal is not None:
            return
        arguments: Mapping[str, object] = {
            "username": account.username, "unionId": account.union_id, **extra,
        }  # fmt: skip
        await self._audit.record(
            actor=_actor(principal),
            scope_union_id=principal.scope_union_id if principal else None,
            operation=operation,
            arguments=arguments,
            client_address=caller.client_address,
            request_id=caller.request_id,
        )


def _unavailable() -> Conflict:
    return Conflict("该用户名不可用，请换一个", reason="USERNAME_UNAVAILABLE", field="username")


def _actor(principal: Principal | None) -> str:
    return principal.actor if principal else SYSTEM
