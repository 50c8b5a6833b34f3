"""Trusted-proxy mode behind a real nginx (Debian's) doing mutual TLS in front of the service,
as a 国密 gateway would: nginx verifies the client certificate against the test CA and passes it
URL-encoded in ``X-SSL-Client-Cert`` ($ssl_client_escaped_cert) to the service on plain HTTP;
nginx connects from 127.0.0.2 (``proxy_bind``), the only trusted proxy address. The same header
sent straight to the service from 127.0.0.1 is ignored.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.tls import uvicorn_config
from graph_service.domain.accounts import IssuedCredentials
from graph_service.settings import Settings
from tests.e2e.conftest import create_account, free_port, register_server, totp_code
from tests.e2e.pki import Issued, TestCA, client_context

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx-light)"
)
STATS = "query($id: ID!) { subtreeStats(unionId: $id) { members } }"

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate {ca};
        ssl_verify_client optional;
        location / {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_bind 127.0.0.2;
            proxy_set_header Host $host;
            proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
        }}
    }}
}}
"""


@dataclass
class Gateway:
    front: str
    """https:// of nginx"""
    back: str
    """http:// of the service itself"""
    ca: TestCA
    province: str
    admin_token: str

    def client(self, cert: Issued | None = None) -> httpx.Client:
        return httpx.Client(verify=client_context(self.ca, cert), timeout=60)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    assert NGINX is not None
    work = tmp_path_factory.mktemp("gateway")
    ca = TestCA(work / "pki")
    server_cert = ca.issue("127.0.0.1", server=True)
    settings = Settings(
        data_dir=work / "data", demo=True, appendfsync="everysec", access_token_minutes=240,
        client_ca=ca.cert_path, trusted_proxies=["127.0.0.2"],
        cert_roles={"operator": "required", "admin": "cert_or_totp"},
    )  # fmt: skip
    app: FastAPI = create_app(settings, demo_members=300, demo_seed=9)
    backend = free_port()
    config = uvicorn_config(app, settings, host="127.0.0.1", port=backend, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    back = f"http://127.0.0.1:{backend}"
    register_server(back, app, srv)
    front_port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(
        work=work, port=front_port, cert=server_cert.cert_path, key=server_cert.key_path,
        ca=ca.cert_path, backend=backend,
    ))  # fmt: skip
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    front = f"https://127.0.0.1:{front_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert nginx.poll() is None, (nginx.stderr.read() if nginx.stderr else b"").decode()
            try:
                with httpx.Client(verify=client_context(ca), timeout=5) as c:
                    if c.get(f"{front}/healthz").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.1)
        demo: IssuedCredentials = app.state.demo_credentials
        assert demo.totp_secret is not None
        with httpx.Client(verify=client_context(ca), timeout=60) as c:
            r = c.post(f"{front}/auth/token", data={
                "grant_type": "password", "username": demo.account.username,
                "password": demo.password.get_secret_value(),
                "totp": totp_code(demo.totp_secret.get_secret_value()),
            })  # fmt: skip
        assert r.status_code == 200, r.text
        yield Gateway(front, back, ca, demo.account.union_id, r.json()["access_token"])
    finally:
        nginx.terminate()
        nginx.wait(10)
        srv.should_exit = True
        thread.join(30)


def _admin(g: Gateway, query: str, **variables: object) -> dict:
    with g.client() as c:
        r = c.post(f"{g.front}/graphql", json={"query": query, "variables": variables},
                   headers={"Authorization": f"Bearer {g.admin_token}"})  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _bind(g: Gateway, username: str, cert: Issued) -> None:
    body = _admin(
        g,
        """mutation($u: String!, $pem: String!) { bindCertificate(username: $u,
        certificatePem: $pem) { username } }""",
        u=username, pem=cert.pem,
    )  # fmt: skip
    assert "errors" not in body, body


def _reason(r: httpx.Response) -> tuple[int, str | None]:
    return r.status_code, r.json().get("reason")


def test_gateway_certificate_signs_in_and_the_header_from_elsewhere_is_ignored(
    gateway: Gateway,
) -> None:
    g = gateway
    account = create_account(g.back, union_id=g.province, role="operator")
    name = account.account.username
    cert, unbound = g.ca.issue(f"{name} gateway key"), g.ca.issue("nobody")
    _bind(g, name, cert)

    with g.client(cert) as c:  # through nginx, presenting the certificate
        r = c.post(f"{g.front}/auth/token", data={"grant_type": "client_certificate"})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        r = c.post(f"{g.front}/graphql", json={"query": STATS, "variables": {"id": g.province}},
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert r.status_code == 200 and r.json()["data"]["subtreeStats"]["members"] > 0
    with g.client(unbound) as c:
        r = c.post(f"{g.front}/auth/token", data={"grant_type": "client_certificate"})
        assert _reason(r) == (401, "CERT_NOT_BOUND")
    # the token without the certificate, through nginx: refused
    with g.client() as c:
        r = c.post(f"{g.front}/graphql", json={"query": STATS, "variables": {"id": g.province}},
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert _reason(r) == (401, "CERT_MISMATCH")
        # a client forging the header to nginx: nginx replaces it (no certificate: none sent)
        forged = {"X-SSL-Client-Cert": quote(cert.pem)}
        r = c.post(f"{g.front}/auth/token", data={"grant_type": "client_certificate"},
                   headers=forged)  # fmt: skip
        assert _reason(r) == (401, "CERT_REQUIRED")

    # straight to the service from 127.0.0.1 (not a trusted proxy): the header is ignored
    header = {"X-SSL-Client-Cert": quote(cert.pem)}
    r = httpx.post(f"{g.back}/auth/token", data={"grant_type": "client_certificate"},
                   headers=header, timeout=60)  # fmt: skip
    assert _reason(r) == (401, "CERT_REQUIRED")
    r = httpx.post(f"{g.back}/graphql", json={"query": STATS, "variables": {"id": g.province}},
                   headers={**header, "Authorization": f"Bearer {token}"}, timeout=60)  # fmt: skip
    assert _reason(r) == (401, "CERT_MISMATCH")

    # same revocation rules: marked lost, refused at once through the gateway
    body = _admin(
        g,
        """mutation($u: String!, $s: String!) { markCertificateLost(username: $u, serial: $s)
        { sessionsEnded } }""",
        u=name, s=cert.serial,
    )  # fmt: skip
    assert body["data"]["markCertificateLost"]["sessionsEnded"] == 1
    with g.client(cert) as c:
        r = c.post(f"{g.front}/auth/token", data={"grant_type": "client_certificate"})
        assert _reason(r) == (401, "CERT_REVOKED")
