"""schemathesis against the REST routes of a real `union-tree serve --demo` (issue 16, figures):
every operation of the app's own OpenAPI schema (``/openapi.json``: ``/auth/token``,
``/auth/logout``, ``/imports``, the import report download, ``GET /exports/{union_id}``,
``/healthz``, ``/readyz``) gets generated requests, as the demo admin (logout: with a bearer
token made up per case, so the admin's session survives). No answer may be a 5xx, and every
4xx body must be a JSON object carrying a ``code`` (``api/transport.py``), never plain text.
(Refresh tokens go through ``/auth/token`` with ``grant_type=refresh_token``: there is no
``/auth/refresh``.)"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation

from loaders.samples import CANONICAL_MEMBER_HEADER
from tests.e2e.serve_process import ServeProcess

PER_OPERATION = 15  # the default run: a few cases per route
SLOW_SET_CASES = 2_000  # `make test-slow` (marker slowset)
ROUTES = {
    "POST /auth/token",
    "POST /auth/logout",
    "POST /imports",
    "GET /imports/{batch_id}/report",
    "GET /exports/{union_id}",
}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    process = ServeProcess(tmp_path_factory.mktemp("schemathesis-rest"), members=300)
    try:
        yield process
    finally:
        process.terminate()


def problems_of(response: requests.Response) -> list[str]:
    """What is wrong with one response (empty: fine): a 5xx, or a 4xx not coded JSON."""
    status = response.status_code
    if status >= 500:
        return [f"HTTP {status}: {response.text[:200]}"]
    if status < 400:
        return []
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {status} not JSON: {response.text[:200]}"]
    if not isinstance(body, dict) or not body.get("code"):
        return [f"HTTP {status} uncoded: {str(body)[:200]}"]
    return []


def test_generated_rest_requests_get_no_server_errors(served: ServeProcess) -> None:
    fuzz_rest(served, per_operation=PER_OPERATION, at_least=len(ROUTES) * 5)


@pytest.mark.slowset
def test_generated_rest_requests_slow_set(served: ServeProcess) -> None:
    """The slow set's REST share of the issue's figure: 0 5xx, 0 uncoded 4xx."""
    fuzz_rest(served, per_operation=0, at_least=SLOW_SET_CASES)


def union_ids(served: ServeProcess) -> list[str]:
    query = "{ unions(first: 50) { edges { node { id } } } }"
    ids = [e["node"]["id"] for e in served.gql(query)["data"]["unions"]["edges"]]
    assert len(ids) > 10
    return ids


HEADER = ",".join(CANONICAL_MEMBER_HEADER)


def steer(
    case: Case, label: str, pick: int, ids: list[str], reports: list[str]
) -> dict[str, object] | None:
    """Aim one case in two past the first refusal: a real grant type at /auth/token, a real
    union at /exports, a real report (of an earlier upload), a named CSV (for a real union) or
    xlsx file (generated content) at /imports, whose multipart ``files`` are otherwise
    nameless. Returns the files to upload by hand, if any."""
    body = case.body if isinstance(case.body, dict) else None
    if label == "POST /auth/token" and body is not None and pick < 2:
        body["grant_type"] = ("password", "refresh_token")[pick]
    elif label == "GET /exports/{union_id}" and pick < 2:
        case.path_parameters = {**(case.path_parameters or {}), "union_id": ids[pick * 7]}
    elif label == "GET /imports/{batch_id}/report" and reports and pick < 2:
        case.path_parameters = {"batch_id": reports[pick * 3 % len(reports)]}
    elif label == "POST /imports" and body is not None and pick < 2:
        given_files = body.pop("files", None) or [""]
        text = "\n".join(str(f) for f in given_files)
        if pick == 0:
            body["union"] = ids[3]
            return {"files": ("名册.csv", (HEADER + "\n" + text).encode("utf-8", "replace"))}
        return {"files": ("名册.xlsx", b"PK\x03\x04" + text.encode("utf-8", "replace"))}
    return None


def fuzz_rest(served: ServeProcess, *, per_operation: int, at_least: int) -> None:
    ids = union_ids(served)
    schema = schemathesis.openapi.from_url(f"{served.base}/openapi.json", timeout=60)
    # the report download last: it gets the reports of the uploads before it
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda o: "{batch_id}" in o.path,
    )
    reports: list[str] = []
    labels = {f"{o.method.upper()} {o.path}" for o in operations}
    assert labels >= ROUTES, f"routes missing from the OpenAPI schema: {ROUTES - labels}"
    per_operation = per_operation or -(-at_least // len(operations))
    began = time.monotonic()
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    by_route: Counter[str] = Counter()
    failures: list[str] = []
    session = requests.Session()

    def fuzz(operation: APIOperation) -> None:
        label = f"{operation.method.upper()} {operation.path}"
        logout = label == "POST /auth/logout"

        @settings(
            max_examples=per_operation,
            derandomize=at_least < SLOW_SET_CASES and settings.default.derandomize,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), pick=st.integers(0, 3))
        def send(case: Case, pick: int) -> None:
            headers = dict(served.headers)
            if logout:  # a made-up token: the admin's own session must survive the run
                headers["Authorization"] = f"Bearer {secrets.token_urlsafe(24)}"
            upload = steer(case, label, pick, ids, reports)
            if upload is None:
                response = case.call(session=session, headers=headers, timeout=120)
            else:
                form = {k: str(v) for k, v in (case.body or {}).items()}  # type: ignore[union-attr]
                response = session.post(
                    f"{served.base}/imports", data=form, files=upload, headers=headers,
                    timeout=120,
                )  # fmt: skip
            sent[label] += 1
            if upload is not None and response.status_code == 200:
                url = str(response.json().get("reportUrl") or "")
                if url:
                    reports.append(url.split("/")[2])
            statuses[response.status_code] += 1
            by_route[f"{label} {response.status_code}"] += 1
            for problem in problems_of(response):
                failures.append(f"{label}: {problem}")

        send()

    for _ in range(20):  # small operations run out of new cases: go round again
        for operation in operations:
            fuzz(operation)
        if sum(sent.values()) >= at_least:
            break

    n = sum(sent.values())
    print(
        f"\nschemathesis REST: {n} generated requests over {len(sent)} operations in "
        f"{time.monotonic() - began:.0f} s; statuses: {dict(sorted(statuses.items()))}; "
        f"5xx: {sum(c for s, c in statuses.items() if s >= 500)}; "
        f"uncoded 4xx/5xx: {len(failures)}\n  by route and status: {dict(sorted(by_route.items()))}"
    )
    assert set(sent) == labels
    assert n >= at_least
    assert not failures, f"{len(failures)} bad responses:\n" + "\n".join(failures[:20])
