"""Client certificates bound to accounts: query name + params -> records.

``(:Certificate {key})-[:CERTIFICATE_OF]->(:Account)``; ``key`` is the issuer (RFC 4514) and the
serial number, the identity a CA gives a certificate. A certificate marked lost keeps its node
(``lostAt``), so it never signs in or binds again. Sessions opened with a certificate carry its
SHA-256 fingerprint (``Session.certFingerprint``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.queries import q
from graph_service.store import GraphStore, Row


@dataclass(frozen=True)
class CertificateBinding:
    """A certificate of the register and the account it is bound to."""

    key: str
    account_id: str
    issuer: str
    serial: str
    subject: str
    fingerprint: str
    not_after: str | None
    bound_at: str
    bound_by: str
    lost_at: str | None

    @property
    def lost(self) -> bool:
        return self.lost_at is not None


def binding_from_row(row: Row) -> CertificateBinding:
    return CertificateBinding(
        key=str(row["key"]),
        account_id=str(row["accountId"]),
        issuer=str(row["issuer"]),
        serial=str(row["serial"]),
        subject=str(row["subject"]),
        fingerprint=str(row["fingerprint"]),
        not_after=None if row["notAfter"] is None else str(row["notAfter"]),
        bound_at=str(row["boundAt"]),
        bound_by=str(row["boundBy"]),
        lost_at=None if row["lostAt"] is None else str(row["lostAt"]),
    )


class CertificateRepository:
    """Reads and writes ``cypher/account/*certificate*``."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    async def bind(self, **params: object) -> CertificateBinding | None:
        """The binding; None when the certificate is bound elsewhere or lost."""
        rows = await self._store.write(q("account/bind_certificate"), params)
        return binding_from_row(rows[0]) if rows else None

    async def get(self, key: str) -> CertificateBinding | None:
        rows = await self._store.read(q("account/get_certificate"), {"key": key})
        return binding_from_row(rows[0]) if rows else None

    async def list_for(self, account_id: str) -> list[CertificateBinding]:
        rows = await self._store.read(q("account/list_certificates"), {"accountId": account_id})
        return [binding_from_row(r) for r in rows]

    async def unbind(self, *, account_id: str, key: str) -> str | None:
        """The fingerprint of the certificate removed; None when there was none to remove."""
        rows = await self._store.write(
            q("account/unbind_certificate"), {"accountId": account_id, "key": key}
        )
        return str(rows[0]["fingerprint"]) if rows else None

    async def mark_lost(
        self, *, account_id: str, key: str, now: str, by: str
    ) -> CertificateBinding | None:
        rows = await self._store.write(
            q("account/mark_certificate_lost"),
            {"accountId": account_id, "key": key, "now": now, "by": by},
        )
        return binding_from_row(rows[0]) if rows else None

    async def revoke_sessions(self, fingerprint: str, *, now: str) -> list[str]:
        """The ids of the sessions ended."""
        rows = await self._store.write(
            q("account/revoke_certificate_sessions"), {"fingerprint": fingerprint, "now": now}
        )
        return [str(r["sessionId"]) for r in rows]

    async def open_session(self, **params: object) -> str | None:
        """The new session's id; None when the account was disabled or changed meanwhile."""
        rows = await self._store.write(q("account/open_certificate_session"), params)
        return str(rows[0]["sessionId"]) if rows else None
