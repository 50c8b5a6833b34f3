"""Affiliation changes over real HTTP: uvicorn, the embedded engine, a small demo province."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import ENGINES
from tests.e2e.conftest import gql, running_demo_server

MEMBERS, SEED = 800, 5


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e_affiliation")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base




UNIONS = """query($level: UnionLevel!) { unions(level: $level, first: 200) {
  edges { node { id: code status parent { id: code } stats { members unions employees } } } } }"""

MOVE = """mutation($u: ID!, $p: ID!, $dry: Boolean) {
  moveUnion(unionId: $u, newParentId: $p, reason: "区划调整", dryRun: $dry) {
    id subjectId dryRun effectiveOn reason recordedBy fromUnion { id: code } toUnion { id: code }
    effect { oldChain { unionId membersBefore membersAfter unionsBefore unionsAfter }
             newChain { unionId membersBefore membersAfter employeesBefore employeesAfter } } } }"""

STATS = """query($id: ID!) { subtreeStats(unionId: $id) { members unions employees } }"""


def _pick(server: str) -> tuple[dict, dict, dict]:
    """A grassroots union with members and a live county that is not its parent."""
    grassroots = gql(server, UNIONS, level="GRASSROOTS")["data"]["unions"]["edges"]
    counties = gql(server, UNIONS, level="COUNTY")["data"]["unions"]["edges"]
    leaf = next(
        e["node"]
        for e in grassroots
        if e["node"]["status"] != "DISSOLVED" and e["node"]["stats"]["members"] > 0
        and e["node"]["parent"] is not None
    )  # fmt: skip
    old_parent = leaf["parent"]["id"]
    target = next(
        e["node"]
        for e in counties
        if e["node"]["status"] != "DISSOLVED" and e["node"]["id"] != old_parent
    )
    return leaf, {"id": old_parent}, target


def test_move_union_dry_run_then_real_then_history(server: str) -> None:
    leaf, old_parent, target = _pick(server)
    old_before = gql(server, STATS, id=old_parent["id"])["data"]["subtreeStats"]
    new_before = gql(server, STATS, id=target["id"])["data"]["subtreeStats"]
    moved = leaf["stats"]["members"]

    dry = gql(server, MOVE, u=leaf["id"], p=target["id"], dry=True)
    assert "errors" not in dry, dry
    change = dry["data"]["moveUnion"]
    assert change["dryRun"] is True and change["fromUnion"]["id"] == old_parent["id"]
    old_effect = {e["unionId"]: e for e in change["effect"]["oldChain"]}[old_parent["id"]]
    assert old_effect["membersBefore"] == old_before["members"]
    assert old_effect["membersAfter"] == old_before["members"] - moved
    new_effect = {e["unionId"]: e for e in change["effect"]["newChain"]}[target["id"]]
    assert new_effect["membersAfter"] == new_before["members"] + moved
    assert gql(server, STATS, id=old_parent["id"])["data"]["subtreeStats"] == old_before

    real = gql(server, MOVE, u=leaf["id"], p=target["id"], dry=False)
    assert "errors" not in real, real
    assert real["data"]["moveUnion"]["dryRun"] is False
    assert real["data"]["moveUnion"]["recordedBy"]
    assert gql(server, STATS, id=target["id"])["data"]["subtreeStats"]["members"] == (
        new_before["members"] + moved
    )
    assert gql(server, STATS, id=old_parent["id"])["data"]["subtreeStats"]["members"] == (
        old_before["members"] - moved
    )
    parent_of = "query($id: ID!) { union(id: $id) { parent { id: code } } }"
    parent = gql(server, parent_of, id=leaf["id"])
    assert parent["data"]["union"]["parent"]["id"] == target["id"]

    history = gql(
        server,
        """query($id: ID!) { affiliationHistory(unionId: $id) {
        subjectId fromUnion { id: code } toUnion { id: code } reason dryRun effectiveOn } }""",
        id=leaf["id"],
    )
    assert "errors" not in history, history
    last = history["data"]["affiliationHistory"][-1]
    assert (last["fromUnion"]["id"], last["toUnion"]["id"]) == (old_parent["id"], target["id"])
    assert last["reason"] == "区划调整" and last["dryRun"] is False

    again = gql(server, MOVE, u=leaf["id"], p=target["id"], dry=False)
    error = again["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["reason"] == "SAME_PARENT"


def test_error_codes_reach_clients(server: str) -> None:
    leaf, _, _ = _pick(server)
    cycle = gql(server, MOVE, u=leaf["parent"]["id"], p=leaf["id"], dry=True)
    assert cycle["errors"][0]["extensions"]["reason"] in ("CYCLE", "SAME_PARENT")
    unknown = gql(server, MOVE, u="LS4201020000000001", p=leaf["id"], dry=True)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert unknown["errors"][0]["extensions"]["reason"] == "UNION_NOT_FOUND"
    bad = gql(server, MOVE, u="nope", p=leaf["id"], dry=True)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert bad["errors"][0]["extensions"]["field"] == "unionId"
    create = gql(
        server,
        """mutation($p: ID!) { createUnion(input: {parentId: $p, name: "新建工会",
        level: COUNTY, kind: "地方总工会"}) { id } }""",
        p=leaf["id"],
    )
    assert create["errors"][0]["extensions"]["reason"] == "LEVEL_ORDER"
    dissolve = gql(
        server,
        """mutation($u: ID!) { dissolveUnion(unionId: $u) { id status } }""",
        u=leaf["id"],
    )
    ext = dissolve["errors"][0]["extensions"]
    assert ext["code"] == "CONFLICT" and ext["reason"] == "HAS_MEMBERS"
    assert ext["details"]["members"] > 0
