"""The embedded engine dies while the service runs (SIGKILL), over real HTTP.

Requests then get GRAPH_UNAVAILABLE with HTTP 503 (the first request once the engine is gone;
each about as cheap as a normal request, never a 500 or a hang), /readyz says 503 while the
engine is down, the supervisor starts the engine again on the same data dir and the service
recovers by itself. The test holds the restart until it has seen the down time, so it waits
for events, never for a number of seconds. When the data dir's lock file was removed (another
service may own the directory now) the supervisor does not restart the engine and does not
loop: the service stays unavailable.
"""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import _SERVERS, _TOKENS, running_demo_server

QUERY = "{ unions(first: 1) { totalCount } }"


def _engine(base: str):  # type: ignore[no-untyped-def]
    app, _ = _SERVERS[base]
    store = app.state.runtime.store
    return store.embedded, store.supervisor


def _post(client: httpx.Client, base: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {_TOKENS[base]}"}
    return client.post(f"{base}/graphql", json={"query": QUERY}, headers=headers, timeout=5)


def _unavailable(response: httpx.Response) -> bool:
    body = response.json()
    if body.get("code") == "GRAPH_UNAVAILABLE":  # refused before GraphQL ran (authentication)
        return True
    errors = body.get("errors") or []
    return bool(errors) and all(e["extensions"]["code"] == "GRAPH_UNAVAILABLE" for e in errors)


def _timed(client: httpx.Client, base: str) -> tuple[httpx.Response, float]:
    began = time.perf_counter()
    response = _post(client, base)
    return response, time.perf_counter() - began


def _until(condition, what: str, limit_s: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Wait for an event (the limit only ends a test that would otherwise hang)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def test_engine_death_gives_503_fast_and_the_service_recovers(tmp_path: Path) -> None:
    with running_demo_server(tmp_path / "data", members=500, seed=11) as base, httpx.Client() as c:
        engine, supervisor = _engine(base)
        normal = sorted(_timed(c, base)[1] for _ in range(5))
        assert _post(c, base).status_code == 200
        hold = threading.Event()
        restart = engine.restart

        def held_restart() -> None:
            hold.wait(120)
            restart()

        engine.restart = held_restart  # the supervisor's next start waits for the test
        killed_pid = engine.pid
        os.kill(killed_pid, signal.SIGKILL)
        _until(lambda: not engine.running, "the engine process is gone")
        down = [_timed(c, base) for _ in range(5)]  # from the very first request on
        for response, _ in down:
            assert response.status_code == 503 and _unavailable(response), response.text
        _until(lambda: supervisor.state == "restarting", "the supervisor noticed")
        assert c.get(f"{base}/readyz").status_code == 503
        hold.set()
        _until(lambda: supervisor.state == "running" and supervisor.restarts == 1, "restarted")
        _until(lambda: "errors" not in _post(c, base).json(), "the service answers again")
        down_s = statistics.median(s for _, s in down)
        print(
            f"\nengine restart over HTTP: 503 in {down_s * 1000:.1f} ms (median of 5; a normal "
            f"request {normal[2] * 1000:.1f} ms), restarts {supervisor.restarts}"
        )
        # fails fast: no connect timeout or retry loop behind a 503 (ratio, not seconds)
        assert down_s <= 10 * normal[2]
        assert engine.pid != killed_pid
        assert c.get(f"{base}/readyz").status_code == 200


def test_no_restart_when_the_data_dir_lock_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_demo_server(data, members=200, seed=12) as base, httpx.Client() as c:
        engine, supervisor = _engine(base)
        (data / "union-tree.lock").unlink()  # e.g. an operator wiped the directory
        os.kill(engine.pid, signal.SIGKILL)
        _until(lambda: supervisor.state == "failed", "the supervisor gave up")
        assert supervisor.failure == "LOCK_LOST"
        task = supervisor._task
        _until(lambda: task is None or task.done(), "the watcher ended (no restart loop)")
        assert supervisor.restarts == 0 and not engine.running  # no second engine
        response = _post(c, base)
        assert response.status_code == 503 and _unavailable(response)
        assert c.get(f"{base}/readyz").status_code == 503
        (data / "falkordb.sock").unlink(missing_ok=True)  # the killed engine's stale socket
