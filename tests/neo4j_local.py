"""A local Neo4j 5 Community server without Docker (``neo4j-local/``), for ``make neo4j-up``
and the test suite.

The server is one JVM embedding the DBMS (``uniontree.Neo4jLocal``): Bolt on 127.0.0.1:PORT,
authentication on (user ``neo4j``, the password generated into ``DIR/password``, mode 0600),
its files under ``DIR``, stopped cleanly by SIGTERM. The jars stay in the local Maven
repository; ``neo4j-local/target/classpath.txt`` lists them.

    python -m tests.neo4j_local up [--port 7687] [--dir data/neo4j]
    python -m tests.neo4j_local down [--dir data/neo4j]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "neo4j-local"
JAR = PROJECT / "target" / "neo4j-local.jar"
CLASSPATH = PROJECT / "target" / "classpath.txt"
MAIN = "uniontree.Neo4jLocal"
READY = "NEO4J READY"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)


class Neo4jLocalError(RuntimeError):
    """The local Neo4j could not be built, started or stopped."""


@dataclass(frozen=True)
class LocalNeo4j:
    """A running local server."""

    uri: str
    user: str
    password: str
    pid: int
    home: Path

    @property
    def password_file(self) -> Path:
        return self.home / "password"


def missing_tools() -> str | None:
    """Why the local server cannot be built here, or None."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (the local Neo4j needs Java 17+ and Maven)"
    return None


def build() -> None:
    """``mvn -q package`` in neo4j-local/ unless the jar is newer than its sources."""
    sources = [PROJECT / "pom.xml", *PROJECT.glob("src/**/*.java")]
    if JAR.exists() and CLASSPATH.exists():
        built = min(JAR.stat().st_mtime, CLASSPATH.stat().st_mtime)
        if all(s.stat().st_mtime <= built for s in sources):
            return
    if reason := missing_tools():
        raise Neo4jLocalError(reason)
    done = subprocess.run(
        ["mvn", "-q", "-B", "package"], cwd=PROJECT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise Neo4jLocalError(f"mvn package failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _pid_file(home: Path) -> Path:
    return home / "neo4j.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == 0


def running_pid(home: Path) -> int | None:
    """The pid of the server on ``home``, if one runs."""
    try:
        pid = int(_pid_file(home).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def start(
    home: Path,
    *,
    port: int,
    heap: str = "1g",
    page_cache: str = "256m",
    timeout: float = 180.0,
) -> LocalNeo4j:
    """Start a server on ``home`` in its own session (it outlives this process) and wait
    until Bolt answers with the password."""
    build()
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    if (pid := running_pid(home)) is not None:
        raise Neo4jLocalError(f"a local Neo4j already runs on {home} (pid {pid})")
    classpath = f"{JAR}:{CLASSPATH.read_text().strip()}"
    out = (home / "neo4j.out").open("w")
    proc = subprocess.Popen(
        [
            "java",
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_FLAGS,
            "-cp",
            classpath,
            MAIN,
            str(port),
            str(home),
            page_cache,
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out.close()
    _pid_file(home).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while READY not in (home / "neo4j.out").read_text(errors="replace"):
        if proc.poll() is not None:
            tail = (home / "neo4j.out").read_text(errors="replace")[-3000:]
            raise Neo4jLocalError(f"the local Neo4j exited with {proc.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            stop(home)
            raise Neo4jLocalError(f"the local Neo4j was not ready within {timeout:.0f} s")
        time.sleep(0.2)
    server = LocalNeo4j(
        uri=f"neo4j://127.0.0.1:{port}",
        user="neo4j",
        password=(home / "password").read_text().strip(),
        pid=proc.pid,
        home=home,
    )
    wait_for_bolt(server, deadline=deadline)
    return server


def wait_for_bolt(server: LocalNeo4j, *, deadline: float) -> None:
    """Until the server answers ``RETURN 1`` over Bolt with its password."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import ServiceUnavailable, SessionExpired

    while True:
        try:
            with GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as d:
                d.execute_query("RETURN 1")
                return
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            if time.monotonic() > deadline:
                raise Neo4jLocalError(f"Bolt does not answer at {server.uri}: {exc}") from exc
            time.sleep(0.3)


def stop(home: Path, *, timeout: float = 60.0) -> bool:
    """SIGTERM the server on ``home`` and wait for its clean shutdown (SIGKILL after
    ``timeout``); False when none was running."""
    home = home.resolve()
    pid = running_pid(home)
    if pid is None:
        _pid_file(home).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    _pid_file(home).unlink(missing_ok=True)
    return True


def kill(home: Path) -> None:
    """SIGKILL the server on ``home`` (crash tests) and wait until it is gone."""
    pid = running_pid(home.resolve())
    if pid is None:
        return
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.neo4j_local")
    parser.add_argument("command", choices=["up", "down", "build"])
    parser.add_argument("--port", type=int, default=7687)
    parser.add_argument("--dir", type=Path, default=Path("data/neo4j"))
    parser.add_argument("--heap", default=os.environ.get("NEO4J_HEAP", "1g"))
    parser.add_argument("--page-cache", default=os.environ.get("NEO4J_PAGE_CACHE", "512m"))
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build()
        elif args.command == "up":
            if (pid := running_pid(args.dir.resolve())) is not None:
                print(f"Neo4j already runs on {args.dir} (pid {pid})")
                return 0
            server = start(args.dir, port=args.port, heap=args.heap, page_cache=args.page_cache)
            print(
                f"Neo4j {server.uri} (pid {server.pid}) user neo4j, password in "
                f"{server.password_file}"
            )
            print(
                f"  export UNION_TREE_GRAPH_URL={server.uri} UNION_TREE_NEO4J_USER=neo4j "
                f'UNION_TREE_NEO4J_PASSWORD="$(cat {server.password_file})"'
            )
        else:
            print("Neo4j stopped" if stop(args.dir) else f"no Neo4j runs on {args.dir}")
    except Neo4jLocalError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
