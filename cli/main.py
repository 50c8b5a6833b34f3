"""The ``union-tree`` command line (CONTRACT.md)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from cli.accounts import accounts_app
from cli.audit import audit_app, audited
from cli.backup import register_backup_commands
from cli.runtime import console, run_command
from graph_service.bootstrap import Runtime
from graph_service.demo.generator import DemoConfig
from graph_service.domain.models import Union
from graph_service.errors import UnionTreeError
from graph_service.file_modes import exposed, private_umask
from graph_service.services.consistency import reversed_periods
from graph_service.services.imports import BootstrapOutcome
from graph_service.settings import load_settings

app = typer.Typer(help="union-tree: 工会实名制数据库（图）", no_args_is_help=True)
app.add_typer(audit_app, name="audit")  # audit verify | prune (cli/audit.py)
app.add_typer(accounts_app, name="accounts")  # create/disable/reset/list: cli/accounts.py
register_backup_commands(app)  # backup --to/--verify, restore --from: cli/backup.py


@app.callback()
def _private_files() -> None:
    # every command (serve included) creates its files for the service's user only
    private_umask()


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
    from api.listen import listening_socket, public_url
    from api.logging_setup import configure_logging, exit_cleanly_on_signals

    # the port first: a taken port is refused before anything starts or is printed (no demo
    # password, no "就绪" followed by Errno 98)
    sock = listening_socket(host, port)
    base_url = public_url(host, sock.getsockname()[1])
    settings = load_settings(demo=demo)
    if settings.graph_url:  # an external engine: a wrong address or password said plainly, exit 1
        run_command(lambda runtime: asyncio.sleep(0))
    log_config = configure_logging(settings.log_level)  # every line JSON (api/logging_setup.py)

    def ready(runtime: Runtime) -> None:
        engine = "内置 FalkorDB" if not settings.graph_url else runtime.store.engine
        logging.getLogger("union_tree.serve").info(
            "就绪 引擎：%s；GraphQL：%s/graphql", engine, base_url
        )

    application = create_app(
        settings, demo_members=members, demo_seed=seed, on_ready=ready, base_url=base_url
    )
    exit_cleanly_on_signals()
    try:
        # SIGTERM/SIGINT: stop accepting, let in-flight requests and imports finish (at most
        # shutdown_timeout_s), then the lifespan closes the store and stops the embedded engine
        config = uvicorn.Config(
            application,
            log_config=log_config,
            log_level=settings.log_level.lower(),
            access_log=False,  # api/observability.py writes the access lines
            timeout_graceful_shutdown=settings.shutdown_timeout_s,
        )
        uvicorn.Server(config).run(sockets=[sock])
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

    run_command(work, beside_service=False)  # a bulk load needs the engine to itself


@app.command()
def verify(union_id: Annotated[str | None, typer.Argument(help="subtree root")] = None) -> None:
    """Recompute every rollup and ancestor path live and list each mismatch (exit 1 if any)."""

    async def work(runtime: Runtime) -> int:
        mismatches = await runtime.services.stats.verify(union_id)
        for m in mismatches[:200]:
            console.print(f"{m.union_id} {m.key}: 存储 {m.stored} ≠ 实时 {m.live}")
        console.print(f"不一致 {len(mismatches)} 项")
        reversed_ = await reversed_periods(runtime.store)
        for e in reversed_:
            console.print(
                f"{e.type} {e.from_id} → {e.to_id}：结束日期 {e.until} 早于开始日期 {e.since}",
                highlight=False,
            )
        if reversed_:
            console.print(f"结束早于开始的关系 {len(reversed_)} 条", highlight=False)
        open_files = exposed([Path(runtime.settings.data_dir)])
        for path, mode in open_files[:200]:
            console.print(
                f"其他用户可读：{path}（权限 {mode}），请执行 chmod go= 收回", highlight=False
            )
        if open_files:
            console.print(f"其他用户可读的文件 {len(open_files)} 个", highlight=False)
        return len(mismatches) + len(reversed_) + len(open_files)

    if run_command(work):
        raise typer.Exit(1)


@app.command("rebuild-rollups")
def rebuild_rollups() -> None:
    """Recompute every subtree rollup and ancestor path from the edges and store them."""

    async def work(runtime: Runtime) -> int:
        return await audited(runtime, "rebuild-rollups", {}, runtime.services.stats.rebuild())

    console.print(f"已重算 {run_command(work)} 个工会的汇总")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="xlsx/xls/csv files", exists=False)],
    union: Annotated[str | None, typer.Option("--union", help="union code of a roster")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate, write nothing")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="report xlsx")] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="reject rows leaving a must-collect field blank"),
    ] = False,
) -> None:
    """Import 附件1/附件3/Hubei/canonical files.

    Exit 0: no row rejected (rows with blank must-collect fields are imported, their gaps
    listed); 1: rows rejected; 2: nothing imported (an unreadable or unusable file, an
    unknown --union)."""
    from cli.imports import run_import
    from loaders.importer import start_worker_server

    start_worker_server(files)  # starts while the engine does
    arguments = {
        "files": [f.name for f in files],
        "unionId": union,
        "dryRun": dry_run,
        "strict": strict,
    }
    summary = run_command(
        lambda rt: audited(
            rt,
            "import",
            arguments,
            run_import(rt, files, union, dry_run, report, console, strict=strict),
        ),
        failed=2,
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

    counts = run_command(
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

    async def work(runtime: Runtime) -> BootstrapOutcome:
        created = runtime.services.imports.bootstrap(province, operator="cli")
        return await audited(runtime, "bootstrap", {"province": province}, created)

    out = run_command(work)
    console.print(f"地方总工会：新建 {out.created}，更新 {out.updated}，已存在 {out.unchanged}")
    typer.echo(f"全国总工会\t{out.national_id}")  # stdout: ids for scripts (accounts create)
    typer.echo(f"{out.province_name}\t{out.province_id}")
    console.print(
        f"下一步：union-tree accounts create admin --union {out.province_id} --role admin",
        highlight=False,
    )


@app.command("unions")
def unions(
    name: Annotated[str | None, typer.Option("--name", help="part of the union's name")] = None,
    level: Annotated[
        str | None, typer.Option("--level", help="NATIONAL|PROVINCE|CITY|COUNTY|…|GRASSROOTS")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 50,
) -> None:
    """List unions with their ids (id, level, name, parent id), tab-separated on stdout."""
    from graph_service.domain.codes import UnionLevel

    async def work(runtime: Runtime) -> tuple[list[Union], int]:
        wanted = UnionLevel.parse(level, field="level").value if level else None
        page = await runtime.services.tree.search_unions(
            name_contains=name, level=wanted, under=None, first=limit, after=None
        )
        return page.items, page.total_count

    found, total = run_command(work)
    for u in found:
        typer.echo(f"{u.id}\t{u.level.value}\t{u.name}\t{u.parent_id or ''}")
    more = (
        f"（只列出前 {len(found)} 个，可用 --name/--level 缩小或 --limit 放宽）"
        if total > len(found)
        else ""
    )
    console.print(f"共 {total} 个工会{more}", highlight=False)


if __name__ == "__main__":
    app()
