"""Hostile files are refused while streaming, before anything is parsed or written (issue 16,
findings 1, 2 and 8): zip bombs in a sheet or the shared strings, a CSV a million columns
wide, a cell too long, too many rows, a part too large; what passes those checks and still
makes the worker grow or run past its limits is killed. Each refusal is coded (FILE_TOO_LARGE
or FILE_UNPROCESSABLE, in Chinese), the file's ImportBatch is on record as FAILED and
nothing else is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.errors import BadUserInput, FileTooLarge, FileUnprocessable
from graph_service.queries import Query
from graph_service.services.registry import Services
from graph_service.store import GraphStore
from loaders.importer import Importer
from loaders.limits import FileLimits
from loaders.samples import ATTACHMENT3_HEADER, resident_id, write_csv, write_roster
from tests.bombs import shared_strings_bomb, sheet_whitespace_bomb, sparse_grid_bomb, wide_csv

COUNTY_UNION = "长兴县测试工会"
BATCHES = Query(
    "t/batches_refused",
    "MATCH (b:ImportBatch) RETURN b.file AS file, b.state AS state, b.refused AS refused",
)
NODES = Query("t/count_members", "MATCH (m:Member) RETURN count(m) AS n")


def _rows(count: int) -> list[list[object]]:
    return [
        [i, f"张{i}", "男", resident_id("330522", "19850312", i), "中国", "本科"]
        for i in range(1, count + 1)
    ]


async def _refused(
    services: Services, path: Path, limits: FileLimits | None = None, *, dry_run: bool = False
) -> BadUserInput:
    with pytest.raises(BadUserInput) as caught:
        await Importer(services.imports, limits=limits).run(
            [(path, path.name)], union_id=None, dry_run=dry_run, operator="t"
        )
    return caught.value


async def _failed_batches(store: GraphStore) -> list[dict[str, object]]:
    return await store.read(BATCHES)


async def _nothing_written(store: GraphStore) -> bool:
    return (await store.read(NODES))[0]["n"] == 0


async def test_sheet_whitespace_bomb_is_refused_and_its_batch_failed(
    services: Services, store: GraphStore, tmp_path: Path
) -> None:
    bomb = sheet_whitespace_bomb(tmp_path / "whitespace.xlsx", 300 << 20)
    assert bomb.stat().st_size < 1 << 20  # 300 MB of XML in well under a megabyte
    error = await _refused(services, bomb)
    assert isinstance(error, FileTooLarge)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "ZIP_RATIO")
    assert "压缩比异常" in error.message and "whitespace.xlsx" in error.message
    assert await _failed_batches(store) == [
        {"file": "whitespace.xlsx", "state": "FAILED", "refused": "ZIP_RATIO"}
    ]
    assert await _nothing_written(store)


async def test_shared_strings_bomb_is_refused(
    services: Services, store: GraphStore, tmp_path: Path
) -> None:
    bomb = shared_strings_bomb(tmp_path / "strings.xlsx", 300 << 20)
    error = await _refused(services, bomb, dry_run=True)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "ZIP_RATIO")
    assert "sharedStrings" in error.message
    assert await _failed_batches(store) == []  # a dry run records nothing


async def test_part_too_large_even_at_a_plain_ratio(services: Services, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "big.xlsx", COUNTY_UNION, _rows(2_000))
    error = await _refused(services, roster, FileLimits(part_bytes=64 << 10), dry_run=True)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "PART_SIZE")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
async def test_too_many_rows(services: Services, tmp_path: Path, kind: str) -> None:
    if kind == "xlsx":
        path = write_roster(tmp_path / "rows.xlsx", COUNTY_UNION, _rows(60))
    else:
        path = write_csv(tmp_path / "rows.csv", ATTACHMENT3_HEADER[:6], _rows(60))
    error = await _refused(services, path, FileLimits(rows=50), dry_run=True)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "TOO_MANY_ROWS")


async def test_a_million_columns_refused(services: Services, tmp_path: Path) -> None:
    error = await _refused(services, wide_csv(tmp_path / "wide.csv", 1_000_000), dry_run=True)
    assert isinstance(error, FileUnprocessable)
    assert (error.code, error.reason) == ("FILE_UNPROCESSABLE", "TOO_MANY_COLUMNS")
    assert "列数" in error.message


@pytest.mark.parametrize("kind", ["xlsx-shared", "xlsx-inline", "csv"])
async def test_a_cell_too_long_is_refused(services: Services, tmp_path: Path, kind: str) -> None:
    long = "长" * 20_000
    if kind == "xlsx-shared":
        path = shared_strings_bomb(tmp_path / "long.xlsx", 20_000)
    elif kind == "xlsx-inline":
        rows = _rows(3)
        rows[1][1] = long
        path = write_roster(tmp_path / "long.xlsx", COUNTY_UNION, rows)
    else:
        rows = _rows(3)
        rows[1][1] = long
        path = write_csv(tmp_path / "long.csv", ATTACHMENT3_HEADER[:6], rows)
    error = await _refused(services, path, dry_run=True)
    assert (error.code, error.reason) == ("FILE_UNPROCESSABLE", "CELL_TOO_LONG")


async def test_far_columns_refused_before_parsing(services: Services, tmp_path: Path) -> None:
    error = await _refused(services, sparse_grid_bomb(tmp_path / "sparse.xlsx", 100), dry_run=True)
    assert (error.code, error.reason) == ("FILE_UNPROCESSABLE", "TOO_MANY_COLUMNS")


async def test_worker_past_its_memory_is_killed(
    services: Services, store: GraphStore, tmp_path: Path
) -> None:
    # far columns allowed: the sheet passes the streaming checks, and calamine's dense grid
    # (3,000 x 16,384 cells, about 1.5 GB) passes the worker's address space
    bomb = sparse_grid_bomb(tmp_path / "sparse.xlsx", 3_000)
    limits = FileLimits(columns=16_384, worker_memory_bytes=600 << 20)
    error = await _refused(services, bomb, limits)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "WORKER_MEMORY")
    assert "内存" in error.message
    assert await _failed_batches(store) == [
        {"file": "sparse.xlsx", "state": "FAILED", "refused": "WORKER_MEMORY"}
    ]
    assert await _nothing_written(store)


async def test_worker_past_its_time_is_killed(services: Services, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "slow.xlsx", COUNTY_UNION, _rows(10))
    error = await _refused(services, roster, FileLimits(worker_seconds=0.0), dry_run=True)
    assert (error.code, error.reason) == ("FILE_TOO_LARGE", "WORKER_TIMEOUT")
