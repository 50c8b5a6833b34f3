"""Admins bind, unbind and mark lost (注销) the client certificates of the accounts in their
scope; a lost certificate's sessions end at once and it can never be bound again, so the holder
signs in with the reissued one (补发) once an admin binds it.

Asked through GraphQL (a principal), each change is recorded by the API's audit extension; asked
from the command line (no principal), it is recorded here with the actor ``system``.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.domain.accounts import Principal
from graph_service.repositories.certificates import CertificateBinding
from graph_service.services.accounts import AccountService
from graph_service.services.audit import AuditService
from graph_service.services.authentication import NO_CALLER, Caller
from graph_service.services.certificates import (
    CertificateRegister,
    ClientCertificate,
    certificate_arguments,
)

SYSTEM = "system"


@dataclass(frozen=True)
class CertificateChange:
    """A binding changed, and the sessions that ended with it."""

    username: str
    binding: CertificateBinding
    sessions_ended: int


class CertificateAdmin:
    """Certificate bindings of accounts, inside an admin's scope."""

    def __init__(
        self, accounts: AccountService, register: CertificateRegister, audit: AuditService
    ) -> None:
        self._accounts = accounts
        self.register = register
        self._audit = audit

    async def bind(
        self, *, username: str, pem: bytes, principal: Principal | None = None,
        caller: Caller = NO_CALLER,
    ) -> CertificateChange:  # fmt: skip
        cert = ClientCertificate.from_pem(pem)
        account = await self._accounts.get(username, principal=principal)
        binding = await self.register.bind(
            account.id, cert, by=principal.actor if principal else SYSTEM
        )
        await self._note(principal, "account.bindCertificate", account.username,
                         account.union_id, binding, caller)  # fmt: skip
        return CertificateChange(account.username, binding, 0)

    async def unbind(
        self, *, username: str, serial: str, issuer: str | None = None,
        principal: Principal | None = None, caller: Caller = NO_CALLER,
    ) -> CertificateChange:  # fmt: skip
        account = await self._accounts.get(username, principal=principal)
        binding, ended = await self.register.unbind(account.id, serial, issuer)
        self._forget(ended)
        await self._note(principal, "account.unbindCertificate", account.username,
                         account.union_id, binding, caller)  # fmt: skip
        return CertificateChange(account.username, binding, len(ended))

    async def mark_lost(
        self, *, username: str, serial: str, issuer: str | None = None,
        principal: Principal | None = None, caller: Caller = NO_CALLER,
    ) -> CertificateChange:  # fmt: skip
        account = await self._accounts.get(username, principal=principal)
        binding, ended = await self.register.mark_lost(
            account.id, serial, issuer, by=principal.actor if principal else SYSTEM
        )
        self._forget(ended)
        await self._note(principal, "account.markCertificateLost", account.username,
                         account.union_id, binding, caller)  # fmt: skip
        return CertificateChange(account.username, binding, len(ended))

    async def list_for(
        self, *, username: str, principal: Principal | None = None
    ) -> list[CertificateBinding]:
        account = await self._accounts.get(username, principal=principal)
        return await self.register.list_for(account.id)

    def _forget(self, sessions: list[str]) -> None:
        for session_id in sessions:  # this process refuses their tokens from the next request
            self._accounts.auth.forget_session(session_id)

    async def _note(
        self, principal: Principal | None, operation: str, username: str, union_id: str,
        binding: CertificateBinding, caller: Caller,
    ) -> None:  # fmt: skip
        if principal is not None:  # recorded once by the API's audit extension
            return
        await self._audit.record(
            actor=SYSTEM, scope_union_id=union_id, operation=operation,
            arguments={"username": username, "unionId": union_id,
                       **certificate_arguments(binding)},
            client_address=caller.client_address, request_id=caller.request_id,
        )  # fmt: skip
