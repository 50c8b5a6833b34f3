"""Membership over real HTTP: addMember → request → release → complete, with stats and errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_service.demo.generator import DemoConfig
from tests.conftest import ENGINES
from tests.e2e.conftest import gql, running_demo_server
from tests.integration.test_membership import resident_id
from tests.truth import Truth

MEMBERS, SEED = 300, 23


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e_membership")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))




def ok(body: dict) -> dict:
    assert "errors" not in body, body
    return body["data"]


def members(base: str, union_id: str) -> int:
    body = gql(base, "query($id: ID!) { subtreeStats(unionId: $id) { members } }", id=union_id)
    return int(ok(body)["subtreeStats"]["members"])


def pick(truth: Truth) -> tuple[str, str, str]:
    """Two active grassroots unions in different cities, and their common ancestor."""
    grassroots = [
        u for u in truth.province.unions if u["level"] == "GRASSROOTS" and u["status"] == "ACTIVE"
    ]

    def city(uid: str) -> str:
        return next(a for a in truth.chain(uid) if truth.unions[a]["level"] == "CITY")

    first = str(grassroots[0]["id"])
    other = next(str(u["id"]) for u in grassroots if city(str(u["id"])) != city(first))
    common = [a for a in truth.chain(first) if a in truth.chain(other)][-1]
    return first, other, common


ADD = """mutation($input: MemberInput!) { addMember(input: $input) {
  id status idNumber union { id: code name } } }"""
REQUEST = """mutation($idNumber: String!, $to: ID!) {
  requestMemberTransfer(idNumber: $idNumber, toUnionId: $to, reason: "工作调动") {
    id state requestedOn expiresOn member { id status } fromUnion { id: code } toUnion { id: code }
    path { commonAncestor { id: code } hops boundary crossRegion
           up { id: code } down { id: code } } } }"""
STEP = """mutation($id: ID!) { %s(transferId: $id) {
  id state member { status union { id: code } } } }"""


def test_add_request_release_complete(server: str, truth: Truth) -> None:
    origin, target, common = pick(truth)
    watched = (origin, target, common)
    start = {u: members(server, u) for u in watched}
    number = resident_id(401, birth="19851212")
    added = ok(
        gql(
            server,
            ADD,
            input={
                "unionId": origin,
                "name": "李四",
                "idNumber": number,
                "phone": "13900139000",
                "newFormWorker": True,
            },
        )
    )
    member = added["addMember"]
    assert member["status"] == "ACTIVE" and member["union"]["id"] == origin
    assert member["idNumber"] == number  # full: an admin in scope (viewers: test_scope*.py)
    after_add = {u: members(server, u) for u in watched}
    assert after_add == {
        origin: start[origin] + 1,
        target: start[target],
        common: start[common] + 1,
    }

    duplicate = gql(server, ADD, input={"unionId": target, "name": "李四", "idNumber": number})
    error = duplicate["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["reason"] == "ALREADY_MEMBER"
    assert origin in error["message"] and number not in error["message"]

    requested = ok(gql(server, REQUEST, idNumber=number, to=target))["requestMemberTransfer"]
    assert requested["state"] == "REQUESTED"
    assert requested["member"]["status"] == "TRANSFERRING"
    assert (requested["fromUnion"]["id"], requested["toUnion"]["id"]) == (origin, target)
    assert requested["path"]["commonAncestor"]["id"] == common
    assert requested["path"]["crossRegion"] is True
    assert requested["path"]["up"][0]["id"] == origin
    assert requested["path"]["down"][-1]["id"] == target
    assert {u: members(server, u) for u in watched} == after_add

    again = gql(server, REQUEST, idNumber=number, to=target)
    assert again["errors"][0]["extensions"]["reason"] == "TRANSFER_OPEN"
    early = gql(server, STEP % "completeMemberTransfer", id=requested["id"])
    assert early["errors"][0]["extensions"] == {
        "code": "CONFLICT",
        "reason": "BAD_STATE",
        "field": "transferId",
        "details": {"state": "REQUESTED"},
    }

    released = ok(gql(server, STEP % "releaseMemberTransfer", id=requested["id"]))
    assert released["releaseMemberTransfer"]["state"] == "RELEASED"
    assert {u: members(server, u) for u in watched} == after_add

    done = ok(gql(server, STEP % "completeMemberTransfer", id=requested["id"]))
    step = done["completeMemberTransfer"]
    assert step["state"] == "COMPLETED"
    assert step["member"] == {"status": "ACTIVE", "union": {"id": target}}
    assert {u: members(server, u) for u in watched} == {
        origin: start[origin],
        target: start[target] + 1,
        common: start[common] + 1,
    }

    listed = ok(
        gql(
            server,
            """query($id: ID!) { memberTransfers(unionId: $id, state: COMPLETED) {
        totalCount edges { node { id state } } } }""",
            id=target,
        )
    )["memberTransfers"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["id"] == requested["id"]


def test_transfer_path_query(server: str, truth: Truth) -> None:
    origin, target, common = pick(truth)
    body = ok(
        gql(
            server,
            """query($a: ID!, $b: ID!) { transferPath(fromUnionId: $a, toUnionId: $b) {
        from { id: code } to { id: code } commonAncestor { id: code level }
        hops boundary crossRegion } }""",
            a=origin,
            b=target,
        )
    )["transferPath"]
    assert (body["from"]["id"], body["to"]["id"]) == (origin, target)
    assert body["commonAncestor"]["id"] == common
    assert body["boundary"] == body["commonAncestor"]["level"]


def test_end_membership_and_error_codes(server: str, truth: Truth) -> None:
    origin, _, _ = pick(truth)
    number = resident_id(402, birth="19851212")
    ok(gql(server, ADD, input={"unionId": origin, "name": "王五", "idNumber": number}))
    before = members(server, origin)
    end = """mutation($n: String!, $r: LeaveReason!) { endMembership(idNumber: $n, reason: $r) {
        status union { id: code } } }"""
    refused = gql(server, end, n=number, r="TRANSFERRED_OUT")
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["errors"][0]["extensions"]["reason"] == "USE_TRANSFER"
    retained = ok(gql(server, end, n=number, r="RETIRED"))["endMembership"]
    assert retained == {"status": "RETAINED", "union": {"id": origin}}
    assert members(server, origin) == before
    left = ok(gql(server, end, n=number, r="DECEASED"))["endMembership"]
    assert left == {"status": "LEFT", "union": None}
    assert members(server, origin) == before - 1
    unknown = gql(server, STEP % "releaseMemberTransfer", id="ffffffffffffffff")
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    reject = gql(server, """mutation { rejectMemberTransfer(transferId: "x") { id } }""")
    assert reject["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "NOT_FOUND"}
    county = next(u["id"] for u in truth.province.unions if u["level"] == "COUNTY")
    into_county = gql(
        server,
        ADD,
        input={"unionId": county, "name": "赵六", "idNumber": resident_id(403, birth="19851212")},
    )
    assert into_county["errors"][0]["extensions"]["reason"] == "CANNOT_HOLD_MEMBERS"
