"""End-to-end helpers: a real uvicorn on a free loopback port, with its own data dir and demo.

Authentication: ``running_demo_server`` logs in as the demo admin (an admin of the demo
province's federation; TOTP code made with pyotp) and remembers the access token per base URL,
so ``gql(base, ...)`` sends ``Authorization: Bearer ...`` by itself. Other callers:

- ``login(base, username, password, totp_secret=None) -> str``: an access token over HTTP;
- ``gql_as(base, token, query, **vars)``: GraphQL as that account (``token=None``: no header);
- ``create_account(base, username=..., union_id=..., role=...)``: a new account on a running
  server (``IssuedCredentials``: password, TOTP secret), made with the server's own services on
  the server's own event loop (no GraphQL or admin needed, works without demo mode too);
- ``account_token(base, union_id, role)``: create an account and log it in, in one call.

A server started elsewhere registers with ``register_server(base, app, srv)`` to use them.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyotp
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from graph_service.domain.accounts import IssuedCredentials
from graph_service.settings import Settings

_SERVERS: dict[str, tuple[FastAPI, uvicorn.Server]] = {}
_TOKENS: dict[str, str] = {}
_LAST_TOTP_STEP: dict[str, int] = {}
_NAMES = itertools.count(1)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_demo_server(
    data: Path, *, members: int, seed: int, engine: str = "falkordb"
) -> Iterator[str]:
    """Serve the app with a demo province on ``engine`` (the embedded FalkorDB, or the test
    session's Neo4j, emptied first); yields the base URL.

    On exit the server stops and the test checks the embedded engine was stopped cleanly.
    """
    app = create_app(
        # tokens outlive a slow module on a busy machine; expiry itself is tested in test_auth_http
        Settings(
            data_dir=data,
            demo=True,
            appendfsync="everysec",
            access_token_minutes=240,
            **engine_settings(engine),
        ),
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
    base = f"http://127.0.0.1:{port}"
    register_server(base, app, srv)
    demo: IssuedCredentials = app.state.demo_credentials
    secret = demo.totp_secret.get_secret_value() if demo.totp_secret else None
    _TOKENS[base] = login(base, demo.account.username, demo.password.get_secret_value(), secret)
    try:
        yield base
    finally:
        _TOKENS.pop(base, None)
        _SERVERS.pop(base, None)
        srv.should_exit = True
        thread.join(30)
    assert not (data / "falkordb.sock").exists()  # the engine was stopped cleanly


def engine_settings(engine: str) -> dict[str, object]:
    """Settings that put a served app on ``engine``: nothing for the embedded FalkorDB; for
    Neo4j the session's server (``tests.conftest.neo4j_connection``), its one database
    emptied for this app (test stores opened before refuse to run after that)."""
    if engine == "falkordb":
        return {}
    from tests.conftest import claim_neo4j_database

    uri, user, password = claim_neo4j_database()
    return {"graph_url": uri, "neo4j_user": user, "neo4j_password": password}


def gql(base: str, query: str, **variables: object) -> dict:
    """POST a GraphQL document as the demo admin; the HTTP status must be 200 (errors travel
    in the body)."""
    return gql_as(base, _TOKENS.get(base), query, **variables)


def gql_as(base: str, token: str | None, query: str, **variables: object) -> dict:
    """POST a GraphQL document with ``Authorization: Bearer token``; the status must be 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def register_server(base: str, app: FastAPI, srv: uvicorn.Server) -> None:
    """Let the account helpers reach a server started outside ``running_demo_server``."""
    _SERVERS[base] = (app, srv)


def on_server(base: str, work: Callable[[FastAPI], Awaitable[object]]) -> object:
    """Run ``work(app)`` on the server's own event loop (its engine connections live there)."""
    app, srv = _SERVERS[base]
    loop = srv.servers[0].get_loop()
    return asyncio.run_coroutine_threadsafe(work(app), loop).result(timeout=60)  # type: ignore[arg-type]


def create_account(
    base: str,
    *,
    union_id: str,
    role: str = "viewer",
    username: str | None = None,
    password: str | None = None,
) -> IssuedCredentials:
    """A new account on a running server (password generated unless given; TOTP secret for
    the roles that need one)."""
    name = username or f"e2e-{role}-{next(_NAMES)}"

    async def work(app: FastAPI) -> IssuedCredentials:
        accounts = app.state.runtime.services.accounts
        return await accounts.create(
            username=name, union_id=union_id, role=role, password=password
        )  # type: ignore[no-any-return]

    return on_server(base, work)  # type: ignore[return-value]


def totp_code(secret: str) -> str:
    """A code the server has not seen yet (it refuses a code twice): waits for the next time
    step when this and the next one are used up."""
    totp = pyotp.TOTP(secret)
    while True:
        now = int(time.time())
        step = max(now // 30, _LAST_TOTP_STEP.get(secret, -1) + 1)
        if step <= now // 30 + 1:  # the server accepts one step of drift
            _LAST_TOTP_STEP[secret] = step
            return totp.generate_otp(step)
        time.sleep(30 - now % 30 + 0.1)


def login_response(
    base: str, username: str, password: str, totp_secret: str | None = None
) -> httpx.Response:
    """POST /auth/token with the password grant (and a fresh TOTP code when a secret is given)."""
    form = {"grant_type": "password", "username": username, "password": password}
    if totp_secret:
        form["totp"] = totp_code(totp_secret)
    return httpx.post(f"{base}/auth/token", data=form, timeout=60)


def login(base: str, username: str, password: str, totp_secret: str | None = None) -> str:
    """An access token for the account (the login must succeed)."""
    response = login_response(base, username, password, totp_secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def login_issued(base: str, issued: IssuedCredentials) -> str:
    """An access token for an account made by ``create_account``."""
    secret = issued.totp_secret.get_secret_value() if issued.totp_secret else None
    return login(base, issued.account.username, issued.password.get_secret_value(), secret)


def account_token(base: str, union_id: str, role: str = "viewer") -> str:
    """Create an account bound to ``union_id`` with ``role`` and return its access token."""
    return login_issued(base, create_account(base, union_id=union_id, role=role))
