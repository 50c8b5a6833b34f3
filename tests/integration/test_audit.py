"""The audit chain on every engine: records are masked, chained and listed by subtree; altering
or removing a record is found by verify; prune keeps verify green; concurrent writers (in one
process and across two) keep one unbroken chain."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph_service.domain.audit import GENESIS
from graph_service.errors import BadUserInput
from graph_service.repositories.audit import AuditRepository
from graph_service.services.audit import AuditService
from graph_service.services.registry import Services
from graph_service.store import GraphStore, Query
from tests.integration.test_affiliation import Tree, add_union

# An attacker with direct access to the graph, not a statement of the service: kept out of cypher/.
TAMPER_ARGUMENTS = Query(
    "test/tamper_arguments",
    "MATCH (r:AuditRecord {seq: $seq}) SET r.arguments = $arguments RETURN r.seq AS seq",
)
REMOVE_RECORD = Query(
    "test/remove_record", "MATCH (r:AuditRecord {seq: $seq}) DELETE r RETURN 1 AS done"
)


class Clock:
    """A settable clock for retention tests."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def small_tree(services: Services) -> Tree:
    tree = Tree()
    await add_union(services, tree, "root", None, "NATIONAL", "地方总工会", "110000")
    await add_union(services, tree, "prov", "root", "PROVINCE", "地方总工会", "420000")
    await add_union(services, tree, "cityA", "prov", "CITY", "地方总工会", "420100")
    await add_union(services, tree, "cityB", "prov", "CITY", "地方总工会", "420200")
    return tree


async def write_some(audit: AuditService, n: int, *, scope: str | None = None) -> None:
    for i in range(n):
        await audit.record(
            actor=f"account:user{i % 3}",
            scope_union_id=scope,
            operation="moveUnion",
            arguments={"unionId": "X", "reason": f"第{i}次 \"引号\" \\ 反斜杠\n换行 \\u4e2d"},
            result="OK" if i % 2 else "FORBIDDEN",
            client_address="127.0.0.1",
            request_id=f"req-{i}",
        )


async def test_records_are_masked_chained_and_verified(services: Services) -> None:
    tree = await small_tree(services)
    first = await services.audit.record(
        actor="account:alice",
        scope_union_id=tree["cityA"],
        operation="addMember",
        arguments={
            "input": {
                "unionId": tree["cityA"],
                "name": "张三",
                "idNumber": "420102199001011234",
                "phone": "13812345678",
                "note": "联系 13912345678，证件 11010519491231002X",
            },
            "password": "hunter2hunter2",
            "totpCode": "123456",
        },
        result="OK",
        client_address="10.0.0.7",
        request_id="r1",
    )
    assert first.seq == 1 and first.prev_hash == GENESIS
    assert first.scope_path == [tree["root"], tree["prov"], tree["cityA"]]
    stored = json.loads(first.arguments)
    assert "password" not in stored and "totpCode" not in stored
    assert stored["input"]["idNumber"] == "420***********1234"
    assert stored["input"]["phone"] == "138****5678"
    assert stored["input"]["unionId"] == tree["cityA"]
    text = first.arguments
    for secret in ("420102199001011234", "13812345678", "13912345678", "11010519491231002X"):
        assert secret not in text
    second = await services.audit.record(
        actor="cli:root", scope_union_id=None, operation="import", arguments={}, result="OK"
    )
    assert second.seq == 2 and second.prev_hash == first.hash and second.scope_path == []
    report = await services.audit.verify()
    assert report.ok and report.checked == 2 and report.last_seq == 2


async def test_log_lists_a_subtree_newest_first_in_pages_and_windows(services: Services) -> None:
    tree = await small_tree(services)
    await write_some(services.audit, 5, scope=tree["cityA"])
    await write_some(services.audit, 3, scope=tree["cityB"])
    await write_some(services.audit, 2, scope=tree["prov"])
    page = await services.audit.log(union_id=tree["cityA"], first=3)
    assert page.total_count == 5 and page.has_next_page
    assert [r.seq for r in page.items] == [5, 4, 3]
    rest = await services.audit.log(union_id=tree["cityA"], first=3, after=page.end_cursor)
    assert [r.seq for r in rest.items] == [2, 1] and not rest.has_next_page
    whole = await services.audit.log(union_id=tree["prov"], first=50)
    assert whole.total_count == 10
    assert (await services.audit.log(union_id=tree["root"], first=50)).total_count == 10
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert (await services.audit.log(union_id=tree["prov"], since=later)).total_count == 0
    assert (await services.audit.log(union_id=tree["prov"], until=later)).total_count == 10
    try:
        await services.audit.log(union_id=tree["prov"], first=501)
    except BadUserInput as exc:
        assert exc.reason == "PAGE_SIZE"
    else:
        raise AssertionError("a page of 501 was accepted")


async def test_text_survives_the_round_trip_exactly(services: Services) -> None:
    """Quotes, backslashes, newlines, ``\\u``: stored exactly as hashed (or verify fails)."""
    await write_some(services.audit, 6)
    assert (await services.audit.verify()).ok


