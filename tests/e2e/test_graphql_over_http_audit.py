"""graphql-http's GraphQL-over-HTTP audits, run by node against a live server (uvicorn on a free
port, the embedded engine, a small demo province). Every MUST and every SHOULD audit passes.

The audit script is tests/graphql_http_audit/audit.mjs driving the npm package ``graphql-http``
(pinned in that folder's package-lock.json, installed by ``make install-dev``). node and npm are
required: a missing toolchain fails this test, it never skips it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_service.demo.generator import DemoConfig
from tests.e2e.conftest import account_token, running_demo_server
from tests.truth import Truth

REPO = Path(__file__).resolve().parents[2]
AUDIT_DIR = REPO / "tests" / "graphql_http_audit"
MEMBERS, SEED = 300, 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_demo_server(tmp_path_factory.mktemp("audit"), members=MEMBERS, seed=SEED) as base:
        yield base


@pytest.fixture(scope="module")
def token(server: str) -> str:
    return account_token(server, Truth.of(DemoConfig(members=MEMBERS, seed=SEED)).root())


def _node() -> str:
    node = shutil.which("node")
    assert node, "`node` not found on PATH: the GraphQL-over-HTTP audit needs node (>=20)"
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        npm = shutil.which("npm")
        assert npm, "`npm` not found on PATH (needed to install tests/graphql_http_audit)"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AUDIT_DIR, check=True, timeout=600,
        )  # fmt: skip
    return node


def test_every_must_and_should_audit_of_graphql_http_passes(server: str, token: str) -> None:
    run = subprocess.run(
        [_node(), "audit.mjs", f"{server}/graphql"],
        cwd=AUDIT_DIR,
        env={"PATH": shutil.os.environ.get("PATH", ""), "AUDIT_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(results) >= 30, run.stdout  # graphql-http 1.23 has 13 MUST + 23 SHOULD + MAY
    failed = [
        r for r in results
        if r["status"] != "ok" and r["name"].startswith(("MUST", "SHOULD"))
    ]  # fmt: skip
    assert not failed, json.dumps(failed, ensure_ascii=False, indent=1)
    assert sum(r["name"].startswith("MUST") for r in results) >= 13


def _post(server: str, body: object, *, token: str | None, accept: str) -> httpx.Response:
    headers = {"accept": accept, "content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.post(f"{server}/graphql", content=json.dumps(body), headers=headers, timeout=60)


RESPONSE_JSON = "application/graphql-response+json"


def test_a_parse_error_is_400_under_graphql_response_json(server: str, token: str) -> None:
    response = _post(server, {"query": "{"}, token=token, accept=RESPONSE_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(RESPONSE_JSON)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_validation_error_is_400_under_graphql_response_json(server: str, token: str) -> None:
    response = _post(server, {"query": "{ noSuchField }"}, token=token, accept=RESPONSE_JSON)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_plain_json_clients_keep_200_for_document_errors(server: str, token: str) -> None:
    response = _post(server, {"query": "{"}, token=token, accept="application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_successful_query_answers_graphql_response_json(server: str, token: str) -> None:
    response = _post(server, {"query": "{ __typename }"}, token=token, accept=RESPONSE_JSON)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(RESPONSE_JSON)
    assert response.json() == {"data": {"__typename": "Query"}}


def test_several_operations_without_operation_name_are_refused(server: str, token: str) -> None:
    document = "query A { __typename } query B { __typename }"
    for accept, status in ((RESPONSE_JSON, 400), ("application/json", 200)):
        response = _post(server, {"query": document}, token=token, accept=accept)
        assert response.status_code == status
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["reason"] == "OPERATION_NAME_REQUIRED"
    chosen = _post(
        server, {"query": document, "operationName": "B"}, token=token, accept=RESPONSE_JSON
    )
    assert chosen.status_code == 200 and chosen.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", [RESPONSE_JSON, "application/json"])
def test_401_carries_coded_graphql_errors(server: str, accept: str) -> None:
    response = _post(server, {"query": "{ __typename }"}, token=None, accept=accept)
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["code"] == "UNAUTHENTICATED"  # the older shape stays for existing clients


def test_transport_400s_are_coded_json(server: str, token: str) -> None:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    response = httpx.post(f"{server}/graphql", content=b"{not json", headers=headers, timeout=60)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_responses_are_utf8_not_escaped(server: str, token: str) -> None:
    response = _post(
        server, {"query": "{ unions(first: 1) { edges { node { name } } } }"},
        token=token, accept=RESPONSE_JSON,
    )  # fmt: skip
    assert response.status_code == 200
    assert b"\\u" not in response.content
    assert "工会" in response.content.decode("utf-8")
    assert "charset=utf-8" in response.headers["content-type"].replace(" ", "").lower()
