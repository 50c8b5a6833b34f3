"""``union-tree accounts bind-cert / certs / lost-cert / unbind-cert`` on its own embedded
engine with certificates from the test PKI: bindings listed, a lost certificate never bound
again, every change in the audit log (actor ``system``), Chinese errors with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.runtime import run_command
from graph_service.domain.validation import make_temporary_code
from tests.e2e.pki import TestCA


def test_certificate_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    env = {"UNION_TREE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    ca = TestCA(tmp_path / "pki")
    key1, key2 = ca.issue("张三 key 1"), ca.issue("张三 key 2")
    province = make_temporary_code("420000", 0)
    assert run("bootstrap", "--province", "42")[0] == 0
    assert run("accounts", "create", "zhang", "--union", province, "--role", "operator")[0] == 0

    code, out, _ = run("accounts", "bind-cert", "zhang", "--cert", str(key1.cert_path))
    assert code == 0, out
    assert out.split("\t")[:2] == ["zhang", key1.serial]
    assert run("accounts", "bind-cert", "zhang", "--cert", str(key2.cert_path))[0] == 0
    # the same certificate for another account: refused
    assert run("accounts", "create", "lisi", "--union", province, "--role", "operator")[0] == 0
    code, _, err = run("accounts", "bind-cert", "lisi", "--cert", str(key1.cert_path))
    assert code == 1 and "CERT_TAKEN" in err and "已绑定其他账号" in err
    code, _, err = run("accounts", "bind-cert", "lisi", "--cert", str(tmp_path / "none.pem"))
    assert code == 1 and "无法读取证书文件" in err

    code, _, err = run("accounts", "lost-cert", "zhang", "--serial", key1.serial)
    assert code == 0 and "已注销证书" in err
    code, _, err = run("accounts", "bind-cert", "zhang", "--cert", str(key1.cert_path))
    assert code == 1 and "CERT_REVOKED" in err
    code, _, err = run("accounts", "unbind-cert", "zhang", "--serial", key2.serial)
    assert code == 0 and "已解除证书" in err

    code, out, _ = run("accounts", "certs", "zhang")
    rows = [line.split("\t") for line in out.splitlines()]
    assert [(r[0], r[4] != "-") for r in rows] == [(key1.serial, True)]
    assert "CN=张三 key 1" in rows[0][1]

    code, out, _ = run("audit", "verify")
    assert code == 0, out
    monkeypatch.setenv("UNION_TREE_DATA_DIR", str(tmp_path / "data"))
    page = run_command(lambda rt: rt.services.audit.log(union_id=province, first=50))
    changes = [
        (r.operation, r.actor, json.loads(r.arguments).get("serial"))
        for r in reversed(page.items)
        if "Certificate" in r.operation
    ]
    assert changes == [
        ("account.bindCertificate", "system", key1.serial),
        ("account.bindCertificate", "system", key2.serial),
        ("account.markCertificateLost", "system", key1.serial),
        ("account.unbindCertificate", "system", key2.serial),
    ]