async def test_an_altered_record_is_detected(store: GraphStore, services: Services) -> None:
    await write_some(services.audit, 10)
    assert (await services.audit.verify()).ok
    await store.write(TAMPER_ARGUMENTS, {"seq": 6, "arguments": '{"unionId":"Y"}'})
    report = await services.audit.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (6, "HASH_MISMATCH")
    assert report.checked == 5
    print(f"\naudit tamper: altered record seq 6 of 10 -> verify reports seq {report.broken.seq}")


async def test_a_removed_record_is_detected(store: GraphStore, services: Services) -> None:
    await write_some(services.audit, 10)
    await store.write(REMOVE_RECORD, {"seq": 4})
    report = await services.audit.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (4, "MISSING")


async def test_removing_the_newest_record_is_detected(
    store: GraphStore, services: Services
) -> None:
    await write_some(services.audit, 5)
    await store.write(REMOVE_RECORD, {"seq": 5})
    report = await services.audit.verify()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (5, "HEAD_MISMATCH")


async def test_prune_keeps_recent_records_and_verify_green(
    store: GraphStore, services: Services
) -> None:
    clock = Clock(datetime.now(UTC) - timedelta(days=200))
    audit = AuditService(AuditRepository(store), services.tree, clock=clock)
    await write_some(audit, 7)  # 200 days old
    clock.now = datetime.now(UTC) - timedelta(days=10)
    await write_some(audit, 4)
    clock.now = datetime.now(UTC)
    assert await audit.prune(retention_days=180) == 7
    report = await audit.verify()
    assert report.ok and report.checked == 4 and report.first_seq == 8 and report.last_seq == 11
    assert await audit.prune(retention_days=180) == 0
    await write_some(audit, 2)  # the chain goes on after the anchor
    assert (await audit.verify()).ok
    await store.write(TAMPER_ARGUMENTS, {"seq": 9, "arguments": "{}"})
    broken = (await audit.verify()).broken
    assert broken is not None and broken.seq == 9
    clock.now = datetime.now(UTC) + timedelta(days=365)
    assert await audit.prune(retention_days=180) == 6  # everything, even the altered one
    report = await audit.verify()
    assert report.ok and report.checked == 0 and report.last_seq == 13


async def test_concurrent_writers_keep_one_chain(store: GraphStore, services: Services) -> None:
    """40 records at once in one process, and 2 x 40 from two services (two processes' worth of
    state: separate locks and cached heads) racing on the same graph."""
    other = AuditService(AuditRepository(store), services.tree)
    started = time.perf_counter()

    async def one(audit: AuditService, i: int) -> int:
        record = await audit.record(
            actor=f"account:u{i}", scope_union_id=None, operation="op", arguments={"i": i}
        )
        return record.seq

    seqs = await asyncio.gather(*(one(services.audit, i) for i in range(40)))
    seqs += await asyncio.gather(
        *(one(services.audit, i) for i in range(40)), *(one(other, i) for i in range(40))
    )
    elapsed = time.perf_counter() - started
    assert sorted(seqs) == list(range(1, 121))
    report = await services.audit.verify()
    assert report.ok and report.checked == 120 and report.last_seq == 120
    races = services.audit.lost_races + other.lost_races
    # a lost race made certain (gather may or may not interleave on a busy machine): ``other``
    # holds a stale cached head, its conditional write is turned away and it re-chains
    lost = other.lost_races
    await one(services.audit, 121)
    assert await one(other, 122) == 122
    assert other.lost_races == lost + 1
    report = await services.audit.verify()
    assert report.ok and report.checked == 122
    print(
        f"\naudit concurrency: 120 records (2 writers racing, {races} lost races retried) "
        f"in {elapsed:.2f} s, chain intact"
    )


def test_cli_verify_reports_the_first_broken_record_and_exits_nonzero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``union-tree audit verify`` on a real data dir: green, then exit 1 naming the altered seq;
    CLI changes are recorded with actor ``cli:<os user>``."""
    from typer.testing import CliRunner

    from cli.audit import cli_actor
    from cli.main import app
    from graph_service.bootstrap import open_runtime
    from graph_service.settings import Settings

    monkeypatch.setenv("UNION_TREE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("UNION_TREE_APPENDFSYNC", "everysec")
    runner = CliRunner()
    for _ in range(3):
        assert runner.invoke(app, ["rebuild-rollups"]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output

    async def tamper() -> list[str]:
        runtime = await open_runtime(Settings(data_dir=tmp_path, appendfsync="everysec"))
        try:
            records = await AuditRepository(runtime.store).chain(after=0, limit=10)
            await runtime.store.write(TAMPER_ARGUMENTS, {"seq": 2, "arguments": '{"x":1}'})
            return [r.actor for r in records]
        finally:
            await runtime.close()

    actors = asyncio.run(tamper())
    assert actors == [cli_actor()] * 3
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "seq 2" in broken.output
