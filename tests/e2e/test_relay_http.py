"""Relay conventions over real HTTP: the Node interface, ``node``/``nodes`` with the scope rules
of each type, global ids unique across types, full PageInfo."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from graph_service.demo.generator import DemoConfig
from tests.e2e.conftest import account_token, gql, gql_as, running_demo_server
from tests.truth import Truth

MEMBERS, SEED = 1_200, 23


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_demo_server(tmp_path_factory.mktemp("relay"), members=MEMBERS, seed=SEED) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))


def gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


UNION = """query($id: ID!) { union(id: $id) { id code name
  members(first: 3) { edges { node { id key name union { code } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id __typename ...U ...E ...M } }
fragment U on Union { code name level }
fragment E on Employer { code name }
fragment M on Member { key name }"""

EMPLOYERS = """query($id: ID!) { union(id: $id) {
  employers(first: 1) { edges { node { id code name } } } } }"""


def _busy_grassroots(truth: Truth) -> str:
    return max(
        (u["id"] for u in truth.province.unions if u["level"] == "GRASSROOTS"),
        key=lambda uid: sum(m["unionId"] == uid for m in truth.members),
    )


def test_union_id_is_global_and_code_keeps_the_domain_key(server: str, truth: Truth) -> None:
    code = _busy_grassroots(truth)
    body = gql(server, UNION, id=code)
    assert "errors" not in body, body
    union = body["data"]["union"]
    assert union["code"] == code
    assert union["id"] == gid("Union", code)
    by_global = gql(server, UNION, id=union["id"])  # the argument takes either form
    assert by_global["data"]["union"] == union


def test_node_refetches_unions_employers_and_members(server: str, truth: Truth) -> None:
    code = _busy_grassroots(truth)
    union = gql(server, UNION, id=code)["data"]["union"]
    node = gql(server, NODE, id=union["id"])["data"]["node"]
    assert node == {"id": union["id"], "__typename": "Union", "code": code,
                    "name": union["name"], "level": "GRASSROOTS"}  # fmt: skip
    member = union["members"]["edges"][0]["node"]
    found = gql(server, NODE, id=member["id"])["data"]["node"]
    assert found == {"id": member["id"], "__typename": "Member", "key": member["key"],
                     "name": member["name"]}  # fmt: skip
    assert member["id"] == gid("Member", member["key"])
    employers = gql(server, EMPLOYERS, id=code)["data"]["union"]["employers"]["edges"]
    employer = employers[0]["node"]
    assert gql(server, NODE, id=employer["id"])["data"]["node"] == {
        "id": employer["id"], "__typename": "Employer", "code": employer["code"],
        "name": employer["name"],
    }  # fmt: skip


def test_global_ids_are_unique_across_types(server: str, truth: Truth) -> None:
    code = _busy_grassroots(truth)
    assert gid("Union", code) != gid("Employer", code)
    # an employer's global id made from a union's code is not that union
    body = gql(server, NODE, id=gid("Employer", code))
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_nodes_keep_order_and_answer_null_for_absent(server: str, truth: Truth) -> None:
    root, code = truth.root(), _busy_grassroots(truth)
    ids = [gid("Union", code), gid("Union", "LS0000000000000000"), gid("Union", root)]
    body = gql(server, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids)
    assert "errors" not in body, body
    assert body["data"]["nodes"] == [{"id": ids[0]}, None, {"id": ids[2]}]


def test_a_node_out_of_scope_is_indistinguishable_from_absent(server: str, truth: Truth) -> None:
    counties = [u for u in truth.province.unions if u["level"] == "COUNTY"]
    here, there = counties[0]["id"], counties[1]["id"]
    token = account_token(server, here, "operator")
    inside = gql_as(server, token, NODE, id=gid("Union", here))
    assert inside["data"]["node"]["code"] == here
    outside = gql_as(server, token, NODE, id=gid("Union", there))
    absent = gql_as(server, token, NODE, id=gid("Union", "LS0000000000000000"))
    above = gql_as(server, token, NODE, id=gid("Union", truth.root()))
    for body in (outside, absent, above):
        assert body["data"]["node"] is None
        assert [e["extensions"] for e in body["errors"]] == [
            e["extensions"] for e in absent["errors"]
        ]
        assert body["errors"][0]["message"] == absent["errors"][0]["message"]
    there_members = [m for m in truth.members if m["unionId"] in truth.subtree(there)]
    assert there_members
    # the province admin sees them; the county operator does not
    member_ids = gql(server, UNION, id=there)["data"]["union"]["members"]["edges"]
    if member_ids:
        foreign = gql_as(server, token, NODE, id=member_ids[0]["node"]["id"])
        assert foreign["data"]["node"] is None
        assert foreign["errors"][0]["extensions"] == absent["errors"][0]["extensions"]
    listed = gql_as(
        server, token, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        ids=[gid("Union", there), gid("Union", here)],
    )  # fmt: skip
    assert listed["data"]["nodes"] == [None, {"id": gid("Union", here)}]


def test_a_malformed_global_id_is_bad_user_input(server: str) -> None:
    body = gql(server, NODE, id="not a global id")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["reason"] == "NODE_ID"


def test_page_info_has_start_cursor_and_previous_page(server: str, truth: Truth) -> None:
    query = """query($id: ID!) { union(id: $id) { children(first: 2) { totalCount
      edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
    root = truth.root()
    first = gql(server, query, id=root)["data"]["union"]["children"]
    info = first["pageInfo"]
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]
    assert info["hasPreviousPage"] is False
    assert first["totalCount"] >= 2


EXPLORER = """query($id: ID!) { union(id: $id) { code
  children(first: 100) { totalCount edges { node { code
    children(first: 100) { totalCount edges { node { code
      children(first: 100) { totalCount edges { node { code name } } } } } } } } } } }"""


def test_a_three_level_explorer_with_first_100_is_not_refused(server: str, truth: Truth) -> None:
    """The page budget counts what can really come back: nested children of different parents
    never share a union, so three levels of 100 count at most the unions of the scope."""
    root = truth.root()
    body = gql(server, EXPLORER, id=root)
    assert "errors" not in body, body
    seen = set()
    stack = [body["data"]["union"]]
    while stack:
        union = stack.pop()
        seen.add(union["code"])
        stack.extend(e["node"] for e in (union.get("children") or {}).get("edges", []))
    subtree = truth.subtree(root)
    assert seen <= subtree and len(seen) > 1 + body["data"]["union"]["children"]["totalCount"]
    # members are not capped that way: the same shape asking for members is still refused
    members = EXPLORER.replace("{ code name }", "{ code members(first: 100) { totalCount } }")
    refused = gql(server, members, id=root)
    assert refused["errors"][0]["extensions"]["reason"] == "PAGE_BUDGET"


REQUEST = """mutation($n: String!, $to: ID!) { requestMemberTransfer(idNumber: $n, toUnionId: $to,
  reason: "工作调动") { id key state } }"""
TRANSFER_NODE = """query($id: ID!) { node(id: $id) { id __typename ...T } }
fragment T on MemberTransfer { key state fromUnion { code } toUnion { code } }"""


def test_a_member_transfer_is_a_node_seen_by_both_ends_only(server: str, truth: Truth) -> None:
    grassroots = [u for u in truth.province.unions
                  if u["level"] == "GRASSROOTS" and u["status"] == "ACTIVE"]  # fmt: skip
    member = next(m for m in truth.members if m["status"] == "ACTIVE" and m["certType"] == "01"
                  and m["unionId"] in {u["id"] for u in grassroots})  # fmt: skip
    target = next(u["id"] for u in grassroots if u["id"] != member["unionId"]
                  and u["parentId"] != truth.unions[member["unionId"]]["parentId"])  # fmt: skip
    made = gql(server, REQUEST, n=member["certNumber"], to=target)
    assert "errors" not in made, made
    transfer = made["data"]["requestMemberTransfer"]
    assert transfer["id"] == gid("MemberTransfer", transfer["key"])
    node = gql(server, TRANSFER_NODE, id=transfer["id"])["data"]["node"]
    assert node["__typename"] == "MemberTransfer" and node["key"] == transfer["key"]
    assert (node["fromUnion"]["code"], node["toUnion"]["code"]) == (member["unionId"], target)
    # the receiving union sees it; a union at neither end does not, as if it did not exist
    receiver = gql_as(server, account_token(server, target, "viewer"), TRANSFER_NODE,
                      id=transfer["id"])  # fmt: skip
    assert receiver["data"]["node"]["key"] == transfer["key"]
    ends = set(truth.chain(member["unionId"])) | set(truth.chain(target)) | {
        member["unionId"], target}
    stranger = next(u["id"] for u in grassroots if u["id"] not in ends)
    token = account_token(server, stranger, "operator")
    hidden = gql_as(server, token, TRANSFER_NODE, id=transfer["id"])
    absent = gql_as(server, token, TRANSFER_NODE, id=gid("MemberTransfer", "no-such-transfer"))
    assert hidden["data"]["node"] is None
    assert hidden["errors"][0]["extensions"] == absent["errors"][0]["extensions"]


def test_global_ids_are_accepted_in_input_objects(server: str, truth: Truth) -> None:
    """A client passes back the ids it read, also inside input objects (addMember's input)."""
    employers = gql(server, EMPLOYERS, id=_busy_grassroots(truth))["data"]["union"]["employers"]
    employer = employers["edges"][0]["node"]
    union = gql(server, UNION, id=_busy_grassroots(truth))["data"]["union"]
    number = "11010519491231002X"
    made = gql(
        server,
        """mutation($input: MemberInput!) { addMember(input: $input) {
          id union { code } employer { code } } }""",
        input={"unionId": union["id"], "employerId": employer["id"], "name": "全局编号",
               "idNumber": number, "gender": "2", "householdType": "1"},
    )  # fmt: skip
    assert "errors" not in made, made
    added = made["data"]["addMember"]
    assert (added["union"]["code"], added["employer"]["code"]) == (union["code"], employer["code"])
