"""GraphQL over real HTTP: uvicorn on a free loopback port, the embedded engine, a demo province."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graph_service.demo.generator import DemoConfig
from tests.conftest import ENGINES
from tests.e2e.conftest import gql, running_demo_server
from tests.truth import Truth

MEMBERS, SEED = 1_500, 11


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))




STATS = """query($id: ID!) { subtreeStats(unionId: $id) {
  unions grassrootsUnions employers employees members newFormWorkerMembers membershipRate
  employersWithoutUnion byGender { key count } byLevel { key count } } }"""


def test_subtree_stats_of_the_province_root_equal_the_truth(server: str, truth: Truth) -> None:
    root = truth.root()
    body = gql(server, STATS, id=root)
    assert "errors" not in body, body
    stats = body["data"]["subtreeStats"]
    expected = truth.stats(root)
    assert stats["unions"] == expected["unions"]
    assert stats["grassrootsUnions"] == expected["grassroots"]
    assert stats["members"] == expected["members"]
    assert stats["employers"] == expected["employers"]
    assert stats["employees"] == expected["employees"]
    assert stats["membershipRate"] == pytest.approx(
        expected["members"] / expected["employees"], abs=1e-3
    )


def test_union_with_parent_ancestors_children_and_members(server: str, truth: Truth) -> None:
    leaf = max(
        (u for u in truth.province.unions if u["level"] == "GRASSROOTS"),
        key=lambda u: sum(m["unionId"] == u["id"] for m in truth.members),
    )
    body = gql(
        server,
        """query($id: ID!) { union(id: $id) {
        id: code name level parent { id: code } ancestors { id: code level }
        members(first: 3) { totalCount pageInfo { hasNextPage endCursor }
                            edges { cursor node { id idNumber phone union { id: code } } } }
        employers { totalCount edges { node { id union { id: code } } } }
        children { totalCount } stats { members } } }""",
        id=leaf["id"],
    )
    assert "errors" not in body, body
    union = body["data"]["union"]
    assert union["parent"]["id"] == leaf["parentId"]
    assert [a["id"] for a in union["ancestors"]] == truth.chain(leaf["id"])
    members = union["members"]
    expected = sum(m["unionId"] == leaf["id"] and m["status"] == "ACTIVE" for m in truth.members)
    assert members["totalCount"] == expected
    first = members["edges"][0]["node"]
    # the demo admin (the province's scope) sees full values; viewers' masking: test_scope*.py
    assert "*" not in first["idNumber"] and len(first["idNumber"]) == 18
    assert first["union"]["id"] == leaf["id"]
    nxt = gql(
        server,
        """query($id: ID!, $after: String) { union(id: $id) {
        members(first: 3, after: $after) { edges { node { id } } } } }""",
        id=leaf["id"],
        after=members["pageInfo"]["endCursor"],
    )
    later = {e["node"]["id"] for e in nxt["data"]["union"]["members"]["edges"]}
    assert later.isdisjoint({e["node"]["id"] for e in members["edges"]})


def test_unions_search(server: str, truth: Truth) -> None:
    body = gql(
        server, """{ unions(level: COUNTY, first: 5) { totalCount edges { node { level } } } }"""
    )
    counties = sum(u["level"] == "COUNTY" for u in truth.province.unions)
    assert body["data"]["unions"]["totalCount"] == counties
    assert {e["node"]["level"] for e in body["data"]["unions"]["edges"]} == {"COUNTY"}


def test_unknown_id_is_not_found_with_a_chinese_message(server: str) -> None:
    body = gql(server, '{ union(id: "LS4201020000099999") { id } }')
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "工会" in error["message"]


def test_malformed_id_is_bad_user_input_naming_the_field(server: str) -> None:
    body = gql(server, '{ subtreeStats(unionId: "12345") { members } }')
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "unionId"


def test_invalid_document_is_bad_user_input(server: str) -> None:
    body = gql(server, "{ union(id: 1) { nope } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_health_and_readiness(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").status_code == 200


def test_graphiql_is_served_in_demo_mode(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_document_limits_reject_deep_and_alias_heavy_queries(server: str, truth: Truth) -> None:
    root = truth.root()
    deep = f'{{ union(id: "{root}") {{ {"parent { " * 13} id {"} " * 13} }} }}'
    error = gql(server, deep)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "depth" in error["message"]
    fields = " ".join(f'a{i}: union(id: "{root}") {{ id }}' for i in range(40))
    error = gql(server, f"{{ {fields} }}")["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    again = gql(server, deep)["errors"][0]  # a cached validation still rejects
    assert "depth" in again["message"]
