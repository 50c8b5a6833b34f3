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


@pytest.mark.parametrize(
    "order", ["NAME", "LEVEL", "NEWEST", "MEMBERS", "EMPLOYEES", "MEMBERSHIP_RATE"]
)
def test_orders_hold_across_pages(server: str, truth: Truth, order: str) -> None:
    root = truth.root()
    nodes, total = _all(server, under=root, depth=3, order=order, first=9)
    if order in ("MEMBERS", "EMPLOYEES", "MEMBERSHIP_RATE"):
        stats = {}
        for n in nodes:
            body = gql(server, "query($id: ID!) { subtreeStats(unionId: $id) { members employees"
                       " membershipRate } }", id=n["code"])  # fmt: skip
            stats[n["code"]] = body["data"]["subtreeStats"]
        field = {"MEMBERS": "members", "EMPLOYEES": "employees",
                 "MEMBERSHIP_RATE": "membershipRate"}[order]  # fmt: skip
        values = [stats[n["code"]][field] for n in nodes]
        values = [-1.0 if v is None else v for v in values]
        assert values == sorted(values, reverse=True), order
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


MEMBERS_BY_NAME = """query($name: String!, $under: ID, $statuses: [MembershipStatus!],
  $after: String) { searchMembers(nameContains: $name, under: $under, statuses: $statuses,
  first: 20, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { key name status } } } }"""


def test_members_by_name_within_a_subtree_in_several_statuses(server: str, truth: Truth) -> None:
    city = next(u["id"] for u in truth.province.unions if u["level"] == "CITY")
    inside = truth.subtree(city)
    surname = truth.members[0]["name"][0]
    wanted = {"ACTIVE", "RETAINED"}
    expected = {
        m["id"] for m in truth.members
        if m["unionId"] in inside and surname in m["name"] and m["status"] in wanted
    }  # fmt: skip
    found, after = [], None
    while True:
        body = gql(server, MEMBERS_BY_NAME, name=surname, under=city, statuses=sorted(wanted),
                   after=after)  # fmt: skip
        assert "errors" not in body, body
        page = body["data"]["searchMembers"]
        found += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert {n["key"] for n in found} == expected and page["totalCount"] == len(expected)
    assert all(surname in n["name"] and n["status"] in wanted for n in found)
    empty = gql(server, MEMBERS_BY_NAME, name="  ")
    assert empty["errors"][0]["extensions"]["reason"] == "NAME_REQUIRED"


EMPLOYERS_BY = """query($s: String!, $under: ID) { searchEmployers(search: $s, under: $under,
  first: 100) { totalCount edges { node { code name union { code } } } } }"""


def test_employers_by_name_or_code_within_a_subtree(server: str, truth: Truth) -> None:
    city = next(u["id"] for u in truth.province.unions if u["level"] == "CITY")
    inside = truth.subtree(city)
    covered = [e for e in truth.province.employers if e.get("unionId") in inside]
    target = covered[0]
    by_code = gql(server, EMPLOYERS_BY, s=target["id"].lower(), under=city)
    assert "errors" not in by_code, by_code
    codes = [e["node"]["code"] for e in by_code["data"]["searchEmployers"]["edges"]]
    assert codes == [target["id"]]
    fragment = target["name"][:2]
    by_name = gql(server, EMPLOYERS_BY, s=fragment, under=city)["data"]["searchEmployers"]
    expected = {e["id"] for e in covered if fragment in e["name"]}
    assert by_name["totalCount"] == len(expected)
    assert {e["node"]["code"] for e in by_name["edges"]} == expected
    outside = next(e for e in truth.province.employers if e.get("unionId")
                   and e["unionId"] not in inside)  # fmt: skip
    none = gql(server, EMPLOYERS_BY, s=outside["id"], under=city)["data"]["searchEmployers"]
    assert none["totalCount"] == 0
