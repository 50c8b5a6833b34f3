"""``union-tree accounts ...`` end to end on its own embedded engine: credentials printed once,
Chinese errors with exit code 1, the changes visible to the next command."""

from __future__ import annotations

from pathlib import Path

import pyotp
from typer.testing import CliRunner

from cli.main import app
from graph_service.domain.validation import make_temporary_code


def _fields(output: str) -> dict[str, str]:
    return dict(
        line.split(": ", 1) for line in output.splitlines() if ": " in line and "错误" not in line
    )


def test_accounts_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"UNION_TREE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=env, input=stdin)
        return result.exit_code, result.stdout, result.stderr

    province, city = make_temporary_code("420000", 0), make_temporary_code("420100", 0)
    assert run("bootstrap", "--province", "42")[0] == 0

    code, out, _ = run("accounts", "create", "Alice", "--union", province, "--role", "admin")
    assert code == 0
    alice = _fields(out)
    assert alice["username"] == "alice" and len(alice["password"]) >= 12
    assert pyotp.TOTP(alice["totp_secret"]).now()  # a usable base32 secret
    assert alice["otpauth_uri"].startswith("otpauth://totp/union-tree:alice")

    code, out, _ = run("accounts", "create", "bob", "--union", city, "--role", "viewer",
                       "--password-stdin", stdin="a long enough password\n")  # fmt: skip
    assert code == 0 and "password" not in _fields(out) and "totp_secret" not in _fields(out)

    code, _, err = run("accounts", "create", "BOB", "--union", city, "--role", "viewer")
    assert code == 1 and "USERNAME_TAKEN" in err and "用户名已被使用" in err
    code, _, err = run("accounts", "create", "carol", "--union", city, "--role", "root")
    assert code == 1 and "角色" in err
    code, _, err = run("accounts", "create", "carol", "--union", city, "--role", "viewer",
                       "--password-stdin", stdin="short\n")  # fmt: skip
    assert code == 1 and "WEAK_PASSWORD" in err

    assert run("accounts", "disable", "bob")[0] == 0
    code, out, _ = run("accounts", "list", "--union", city)
    assert code == 0 and out.splitlines() == [f"bob\tviewer\t{city}\tdisabled\t-"]
    code, out, _ = run("accounts", "list")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["alice", "bob"]

    code, out, _ = run("accounts", "reset", "alice")
    assert code == 0
    again = _fields(out)
    assert again["password"] != alice["password"]
    assert again["totp_secret"] != alice["totp_secret"]
    code, _, err = run("accounts", "disable", "nobody")
    assert code == 1 and "未找到该账号" in err
