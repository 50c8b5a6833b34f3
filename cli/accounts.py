"""``union-tree accounts create|disable|reset|list``: account management on the server itself.

Whoever runs these already holds the data directory (or the graph's credentials), so no login is
asked; every change is recorded in the audit log with the actor ``system``. New passwords and
TOTP secrets go to stdout once; messages and errors to stderr, with exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.runtime import run_command
from graph_service.bootstrap import Runtime
from graph_service.domain.accounts import Account, IssuedCredentials
from graph_service.repositories.certificates import CertificateBinding
from graph_service.services.certificate_admin import CertificateChange

accounts_app = typer.Typer(
    help="账号管理：create / disable / reset / list / bind-cert / unbind-cert / lost-cert / certs",
    no_args_is_help=True,
)
err = Console(stderr=True)


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        err.print("[red]错误[/red] 标准输入中没有密码")
        raise typer.Exit(1)
    return password


def _show(issued: IssuedCredentials, *, generated: bool) -> None:
    account = issued.account
    typer.echo(f"username: {account.username}")
    typer.echo(f"role: {account.role.value}")
    typer.echo(f"union: {account.union_id}")
    if generated:
        typer.echo(f"password: {issued.password.get_secret_value()}")
    if issued.totp_secret is not None and issued.otpauth_uri is not None:
        typer.echo(f"totp_secret: {issued.totp_secret.get_secret_value()}")
        typer.echo(f"otpauth_uri: {issued.otpauth_uri.get_secret_value()}")
    err.print("以上凭据只显示这一次，请安全地交给账号持有人。")


@accounts_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="login name (3–64 of a-z 0-9 . _ -)")],
    union: Annotated[str, typer.Option("--union", help="union code: the account's scope")],
    role: Annotated[str, typer.Option("--role", help="viewer | operator | admin")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Create an account; prints a generated password and, for TOTP roles, the secret."""
    password = _read_password(password_stdin)

    async def work(runtime: Runtime) -> IssuedCredentials:
        return await runtime.services.accounts.create(
            username=username, union_id=union, role=role, password=password
        )

    _show(run_command(work), generated=password is None)


@accounts_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Disable an account: logins, refresh tokens and access tokens are refused."""

    async def work(runtime: Runtime) -> object:
        return await runtime.services.accounts.disable(username=username)

    run_command(work)
    err.print(f"已停用账号 {username.strip().lower()}，其会话已全部结束。")


@accounts_app.command("reset")
def reset(
    username: Annotated[str, typer.Argument(help="login name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the new password from stdin")
    ] = False,
) -> None:
    """New password and TOTP secret; ends every session."""
    password = _read_password(password_stdin)

    async def work(runtime: Runtime) -> IssuedCredentials:
        return await runtime.services.accounts.reset(username=username, password=password)

    _show(run_command(work), generated=password is None)


@accounts_app.command("list")
def list_(
    union: Annotated[
        str | None, typer.Option("--union", help="only accounts in this union's subtree")
    ] = None,
) -> None:
    """Accounts (username, role, union, state), one per line, tab-separated."""

    async def work(runtime: Runtime) -> list[Account]:
        return await runtime.services.accounts.list(union_id=union)

    for a in run_command(work):
        state = "disabled" if a.disabled else "active"
        typer.echo(f"{a.username}\t{a.role.value}\t{a.union_id}\t{state}\t{a.last_login_at or '-'}")


# --- client certificates (issue 23; graph_service/services/certificate_admin.py) ---------------


@accounts_app.command("bind-cert")
def bind_cert(
    username: Annotated[str, typer.Argument(help="login name")],
    cert: Annotated[Path, typer.Option("--cert", help="the holder's certificate (PEM or DER)")],
) -> None:
    """Bind a client certificate (issuer + serial) to an account; audited."""
    try:
        pem = cert.read_bytes()
    except OSError as exc:
        err.print(f"[red]错误[/red] 无法读取证书文件 {cert}（{exc.strerror or exc}）")
        raise typer.Exit(1) from None

    async def work(runtime: Runtime) -> CertificateChange:
        return await runtime.services.certificates.bind(username=username, pem=pem)

    change = run_command(work)
    b = change.binding
    typer.echo(f"{change.username}\t{b.serial}\t{b.subject}\t{b.issuer}")
    err.print(f"已为账号 {change.username} 绑定证书（序列号 {b.serial}）。")


@accounts_app.command("unbind-cert")
def unbind_cert(
    username: Annotated[str, typer.Argument(help="login name")],
    serial: Annotated[str, typer.Option("--serial", help="certificate serial (hex)")],
) -> None:
    """Remove a certificate from an account; the sessions opened with it end; audited."""

    async def work(runtime: Runtime) -> CertificateChange:
        return await runtime.services.certificates.unbind(username=username, serial=serial)

    change = run_command(work)
    err.print(f"已解除证书 {change.binding.serial}，结束会话 {change.sessions_ended} 个。")


@accounts_app.command("lost-cert")
def lost_cert(
    username: Annotated[str, typer.Argument(help="login name")],
    serial: Annotated[str, typer.Option("--serial", help="certificate serial (hex)")],
) -> None:
    """注销 a lost or damaged certificate: refused at once, its sessions end; audited."""

    async def work(runtime: Runtime) -> CertificateChange:
        return await runtime.services.certificates.mark_lost(username=username, serial=serial)

    change = run_command(work)
    err.print(
        f"已注销证书 {change.binding.serial}，结束会话 {change.sessions_ended} 个；"
        "请用 bind-cert 绑定补发的新证书。"
    )


@accounts_app.command("certs")
def certs(username: Annotated[str, typer.Argument(help="login name")]) -> None:
    """An account's certificates (serial, subject, issuer, bound at, lost at), tab-separated."""

    async def work(runtime: Runtime) -> list[CertificateBinding]:
        return await runtime.services.certificates.list_for(username=username)

    for b in run_command(work):
        typer.echo(f"{b.serial}\t{b.subject}\t{b.issuer}\t{b.bound_at}\t{b.lost_at or '-'}")
