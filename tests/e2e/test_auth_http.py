"""Authentication through real HTTP: 401 without a token, the OAuth2 password flow with TOTP,
refresh rotation, throttled failures, disable within the cache TTL, admins' account management."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from graph_service.domain.accounts import IssuedCredentials
from tests.conftest import ENGINES
from tests.e2e.conftest import (
    create_account,
    gql,
    gql_as,
    login_issued,
    login_response,
    on_server,
    running_demo_server,
)

MEMBERS, SEED = 300, 29
PING = "{ unions(level: PROVINCE, first: 1) { edges { node { id: code } } } }"


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e-auth")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base


@pytest.fixture(scope="module")
def province(server: str) -> str:
    body = gql(server, PING)
    return str(body["data"]["unions"]["edges"][0]["node"]["id"])


def city_ids(server: str, province: str) -> list[str]:
    query = "query($id: ID!) { union(id: $id) { children(first: 5) { edges { node { code } } } } }"
    body = gql(server, query, id=province)
    return [e["node"]["code"] for e in body["data"]["union"]["children"]["edges"]]


def post_graphql(server: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{server}/graphql", json={"query": PING}, headers=headers or {}, timeout=30)


def token_request(server: str, **form: str) -> httpx.Response:
    return httpx.post(f"{server}/auth/token", data=form, timeout=30)


def test_graphql_without_a_valid_token_is_401_not_200(server: str) -> None:
    for headers, reason in [
        ({}, "TOKEN_MISSING"),
        ({"Authorization": "Basic abc"}, "TOKEN_MISSING"),
        ({"Authorization": "Bearer not.a.jwt"}, "TOKEN_INVALID"),
    ]:
        response = post_graphql(server, headers)
        assert response.status_code == 401, response.text
        body = response.json()
        assert body["code"] == "UNAUTHENTICATED" and body["reason"] == reason
        assert body["message"] and "data" not in body
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in post_graphql(
        server, {"Authorization": "Bearer not.a.jwt"}
    ).headers["www-authenticate"]


def test_demo_admin_logs_in_with_password_and_totp(server: str) -> None:
    demo: IssuedCredentials = on_server(server, _demo_credentials)  # type: ignore[assignment]
    assert demo.account.role.value == "admin" and demo.totp_secret is not None
    username, password = demo.account.username, demo.password.get_secret_value()
    without = token_request(server, grant_type="password", username=username, password=password)
    # a missing code answers like a wrong password: it must not confirm the password
    assert without.status_code == 401 and without.json()["reason"] == "INVALID_CREDENTIALS"
    assert without.json()["error"] == "invalid_grant"
    response = login_response(server, username, password, demo.totp_secret.get_secret_value())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    data = gql_as(server, body["access_token"], PING)
    assert "errors" not in data and data["data"]["unions"]["edges"]


async def _demo_credentials(app: FastAPI) -> IssuedCredentials:
    return app.state.demo_credentials  # type: ignore[no-any-return]


def test_viewer_logs_in_without_totp(server: str, province: str) -> None:
    viewer = create_account(server, union_id=province, role="viewer")
    assert viewer.totp_secret is None
    body = gql_as(server, login_issued(server, viewer), PING)
    assert "errors" not in body, body


def test_unknown_user_and_wrong_password_look_the_same(server: str, province: str) -> None:
    viewer = create_account(server, union_id=province, role="viewer")
    unknown = token_request(server, grant_type="password", username="no-such-user",
                            password="whatever-password")  # fmt: skip
    wrong = token_request(server, grant_type="password", username=viewer.account.username,
                          password="whatever-password")  # fmt: skip
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["reason"] == "INVALID_CREDENTIALS"


def test_refresh_rotates_and_the_old_token_is_refused(server: str, province: str) -> None:
    viewer = create_account(server, union_id=province, role="viewer")
    first = login_response(server, viewer.account.username, viewer.password.get_secret_value())
    old = first.json()["refresh_token"]
    renewed = token_request(server, grant_type="refresh_token", refresh_token=old)
    assert renewed.status_code == 200, renewed.text
    new = renewed.json()
    assert new["refresh_token"] != old
    assert "errors" not in gql_as(server, new["access_token"], PING)
    replay = token_request(server, grant_type="refresh_token", refresh_token=old)
    assert replay.status_code == 401 and replay.json()["reason"] == "REFRESH_REUSED"
    # the replay ended the session: the newest refresh token is refused as well
    after = token_request(server, grant_type="refresh_token", refresh_token=new["refresh_token"])
    assert after.status_code == 401 and after.json()["reason"] == "REFRESH_REVOKED"


def test_failures_are_throttled_with_429_alike_for_unknown_usernames(
    server: str, province: str
) -> None:
    viewer = create_account(server, union_id=province, role="viewer")
    seen = []
    for name in (viewer.account.username, "nobody-by-that-name"):
        refusals, throttled = [], None
        for _ in range(12):  # waits of 1, 2, 4 ... s: a slow machine still meets one by then
            bad = token_request(server, grant_type="password", username=name, password="wrong-pw")
            if bad.status_code == 429:
                throttled = bad
                break
            refusals.append((bad.status_code, bad.json()))
        assert throttled is not None, refusals
        assert len(refusals) >= 4  # three free failures, the fourth starts the first wait
        seen.append(({str(r) for r in refusals}, throttled.json()["reason"]))
        body = throttled.json()
        assert body["code"] == "RATE_LIMITED" and "秒后再试" in body["message"]
        assert throttled.headers["retry-after"] == str(body["details"]["retryAfter"])
    assert seen[0] == seen[1]  # the same answers for a known and an unknown username
    message = "用户名、密码或动态码错误"
    extensions = {"code": "UNAUTHENTICATED", "reason": "INVALID_CREDENTIALS"}
    errors = [{"message": message, "extensions": extensions}]
    expected = {"error": "invalid_grant", **extensions, "message": message, "errors": errors}
    assert seen[0][0] == {str((401, expected))}


def test_bad_requests_to_the_token_endpoint(server: str) -> None:
    unsupported = token_request(server, grant_type="client_credentials")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = token_request(server, grant_type="password", username="someone")
    assert missing.status_code == 400 and missing.json()["code"] == "BAD_USER_INPUT"


def test_ending_a_session_or_disabling_refuses_its_tokens_at_the_next_request(
    server: str, province: str
) -> None:
    """Refresh-token reuse, logout and disable refuse the access tokens at once in the process
    that saw them (another process's cache: within 5 s, tests/integration/test_accounts.py)."""
    viewer = create_account(server, union_id=province, role="viewer")

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    first = login_response(server, viewer.account.username, viewer.password.get_secret_value())
    spent = first.json()["refresh_token"]
    renewed = token_request(server, grant_type="refresh_token", refresh_token=spent).json()
    access = [first.json()["access_token"], renewed["access_token"]]
    assert all(post_graphql(server, bearer(a)).status_code == 200 for a in access)
    replay = token_request(server, grant_type="refresh_token", refresh_token=spent)
    assert replay.json()["reason"] == "REFRESH_REUSED"
    for token in access:  # both access tokens of that session, at the very next request
        response = post_graphql(server, bearer(token))
        assert response.status_code == 401 and response.json()["reason"] == "TOKEN_REVOKED"

    other = login_issued(server, viewer)
    assert post_graphql(server, bearer(other)).status_code == 200
    out = httpx.post(f"{server}/auth/logout", headers=bearer(other), timeout=30)
    assert out.status_code == 204
    assert post_graphql(server, bearer(other)).json()["reason"] == "TOKEN_REVOKED"
    assert httpx.post(f"{server}/auth/logout", timeout=30).json()["reason"] == "TOKEN_MISSING"

    token = login_issued(server, viewer)
    assert post_graphql(server, bearer(token)).status_code == 200  # trusted and cached

    async def disable(app: FastAPI) -> None:
        await app.state.runtime.services.accounts.disable(username=viewer.account.username)

    on_server(server, disable)
    response = post_graphql(server, bearer(token))
    assert response.status_code == 401 and response.json()["reason"] == "TOKEN_REVOKED"
    refused = login_response(server, viewer.account.username, viewer.password.get_secret_value())
    assert refused.json()["reason"] == "ACCOUNT_DISABLED"


CREATE = """mutation($input: CreateAccountInput!) { createAccount(input: $input) {
  password totpSecret otpauthUri account { id username unionId role disabled union { code } } } }"""
ACCOUNTS = "query($u: ID) { accounts(unionId: $u) { username role unionId } }"


def test_admin_manages_accounts_of_its_subtree_only(server: str, province: str) -> None:
    city_a, city_b = city_ids(server, province)[:2]
    admin = create_account(server, union_id=city_a, role="admin")
    token = login_issued(server, admin)

    made = gql_as(server, token, CREATE, input={"username": "city-op", "unionId": city_a,
                                                "role": "OPERATOR"})  # fmt: skip
    assert "errors" not in made, made
    issued = made["data"]["createAccount"]
    assert issued["account"]["union"]["code"] == city_a and issued["totpSecret"]
    assert len(issued["password"]) >= 12

    outside = gql_as(server, token, CREATE, input={"username": "b-op", "unionId": city_b,
                                                   "role": "VIEWER"})  # fmt: skip
    assert outside["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    above = gql_as(server, token, ACCOUNTS, u=province)
    assert above["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    listed = gql_as(server, token, ACCOUNTS)["data"]["accounts"]
    assert {a["username"] for a in listed} == {admin.account.username, "city-op"}
    assert all("password" not in a and "totpSecret" not in a for a in listed)

    reset = gql_as(server, token, 'mutation { resetAccount(username: "city-op") { password } }')
    assert reset["data"]["resetAccount"]["password"] != issued["password"]
    disable = 'mutation { disableAccount(username: "city-op") { disabled } }'
    disabled = gql_as(server, token, disable)
    assert disabled["data"]["disableAccount"]["disabled"] is True

    viewer = create_account(server, union_id=city_a, role="viewer")
    denied = gql_as(server, login_issued(server, viewer), ACCOUNTS)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
