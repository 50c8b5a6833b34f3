"""The embedded engine dies while the service runs (SIGKILL), over real HTTP.

Requests then get GRAPH_UNAVAILABLE with HTTP 503 fast (the first within 1 s of the kill, each
answered well within 1 s, never a 500 or a hang), /readyz says 503 while the engine is down,
the supervisor starts the engine again on the same data dir and the service recovers by
itself. When the data dir's lock file was removed (another service may own the directory now)
the supervisor does not restart the engine and does not loop: the service stays unavailable.
"""

from __future__ import annotations

import os
import signal
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


def test_engine_death_gives_503_fast_and_the_service_recovers(tmp_path: Path) -> None:
    with running_demo_server(tmp_path / "data", members=500, seed=11) as base, httpx.Client() as c:
        engine, supervisor = _engine(base)
        assert _post(c, base).status_code == 200
        killed_pid = engine.pid
        os.kill(killed_pid, signal.SIGKILL)
        killed = time.monotonic()
        first_503 = recovered = None
        ready_503 = False
        slowest = 0.0
        while time.monotonic() - killed < 30 and recovered is None:
            began = time.monotonic()
            response = _post(c, base)
            slowest = max(slowest, time.monotonic() - began)
            if response.status_code == 503:
                assert _unavailable(response), response.text
                first_503 = first_503 or time.monotonic() - killed
                ready_503 = ready_503 or c.get(f"{base}/readyz").status_code == 503
            else:
                assert response.status_code == 200, response.text
                if "errors" not in response.json():
                    recovered = time.monotonic() - killed
            time.sleep(0.005)
        print(
            f"\nengine restart over HTTP: first 503 after {first_503} s, recovered after "
            f"{recovered} s, slowest request {slowest:.3f} s, restarts {supervisor.restarts}, "
            f"/readyz 503 seen: {ready_503}"
        )
        assert first_503 is not None and first_503 <= 1.0
        # /readyz during the down time is asserted in the lock-lost test below, where the
        # engine stays down: here the restart (~0.1 s) may beat the probe
        assert slowest <= 1.0
        assert recovered is not None
        assert engine.pid != killed_pid and supervisor.restarts == 1
        assert c.get(f"{base}/readyz").status_code == 200


def test_no_restart_when_the_data_dir_lock_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_demo_server(data, members=200, seed=12) as base, httpx.Client() as c:
        engine, supervisor = _engine(base)
        (data / "union-tree.lock").unlink()  # e.g. an operator wiped the directory
        os.kill(engine.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while supervisor.state != "failed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.state == "failed" and supervisor.failure == "LOCK_LOST"
        time.sleep(0.5)
        assert supervisor.restarts == 0 and not engine.running  # no loop, no second engine
        response = _post(c, base)
        assert response.status_code == 503 and _unavailable(response)
        assert c.get(f"{base}/readyz").status_code == 503
        (data / "falkordb.sock").unlink(missing_ok=True)  # the killed engine's stale socket
