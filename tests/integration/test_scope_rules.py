"""Named scope rules on the real FalkorDB: moving a union moves its accounts' scope, masking and
full-value reads per role and scope, and imports confined to the uploader's subtree."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from api.context import Context
from api.scope import scope_for
from api.scoped_imports import ScopedImports
from graph_service.domain.accounts import Principal, Role
from graph_service.domain.commands import AddMember, CreateUnion, UpsertEmployer
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import NotFound
from graph_service.services.imports import ImportService
from graph_service.services.registry import Services
from loaders.importer import Importer
from loaders.samples import CANONICAL_MEMBER_HEADER, write_csv
from tests.conftest import make_services, open_test_store
from tests.integration.test_scope import (
    SCHEMA,
    UNKNOWN_UNION,
    make_cert,
    make_mobile,
    make_uscc,
)
from tests.node_ids import plain_ids

ACTOR = "scope-rules"


async def _tree(services: Services) -> dict[str, str]:
    """national → province → city A (grassroots GA) and city B (grassroots GB)."""
    ids: dict[str, str] = {}
    spec = [
        ("N", None, "NATIONAL", "地方总工会", None),
        ("P", "N", "PROVINCE", "地方总工会", "420000"),
        ("A", "P", "CITY", "地方总工会", "420100"),
        ("B", "P", "CITY", "地方总工会", "420200"),
        ("GA", "A", "GRASSROOTS", "单独基层工会", "420102"),
        ("GB", "B", "GRASSROOTS", "单独基层工会", "420202"),
    ]
    for n, (key, parent, level, kind, region) in enumerate(spec, start=1):
        data: dict[str, object] = {
            "id": make_uscc("420102", n),
            "name": f"{key}工会",
            "level": level,
            "kind": kind,
            "regionCode": region,
            "foundedOn": "2000-01-01",
            "phone": make_mobile(900 + n),
            "chair": f"{key}主席",
        }
        if parent:
            data["parentId"] = ids[parent]
        ids[key] = (
            await services.affiliation.create_union(command=CreateUnion.of(data), actor=ACTOR)
        ).id
    return ids


def _principal(role: Role, root: str) -> Principal:
    return Principal(account_id="x", username=f"{role.value}-{root[-4:]}", role=role,
                     scope_union_id=root)  # fmt: skip


async def _run(services: Services, principal: Principal, doc: str, **variables: object):
    context = Context(services=services, principal=principal)
    result = await SCHEMA.execute(doc, variable_values=variables, context_value=context)
    errors = [(e.extensions or {}).get("reason") for e in result.errors or []]
    return plain_ids(result.data), errors, context  # Node ids read as keys


UNION = "query($id: ID!) { union(id: $id) { id chair phone ancestors { id chair phone } } }"
MEMBER = "query($n: String!) { member(idNumber: $n) { idNumber phone union { id chair } } }"


async def test_moving_a_union_moves_its_accounts_scope(
    falkordb_server: EmbeddedFalkorDB,
) -> None:
    store = await open_test_store("falkordb", falkordb_server)
    try:
        services = make_services(store)
        ids = await _tree(services)
        of_a = _principal(Role.OPERATOR, ids["A"])
        of_b = _principal(Role.OPERATOR, ids["B"])
        of_ga = _principal(Role.OPERATOR, ids["GA"])
        assert (await _run(services, of_a, UNION, id=ids["GA"]))[1] == []
        assert (await _run(services, of_b, UNION, id=ids["GA"]))[1] == ["UNION_NOT_FOUND"]
        await services.affiliation.move_union(
            union_id=ids["GA"], new_parent_id=ids["B"], actor=ACTOR
        )
        # the same accounts, the next request: GA now belongs to B's subtree
        assert (await _run(services, of_a, UNION, id=ids["GA"]))[1] == ["UNION_NOT_FOUND"]
        data, errors, _ = await _run(services, of_b, UNION, id=ids["GA"])
        assert errors == [] and data["union"]["chair"] == "GA主席"
        # GA's own account followed it: its ancestors are now N, P, B (visible as names only)
        data, errors, _ = await _run(services, of_ga, UNION, id=ids["GA"])
        assert errors == []
        assert [a["id"] for a in data["union"]["ancestors"]] == [ids["N"], ids["P"], ids["B"]]
        assert all(a["chair"] is None and a["phone"] is None for a in data["union"]["ancestors"])
    finally:
        await store.drop()  # type: ignore[attr-defined]
        await store.close()


async def test_masking_and_full_reads_follow_role_and_scope(
    falkordb_server: EmbeddedFalkorDB,
) -> None:
    store = await open_test_store("falkordb", falkordb_server)
    try:
        services = make_services(store)
        ids = await _tree(services)
        cert, phone = make_cert(7), make_mobile(7)
        member = await services.membership.add_member(
            command=AddMember.of(
                {
                    "unionId": ids["GA"],
                    "name": "张三",
                    "idNumber": cert,
                    "phone": phone,
                    "gender": "1",
                }
            ),
            actor=ACTOR,
        )
        op_a, op_b = _principal(Role.OPERATOR, ids["A"]), _principal(Role.OPERATOR, ids["B"])
        # an operator of the member's subtree: full values, each noted for the audit log
        data, errors, ctx = await _run(services, op_a, MEMBER, n=cert)
        assert errors == [] and data["member"]["idNumber"] == cert
        assert data["member"]["phone"] == phone
        assert ("Member", member.id) in ctx.full_reads
        data, _, ctx = await _run(services, op_a, UNION, id=ids["GA"])
        assert data["union"]["phone"] == make_mobile(905) and ("Union", ids["GA"]) in ctx.full_reads
        # a viewer of the same subtree: masked, nothing noted
        data, _, ctx = await _run(services, _principal(Role.VIEWER, ids["A"]), MEMBER, n=cert)
        assert data["member"]["idNumber"] == cert[:3] + "*" * 11 + cert[-4:]
        assert data["member"]["phone"] == phone[:3] + "****" + phone[-4:]
        assert ctx.full_reads == []
        # in transfer to B's grassroots union: B's operator sees the member, masked, and the
        # member's union limited to id/name/level
        await services.membership.request_transfer(id_number=cert, to_union_id=ids["GB"],
                                                   actor=ACTOR)  # fmt: skip
        data, errors, ctx = await _run(services, op_b, MEMBER, n=cert)
        assert errors == [] and data["member"]["idNumber"] != cert
        assert data["member"]["union"] == {"id": ids["GA"], "chair": None}
        assert ctx.full_reads == []
        # the province's admin sees everything below it in full
        data, _, ctx = await _run(services, _principal(Role.ADMIN, ids["P"]), MEMBER, n=cert)
        assert data["member"]["idNumber"] == cert and ctx.full_reads
    finally:
        await store.drop()  # type: ignore[attr-defined]
        await store.close()


def _row(union_id: str, n: int) -> list[object]:
    cert = make_cert(n)
    return [union_id, "", f"导入{n}", "男", "居民身份证", cert, make_mobile(n), "城镇", "群众",
            "本科", "否", "2015-03-01", "在册", "无", "无"]  # fmt: skip


async def test_imports_are_confined_to_the_uploaders_subtree(
    falkordb_server: EmbeddedFalkorDB, tmp_path: Path
) -> None:
    store = await open_test_store("falkordb", falkordb_server)
    try:
        services = make_services(store)
        ids = await _tree(services)
        principal = _principal(Role.OPERATOR, ids["A"])
        rows = [_row(ids["GA"], 1), _row(ids["GB"], 2), _row(UNKNOWN_UNION, 3)]
        path = write_csv(tmp_path / "members.csv", CANONICAL_MEMBER_HEADER, rows)
        scoped = cast(ImportService, ScopedImports(principal, services))
        summary = await Importer(scoped).run([(path, "members.csv")], operator=principal.actor)
        assert summary.created == 1
        by_row = {e.row: (e.column, e.code, e.message) for e in summary.errors}
        # the row for B's union (outside) reads exactly like the row for an unknown union
        assert by_row[3] == by_row[4] and by_row[3][1] == "UNION_NOT_FOUND"
        assert (await services.tree.members(ids["GB"], status="ACTIVE", first=10, after=None)
                ).total_count == 0  # fmt: skip
        # a fixed target outside the scope: refused like an unknown union, nothing written
        answers = []
        for target in (ids["GB"], UNKNOWN_UNION):
            with pytest.raises(NotFound) as refused:
                await Importer(scoped).run(
                    [(path, "members.csv")], union_id=target, operator=principal.actor
                )
            answers.append((refused.value.message, refused.value.extensions()))
        assert answers[0] == answers[1] and answers[0][1]["reason"] == "UNION_NOT_FOUND"
        assert (await services.tree.members(ids["GB"], status="ACTIVE", first=10, after=None)
                ).total_count == 0  # fmt: skip
    finally:
        await store.drop()  # type: ignore[attr-defined]
        await store.close()


async def test_an_uploads_scope_decides_employers_and_former_members_too(
    falkordb_server: EmbeddedFalkorDB,
) -> None:
    """``scope_for`` (HTTP uploads) decides uncovered employers by their area and members who
    left by their employer, like a request's scope; only the national root sees what no area
    claims."""
    store = await open_test_store("falkordb", falkordb_server)
    try:
        services = make_services(store)
        ids = await _tree(services)
        claimed = await services.affiliation.upsert_employer(
            command=UpsertEmployer.of(
                {
                    "id": make_uscc("420100", 77),
                    "name": "甲地无工会单位",
                    "employeeCount": 30,
                    "nature": "05",
                    "regionCode": "420102",
                }
            ),
            actor=ACTOR,
        )
        nobodys = await services.affiliation.upsert_employer(
            command=UpsertEmployer.of(
                {
                    "id": make_uscc("430100", 78),
                    "name": "外省无工会单位",
                    "employeeCount": 30,
                    "nature": "05",
                    "regionCode": "430102",
                }
            ),
            actor=ACTOR,
        )
        cert = make_cert(77)
        await services.membership.add_member(
            command=AddMember.of(
                {
                    "unionId": ids["GB"],
                    "employerId": claimed.id,
                    "name": "离会者",
                    "idNumber": cert,
                    "gender": "1",
                }
            ),
            actor=ACTOR,
        )
        former = await services.membership.end_membership(
            id_number=cert, reason="EXPELLED", actor=ACTOR
        )
        assert former.union_id is None and former.employer_id == claimed.id
        seen = {}
        for key in ("N", "P", "A", "B"):
            scope = scope_for(_principal(Role.OPERATOR, ids[key]), services)
            seen[key] = (
                await scope.employer_in(claimed),
                await scope.employer_in(nobodys),
                await scope.member_in(former),
            )
        assert seen == {
            "N": (True, True, True),
            "P": (True, False, True),
            "A": (True, False, True),  # 420102 lies in city A's area (4201)
            "B": (False, False, False),  # B's grassroots union was left: no longer its member
        }
    finally:
        await store.drop()  # type: ignore[attr-defined]
        await store.close()
