"""Client certificates: parsing, the CRLs of the trusted CAs, and the register's own bindings.

A certificate is identified by its issuer and serial number (what a CA revokes); the subject is
shown to admins; the SHA-256 of its DER form (its fingerprint) ties sessions and tokens to it.
A certificate signs in only when all of these hold, checked on every request (the register's
state at most ``principal_cache_seconds`` old in another process, at once in this one):

- it is bound to an account and not marked lost (``CERT_NOT_BOUND``, ``CERT_REVOKED``);
- it is within its validity period (``CERT_EXPIRED``);
- when CRLs are configured: its CA's CRL is readable, correctly signed and not past its
  nextUpdate (``CRL_UNAVAILABLE``, ``CRL_STALE``: fail closed) and does not list it
  (``CERT_REVOKED``).

Every refusal is UNAUTHENTICATED with one of those reasons and a Chinese message.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from graph_service.domain.audit import utc_timestamp
from graph_service.errors import BadUserInput, Conflict, NotFound, Unauthenticated
from graph_service.repositories.certificates import CertificateBinding, CertificateRepository

log = logging.getLogger("union_tree.certificates")
Clock = Callable[[], datetime]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class ClientCertificate:
    """What the service reads of an X.509 certificate."""

    issuer: str
    serial: str
    subject: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    der: bytes

    @property
    def key(self) -> str:
        """Its identity in the register: issuer + serial."""
        return f"{self.issuer}|{self.serial}"

    @classmethod
    def from_der(cls, der: bytes) -> ClientCertificate:
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            raise refused("CERT_INVALID", "无法解析所出示的数字证书") from None
        return cls._of(cert)

    @classmethod
    def from_pem(cls, pem: bytes) -> ClientCertificate:
        """The first certificate of a PEM text; BAD_USER_INPUT when there is none."""
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            try:
                cert = x509.load_der_x509_certificate(pem)
            except ValueError:
                raise BadUserInput(
                    "证书文件不是 PEM 或 DER 格式的 X.509 证书", reason="CERT_INVALID", field="cert"
                ) from None
        return cls._of(cert)

    @classmethod
    def _of(cls, cert: x509.Certificate) -> ClientCertificate:
        der = cert.public_bytes(Encoding.DER)
        return cls(
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "X"),
            subject=cert.subject.rfc4514_string(),
            fingerprint=hashlib.sha256(der).hexdigest(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            der=der,
        )

    def __repr__(self) -> str:
        return f"ClientCertificate(subject={self.subject!r}, serial={self.serial})"


def refused(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)


MESSAGES = {
    "CERT_INVALID": "无法解析所出示的数字证书",
    "CERT_REQUIRED": "该账号须使用绑定的数字证书登录（请通过双向 TLS 出示证书）",
    "CERT_NOT_BOUND": "所出示的数字证书未绑定任何账号",
    "CERT_REVOKED": "所出示的数字证书已注销或被吊销",
    "CERT_EXPIRED": "所出示的数字证书不在有效期内",
    "CERT_MISMATCH": "访问令牌绑定的数字证书与本次连接出示的证书不符",
    "CERT_UNTRUSTED": "所出示的数字证书不是受信任的证书认证中心签发的",
    "CRL_STALE": "证书吊销列表已过期（超过下次更新时间），暂不能使用证书登录，请联系管理员",
    "CRL_UNAVAILABLE": "证书吊销列表无法读取，暂不能使用证书登录，请联系管理员",
}


def cert_refused(reason: str) -> Unauthenticated:
    return refused(reason, MESSAGES[reason])


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError:
        return x509.load_der_x509_crl(data)


def _signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return crl.is_signature_valid(key)
    return False


def load_cas(path: Path | None) -> list[x509.Certificate]:
    """The CA certificates of a PEM bundle (none when unset)."""
    if path is None:
        return []
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        raise BadUserInput(
            f"无法读取受信任的客户端证书 CA 文件 {path}",
            reason="CLIENT_CA_UNREADABLE",
            field="client_ca",
        ) from None


@dataclass(frozen=True)
class _Crl:
    revoked: frozenset[int]
    next_update: datetime | None


class RevocationLists:
    """The CRL files of the trusted CAs, reread every ``refresh_seconds`` (and at start).

    Keyed by issuer: a file that cannot be read, parsed or verified (against the CA of the same
    name in ``cas``) marks its issuer unavailable until a later read succeeds; the issuers of
    files never read are unknown. With CRLs configured, a certificate whose issuer has no good
    CRL is refused (fail closed)."""

    def __init__(
        self,
        files: list[Path],
        *,
        cas: list[x509.Certificate] | None = None,
        refresh_seconds: float = 60.0,
        clock: Clock | None = None,
        monotonic: Monotonic | None = None,
    ) -> None:
        self._files = list(files)
        self._cas = {ca.subject.rfc4514_string(): ca for ca in (cas or [])}
        self._refresh = refresh_seconds
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._monotonic: Monotonic = monotonic or time.monotonic
        self._loaded_at: float | None = None
        self._lists: dict[str, _Crl] = {}
        self._failed: set[str] = set()
        self._sources: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        """File -> why it was not usable at the last load (for the log and the admins)."""

    @property
    def enabled(self) -> bool:
        return bool(self._files)

    def reload(self) -> None:
        lists: dict[str, _Crl] = {}
        failed: set[str] = set()
        errors: dict[str, str] = {}
        for path in self._files:
            try:
                crl = _load_crl(path.read_bytes())
            except (OSError, ValueError) as exc:
                errors[str(path)] = f"无法读取：{exc.__class__.__name__}"
                # which issuer this file was for is known from the last good read, if any
                failed |= {i for i, src in self._sources.items() if src == str(path)}
                continue
            issuer = crl.issuer.rfc4514_string()
            ca = self._cas.get(issuer)
            if ca is not None and not _signed_by(crl, ca):
                errors[str(path)] = "签名无效"
                failed.add(issuer)
                continue
            self._sources[issuer] = str(path)
            lists[issuer] = _Crl(
                revoked=frozenset(r.serial_number for r in crl),
                next_update=crl.next_update_utc,
            )
        for name, why in errors.items():
            if self.errors.get(name) != why:
                log.warning("证书吊销列表 %s %s，相关证书登录被拒绝", name, why)
        self._lists, self._failed, self.errors = lists, failed, errors
        self._loaded_at = self._monotonic()

    def check(self, cert: ClientCertificate, serial_number: int) -> None:
        """Nothing when the issuer's CRL is good and does not list the certificate."""
        if not self._files:
            return
        if self._loaded_at is None or self._monotonic() - self._loaded_at >= self._refresh:
            self.reload()
        crl = self._lists.get(cert.issuer)
        if crl is None:
            raise cert_refused("CRL_UNAVAILABLE")
        if crl.next_update is None or crl.next_update <= self._clock():
            raise cert_refused("CRL_STALE")
        if serial_number in crl.revoked:
            raise cert_refused("CERT_REVOKED")


