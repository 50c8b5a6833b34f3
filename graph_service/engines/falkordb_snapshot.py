"""Snapshots of the embedded engine: a point-in-time RDB file, and temporary engines on one.

- ``take_snapshot``: BGSAVE on a running engine (the service's, reached through the data dir's
  unix socket or ``endpoint.json``; or one this process started). Redis forks and writes the
  whole dataset as of one instant between two statements, so the file is consistent while the
  service keeps writing; the file is moved out of the data dir at once.
- ``snapshot_engine``: a throw-away engine on a copy of a snapshot (no append-only file), to
  count and hash what a backup holds.
- ``restore_snapshot``: load a snapshot into an empty data dir and turn it into the
  append-only file the embedded engine runs on (``CONFIG SET appendonly yes`` rewrites it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from graph_service.engines.falkordb_embedded import (
    ENDPOINT_NAME,
    LOCK_NAME,
    EmbeddedFalkorDB,
    _binaries,
    _die_with_parent,
)
from graph_service.errors import EngineStartError, GraphUnavailableError

_SNAPSHOT_LOCK = "backup.lock"


def _client(endpoint: dict[str, object], timeout: float = 30.0) -> redis.Redis:
    if endpoint.get("unixSocket"):
        return redis.Redis(unix_socket_path=str(endpoint["unixSocket"]), socket_timeout=timeout)
    return redis.Redis(
        host="127.0.0.1",
        port=int(endpoint["port"]),  # type: ignore[call-overload]
        password=endpoint.get("password"),  # type: ignore[arg-type]
        socket_timeout=timeout,
    )


def data_dir_in_use(data_dir: Path) -> bool:
    """True when another process (a running service) holds the data dir's lock."""
    lock = data_dir / LOCK_NAME
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def running_endpoint(data_dir: Path) -> dict[str, object]:
    """How to reach the engine of the service running on ``data_dir``."""
    try:
        info = json.loads((data_dir / ENDPOINT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise GraphUnavailableError(
            "数据目录正被服务使用，但找不到其内置图数据库的连接信息（endpoint.json）",
            reason="ENDPOINT_MISSING",
        ) from None
    return dict(info)


def engine_endpoint(engine: EmbeddedFalkorDB) -> dict[str, object]:
    """The endpoint of an engine this process started."""
    return {"unixSocket": engine.unix_socket, "port": engine.port, "password": engine.password}


def take_snapshot(data_dir: Path, endpoint: dict[str, object], dest: Path) -> None:
    """BGSAVE the engine serving ``data_dir`` and move the finished RDB file to ``dest``."""
    data_dir = data_dir.resolve()
    lock_fd = os.open(data_dir / _SNAPSHOT_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    client = _client(endpoint)
    name = "dump.rdb"  # the engine's own dbfilename; it never saves one otherwise (--save "")
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)  # one snapshot at a time per data dir
        (data_dir / name).unlink(missing_ok=True)
        started = time.monotonic()
        client.execute_command("BGSAVE", "SCHEDULE")  # waits for a running AOF rewrite
        while True:
            info = client.info("persistence")
            if not info["rdb_bgsave_in_progress"] and not info.get("rdb_bgsave_scheduled", 0):
                if (data_dir / name).exists() and info["rdb_last_bgsave_status"] == "ok":
                    break
                if info["rdb_last_bgsave_status"] != "ok":
                    raise GraphUnavailableError("图数据库快照失败", reason="SNAPSHOT_FAILED")
            if time.monotonic() - started > 3600:
                raise GraphUnavailableError("图数据库快照超时", reason="SNAPSHOT_TIMEOUT")
            time.sleep(0.05)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(data_dir / name), dest)
    except redis.RedisError as exc:
        message = "无法连接内置图数据库以生成快照"
        raise GraphUnavailableError(message, reason="SNAPSHOT_FAILED") from exc
    finally:
        client.close()
        os.close(lock_fd)
        (data_dir / name).unlink(missing_ok=True)


def _start_plain(directory: Path, rdb_name: str) -> tuple[subprocess.Popen[bytes], str]:
    """A FalkorDB without append-only file on ``directory``, loading ``rdb_name`` if present."""
    server, module = _binaries()
    sock = str(directory / "s.sock")
    proc = subprocess.Popen(
        [
            server,
            *("--dir", str(directory), "--dbfilename", rdb_name, "--appendonly", "no"),
            *("--appenddirname", "aof", "--save", "", "--port", "0"),
            *("--unixsocket", sock, "--unixsocketperm", "700"),
            *("--logfile", str(directory / "falkordb.log"), "--loadmodule", module),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
        start_new_session=True,
        cwd=directory,
    )
    client = redis.Redis(unix_socket_path=sock, socket_timeout=5)
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                message = "快照文件无法载入（已损坏或版本不符）"
                raise EngineStartError(message, reason="SNAPSHOT_BAD")
            with contextlib.suppress(redis.RedisError, OSError):
                if client.ping():
                    return proc, sock
            time.sleep(0.02)
    finally:
        client.close()
    proc.kill()
    raise EngineStartError("载入快照超时", reason="SNAPSHOT_TIMEOUT")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def snapshot_engine(rdb: Path) -> Iterator[str]:
    """A temporary engine on a copy of ``rdb``; yields its unix socket path."""
    with tempfile.TemporaryDirectory(prefix="ut-snap-") as tmp:
        shutil.copyfile(rdb, Path(tmp) / "snapshot.rdb")
        proc, sock = _start_plain(Path(tmp), "snapshot.rdb")
        try:
            yield sock
        finally:
            _stop(proc)


def restore_snapshot(rdb: Path, data_dir: Path) -> None:
    """Make ``data_dir`` (empty, locked by the caller) an embedded-engine dir holding ``rdb``."""
    name = "restore.rdb"
    shutil.copyfile(rdb, data_dir / name)
    proc, sock = _start_plain(data_dir, name)
    client = redis.Redis(unix_socket_path=sock, socket_timeout=60)
    try:
        client.config_set("appendonly", "yes")  # rewrites the dataset as the append-only file
        deadline = time.monotonic() + 3600
        while True:
            info = client.info("persistence")
            if (
                info["aof_enabled"]
                and not info["aof_rewrite_in_progress"]
                and not info["aof_rewrite_scheduled"]
            ):
                if info["aof_last_bgrewrite_status"] != "ok":
                    raise GraphUnavailableError("恢复时写入追加日志失败", reason="RESTORE_FAILED")
                break
            if time.monotonic() > deadline:
                raise GraphUnavailableError("恢复超时", reason="RESTORE_TIMEOUT")
            time.sleep(0.05)
    finally:
        client.close()
        _stop(proc)
        (data_dir / name).unlink(missing_ok=True)
        Path(sock).unlink(missing_ok=True)
