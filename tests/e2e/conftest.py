"""End-to-end helpers: a real uvicorn on a free loopback port, with its own data dir and demo."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from api.app import create_app
from graph_service.settings import Settings


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_demo_server(data: Path, *, members: int, seed: int) -> Iterator[str]:
    """Serve the app with a demo province on the embedded engine; yields the base URL.

    On exit the server stops and the test checks the engine was stopped cleanly.
    """
    app = create_app(
        Settings(data_dir=data, demo=True, appendfsync="everysec"),
        demo_members=members,
        demo_seed=seed,
    )
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert thread.is_alive(), "server failed to start"
        assert time.monotonic() < deadline, "server did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(30)
    assert not (data / "falkordb.sock").exists()  # the engine was stopped cleanly


def gql(base: str, query: str, **variables: object) -> dict:
    """POST a GraphQL document; the HTTP status must be 200 (errors travel in the body)."""
    response = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