class CertificateRegister:
    """Bindings of certificates to accounts, with a short cache of what a request checks."""

    def __init__(
        self,
        repository: CertificateRepository,
        crls: RevocationLists,
        *,
        cas: list[x509.Certificate] | None = None,
        cache_seconds: float = 5.0,
        clock: Clock | None = None,
        monotonic: Monotonic | None = None,
    ) -> None:
        self._repo = repository
        self.crls = crls
        self._cas = {ca.subject.rfc4514_string(): ca for ca in (cas or [])}
        self._cache_ttl = max(0.0, min(cache_seconds, 5.0))
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._monotonic: Monotonic = monotonic or time.monotonic
        self._checked: dict[str, tuple[float, CertificateBinding | None]] = {}

    async def binding_of(
        self, cert: ClientCertificate, *, verify_issuer: bool
    ) -> CertificateBinding:
        """The binding a presented certificate signs in with; UNAUTHENTICATED with the reason
        otherwise. ``verify_issuer``: the certificate came from a gateway's header, so the
        service checks itself that a trusted CA (``client_ca``, when set) issued it."""
        now = self._clock()
        if verify_issuer and self._cas:
            ca = self._cas.get(cert.issuer)
            try:
                if ca is None:
                    raise ValueError("unknown issuer")
                x509.load_der_x509_certificate(cert.der).verify_directly_issued_by(ca)
            except Exception:  # InvalidSignature, a wrong key type, an unknown issuer
                raise cert_refused("CERT_UNTRUSTED") from None
        if not cert.not_before <= now <= cert.not_after:
            raise cert_refused("CERT_EXPIRED")
        self.crls.check(cert, int(cert.serial, 16))
        binding = await self._binding(cert.key)
        if binding is None or binding.fingerprint != cert.fingerprint:
            raise cert_refused("CERT_NOT_BOUND")
        if binding.lost:
            raise cert_refused("CERT_REVOKED")
        return binding

    async def _binding(self, key: str) -> CertificateBinding | None:
        now = self._monotonic()
        cached = self._checked.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        binding = await self._repo.get(key)
        if len(self._checked) >= 10_000:
            self._checked.clear()
        self._checked[key] = (now + self._cache_ttl, binding)
        return binding

    def forget(self, key: str) -> None:
        self._checked.pop(key, None)

    async def open_session(self, **params: object) -> str | None:
        return await self._repo.open_session(**params)

    # --- admin changes (the account is already found in the admin's scope) --------------------

    async def bind(
        self, account_id: str, cert: ClientCertificate, *, by: str
    ) -> CertificateBinding:
        binding = await self._repo.bind(
            accountId=account_id, key=cert.key, issuer=cert.issuer, serial=cert.serial,
            subject=cert.subject, fingerprint=cert.fingerprint,
            notAfter=utc_timestamp(cert.not_after), now=utc_timestamp(self._clock()), by=by,
        )  # fmt: skip
        self.forget(cert.key)
        if binding is not None:
            return binding
        existing = await self._repo.get(cert.key)
        if existing is not None and existing.lost:
            raise Conflict("该证书已注销，不能再绑定，请绑定补发的新证书", reason="CERT_REVOKED",
                           field="cert")  # fmt: skip
        raise Conflict("该证书已绑定其他账号", reason="CERT_TAKEN", field="cert")

    async def list_for(self, account_id: str) -> list[CertificateBinding]:
        return await self._repo.list_for(account_id)

    async def _own(self, account_id: str, serial: str, issuer: str | None) -> CertificateBinding:
        """The account's certificate with this serial (and issuer, when two share a serial)."""
        wanted = serial.strip().upper().lstrip("0") or "0"
        mine = [
            b for b in await self._repo.list_for(account_id)
            if b.serial == wanted and (issuer is None or b.issuer == issuer)
        ]  # fmt: skip
        if len(mine) != 1:
            raise NotFound("该账号没有绑定此证书", reason="CERT_NOT_BOUND", field="serial")
        return mine[0]

    async def unbind(
        self, account_id: str, serial: str, issuer: str | None = None
    ) -> tuple[CertificateBinding, list[str]]:
        """Remove a binding; its sessions end. Returns it and the ended session ids."""
        binding = await self._own(account_id, serial, issuer)
        if binding.lost:
            raise Conflict("已注销的证书保留在登记中，不能解绑", reason="CERT_REVOKED",
                           field="serial")  # fmt: skip
        fingerprint = await self._repo.unbind(account_id=account_id, key=binding.key)
        self.forget(binding.key)
        if fingerprint is None:
            raise NotFound("该账号没有绑定此证书", reason="CERT_NOT_BOUND", field="serial")
        ended = await self._repo.revoke_sessions(fingerprint, now=utc_timestamp(self._clock()))
        return binding, ended

    async def mark_lost(self, account_id: str, serial: str, issuer: str | None = None, *,
                        by: str) -> tuple[CertificateBinding, list[str]]:  # fmt: skip
        """注销: the certificate signs nobody in from now on; every session opened with it ends."""
        binding = await self._own(account_id, serial, issuer)
        now = utc_timestamp(self._clock())
        marked = await self._repo.mark_lost(account_id=account_id, key=binding.key, now=now, by=by)
        self.forget(binding.key)
        if marked is None:
            raise NotFound("该账号没有绑定此证书", reason="CERT_NOT_BOUND", field="serial")
        ended = await self._repo.revoke_sessions(marked.fingerprint, now=now)
        return marked, ended


def certificate_arguments(binding: CertificateBinding) -> Mapping[str, object]:
    """What the audit log keeps of a certificate."""
    return {"issuer": binding.issuer, "serial": binding.serial, "subject": binding.subject}
