"""What every ``union-tree`` command shares: the stderr console and the runner that opens the
configured engine, runs a command's work and turns a service error into a Chinese message and
an exit code. Commands import it; it imports no command (no cycle)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from graph_service.bootstrap import Runtime, open_runtime
from graph_service.errors import UnionTreeError
from graph_service.settings import load_settings

console = Console(stderr=True, soft_wrap=True)  # long Chinese lines never break mid-word
T = TypeVar("T")


def run_command(
    work: Callable[[Runtime], Awaitable[T]], *, failed: int = 1, beside_service: bool = True
) -> T:
    """Open the configured engine, run ``work``, close it; errors become a message and exit
    ``failed`` (1 unless the command says otherwise). ``beside_service``: a service running
    on the data dir lends its engine (the command works while the service runs)."""

    async def main() -> T:
        runtime = await open_runtime(load_settings(), beside_service=beside_service)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except UnionTreeError as exc:
        hint = _HINTS.get(exc.field or "", "") if exc.reason in _HINTED else ""
        console.print(
            f"[red]错误[/red] [{exc.code}{'/' + exc.reason if exc.reason else ''}] "
            f"{exc.message}{hint}"
        )
        raise typer.Exit(failed) from None


_HINTED = {"NO_UNION", "UNION_NAME_NOT_FOUND", "UNION_NAME_AMBIGUOUS"}
_HINTS = {"union": "（命令行：--union 工会代码）", "unionName": "（命令行：--union 工会代码）"}
"""The command line's own way to give what a service message asks for (messages name no flag:
the same services answer HTTP uploads)."""
