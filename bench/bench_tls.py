"""Issue 23 figures: TLS handshake + client-certificate check + a stats query, and how soon a
certificate marked lost is refused.

    python -m bench.bench_tls [--members 20000] [--repeat 200]

Starts ``union-tree serve --demo`` as its own process with HTTPS and client certificates
(a test CA, server and client certificates and an empty CRL made with ``cryptography``), binds a
client certificate to an operator over GraphQL, then measures on the client side:

- ``new_connection``: a new TCP + TLS connection presenting the certificate, one subtreeStats
  query authenticated by the certificate alone (binding, validity, CRL checked), closed;
- ``kept_alive``: the same query over one kept-alive connection;
- ``*_healthz``: the same connections asking /healthz (no certificate check, no query), to
  tell the handshake's share from the check's and the query's;
- ``revocation``: after ``markCertificateLost`` answers, the time until that certificate's
  session token is refused (this process: at once; another API process on the same graph:
  within ``principal_cache_seconds``, at most 5 s).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyotp

from bench.common import save, summary
from tests.e2e.pki import TestCA, client_context

STATS = "query($id: ID!) { subtreeStats(unionId: $id) { members unions } }"
UNION_TREE = Path(sys.executable).with_name("union-tree")
_CREDENTIAL = re.compile(r"^(用户名 username|密码 password|TOTP 密钥 secret):\s*(\S+)\s*$", re.M)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-tls-"))
    ca = TestCA(work / "pki")
    server = ca.issue("127.0.0.1", server=True)
    crl = work / "ca.crl"
    ca.write_crl(crl, [])
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNION_TREE_")}
    env |= {
        "UNION_TREE_DATA_DIR": str(work / "data"),
        "UNION_TREE_CRL_FILES": f'["{crl}"]',
        "UNION_TREE_CERT_ROLES": '{"operator": "required", "admin": "cert_or_totp"}',
        "UNION_TREE_LOG_LEVEL": "WARNING",
    }
    out_path = work / "serve.out"
    with out_path.open("wb") as out, (work / "serve.log").open("wb") as err:
        proc = subprocess.Popen(
            [str(UNION_TREE), "serve", "--demo", "--members", str(args.members),
             "--port", str(port), "--tls-cert", str(server.cert_path),
             "--tls-key", str(server.key_path), "--client-ca", str(ca.cert_path)],
            cwd=work, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    base = f"https://127.0.0.1:{port}"
    try:
        result = _measure(base, ca, out_path, proc, args.repeat)
    finally:
        proc.terminate()
        proc.wait(120)
    result |= {"members": args.members, "load_avg_1m": round(os.getloadavg()[0], 2)}
    path = save(f"tls_{args.members}", result)
    print(path.read_text(encoding="utf-8"))


def _measure(
    base: str, ca: TestCA, out_path: Path, proc: subprocess.Popen[bytes], repeat: int
) -> dict[str, object]:
    plain = client_context(ca)
    deadline = time.monotonic() + 600
    while True:
        assert proc.poll() is None, "serve exited"
        try:
            if httpx.get(f"{base}/readyz", verify=plain, timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "serve did not become ready"
        time.sleep(0.5)
    creds = dict(_CREDENTIAL.findall(out_path.read_text(encoding="utf-8")))
    admin_form = {
        "grant_type": "password", "username": creds["用户名 username"],
        "password": creds["密码 password"], "totp": pyotp.TOTP(creds["TOTP 密钥 secret"]).now(),
    }  # fmt: skip
    with httpx.Client(verify=plain, timeout=60) as c:
        admin = c.post(f"{base}/auth/token", data=admin_form).json()["access_token"]

        def as_admin(query: str, **variables: object) -> dict:
            r = c.post(f"{base}/graphql", json={"query": query, "variables": variables},
                       headers={"Authorization": f"Bearer {admin}"})  # fmt: skip
            body = r.json()
            assert "errors" not in body, body
            return body["data"]  # type: ignore[no-any-return]

        province = as_admin("{ accounts { unionId } }")["accounts"][0]["unionId"]
        name = f"bench-tls-{secrets.token_hex(3)}"
        as_admin(
            """mutation($u: String!, $id: ID!) { createAccount(input: {username: $u,
            unionId: $id, role: OPERATOR}) { account { username } } }""",
            u=name, id=province,
        )  # fmt: skip
        cert, lost = ca.issue(f"{name} key"), ca.issue(f"{name} lost key")
        bind = """mutation($u: String!, $pem: String!) { bindCertificate(username: $u,
            certificatePem: $pem) { username } }"""
        as_admin(bind, u=name, pem=cert.pem)
        as_admin(bind, u=name, pem=lost.pem)

        with_cert = client_context(ca, cert)
        body = {"query": STATS, "variables": {"id": province}}

        def new_connection() -> float:
            start = time.perf_counter()
            with httpx.Client(verify=with_cert, timeout=60) as fresh:
                r = fresh.post(f"{base}/graphql", json=body)
            elapsed = (time.perf_counter() - start) * 1000
            assert r.status_code == 200 and r.json()["data"]["subtreeStats"]["members"] > 0
            return elapsed

        def handshake_only() -> float:  # the same new connection, /healthz: no check, no query
            start = time.perf_counter()
            with httpx.Client(verify=with_cert, timeout=60) as fresh:
                r = fresh.get(f"{base}/healthz")
            assert r.status_code == 200
            return (time.perf_counter() - start) * 1000

        for _ in range(5):
            new_connection()
            handshake_only()
        fresh_ms = [new_connection() for _ in range(repeat)]
        handshake_ms = [handshake_only() for _ in range(repeat)]

        with httpx.Client(verify=with_cert, timeout=60) as kept:
            for _ in range(5):
                kept.post(f"{base}/graphql", json=body)
            kept_ms, healthz_ms = [], []
            for _ in range(repeat):
                start = time.perf_counter()
                r = kept.post(f"{base}/graphql", json=body)
                kept_ms.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200
                start = time.perf_counter()
                kept.get(f"{base}/healthz")
                healthz_ms.append((time.perf_counter() - start) * 1000)

        # revocation: a session token of the lost certificate, refused how soon after the mark
        with httpx.Client(verify=client_context(ca, lost), timeout=60) as holder:
            grant = {"grant_type": "client_certificate"}
            token = holder.post(f"{base}/auth/token", data=grant).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert holder.post(f"{base}/graphql", json=body, headers=auth).status_code == 200
            as_admin(
                """mutation($u: String!, $s: String!) { markCertificateLost(username: $u,
                serial: $s) { sessionsEnded } }""",
                u=name, s=lost.serial,
            )  # fmt: skip
            marked = time.perf_counter()
            while True:
                r = holder.post(f"{base}/graphql", json=body, headers=auth)
                if r.status_code == 401:
                    break
            revoked_ms = (time.perf_counter() - marked) * 1000
            reason = r.json().get("reason")
    return {
        "new_connection": summary(fresh_ms),
        "new_connection_healthz": summary(handshake_ms),
        "kept_alive": summary(kept_ms),
        "kept_alive_healthz": summary(healthz_ms),
        "revocation": {"refused_after_ms": round(revoked_ms, 3), "reason": reason},
        "targets": {"new_connection_p95_ms": 20, "kept_alive_p95_ms": 10, "revocation_s": 5},
    }


if __name__ == "__main__":
    main()
