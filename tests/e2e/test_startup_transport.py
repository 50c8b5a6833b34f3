"""Startup and transport (issue 16, finding 8): a taken port is refused before anything is
started or printed; the demo banner shows the real URL; every 4xx body is coded JSON and
never echoes long input."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.serve_process import UNION_TREE, ServeProcess


def test_taken_port_refused_before_anything_is_printed(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNION_TREE_")}
        env["UNION_TREE_DATA_DIR"] = str(tmp_path / "data")
        done = subprocess.run(
            [str(UNION_TREE), "serve", "--demo", "--members", "300", "--port", str(port)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert "PORT_UNAVAILABLE" in done.stderr and "端口已被占用" in done.stderr
    assert "password" not in done.stdout and "密码" not in done.stdout
    assert "就绪" not in done.stderr and "Errno" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing started: no engine, no data dir


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    process = ServeProcess(tmp_path_factory.mktemp("serve-transport"), members=300)
    try:
        yield process
    finally:
        process.terminate()


def test_demo_banner_shows_the_real_url(served: ServeProcess) -> None:
    banner = served.stdout_path.read_text(encoding="utf-8")
    assert f"http://127.0.0.1:{served.port}/auth/token" in banner
    assert f"http://127.0.0.1:{served.port}/graphql" in banner
    assert ":8000" not in banner or served.port == 8000


def _coded(answer: httpx.Response, status: int, reason: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["reason"] == reason and body["code"] and body["message"]
    assert len(answer.content) < 1_000


def test_malformed_json_is_coded(served: ServeProcess) -> None:
    answer = httpx.post(
        f"{served.base}/graphql",
        content=b'{"query": "{ __typename ',
        headers={**served.headers, "content-type": "application/json"},
        timeout=30,
    )
    _coded(answer, 400, "MALFORMED_JSON")


def test_unknown_operation_name_is_coded_and_not_echoed(served: ServeProcess) -> None:
    name = "X" * 10_000
    answer = httpx.post(
        f"{served.base}/graphql",
        json={"query": "query A { __typename }", "operationName": name},
        headers=served.headers,
        timeout=30,
    )
    _coded(answer, 400, "UNKNOWN_OPERATION")
    assert "XXXX" not in answer.text


def test_other_4xx_are_coded(served: ServeProcess) -> None:
    _coded(httpx.get(f"{served.base}/no-such-page", timeout=30), 404, "NOT_FOUND")
    form = httpx.post(f"{served.base}/auth/token", data={"username": "x" * 5000}, timeout=30)
    assert form.status_code in (400, 401, 422)
    assert "code" in form.json() and "x" * 100 not in form.text
