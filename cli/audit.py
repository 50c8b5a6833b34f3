"""``union-tree audit verify|prune``, and the audit record of every command-line change
(actor ``cli:<os user>``)."""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Mapping
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from cli.runtime import run_command
from graph_service.bootstrap import Runtime
from graph_service.domain.audit import OK
from graph_service.errors import UnionTreeError

audit_app = typer.Typer(help="审计日志：校验哈希链、按保留期清理", no_args_is_help=True)
console = Console(stderr=True)
T = TypeVar("T")
LEGAL_MINIMUM_DAYS = 180
"""Network logs must be kept at least six months (Network Security Law art. 21)."""

_REASONS = {
    "HASH_MISMATCH": "记录内容被改动",
    "MISSING": "记录缺失（被删除）",
    "PREV_HASH_MISMATCH": "记录与前一条的链接不符",
    "HEAD_MISMATCH": "链尾记录缺失（被删除）",
}


def cli_actor() -> str:
    """Who runs the command: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli:unknown"


async def audited(
    runtime: Runtime, operation: str, arguments: Mapping[str, object], work: Awaitable[T]
) -> T:
    """Run ``work`` and record it (``OK`` or the error code) in the audit log."""
    try:
        out = await work
    except UnionTreeError as exc:
        await _record(runtime, operation, arguments, exc.code)
        raise
    await _record(runtime, operation, arguments, OK)
    return out


async def _record(
    runtime: Runtime, operation: str, arguments: Mapping[str, object], result: str
) -> None:
    await runtime.services.audit.record(
        actor=cli_actor(),
        scope_union_id=None,
        operation=operation,
        arguments=arguments,
        result=result,
        client_address="cli",
        request_id=None,
    )


@audit_app.command("verify")
def verify() -> None:
    """Recompute the hash chain from the oldest kept record; exit 1 at the first broken one."""
    report = run_command(lambda rt: rt.services.audit.verify())
    if report.broken is not None:
        reason = _REASONS.get(report.broken.reason, report.broken.reason)
        console.print(
            f"[red]审计哈希链断开[/red]：第一处在 seq {report.broken.seq}（{reason}，"
            f"{report.broken.reason}）；此前已核对 {report.checked} 条"
        )
        raise typer.Exit(1)
    span = f"seq {report.first_seq}–{report.last_seq}" if report.first_seq else "无记录"
    console.print(f"审计哈希链完整：已核对 {report.checked} 条（{span}）")


@audit_app.command("prune")
def prune(
    days: Annotated[
        int | None,
        typer.Option("--days", help="days to keep (default: UNION_TREE_AUDIT_RETENTION_DAYS)"),
    ] = None,
) -> None:
    """Remove records older than the retention period, keeping the chain verifiable."""

    async def work(runtime: Runtime) -> int:
        keep = days if days is not None else runtime.settings.audit_retention_days
        if keep < LEGAL_MINIMUM_DAYS:
            console.print(
                f"[red]错误[/red] 审计记录至少保留 {LEGAL_MINIMUM_DAYS} 天（设置为 {keep}）"
            )
            raise typer.Exit(2)
        return await audited(
            runtime,
            "audit-prune",
            {"retentionDays": keep},
            runtime.services.audit.prune(retention_days=keep),
        )

    removed = run_command(work)
    console.print(f"已清理 {removed} 条超过保留期的审计记录；哈希链从保留的最早记录起仍可校验")
