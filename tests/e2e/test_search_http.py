"""Search and sort over real HTTP: ``unions(under:, depth:, orderBy:)`` lists a subtree flat with
each union's depth and childCount (the way to load a tree level by level), in the order asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.demo.generator import DemoConfig
from tests.e2e.conftest import account_token, gql, gql_as, running_demo_server
from tests.truth import Truth

MEMBERS, SEED = 1_200, 29
LEVELS = ["NATIONAL", "PROVINCE", "CITY", "COUNTY", "TOWNSHIP", "FEDERATION", "GRASSROOTS"]

SUBTREE = """query($under: ID, $depth: Int, $order: UnionOrderBy, $first: Int!, $after: String) {
  unions(under: $under, depth: $depth, orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { code name level depth childCount parent { code } } } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_demo_server(tmp_path_factory.mktemp("search"), members=MEMBERS, seed=SEED) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))


def _children(truth: Truth) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u in truth.province.unions:
        if u["parentId"]:
            out.setdefault(u["parentId"], []).append(u["id"])
    return out


def _all(server: str, token: str | None = None, **variables: object) -> tuple[list[dict], int]:
    nodes, after, total = [], None, -1
    while True:
        variables["after"] = after
        body = gql(server, SUBTREE, **variables) if token is None else gql_as(
            server, token, SUBTREE, **variables
        )
        assert "errors" not in body, body
        page = body["data"]["unions"]
        total = page["totalCount"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, total
        after = page["pageInfo"]["endCursor"]


def test_two_levels_below_a_city_flat_with_depth_and_child_count(server: str, truth: Truth) -> None:
    children = _children(truth)
    city = next(u["id"] for u in truth.province.unions if u["level"] == "CITY")
    nodes, total = _all(server, under=city, depth=2, order="ID", first=7)
    expected = {city: 0}
    for c in children.get(city, []):
        expected[c] = 1
        for g in children.get(c, []):
            expected[g] = 2
    assert {n["code"]: n["depth"] for n in nodes} == expected
    assert total == len(expected) == len(nodes)
    for n in nodes:
        assert n["childCount"] == len(children.get(n["code"], [])), n
    assert [n["code"] for n in nodes] == sorted(expected)  # ID order, pages without gaps


@pytest.mark.parametrize("order", ["NAME", "LEVEL", "NEWEST"])
def test_orders_hold_across_pages(server: str, truth: Truth, order: str) -> None:
    root = truth.root()
    nodes, total = _all(server, under=root, depth=3, order=order, first=9)
    assert len(nodes) == total == len({n["code"] for n in nodes})
    if order == "NAME":
        names = [n["name"] for n in nodes]
        assert names == sorted(names)
    if order == "LEVEL":
        ranks = [LEVELS.index(n["level"]) for n in nodes]
        assert ranks == sorted(ranks)
    assert nodes[0]["code"] == root or order != "LEVEL"


def test_depth_zero_is_the_root_alone_and_depth_is_bounded(server: str, truth: Truth) -> None:
    root = truth.root()
    nodes, total = _all(server, under=root, depth=0, first=5)
    assert total == 1 and nodes[0]["code"] == root and nodes[0]["depth"] == 0
    body = gql(server, SUBTREE, under=root, depth=13, first=5)
    assert body["errors"][0]["extensions"]["reason"] == "DEPTH"


def test_a_subtree_outside_the_scope_is_not_found(server: str, truth: Truth) -> None:
    counties = [u["id"] for u in truth.province.unions if u["level"] == "COUNTY"]
    token = account_token(server, counties[0], "viewer")
    own, _ = _all(server, token, depth=1, first=50)  # under defaults to the account's union
    assert [n["code"] for n in own if n["depth"] == 0] == [counties[0]]
    body = gql_as(server, token, SUBTREE, under=counties[1], depth=1, first=5)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
