"""GraphiQL on an intranet without internet (issue 16, finding 9): with the network closed
(only loopback resolves; any other request is aborted and recorded), Debian's chromium loads
the demo service's GraphiQL page, every script and style sheet from the service itself, and
runs a query whose answer appears in the page."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.graphiql_page import MODULES, installed
from tests.e2e.conftest import _TOKENS, running_demo_server

SCRIPT = Path(__file__).with_name("graphiql_offline.mjs")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not installed() or not (MODULES / "playwright-core").is_dir(),
    reason="needs Debian's chromium and api/graphiql's node_modules (make install-dev)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_demo_server(tmp_path_factory.mktemp("graphiql"), members=300, seed=11) as base:
        yield base


def test_page_names_only_the_service(server: str) -> None:
    page = httpx.get(f"{server}/graphql", timeout=30)
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert "unpkg" not in page.text and "https://" not in page.text
    script = httpx.get(f"{server}/graphiql-assets/graphiql/graphiql.min.js", timeout=30)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    unlisted = httpx.get(f"{server}/graphiql-assets/graphiql/package.json", timeout=30)
    assert unlisted.status_code == 404


def test_graphiql_runs_a_query_with_the_network_closed(server: str, tmp_path: Path) -> None:
    done = subprocess.run(
        ["node", str(SCRIPT), server, _TOKENS[server]],
        cwd=MODULES.parent,  # playwright-core from api/graphiql/node_modules
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "CHROMIUM": str(CHROMIUM), "HOME": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["external"] == [] and seen["failed"] == []
    assert '"edges"' in seen["result"] and '"name"' in seen["result"]
