"""TLS the service terminates itself and certificate sign-in, over real TLS: a uvicorn on a free
loopback port with a server certificate from a test CA (tests/e2e/pki.py), clients (httpx with
their own ssl contexts) presenting client certificates or none, CRL files rewritten by the test.

The server's policy makes operators sign in by certificate only (``required``); admins keep
password + TOTP or a certificate (``cert_or_totp``).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.tls import HSTS, uvicorn_config
from graph_service.domain.accounts import IssuedCredentials
from graph_service.settings import Settings
from tests.e2e.conftest import create_account, free_port, on_server, register_server, totp_code
from tests.e2e.pki import Issued, TestCA, client_context

STATS = "query($id: ID!) { subtreeStats(unionId: $id) { members } }"
ME = "{ __typename }"


@dataclass
class TlsServer:
    base: str
    app: FastAPI
    ca: TestCA
    crl: Path
    province: str
    admin_token: str

    def client(self, cert: Issued | None = None) -> httpx.Client:
        return httpx.Client(verify=client_context(self.ca, cert), timeout=60)

    def admin(self, query: str, **variables: object) -> dict:
        with self.client() as c:
            r = c.post(
                f"{self.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.admin_token}"},
            )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def reload_crls(self) -> None:
        async def work(app: FastAPI) -> None:
            app.state.runtime.services.certificates.register.crls.reload()

        on_server(self.base, work)


def serve_tls(app: FastAPI, settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    config = uvicorn_config(app, settings, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert thread.is_alive(), "server failed to start"
        assert time.monotonic() < deadline, "server did not start in time"
        time.sleep(0.05)
    return f"https://127.0.0.1:{port}", srv, thread


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    work = tmp_path_factory.mktemp("tls")
    ca = TestCA(work / "pki")
    server_cert = ca.issue("127.0.0.1", server=True)
    crl = work / "ca.crl"
    ca.write_crl(crl, [])
    settings = Settings(
        data_dir=work / "data", demo=True, appendfsync="everysec", access_token_minutes=240,
        tls_cert=server_cert.cert_path, tls_key=server_cert.key_path, client_ca=ca.cert_path,
        crl_files=[crl], crl_refresh_seconds=3600,  # the tests reload when they rewrite it
        cert_roles={"operator": "required", "admin": "cert_or_totp"},
    )  # fmt: skip
    app = create_app(settings, demo_members=300, demo_seed=5)
    base, srv, thread = serve_tls(app, settings)
    register_server(base, app, srv)
    demo: IssuedCredentials = app.state.demo_credentials
    assert demo.totp_secret is not None
    with httpx.Client(verify=client_context(ca), timeout=60) as c:
        r = c.post(f"{base}/auth/token", data={
            "grant_type": "password", "username": demo.account.username,
            "password": demo.password.get_secret_value(),
            "totp": totp_code(demo.totp_secret.get_secret_value()),
        })  # fmt: skip
    assert r.status_code == 200, r.text
    try:
        yield TlsServer(base, app, ca, crl, demo.account.union_id, r.json()["access_token"])
    finally:
        srv.should_exit = True
        thread.join(30)


def operator(tls: TlsServer) -> IssuedCredentials:
    return create_account(tls.base, union_id=tls.province, role="operator")


def bind(tls: TlsServer, username: str, cert: Issued) -> dict:
    body = tls.admin(
        """mutation($u: String!, $pem: String!) { bindCertificate(username: $u,
        certificatePem: $pem) { username sessionsEnded certificate { serial subject issuer
        lostAt } } }""",
        u=username, pem=cert.pem,
    )  # fmt: skip
    return body


def cert_login(tls: TlsServer, cert: Issued | None) -> httpx.Response:
    with tls.client(cert) as c:
        return c.post(f"{tls.base}/auth/token", data={"grant_type": "client_certificate"})


def gql(tls: TlsServer, cert: Issued | None, token: str | None, query: str, **v: object):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with tls.client(cert) as c:
        return c.post(f"{tls.base}/graphql", json={"query": query, "variables": v},
                      headers=headers)  # fmt: skip


def refusal(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("reason")


# --- 1. TLS ---------------------------------------------------------------------------------


def test_https_with_hsts_and_tls12_minimum(tls: TlsServer) -> None:
    with tls.client() as c:
        r = c.get(f"{tls.base}/healthz")
    assert r.status_code == 200
    assert r.headers["strict-transport-security"] == HSTS
    assert r.extensions["http_version"] == b"HTTP/1.1"
    # a client that offers at most TLS 1.1 gets no connection
    old = client_context(tls.ca)
    old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with httpx.Client(verify=old, timeout=10) as c, pytest.raises(httpx.ConnectError):
        c.get(f"{tls.base}/healthz")
    # a client that does not trust the test CA refuses the server
    with httpx.Client(timeout=10) as c, pytest.raises(httpx.ConnectError):
        c.get(f"{tls.base}/healthz")
    # negotiated: TLS 1.2 or 1.3 with an AEAD suite
    port = int(tls.base.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        client_context(tls.ca).wrap_socket(raw, server_hostname="127.0.0.1") as s,
    ):
        assert s.version() in ("TLSv1.2", "TLSv1.3")
        cipher = s.cipher()
        assert cipher is not None and ("GCM" in cipher[0] or "CHACHA20" in cipher[0])


def _serve(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("union-tree")
    env = {"PATH": "/usr/bin:/bin", "UNION_TREE_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [str(exe), "serve", "--port", str(free_port()), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_plain_http_is_refused_off_loopback_and_bad_tls_files_exit_1(tmp_path: Path) -> None:
    done = _serve(["--host", "0.0.0.0"], tmp_path)
    assert done.returncode == 1
    assert "PLAIN_HTTP_REFUSED" in done.stderr and "服务未启动" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before anything started
    missing = tmp_path / "none.pem"
    done = _serve(["--tls-cert", str(missing), "--tls-key", str(missing)], tmp_path)
    assert done.returncode == 1
    assert "TLS_CONFIG" in done.stderr


# --- 2. certificate sign-in -----------------------------------------------------------------


def test_bound_certificate_signs_in_and_its_token_needs_it(tls: TlsServer) -> None:
    account = operator(tls)
    name = account.account.username
    alice = tls.ca.issue(f"{name} key 1")
    other = tls.ca.issue("unbound holder")
    # policy: an operator's password (even with the TOTP code) is not enough
    with tls.client() as c:
        r = c.post(f"{tls.base}/auth/token", data={
            "grant_type": "password", "username": name,
            "password": account.password.get_secret_value(),
        })  # fmt: skip
    assert refusal(r) == (401, "CERT_REQUIRED")
    assert "数字证书" in r.json()["message"]
    # an unbound certificate is refused, coded
    assert refusal(cert_login(tls, other)) == (401, "CERT_NOT_BOUND")
    assert refusal(cert_login(tls, None)) == (401, "CERT_REQUIRED")

    body = bind(tls, name, alice)
    assert "errors" not in body, body
    bound = body["data"]["bindCertificate"]["certificate"]
    assert bound["serial"] == alice.serial and f"CN={name} key 1" in bound["subject"]

    r = cert_login(tls, alice)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    r = gql(tls, alice, token, STATS, id=tls.province)
    assert r.status_code == 200 and r.json()["data"]["subtreeStats"]["members"] > 0
    # the token lifted from the certificate session: refused without the certificate ...
    assert refusal(gql(tls, None, token, STATS, id=tls.province)) == (401, "CERT_MISMATCH")
    # ... and over another (even a bound) certificate
    assert refusal(gql(tls, other, token, STATS, id=tls.province)) == (401, "CERT_MISMATCH")
    # without a token, the bound certificate itself is the caller
    r = gql(tls, alice, None, STATS, id=tls.province)
    assert r.status_code == 200 and r.json()["data"]["subtreeStats"]["members"] > 0
    assert refusal(gql(tls, other, None, STATS, id=tls.province)) == (401, "CERT_NOT_BOUND")
    # ... but not for a page of another site (the browser presents the certificate anyway)
    with tls.client(alice) as c:
        r = c.post(f"{tls.base}/graphql", json={"query": ME},
                   headers={"Origin": "https://evil.example"})  # fmt: skip
        assert refusal(r) == (401, "CERT_CROSS_ORIGIN")
        r = c.post(f"{tls.base}/graphql", json={"query": ME},
                   headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
        assert refusal(r) == (401, "CERT_CROSS_ORIGIN")
        host = tls.base.removeprefix("https://")
        r = c.post(f"{tls.base}/graphql", json={"query": STATS, "variables": {"id": tls.province}},
                   headers={"Origin": f"https://{host}"})  # fmt: skip
        assert r.status_code == 200, r.text
    # refresh: only over the same certificate
    refresh = cert_login(tls, alice).json()["refresh_token"]
    with tls.client(None) as c:
        r = c.post(f"{tls.base}/auth/token",
                   data={"grant_type": "refresh_token", "refresh_token": refresh})  # fmt: skip
    assert refusal(r) == (401, "CERT_MISMATCH")

    # the binding is audited
    log = tls.admin(
        """query($u: ID!) { auditLog(unionId: $u, first: 50) { edges { node { operation
        arguments result actor } } } }""",
        u=tls.province,
    )
    ops = [e["node"] for e in log["data"]["auditLog"]["edges"]]
    binds = [o for o in ops if o["operation"] == "bindCertificate"]
    assert binds and binds[0]["result"] == "OK", ops[:5]


def test_certificate_of_another_ca_gets_no_connection(tls: TlsServer, tmp_path: Path) -> None:
    # TLS 1.3: the client finishes its side first, so the refusal arrives as a closed connection
    rogue = TestCA(tmp_path / "rogue", name="伪造的证书认证中心")
    forged = rogue.issue("forged holder")
    with pytest.raises(httpx.TransportError):
        cert_login(tls, forged)
    with pytest.raises(httpx.TransportError):  # an expired one from the right CA neither
        cert_login(tls, tls.ca.issue("expired", not_before=datetime.now(UTC) - timedelta(days=60)))


# --- 3. revocation and reissue --------------------------------------------------------------


def test_lost_certificate_is_revoked_at_once_and_reissued(tls: TlsServer) -> None:
    account = operator(tls)
    name = account.account.username
    old = tls.ca.issue(f"{name} lost key")
    assert "errors" not in bind(tls, name, old)
    token = cert_login(tls, old).json()["access_token"]
    r = gql(tls, old, token, ME)
    assert r.status_code == 200 and r.json()["data"] == {"__typename": "Query"}
    body = tls.admin(
        """mutation($u: String!, $s: String!) { markCertificateLost(username: $u, serial: $s)
        { sessionsEnded certificate { lostAt } } }""",
        u=name, s=old.serial,
    )  # fmt: skip
    assert "errors" not in body, body
    change = body["data"]["markCertificateLost"]
    assert change["sessionsEnded"] == 1 and change["certificate"]["lostAt"]
    # effective at once: the session's token, a new sign-in, a request by the certificate
    assert refusal(gql(tls, old, token, ME)) == (401, "CERT_REVOKED")
    assert refusal(cert_login(tls, old)) == (401, "CERT_REVOKED")
    assert refusal(gql(tls, old, None, ME)) == (401, "CERT_REVOKED")
    # a lost certificate cannot be bound again; the reissued one is
    again = bind(tls, name, old)
    assert again["errors"][0]["extensions"]["reason"] == "CERT_REVOKED"
    new = tls.ca.issue(f"{name} reissued key")
    assert "errors" not in bind(tls, name, new)
    r = cert_login(tls, new)
    assert r.status_code == 200, r.text
    listed = tls.admin(
        "query($u: String!) { accountCertificates(username: $u) { serial lostAt } }", u=name
    )["data"]["accountCertificates"]
    assert {c["serial"]: bool(c["lostAt"]) for c in listed} == {old.serial: True, new.serial: False}


def test_crl_revokes_and_a_stale_or_unreadable_crl_fails_closed(tls: TlsServer) -> None:
    account = operator(tls)
    name = account.account.username
    keep, revoked = tls.ca.issue(f"{name} a"), tls.ca.issue(f"{name} b")
    assert "errors" not in bind(tls, name, keep)
    assert "errors" not in bind(tls, name, revoked)
    try:
        tls.ca.write_crl(tls.crl, [revoked])
        tls.reload_crls()
        assert cert_login(tls, keep).status_code == 200
        assert refusal(cert_login(tls, revoked)) == (401, "CERT_REVOKED")
        tls.ca.write_crl(tls.crl, [], next_update=datetime.now(UTC) - timedelta(minutes=1))
        tls.reload_crls()
        r = cert_login(tls, keep)
        assert refusal(r) == (401, "CRL_STALE") and "吊销列表" in r.json()["message"]
        tls.crl.write_text("not a CRL")
        tls.reload_crls()
        assert refusal(cert_login(tls, keep)) == (401, "CRL_UNAVAILABLE")
    finally:
        tls.ca.write_crl(tls.crl, [])
        tls.reload_crls()
    assert cert_login(tls, keep).status_code == 200
