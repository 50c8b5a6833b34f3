"""``union-tree backup --to DIR``, ``union-tree backup --verify DIR``, ``union-tree restore
--from DIR`` (graph_service/backup.py does the work)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from graph_service.backup import backup as take_backup
from graph_service.backup import restore as restore_backup
from graph_service.backup import verify_backup
from graph_service.errors import UnionTreeError
from graph_service.settings import load_settings

console = Console(stderr=True)
T = TypeVar("T")


def _run(work: Awaitable[T]) -> T:
    try:
        return asyncio.run(work)  # type: ignore[arg-type]
    except UnionTreeError as exc:
        console.print(
            f"[red]错误[/red] [{exc.code}{'/' + exc.reason if exc.reason else ''}] {exc.message}"
        )
        raise typer.Exit(1) from None


def backup(
    to: Annotated[Path | None, typer.Option("--to", help="new or empty backup directory")] = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="check a backup directory instead")
    ] = None,
    content_hash: Annotated[
        bool,
        typer.Option("--content-hash", help="also record a digest of every node and edge (slow)"),
    ] = False,
) -> None:
    """Snapshot the embedded engine (while the service runs) or verify a backup."""
    if (to is None) == (verify is None):
        console.print("[red]错误[/red] 请给出 --to DIR（备份）或 --verify DIR（校验）之一")
        raise typer.Exit(2)
    if verify is not None:
        problems = _run(verify_backup(verify))
        for problem in problems:
            console.print(f"[red]不符[/red] {problem}")
        if problems:
            raise typer.Exit(1)
        console.print(f"备份 {verify} 校验通过：文件哈希与清单一致，载入后计数一致")
        return
    assert to is not None
    manifest = _run(take_backup(load_settings(), to, digest=content_hash))
    nodes, edges = sum(manifest.nodes.values()), sum(manifest.edges.values())
    console.print(f"已备份到 {to}：节点 {nodes}，关系 {edges}；请将该目录复制到异地保存")


def restore(
    source: Annotated[Path, typer.Option("--from", help="a backup directory")],
) -> None:
    """Restore a backup into the configured data dir, which must be empty."""
    manifest = _run(restore_backup(load_settings(), source))
    nodes = sum(manifest.nodes.values())
    when = manifest.created_at
    console.print(f"已从 {source} 恢复（{when} 的快照，节点 {nodes}），计数与清单一致")


def register_backup_commands(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``union-tree`` command line."""
    app.command("backup")(backup)
    app.command("restore")(restore)
