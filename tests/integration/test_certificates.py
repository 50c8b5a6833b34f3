"""Certificate bindings, certificate sessions and revocation on every engine (the Cypher of
cypher/account/*certificate* portable), and the CRL rules (fail closed) with injected clocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph_service.errors import Conflict, Unauthenticated
from graph_service.services.certificates import ClientCertificate, RevocationLists
from graph_service.services.registry import Services
from tests.e2e.pki import Issued, TestCA


def cert_of(issued: Issued) -> ClientCertificate:
    return ClientCertificate.from_pem(issued.pem.encode())


async def reason_of(call: object) -> str | None:
    with pytest.raises(Unauthenticated) as caught:
        await call  # type: ignore[misc]
    return caught.value.reason


async def test_bind_sign_in_mark_lost_reissue_unbind(services: Services, tmp_path: Path) -> None:
    outcome = await services.imports.bootstrap("42", operator="test")
    province = outcome.province_id
    zhang = await services.accounts.create(username="zhang", union_id=province, role="operator")
    await services.accounts.create(username="lisi", union_id=province, role="operator")
    ca = TestCA(tmp_path / "pki")
    key1, key2, stranger = ca.issue("张三 1"), ca.issue("张三 2"), ca.issue("stranger")
    admin = services.certificates
    auth = services.accounts.auth

    bound = await admin.bind(username="zhang", pem=key1.pem.encode())
    assert (bound.binding.serial, bound.binding.account_id) == (key1.serial, zhang.account.id)
    assert "CN=张三 1" in bound.binding.subject
    await admin.bind(username="zhang", pem=key2.pem.encode())
    again = await admin.bind(username="zhang", pem=key1.pem.encode())  # idempotent
    assert again.binding.bound_at == bound.binding.bound_at
    with pytest.raises(Conflict) as taken:
        await admin.bind(username="lisi", pem=key1.pem.encode())
    assert taken.value.reason == "CERT_TAKEN"
    listed = await admin.list_for(username="zhang")
    assert sorted(b.serial for b in listed) == sorted([key1.serial, key2.serial])

    # a session by certificate: its tokens need that certificate
    pair = await auth.certificate_login(cert_of(key1))
    who = await auth.principal(pair.access_token, certificate=cert_of(key1))
    assert who.username == "zhang"
    assert await reason_of(auth.principal(pair.access_token)) == "CERT_MISMATCH"
    assert (
        await reason_of(auth.principal(pair.access_token, certificate=cert_of(key2)))
        == "CERT_MISMATCH"
    )
    assert (await auth.certificate_principal(cert_of(key2))).username == "zhang"
    assert await reason_of(auth.certificate_principal(cert_of(stranger))) == "CERT_NOT_BOUND"
    refreshed = await auth.refresh(pair.refresh_token, certificate=cert_of(key1))

    # lost: at once, the session ends, never bound again
    lost = await admin.mark_lost(username="zhang", serial=key1.serial.lower())
    assert lost.sessions_ended == 1 and lost.binding.lost_at is not None
    assert (
        await reason_of(auth.principal(refreshed.access_token, certificate=cert_of(key1)))
        == "CERT_REVOKED"
    )
    assert await reason_of(auth.certificate_login(cert_of(key1))) == "CERT_REVOKED"
    assert (
        await reason_of(auth.refresh(refreshed.refresh_token, certificate=cert_of(key1)))
        == "REFRESH_REVOKED"
    )
    with pytest.raises(Conflict) as revoked:
        await admin.bind(username="zhang", pem=key1.pem.encode())
    assert revoked.value.reason == "CERT_REVOKED"
    # the other certificate still works; unbinding it ends its sessions too
    other = await auth.certificate_login(cert_of(key2))
    gone = await admin.unbind(username="zhang", serial=key2.serial)
    assert gone.sessions_ended == 1
    assert await reason_of(auth.certificate_principal(cert_of(key2))) == "CERT_NOT_BOUND"
    assert (
        await reason_of(auth.principal(other.access_token, certificate=cert_of(key2)))
        == "CERT_NOT_BOUND"
    )
    assert [b.serial for b in await admin.list_for(username="zhang")] == [key1.serial]
    # the command line's changes are audited (a GraphQL change: by the API's audit extension)
    page = await services.audit.log(union_id=province, first=50)
    operations = [r.operation for r in reversed(page.items) if "Certificate" in r.operation]
    assert operations == ["account.bindCertificate"] * 3 + [
        "account.markCertificateLost", "account.unbindCertificate",
    ]  # fmt: skip
    assert all(json.loads(r.arguments).get("username") == "zhang" for r in page.items
               if "Certificate" in r.operation)  # fmt: skip


def test_crls_revoke_and_fail_closed(tmp_path: Path) -> None:
    ca, rogue = TestCA(tmp_path / "ca"), TestCA(tmp_path / "rogue", name="别的证书认证中心")
    good, bad = ca.issue("good"), ca.issue("bad")
    crl = tmp_path / "ca.crl"
    now = [datetime.now(UTC)]
    tick = [0.0]
    lists = RevocationLists(
        [crl], cas=[ca.cert], refresh_seconds=60, clock=lambda: now[0], monotonic=lambda: tick[0]
    )

    def reason(issued: Issued) -> str | None:
        try:
            lists.check(cert_of(issued), issued.cert.serial_number)
        except Unauthenticated as exc:
            return exc.reason
        return None

    assert reason(good) == "CRL_UNAVAILABLE"  # configured but absent: fail closed
    ca.write_crl(crl, [bad])
    assert reason(good) == "CRL_UNAVAILABLE"  # not reread before refresh_seconds
    tick[0] = 60.0
    assert (reason(good), reason(bad)) == (None, "CERT_REVOKED")
    now[0] += timedelta(days=2)  # past nextUpdate
    assert reason(good) == "CRL_STALE"
    now[0] -= timedelta(days=2)
    crl.write_text("garbage")
    tick[0] = 120.0
    assert reason(good) == "CRL_UNAVAILABLE"
    # a CRL with the CA's name signed by another key is not believed
    forged = TestCA(tmp_path / "forged", name="测试证书认证中心")
    forged.write_crl(crl, [])
    tick[0] = 180.0
    assert reason(good) == "CRL_UNAVAILABLE" and "签名无效" in next(iter(lists.errors.values()))
    assert RevocationLists([]).enabled is False  # no CRLs configured: no CRL check
    assert rogue.cert.subject != ca.cert.subject
