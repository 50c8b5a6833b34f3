"""Issue 3 figures for subtree aggregation, on a loaded province.

    python -m bench.bench_stats --data-dir DIR [--members 1000000]

Loads the demo province into DIR first if it is empty. Measures the province root's
``subtreeStats`` at the engine (service call) and over HTTP, and the live traversal the
rollups replace, side by side in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import add_engine_argument, engine_env, engine_settings, save, summary, time_async
from graph_service.bootstrap import open_runtime
from graph_service.demo.generator import DemoConfig
from graph_service.settings import Settings

QUERY = """query($id: ID!) { subtreeStats(unionId: $id) { unions grassrootsUnions employers
  employees members newFormWorkerMembers membershipRate employersWithoutUnion
  byLevel { key count } byGender { key count } byHouseholdType { key count }
  byEmployerNature { key count } } }"""


async def engine_figures(settings: Settings, members: int, repeat: int) -> dict[str, object]:
    runtime = await open_runtime(settings)
    try:
        await runtime.services.demo.load(DemoConfig(members=members, seed=42))
        page = await runtime.services.tree.search_unions(
            name_contains=None, level="PROVINCE", under=None, first=1, after=None
        )
        root = page.items[0].id
        stats = runtime.services.stats
        rollup = await time_async(lambda: stats.subtree_stats(root), repeat)
        live = await time_async(lambda: stats.live_subtree_stats(root), 5)
        a, b = await stats.subtree_stats(root), await stats.live_subtree_stats(root)
        same = (a.members, a.unions, a.employers) == (b.members, b.unions, b.employers)
        # a viewer scoped to the root, for the HTTP figures: every read needs a login
        reader = await runtime.services.accounts.create(
            username=f"bench-stats-{secrets.token_hex(4)}", union_id=root, role="viewer"
        )
        return {
            "root": root,
            "login": (reader.account.username, reader.password.get_secret_value()),
            "members": a.members,
            "rollup": summary(rollup),
            "live": summary(live),
            "live_equals_rollup": same,
            "speedup_p50": round(summary(live)["p50_ms"] / summary(rollup)["p50_ms"]),
        }
    finally:
        await runtime.close()


def http_figures(
    settings: Settings, root: str, login: tuple[str, str], repeat: int
) -> dict[str, object]:
    """p50/p95 of subtreeStats over HTTP, against ``union-tree serve`` in its own process,
    as a viewer of the root logged in with the password grant (the token is reused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = engine_env(settings)
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    samples = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)
            username, password = login
            form = {"grant_type": "password", "username": username, "password": password}
            token = client.post("/auth/token", data=form).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = {"query": QUERY, "variables": {"id": root}}
            for i in range(repeat + 20):
                start = time.perf_counter()
                response = client.post("/graphql", json=body, headers=headers)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200 and "errors" not in response.json()
                if i >= 20:
                    samples.append(elapsed)
    finally:
        server.terminate()
        server.wait(60)
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    add_engine_argument(parser)
    args = parser.parse_args()
    settings = engine_settings(args.engine, args.data_dir)
    engine = asyncio.run(engine_figures(settings, args.members, args.repeat))
    login = engine["login"]
    assert isinstance(login, tuple)
    http = http_figures(settings, str(engine["root"]), login, args.repeat)
    result = {
        "stats_at_engine": engine["rollup"] | {"target_p95_ms": 5},
        "stats_over_http": http | {"target_p95_ms": 15},
        "live_traversal_at_root": engine["live"],
        "rollup_speedup_p50": engine["speedup_p50"],
        "target_speedup": 100,
        "live_equals_rollup": engine["live_equals_rollup"],
        "members": engine["members"],
    }
    print(save(f"stats_{args.members}", result).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
