"""Backup, verification and restore of the register (embedded engine).

A backup directory holds ``graph.rdb`` (a point-in-time snapshot of the engine, taken without
stopping the service) and ``manifest.json``: engine, graph name, creation time, nodes per label
and edges per type *of the snapshot itself* (counted on a temporary engine loaded from it, so a
writer running during the backup cannot skew them), the SHA-256 and size of each file, and
optionally a content digest (every node and edge with all properties, read through Cypher).

``verify_backup`` re-hashes the files and loads the snapshot into a temporary engine to compare
the counts (and the digest when recorded). ``restore`` only writes into an empty data dir.
Neo4j is backed up with its own tools (``neo4j-admin database dump/load``; online backup in
Enterprise): see the README.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from graph_service.engines.falkordb import FalkorDBStore
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.engines.falkordb_snapshot import (
    data_dir_in_use,
    engine_endpoint,
    restore_snapshot,
    running_endpoint,
    snapshot_engine,
    take_snapshot,
)
from graph_service.errors import BadUserInput, Conflict
from graph_service.queries import q
from graph_service.settings import Settings
from graph_service.store import GraphStore

SNAPSHOT = "graph.rdb"
MANIFEST = "manifest.json"
FORMAT = 1
_PAGE = 20_000
_MOD = 2**256


@dataclass
class Manifest:
    """What ``manifest.json`` records."""

    engine: str
    graph: str
    created_at: str
    nodes: dict[str, int]
    edges: dict[str, int]
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    content_sha256: str | None = None

    def as_json(self) -> dict[str, object]:
        """The JSON document (camelCase keys)."""
        out: dict[str, object] = {
            "format": FORMAT,
            "engine": self.engine,
            "graph": self.graph,
            "createdAt": self.created_at,
            "counts": {"nodes": self.nodes, "edges": self.edges},
            "files": self.files,
        }
        if self.content_sha256:
            out["contentSha256"] = self.content_sha256
        return out

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read ``manifest.json`` of a backup directory (BAD_USER_INPUT when unusable)."""
        try:
            doc = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            return cls(
                engine=doc["engine"],
                graph=doc["graph"],
                created_at=doc["createdAt"],
                nodes=dict(doc["counts"]["nodes"]),
                edges=dict(doc["counts"]["edges"]),
                files=dict(doc["files"]),
                content_sha256=doc.get("contentSha256"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise BadUserInput(
                f"{directory} 不是有效的备份目录（缺少或无法读取 {MANIFEST}）",
                reason="BACKUP_INVALID",
                field="from",
            ) from None


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


async def graph_counts(store: GraphStore) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label (``A:B`` for several) and edges per type."""
    nodes: Counter[str] = Counter()
    for row in await store.read(q("backup/count_nodes_by_label")):
        nodes[":".join(sorted(row["labels"]))] += int(row["n"])  # type: ignore[call-overload]
    edges = {str(r["type"]): int(r["n"]) for r in await store.read(q("backup/count_edges_by_type"))}  # type: ignore[call-overload]
    return dict(sorted(nodes.items())), dict(sorted(edges.items()))


def _item_hash(item: object) -> int:
    text = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


async def content_digest(store: GraphStore) -> str:
    """A digest of every node (labels, properties) and edge (type, properties, both ends'
    content) that does not depend on internal ids or order: equal for equal graphs."""
    rows = await store.read(q("backup/get_max_node_id"))
    top = rows[0]["maxId"] if rows else None
    if top is None:
        return hashlib.sha256(b"empty").hexdigest()
    node_hash: dict[int, int] = {}
    total = 0
    for start in range(0, int(top) + 1, _PAGE):  # type: ignore[call-overload]
        page = {"fromId": start, "toId": start + _PAGE}
        for r in await store.read(q("backup/list_nodes_page"), page):
            h = _item_hash(["node", sorted(r["labels"]), r["props"]])  # type: ignore[call-overload]
            node_hash[int(r["id"])] = h  # type: ignore[call-overload]
            total = (total + h) % _MOD
    for start in range(0, int(top) + 1, _PAGE):  # type: ignore[call-overload]
        page = {"fromId": start, "toId": start + _PAGE}
        for r in await store.read(q("backup/list_edges_page"), page):
            ends = [node_hash[int(r["src"])], node_hash[int(r["dst"])]]  # type: ignore[call-overload]
            total = (total + _item_hash(["edge", r["type"], r["props"], ends])) % _MOD
    return f"{total:064x}"


async def _describe(rdb: Path, graph: str, *, digest: bool) -> Manifest:
    """Count (and hash) the graph inside a snapshot on a temporary engine."""
    with snapshot_engine(rdb) as sock:
        store = FalkorDBStore.connect(graph_name=graph, unix_socket=sock, pool_size=2)
        try:
            nodes, edges = await graph_counts(store)
            content = await content_digest(store) if digest else None
        finally:
            await store.close()
    return Manifest("falkordb", graph, "", nodes, edges, content_sha256=content)


def _embedded_only(settings: Settings, action: str) -> None:
    if settings.graph_url:
        raise BadUserInput(
            f"{action}只适用于内置图数据库。外部 FalkorDB 请用其自身的 RDB/AOF 备份；"
            "Neo4j 请用 neo4j-admin database dump/load（企业版支持在线备份）",
            reason="BACKUP_ENGINE_UNSUPPORTED",
            field="graph_url",
        )


def _empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


async def backup(settings: Settings, dest: Path, *, digest: bool = False) -> Manifest:
    """Snapshot the embedded engine of ``settings.data_dir`` into ``dest`` (new or empty).

    A running service is reached through its engine's socket (the data dir's lock forbids a
    second engine); otherwise the engine is started here for the snapshot and stopped again.
    """
    _embedded_only(settings, "备份")
    if not _empty_dir(dest):
        raise Conflict(f"备份目录 {dest} 不是空目录，未做任何改动", reason="BACKUP_DIR_NOT_EMPTY")
    data_dir = settings.data_dir.resolve()
    if not data_dir.is_dir():
        raise BadUserInput(f"数据目录 {data_dir} 不存在", reason="DATA_DIR_MISSING")
    dest.mkdir(parents=True, exist_ok=True)
    rdb = dest / SNAPSHOT
    created = datetime.now(UTC).isoformat(timespec="seconds")
    if data_dir_in_use(data_dir):
        endpoint = running_endpoint(data_dir)
        await asyncio.to_thread(take_snapshot, data_dir, endpoint, rdb)
    else:
        engine = EmbeddedFalkorDB(data_dir, appendfsync=settings.appendfsync).start()
        try:
            await asyncio.to_thread(take_snapshot, data_dir, engine_endpoint(engine), rdb)
        finally:
            engine.stop()
    manifest = await _describe(rdb, settings.graph_name, digest=digest)
    manifest.created_at = created
    manifest.files = {SNAPSHOT: {"sha256": sha256_file(rdb), "bytes": rdb.stat().st_size}}
    (dest / MANIFEST).write_text(
        json.dumps(manifest.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


async def verify_backup(directory: Path) -> list[str]:
    """Problems of a backup directory (empty list: hashes and counts check out)."""
    manifest = Manifest.load(directory)
    problems = []
    for name, meta in manifest.files.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"缺少文件 {name}")
        elif sha256_file(path) != meta.get("sha256"):
            problems.append(f"文件 {name} 的 SHA-256 与清单不符")
    if problems:
        return problems
    loaded = await _describe(
        directory / SNAPSHOT, manifest.graph, digest=manifest.content_sha256 is not None
    )
    if loaded.nodes != manifest.nodes:
        problems.append(f"节点数与清单不符：{loaded.nodes} ≠ {manifest.nodes}")
    if loaded.edges != manifest.edges:
        problems.append(f"关系数与清单不符：{loaded.edges} ≠ {manifest.edges}")
    if manifest.content_sha256 and loaded.content_sha256 != manifest.content_sha256:
        problems.append("内容摘要与清单不符")
    return problems


async def restore(settings: Settings, source: Path) -> Manifest:
    """Restore a verified backup into ``settings.data_dir``, which must be empty (or absent)."""
    _embedded_only(settings, "恢复")
    data_dir = settings.data_dir.resolve()
    if not _empty_dir(data_dir):
        raise Conflict(
            f"数据目录 {data_dir} 不是空目录：恢复只写入空的数据目录，未做任何改动",
            reason="DATA_DIR_NOT_EMPTY",
            field="dataDir",
        )
    manifest = Manifest.load(source)
    if manifest.graph != settings.graph_name:
        raise Conflict(
            f"备份中的图名为 {manifest.graph}，与本服务配置的图名 {settings.graph_name} 不同，"
            "恢复后服务将看不到数据；请设置 UNION_TREE_GRAPH_NAME 后重试，未做任何改动",
            reason="GRAPH_NAME_MISMATCH",
            field="from",
        )
    snapshot = source / SNAPSHOT
    if not snapshot.is_file() or sha256_file(snapshot) != manifest.files.get(SNAPSHOT, {}).get(
        "sha256"
    ):
        raise BadUserInput(
            "备份文件缺失或 SHA-256 与清单不符，未做任何改动", reason="BACKUP_CORRUPT", field="from"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = EmbeddedFalkorDB(data_dir, appendfsync=settings.appendfsync)
    engine._lock_data_dir()  # held while the files are written: no service can start on them
    try:
        await asyncio.to_thread(restore_snapshot, snapshot, data_dir)
    finally:
        engine.stop()
    engine = EmbeddedFalkorDB(data_dir, appendfsync=settings.appendfsync).start()
    store = FalkorDBStore.connect(
        graph_name=manifest.graph, unix_socket=engine.unix_socket, port=engine.port or 0,
        password=engine.password, pool_size=2,
    )
    try:
        nodes, edges = await graph_counts(store)
    finally:
        await store.close()
        engine.stop()
    if (nodes, edges) != (manifest.nodes, manifest.edges):
        raise Conflict("恢复后的计数与备份清单不符", reason="RESTORE_MISMATCH")
    return manifest
