"""Audit over real HTTP: every Mutation field of the schema (the list is computed from the schema,
so a new mutation without audit fails here) leaves exactly one record with the caller's actor and
the result the caller saw, refused attempts included; full-value reads are recorded once per
request; arguments are masked; ``auditLog`` is for admins of the subtree only."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)

from api.schema import build_schema
from graph_service.demo.generator import DemoConfig
from graph_service.domain.accounts import IssuedCredentials
from tests.conftest import ENGINES
from tests.e2e.conftest import create_account, login_issued, running_demo_server
from tests.integration.test_membership import resident_id
from tests.truth import Truth

MEMBERS, SEED = 300, 31
_SCALARS: dict[str, object] = {
    "ID": "91420100MA0000000X",
    "String": "审计测试",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2020-01-01",
    "DateTime": "2020-01-01T00:00:00Z",
}


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e_audit")
    engine = request.param
    with running_demo_server(data, members=MEMBERS, seed=SEED, engine=engine) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))


class Caller:
    """An account and its token."""

    def __init__(self, base: str, issued: IssuedCredentials) -> None:
        self.base = base
        self.username = issued.account.username
        self.token = login_issued(base, issued)

    @property
    def actor(self) -> str:
        return f"account:{self.username}"

    def post(self, query: str, variables: dict[str, Any] | None = None) -> tuple[str, dict]:
        """(request id, response body) of one GraphQL request."""
        rid = uuid.uuid4().hex
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}", "X-Request-ID": rid},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return rid, response.json()


@pytest.fixture(scope="module")
def admin(server: str, truth: Truth) -> Caller:
    return Caller(server, create_account(server, union_id=truth.root(), role="admin"))


@pytest.fixture(scope="module")
def viewer(server: str, truth: Truth) -> Caller:
    return Caller(server, create_account(server, union_id=truth.root("CITY"), role="viewer"))


def _required(arg: GraphQLArgument | GraphQLInputField) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def dummy(kind: GraphQLInputType) -> object:
    """A value of the type: required input fields filled, scalars with fixed samples."""
    if isinstance(kind, GraphQLNonNull):
        return dummy(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [dummy(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {name: dummy(f.type) for name, f in kind.fields.items() if _required(f)}
    assert isinstance(kind, GraphQLScalarType)
    return _SCALARS.get(kind.name, "x")


def mutation_calls() -> dict[str, tuple[str, dict[str, object]]]:
    """Per Mutation field of the schema: a document calling it with its required arguments."""
    schema = build_schema()._schema
    assert schema.mutation_type is not None
    calls = {}
    for name, field in schema.mutation_type.fields.items():
        required = {a: arg for a, arg in field.args.items() if _required(arg)}
        params = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
        passed = ", ".join(f"{a}: ${a}" for a in required)
        header = f"mutation Call({params})" if params else "mutation Call"
        call = f"{name}({passed})" if passed else name
        doc = f"{header} {{ {call} {{ __typename }} }}"
        calls[name] = (doc, {a: dummy(arg.type) for a, arg in required.items()})
    return calls


def outcome(body: dict, field: str) -> str:
    """What the caller saw for ``field``: OK or the error code."""
    for error in body.get("errors") or []:
        path = error.get("path") or []
        if not path or path[0] == field:
            return str(error["extensions"]["code"])
    return "OK"


def audit_log(admin: Caller, union_id: str) -> list[dict]:
    """Every record of the subtree, newest first, through auditLog pages."""
    query = """query($u: ID!, $after: String) { auditLog(unionId: $u, first: 500, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { seq at actor scopeId operation arguments result clientAddress requestId
                     prevHash hash } } } }"""
    records: list[dict] = []
    after = None
    while True:
        _, body = admin.post(query, {"u": union_id, "after": after})
        assert "errors" not in body, body
        page = body["data"]["auditLog"]
        records += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(records) == page["totalCount"]
            return records
        after = page["pageInfo"]["endCursor"]


def by_request(records: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        grouped[r["requestId"]].append(r)
    return grouped


def test_every_mutation_field_leaves_exactly_one_record(
    server: str, truth: Truth, admin: Caller, viewer: Caller
) -> None:
    calls = mutation_calls()
    assert len(calls) >= 15  # the contract's 11 + cancel + the account mutations
    sent: list[tuple[str, str, Caller, str]] = []  # (request id, field, caller, result seen)
    for field, (doc, variables) in calls.items():
        for caller in (viewer, admin):
            rid, body = caller.post(doc, variables)
            sent.append((rid, field, caller, outcome(body, field)))
    # real changes that succeed, and a document refused by validation
    grassroots = next(
        u for u in truth.province.unions if u["level"] == "GRASSROOTS" and u["status"] == "ACTIVE"
    )
    number, phone = resident_id(777), "13912345678"
    rid, body = admin.post(
        """mutation($input: MemberInput!) { addMember(input: $input) { id } }""",
        {"input": {"unionId": grassroots["id"], "name": "审计张", "idNumber": number,
                   "phone": phone}},
    )  # fmt: skip
    assert "errors" not in body, body
    sent.append((rid, "addMember", admin, "OK"))
    county = truth.root("COUNTY")
    rid, body = admin.post(
        """mutation($p: ID!) { moveUnion(unionId: $p, newParentId: $p, dryRun: true) { id } }""",
        {"p": county},
    )
    sent.append((rid, "moveUnion", admin, outcome(body, "moveUnion")))
    rid, body = admin.post("mutation { dissolveUnion(unionId: 1, bogus: 2) { id } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    sent.append((rid, "dissolveUnion", admin, "BAD_USER_INPUT"))

    records = by_request(audit_log(admin, truth.root()))
    audited = 0
    for rid, field, caller, seen in sent:
        mine = [r for r in records.get(rid, []) if r["operation"] == field]
        assert len(mine) == 1, (field, caller.username, records.get(rid))
        record = mine[0]
        assert record["actor"] == caller.actor
        assert record["result"] == seen, (field, record, seen)
        assert record["clientAddress"] == "127.0.0.1"
        audited += 1
    add = next(r for r in records[sent[-3][0]] if r["operation"] == "addMember")
    assert number not in add["arguments"] and phone not in add["arguments"]
    stored = json.loads(add["arguments"])
    assert stored["input"]["idNumber"] == number[:3] + "*" * 11 + number[-4:]
    results = {s[3] for s in sent}
    print(
        f"\naudit coverage: {len(calls)} mutation fields, {len(sent)} requests "
        f"(results {sorted(results)}), {audited}/{len(sent)} audited = "
        f"{100 * audited / len(sent):.0f}%"
    )
    assert audited == len(sent)
    assert "OK" in results and len(results) >= 3


def test_full_value_reads_are_recorded_once_per_request(
    server: str, truth: Truth, admin: Caller, viewer: Caller
) -> None:
    number = next(
        m["certNumber"] for m in truth.members if m["certType"] == "01" and m["status"] == "ACTIVE"
    )
    query = """query($n: String!) { member(idNumber: $n) { id: key idNumber phone } }"""
    rid, body = admin.post(query, {"n": number})
    assert "errors" not in body, body
    assert body["data"]["member"]["idNumber"] == number  # an admin in scope sees full values
    rid_viewer, masked = viewer.post(query, {"n": number})
    records = by_request(audit_log(admin, truth.root()))
    reads = [r for r in records.get(rid, []) if r["operation"] == "READ_FULL_VALUES"]
    assert len(reads) == 1 and reads[0]["actor"] == admin.actor
    assert body["data"]["member"]["id"] in reads[0]["arguments"]
    assert number not in reads[0]["arguments"]
    print(f"\nfull-value read audited: {reads[0]['arguments']}")
    assert [r for r in records.get(rid_viewer, []) if r["operation"] == "READ_FULL_VALUES"] == []
    if masked.get("data") and masked["data"].get("member"):
        assert masked["data"]["member"]["idNumber"] != number


def test_audit_log_is_for_admins_of_the_subtree(
    server: str, truth: Truth, admin: Caller, viewer: Caller
) -> None:
    query = "query($u: ID!) { auditLog(unionId: $u) { totalCount } }"
    _, body = viewer.post(query, {"u": truth.root("CITY")})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    city_admin = Caller(server, create_account(server, union_id=truth.root("CITY"), role="admin"))
    _, body = city_admin.post(query, {"u": truth.root()})  # the province: above its scope
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    _, body = city_admin.post(query, {"u": truth.root("CITY")})
    assert "errors" not in body, body
    _, body = admin.post(query, {"u": truth.root()})
    assert body["data"]["auditLog"]["totalCount"] > 0
