"""The ``union-tree`` command line (CONTRACT.md)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.cli_accounts import accounts_app
from api.cli_audit import audit_app, audited
from api.cli_backup import register_backup_commands
from graph_service.bootstrap import Runtime, open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.errors import UnionTreeError
from graph_service.settings import load_settings

app = typer.Typer(help="union-tree: 工会实名制数据库（图）", no_args_is_help=True)
app.add_typer(audit_app, name="audit")  # audit verify | prune (api/cli_audit.py)
app.add_typer(accounts_app, name="accounts")  # create/disable/reset/list: api/cli_accounts.py
register_backup_commands(app)  # backup --to/--verify, restore --from: api/cli_backup.py
console = Console(stderr=True)
T = TypeVar("T")

_STAGES = {
    "unions": "工会",
    "affiliations": "隶属关系",
    "employers": "单位",
    "coverage": "覆盖关系",
    "members": "会员",
    "member indexes": "会员索引",
    "indexes": "索引与唯一约束",
    "rollups": "汇总",
}


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the configured engine, run ``work``, close it; errors become a message and exit 1."""

    async def main() -> T:
        runtime = await open_runtime(load_settings())
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except UnionTreeError as exc:
        console.print(
            f"[red]错误[/red] [{exc.code}{'/' + exc.reason if exc.reason else ''}] {exc.message}"
        )
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="listen port")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="load a demo province, enable GraphiQL")
    ] = False,
    members: Annotated[int, typer.Option(help="demo members")] = 20_000,
    seed: Annotated[int, typer.Option(help="demo seed")] = 42,
) -> None:
    """Serve GraphQL at /graphql (no graph URL configured: the embedded engine)."""
    import uvicorn

    from api.app import create_app
    from api.logging_setup import configure_logging, exit_cleanly_on_signals

    settings = load_settings(demo=demo)
    if settings.graph_url:  # an external engine: a wrong address or password said plainly, exit 1
        _run(lambda runtime: asyncio.sleep(0))
    log_config = configure_logging(settings.log_level)  # every line JSON (api/logging_setup.py)

    def ready(runtime: Runtime) -> None:
        engine = "内置 FalkorDB" if not settings.graph_url else runtime.store.engine
        logging.getLogger("union_tree.serve").info(
            "就绪 引擎：%s；GraphQL：http://%s:%s/graphql", engine, host, port
        )

    application = create_app(settings, demo_members=members, demo_seed=seed, on_ready=ready)
    exit_cleanly_on_signals()
    try:
        # SIGTERM/SIGINT: stop accepting, let in-flight requests and imports finish (at most
        # shutdown_timeout_s), then the lifespan closes the store and stops the embedded engine
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_config=log_config,
            log_level=settings.log_level.lower(),
            access_log=False,  # api/observability.py writes the access lines
            timeout_graceful_shutdown=settings.shutdown_timeout_s,
        )
    except UnionTreeError as exc:
        console.print(f"[red]错误[/red] [{exc.code}] {exc.message}")
        raise typer.Exit(1) from None


@app.command()
def demo(
    members: Annotated[int, typer.Option(help="how many members")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same province)")] = 42,
) -> None:
    """Generate and load a synthetic province (once; a half-done load is redone)."""

    async def work(runtime: Runtime) -> None:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not sys.stderr.isatty(),
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done)

            report = await runtime.services.demo.load(
                DemoConfig(members=members, seed=seed), progress=progress
            )
        if not report.loaded:
            console.print("演示省份已载入，未重复载入。")
            return
        rate = report.members / report.seconds if report.seconds else 0.0
        console.print(
            f"已载入：工会 {report.unions}，单位 {report.employers}，会员 {report.members}；"
            f"用时 {report.seconds:.1f} 秒（{rate:,.0f} 会员/秒）"
        )

    _run(work)


@app.command()
def verify(union_id: Annotated[str | None, typer.Argument(help="subtree root")] = None) -> None:
    """Recompute every rollup and ancestor path live and list each mismatch (exit 1 if any)."""

    async def work(runtime: Runtime) -> int:
        mismatches = await runtime.services.stats.verify(union_id)
        for m in mismatches[:200]:
            console.print(f"{m.union_id} {m.key}: 存储 {m.stored} ≠ 实时 {m.live}")
        console.print(f"不一致 {len(mismatches)} 项")
        return len(mismatches)

    if _run(work):
        raise typer.Exit(1)


@app.command("rebuild-rollups")
def rebuild_rollups() -> None:
    """Recompute every subtree rollup and ancestor path from the edges and store them."""

    async def work(runtime: Runtime) -> int:
        return await audited(runtime, "rebuild-rollups", {}, runtime.services.stats.rebuild())

    console.print(f"已重算 {_run(work)} 个工会的汇总")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="xlsx/xls/csv files", exists=False)],
    union: Annotated[str | None, typer.Option("--union", help="union code of a roster")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate, write nothing")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="error report xlsx")] = None,
) -> None:
    """Import 附件1/附件3/Hubei/canonical files; exit 1 when any row was rejected."""
    from loaders.cli_support import run_import
    from loaders.importer import start_worker_server

    start_worker_server(files)  # starts while the engine does
    arguments = {"files": [f.name for f in files], "unionId": union, "dryRun": dry_run}
    summary = _run(
        lambda rt: audited(
            rt, "import", arguments, run_import(rt, files, union, dry_run, report, console)
        )
    )
    if summary.rejected:
        raise typer.Exit(1)


@app.command("export")
def export(
    union_id: Annotated[str, typer.Argument(help="subtree root")],
    to: Annotated[Path, typer.Option("--to", help="output xlsx")],
) -> None:
    """Write a union's subtree in the template layout (unions sheet + members sheet)."""
    from loaders.exporter import export_subtree

    counts = _run(
        lambda rt: audited(
            rt,
            "export",  # writes full certificate numbers and phones to a file
            {"unionId": union_id, "to": to.name},
            export_subtree(rt.services.imports, union_id, to),
        )
    )
    console.print(f"已导出：组织信息 {counts['units']} 行，会员 {counts['members']} 行 → {to}")


@app.command("bootstrap")
def bootstrap(
    province: Annotated[str, typer.Option("--province", help="GB/T 2260 province code, e.g. 42")],
) -> None:
    """Create the national root and the province, city and county federations (idempotent)."""

    async def work(runtime: Runtime) -> object:
        created = runtime.services.imports.bootstrap(province, operator="cli")
        return await audited(runtime, "bootstrap", {"province": province}, created)

    out = _run(work)
    console.print(
        f"地方总工会：新建 {out.created}，更新 {out.updated}，已存在 {out.unchanged}"  # type: ignore[attr-defined]
    )


if __name__ == "__main__":
    app()
