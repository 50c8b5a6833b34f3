"""Bounded, consistent input over real HTTP (issue 16, finding 8): a NUL and an overlong
reason are refused identically by a dry run and a real run, without the value echoed; an end
before the start and a joining before the 16th birthday are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import _TOKENS, gql, running_demo_server
from tests.integration.test_membership import resident_id

UNIONS = """query($level: UnionLevel) { unions(level: $level, first: 200) {
  edges { node { id: code status parent { id: code } stats { members } } } } }"""
MOVE = """mutation($u: ID!, $p: ID!, $r: String, $dry: Boolean) {
  moveUnion(unionId: $u, newParentId: $p, reason: $r, dryRun: $dry) { id dryRun } }"""
MOVE_INLINE = """mutation($u: ID!, $p: ID!) {
  moveUnion(unionId: $u, newParentId: $p, reason: "a\\u0000b", dryRun: true) { id } }"""
ADD = """mutation($input: MemberInput!) { addMember(input: $input) { id status } }"""
END = """mutation($n: String!, $on: Date) {
  endMembership(idNumber: $n, reason: WITHDREW, effectiveOn: $on) { id status } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data: Path = tmp_path_factory.mktemp("e2e-bounded")
    with running_demo_server(data, members=300, seed=31) as base:
        yield base


def _pair(server: str) -> tuple[str, str]:
    grassroots = gql(server, UNIONS, level="GRASSROOTS")["data"]["unions"]["edges"]
    counties = gql(server, UNIONS, level="COUNTY")["data"]["unions"]["edges"]
    leaf = next(
        e["node"] for e in grassroots
        if e["node"]["status"] != "DISSOLVED" and e["node"]["parent"] is not None
    )  # fmt: skip
    target = next(
        e["node"]["id"] for e in counties
        if e["node"]["status"] != "DISSOLVED" and e["node"]["id"] != leaf["parent"]["id"]
    )  # fmt: skip
    return leaf["id"], target


def _raw(server: str, query: str, **variables: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {_TOKENS[server]}"}
    body = {"query": query, "variables": variables}
    return httpx.post(f"{server}/graphql", json=body, headers=headers, timeout=60)


@pytest.mark.parametrize("dry", [True, False])
@pytest.mark.parametrize(
    ("reason", "code"), [("区划\x00调整", "CONTROL_CHARACTER"), ("长" * 300_000, "TOO_LONG")]
)
def test_dry_and_real_runs_refuse_the_same_reason(
    server: str, dry: bool, reason: str, code: str
) -> None:
    leaf, target = _pair(server)
    answer = _raw(server, MOVE, u=leaf, p=target, r=reason, dry=dry)
    error = answer.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("BAD_USER_INPUT", code)
    assert error["extensions"]["field"] == "reason"
    assert len(answer.content) < 2_000  # never the 300,000 characters back
    assert answer.json()["data"] is None  # nothing ran, dry or not


def test_inline_nul_refused(server: str) -> None:
    leaf, target = _pair(server)
    error = gql(server, MOVE_INLINE, u=leaf, p=target)["errors"][0]
    assert error["extensions"]["reason"] == "CONTROL_CHARACTER"


def test_reason_at_its_limit_passes(server: str) -> None:
    leaf, target = _pair(server)
    moved = gql(server, MOVE, u=leaf, p=target, r="长" * 500, dry=True)
    assert "errors" not in moved, moved
    assert moved["data"]["moveUnion"]["dryRun"] is True


def test_joining_and_ending_dates_checked(server: str) -> None:
    leaf, _ = _pair(server)
    number = resident_id(771, birth="19851212")
    early = gql(server, ADD, input={"unionId": leaf, "name": "王五", "idNumber": number,
                                    "joinedOn": "1700-01-01"})  # fmt: skip
    assert early["errors"][0]["extensions"]["reason"] == "JOINED_BEFORE_16"
    young = gql(server, ADD, input={"unionId": leaf, "name": "王五", "idNumber": number,
                                    "joinedOn": "2001-12-11"})  # fmt: skip
    assert young["errors"][0]["extensions"]["reason"] == "JOINED_BEFORE_16"
    added = gql(server, ADD, input={"unionId": leaf, "name": "王五", "idNumber": number,
                                    "joinedOn": "2001-12-12"})  # fmt: skip
    assert "errors" not in added, added
    ended = gql(server, END, n=number, on="1800-01-01")
    assert ended["errors"][0]["extensions"]["reason"] == "END_BEFORE_START"
    assert "errors" not in gql(server, END, n=number, on="2020-01-01")
