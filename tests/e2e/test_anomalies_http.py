"""orphanMembers, detachedUnions and employersWithoutUnion over real HTTP (uvicorn, embedded)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.demo.generator import DemoConfig
from tests.conftest import ENGINES
from tests.e2e.conftest import gql, running_demo_server
from tests.truth import Truth

MEMBERS, SEED = 1_200, 13


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e_anomalies")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))




ORPHANS = """query($id: ID!, $after: String) {
  orphanMembers(unionId: $id, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { reason detail
      member { id: key name idNumber phone union { id: code } } } } } }"""


def test_orphan_members_of_the_province_over_http(server: str, truth: Truth) -> None:
    rows: list[dict] = []
    after = None
    while True:
        body = gql(server, ORPHANS, id=truth.root(), after=after)
        assert "errors" not in body, body
        conn = body["data"]["orphanMembers"]
        rows += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert conn["totalCount"] == len(rows)
    dissolved = {u for u, r in truth.unions.items() if r["status"] == "DISSOLVED"}
    expected = {
        *(("NO_UNION", m["id"]) for m in truth.members if m["unionId"] is None),
        *(("NO_EMPLOYER", m["id"]) for m in truth.members if m["employerId"] is None),
        *(("UNION_DISSOLVED", m["id"]) for m in truth.members if m["unionId"] in dissolved),
    }
    assert {(r["reason"], r["member"]["id"]) for r in rows} == expected
    members = {m["id"]: m for m in truth.members}
    for row in rows:
        member = members[row["member"]["id"]]
        assert row["detail"] and member["certNumber"] not in row["detail"]
        assert member["phone"] not in row["detail"]
        shown = row["member"]["idNumber"]
        # full for the province's admin when the member lies in its scope (a union or an
        # employer there); a member with neither belongs to no scope below the national root
        in_scope = member["unionId"] is not None or member["employerId"] is not None
        assert (shown == member["certNumber"]) is in_scope
        assert in_scope or "*" in shown
        assert shown[-4:] == member["certNumber"][-4:]
        assert (row["member"]["phone"] == member["phone"]) is (in_scope and bool(member["phone"]))
        union = row["member"]["union"]
        assert (union["id"] if union else None) == member["unionId"]


def test_orphan_members_errors_carry_codes(server: str) -> None:
    bad = gql(server, ORPHANS, id="bad id")["errors"][0]
    assert bad["extensions"]["code"] == "BAD_USER_INPUT"
    assert bad["extensions"]["field"] == "unionId"
    unknown = gql(server, ORPHANS, id="LS4201000000777777")["errors"][0]
    assert unknown["extensions"]["code"] == "NOT_FOUND"


def test_detached_unions_and_employers_without_union(server: str, truth: Truth) -> None:
    body = gql(
        server,
        """query($id: ID!) {
          detachedUnions(first: 10) {
            totalCount edges { node { reason detail union { id: code } } } }
          employersWithoutUnion(unionId: $id, first: 500) { totalCount edges { node { id: code } } }
          subtreeStats(unionId: $id) { employersWithoutUnion } }""",
        id=truth.root(),
    )
    assert "errors" not in body, body
    assert body["data"]["detachedUnions"]["totalCount"] == 0
    employers = body["data"]["employersWithoutUnion"]
    expected = {
        e["id"]
        for e in truth.province.employers
        if e["unionId"] is None and int(str(e["employeeCount"])) >= 25
    }
    assert {e["node"]["id"] for e in employers["edges"]} == expected
    assert employers["totalCount"] == body["data"]["subtreeStats"]["employersWithoutUnion"]
