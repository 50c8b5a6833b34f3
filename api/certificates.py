"""Certificate bindings in GraphQL, for admins (api/tls.py, graph_service/services/
certificate_admin.py): list an account's certificates, bind one (PEM), unbind one, mark one lost
(注销: at once, every session opened with it ends; then bind the reissued one, 补发).

The account must be in the admin's subtree (NOT_FOUND otherwise); other roles are FORBIDDEN.
Every mutation is audited by the API's audit extension.
"""

from __future__ import annotations

import strawberry

from api.context import Context
from graph_service.repositories.certificates import CertificateBinding
from graph_service.services.authentication import Caller
from graph_service.services.certificate_admin import CertificateChange

Info = strawberry.Info[Context, None]


@strawberry.type(name="Certificate", description="账号绑定的数字证书（颁发者 + 序列号）")
class CertificateType:
    issuer: str = strawberry.field(description="颁发者（RFC 4514）")
    serial: str = strawberry.field(description="序列号（十六进制）")
    subject: str = strawberry.field(description="持有者（RFC 4514）")
    fingerprint: str = strawberry.field(description="SHA-256 指纹（十六进制）")
    not_after: str | None
    bound_at: str
    bound_by: str
    lost_at: str | None = strawberry.field(description="注销时间；注销的证书不能再登录或绑定")

    @classmethod
    def from_domain(cls, b: CertificateBinding) -> CertificateType:
        return cls(
            issuer=b.issuer, serial=b.serial, subject=b.subject, fingerprint=b.fingerprint,
            not_after=b.not_after, bound_at=b.bound_at, bound_by=b.bound_by, lost_at=b.lost_at,
        )  # fmt: skip


@strawberry.type(description="证书绑定的变更")
class CertificateChangeType:
    username: str
    certificate: CertificateType
    sessions_ended: int = strawberry.field(description="随之结束的会话数")

    @classmethod
    def from_domain(cls, c: CertificateChange) -> CertificateChangeType:
        return cls(
            username=c.username,
            certificate=CertificateType.from_domain(c.binding),
            sessions_ended=c.sessions_ended,
        )


def _caller(info: Info) -> Caller:
    return Caller(client_address=info.context.client_address, request_id=info.context.request_id)


@strawberry.type
class CertificateQuery:
    @strawberry.field(description="管理员：账号绑定的数字证书（含已注销的）")
    async def account_certificates(self, info: Info, username: str) -> list[CertificateType]:
        found = await info.context.services.certificates.list_for(
            username=username, principal=info.context.principal
        )
        return [CertificateType.from_domain(b) for b in found]


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(description="管理员：为账号绑定数字证书（PEM）")
    async def bind_certificate(
        self, info: Info, username: str, certificate_pem: str
    ) -> CertificateChangeType:
        change = await info.context.services.certificates.bind(
            username=username, pem=certificate_pem.encode("utf-8"),
            principal=info.context.principal, caller=_caller(info),
        )  # fmt: skip
        return CertificateChangeType.from_domain(change)

    @strawberry.mutation(description="管理员：解除账号与证书的绑定，用该证书开启的会话随之结束")
    async def unbind_certificate(
        self, info: Info, username: str, serial: str, issuer: str | None = None
    ) -> CertificateChangeType:
        change = await info.context.services.certificates.unbind(
            username=username, serial=serial, issuer=issuer,
            principal=info.context.principal, caller=_caller(info),
        )  # fmt: skip
        return CertificateChangeType.from_domain(change)

    @strawberry.mutation(
        description="管理员：证书损坏或遗失时注销（立即生效，用该证书开启的会话全部结束）"
    )
    async def mark_certificate_lost(
        self, info: Info, username: str, serial: str, issuer: str | None = None
    ) -> CertificateChangeType:
        change = await info.context.services.certificates.mark_lost(
            username=username, serial=serial, issuer=issuer,
            principal=info.context.principal, caller=_caller(info),
        )  # fmt: skip
        return CertificateChangeType.from_domain(change)
