"""Members join, keep and leave their membership; rollups stay exact (一证一会员)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest
from stdnum.cn import ric

from graph_service.domain.commands import AddMember
from graph_service.errors import BadUserInput, Conflict, NotFound
from graph_service.queries import q
from graph_service.services.registry import Services
from graph_service.store import GraphStore

NAT = "LS1000000000000001"
PROV = "LS4200000000000001"
CITY1 = "LS4201000000000001"
COUNTY1 = "LS4201020000000001"
TOWN1 = "LS4201020000000002"
G1 = "LS4201020000000003"
G2 = "LS4201020000000004"
G3 = "LS4201020000000005"  # grassroots directly under the county
FED = "LS4201020000000006"
G4 = "LS4201020000000007"  # under the federation
GDIS = "LS4201020000000008"  # dissolved
CITY2 = "LS4202000000000001"
COUNTY2 = "LS4202020000000001"
G5 = "LS4202020000000002"
E1 = "LS4201020000000101"
E2 = "LS4202020000000101"
E3 = "LS4201020000000102"

TREE = [
    # id, parent, level, kind, status
    (NAT, None, "NATIONAL", "地方总工会", "ACTIVE"),
    (PROV, NAT, "PROVINCE", "地方总工会", "ACTIVE"),
    (CITY1, PROV, "CITY", "地方总工会", "ACTIVE"),
    (COUNTY1, CITY1, "COUNTY", "地方总工会", "ACTIVE"),
    (TOWN1, COUNTY1, "TOWNSHIP", "地方总工会", "ACTIVE"),
    (G1, TOWN1, "GRASSROOTS", "单独基层工会", "ACTIVE"),
    (G2, TOWN1, "GRASSROOTS", "单独基层工会", "ACTIVE"),
    (G3, COUNTY1, "GRASSROOTS", "单独基层工会", "ACTIVE"),
    (FED, COUNTY1, "FEDERATION", "区域性工会联合会", "ACTIVE"),
    (G4, FED, "GRASSROOTS", "联合基层工会", "ACTIVE"),
    (GDIS, COUNTY1, "GRASSROOTS", "单独基层工会", "DISSOLVED"),
    (CITY2, PROV, "CITY", "地方总工会", "ACTIVE"),
    (COUNTY2, CITY2, "COUNTY", "地方总工会", "ACTIVE"),
    (G5, COUNTY2, "GRASSROOTS", "单独基层工会", "ACTIVE"),
]
EMPLOYERS = [(E1, G1, "420102"), (E2, G5, "420202"), (E3, G3, "420102")]
ACTOR = "tester"


def resident_id(seq: int, *, male: bool = True, birth: str = "19900101") -> str:
    """A valid resident ID (GB 11643) born in 420102; the 17th digit gives the gender."""
    tail = seq * 2 + (1 if male else 0)
    body = f"420102{birth}{tail % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


async def build_tree(store: GraphStore, services: Services) -> None:
    """The small tree above, three covered employers, rollups rebuilt."""
    unions = [
        {
            "id": uid,
            "props": {"name": f"测试工会{uid[-4:]}", "level": lvl, "kind": kind, "status": st},
        }
        for uid, _, lvl, kind, st in TREE
    ]
    links = [{"childId": c, "parentId": p, "since": "2010-01-01"} for c, p, *_ in TREE if p]
    employers = [
        {
            "id": eid,
            "props": {
                "name": f"测试单位{eid[-4:]}",
                "nature": "04",
                "employeeCount": 100,
                "regionCode": region,
            },
        }
        for eid, _, region in EMPLOYERS
    ]
    coverage = [{"unionId": u, "employerId": e, "since": "2010-01-01"} for e, u, _ in EMPLOYERS]
    await store.write(q("bulk/upsert_unions"), {"rows": unions})
    await store.write(q("bulk/link_affiliations"), {"rows": links})
    await store.write(q("bulk/upsert_employers"), {"rows": employers})
    await store.write(q("bulk/link_coverage"), {"rows": coverage})
    await services.stats.rebuild()


def member_input(seq: int, union_id: str = G1, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "unionId": union_id,
        "employerId": E1 if union_id == G1 else None,
        "name": f"张{seq}",
        "idNumber": resident_id(seq),
        "phone": "13800138000",
        "householdType": "1",
        "newFormWorker": seq % 2 == 0,
        "joinedOn": "2020-05-06",
    }
    return data | extra


async def members_of(services: Services, *union_ids: str) -> dict[str, int]:
    return {u: (await services.stats.subtree_stats(u)).members for u in union_ids}


async def assert_consistent(services: Services) -> None:
    assert await services.stats.verify() == []


@pytest.fixture
async def tree(store: GraphStore, services: Services) -> Services:
    await build_tree(store, services)
    return services


async def test_add_member_counts_along_the_chain(tree: Services) -> None:
    before = await members_of(tree, G1, TOWN1, COUNTY1, PROV, NAT, G5)
    member = await tree.membership.add_member(command=AddMember.of(member_input(1)), actor=ACTOR)
    assert member.status.value == "ACTIVE"
    assert (member.union_id, member.employer_id) == (G1, E1)
    assert member.id != member.cert_number and len(member.id) == 16
    after = await members_of(tree, G1, TOWN1, COUNTY1, PROV, NAT, G5)
    assert after == {k: v + (k != G5) for k, v in before.items()}
    stats = await tree.stats.subtree_stats(COUNTY1)
    assert {c.key: c.count for c in stats.by_gender} == {"1": 1}
    assert {c.key: c.count for c in stats.by_household_type} == {"1": 1}
    await assert_consistent(tree)
    page = await tree.tree.members(G1, status="ACTIVE", first=10, after=None)
    assert [m.id for m in page.items] == [member.id]
    log = await tree.membership.changes(member_id=member.id)
    assert [(c.type, c.union_id, c.recorded_by) for c in log] == [("1", G1, ACTOR)]


async def test_add_member_into_a_federation(tree: Services) -> None:
    member = await tree.membership.add_member(
        command=AddMember.of(member_input(2, FED, newFormWorker=True)), actor=ACTOR
    )
    assert member.union_id == FED and member.employer_id is None
    assert (await tree.stats.subtree_stats(FED)).new_form_worker_members == 1
    await assert_consistent(tree)


@pytest.mark.parametrize(
    ("union_id", "error", "reason"),
    [
        (TOWN1, Conflict, "CANNOT_HOLD_MEMBERS"),
        (COUNTY1, Conflict, "CANNOT_HOLD_MEMBERS"),
        (GDIS, Conflict, "UNION_DISSOLVED"),
        ("LS4201020000009999", NotFound, "UNION_NOT_FOUND"),
    ],
)
async def test_add_member_refusals(
    tree: Services, union_id: str, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error) as caught:
        await tree.membership.add_member(
            command=AddMember.of(member_input(3, union_id)), actor=ACTOR
        )
    assert caught.value.reason == reason  # type: ignore[attr-defined]
    assert caught.value.field == "unionId"  # type: ignore[attr-defined]
    await assert_consistent(tree)


async def test_add_member_input_errors(tree: Services) -> None:
    with pytest.raises(BadUserInput) as caught:
        await tree.membership.add_member(
            command=AddMember.of(member_input(4, idNumber="420102199001010000")), actor=ACTOR
        )
    assert caught.value.field == "idNumber"
    with pytest.raises(BadUserInput) as caught:
        await tree.membership.add_member(
            command=AddMember.of(member_input(4, unionId=None)), actor=ACTOR
        )
    assert (caught.value.reason, caught.value.field) == ("REQUIRED", "unionId")
    with pytest.raises(NotFound) as caught_nf:
        await tree.membership.add_member(
            command=AddMember.of(member_input(4, employerId="LS4201020000009999")), actor=ACTOR
        )
    assert caught_nf.value.field == "employerId"


async def test_duplicate_certificate_is_a_conflict_naming_the_union(tree: Services) -> None:
    await tree.membership.add_member(command=AddMember.of(member_input(5)), actor=ACTOR)
    before = await members_of(tree, G1, G5, PROV)
    with pytest.raises(Conflict) as caught:
        await tree.membership.add_member(command=AddMember.of(member_input(5, G5)), actor=ACTOR)
    error = caught.value
    assert error.reason == "ALREADY_MEMBER"
    assert error.details["unionId"] == G1
    assert G1 in error.message and "测试工会" in error.message
    assert resident_id(5) not in error.message
    assert await members_of(tree, G1, G5, PROV) == before  # never a silent move
    member = await tree.tree.member_by_certificate(resident_id(5))
    assert member.union_id == G1
    await assert_consistent(tree)


async def test_retained_member_is_still_a_member(tree: Services) -> None:
    await tree.membership.add_member(command=AddMember.of(member_input(6)), actor=ACTOR)
    await tree.membership.end_membership(id_number=resident_id(6), reason="RETIRED", actor=ACTOR)
    with pytest.raises(Conflict) as caught:
        await tree.membership.add_member(command=AddMember.of(member_input(6, G5)), actor=ACTOR)
    assert caught.value.reason == "ALREADY_MEMBER"
    assert caught.value.details["status"] == "RETAINED"


@pytest.mark.parametrize("reason", ["RETIRED", "UNEMPLOYED"])
async def test_retirement_and_unemployment_keep_the_membership(tree: Services, reason: str) -> None:
    member = await tree.membership.add_member(command=AddMember.of(member_input(7)), actor=ACTOR)
    before = await members_of(tree, G1, COUNTY1, PROV)
    kept = await tree.membership.end_membership(
        id_number=resident_id(7), reason=reason, effective_on=date(2024, 3, 1), actor=ACTOR
    )
    assert kept.status.value == "RETAINED" and kept.union_id == G1
    assert await members_of(tree, G1, COUNTY1, PROV) == before  # still counted
    retained = await tree.tree.members(G1, status="RETAINED", first=10, after=None)
    assert [m.id for m in retained.items] == [member.id]
    active = await tree.tree.members(G1, status="ACTIVE", first=10, after=None)
    assert active.total_count == 0
    log = await tree.membership.changes(member_id=member.id)
    assert [c.type for c in log] == ["1", "3"] and log[-1].reason == reason
    with pytest.raises(Conflict) as caught:
        await tree.membership.end_membership(
            id_number=resident_id(7), reason="RETIRED", actor=ACTOR
        )
    assert caught.value.reason == "NOT_ACTIVE"
    await assert_consistent(tree)


async def test_employer_closed_keeps_the_membership_at_the_upper_union(tree: Services) -> None:
    member = await tree.membership.add_member(command=AddMember.of(member_input(8)), actor=ACTOR)
    before = await members_of(tree, G1, TOWN1, COUNTY1, PROV, NAT)
    kept = await tree.membership.end_membership(
        id_number=resident_id(8), reason="EMPLOYER_CLOSED", actor=ACTOR
    )
    assert kept.status.value == "RETAINED" and kept.union_id == TOWN1
    after = await members_of(tree, G1, TOWN1, COUNTY1, PROV, NAT)
    assert after[G1] == before[G1] - 1
    assert {k: after[k] for k in (TOWN1, COUNTY1, PROV, NAT)} == {
        k: before[k] for k in (TOWN1, COUNTY1, PROV, NAT)
    }
    retained = await tree.tree.members(TOWN1, status="RETAINED", first=10, after=None)
    assert [m.id for m in retained.items] == [member.id]
    former = await tree.tree.members(G1, status="LEFT", first=10, after=None)
    assert [m.id for m in former.items] == [member.id]
    log = await tree.membership.changes(member_id=member.id)
    assert [(c.type, c.union_id) for c in log] == [("1", G1), ("3", TOWN1)]
    await assert_consistent(tree)
    # a retained member may still leave for good, from the upper union
    gone = await tree.membership.end_membership(
        id_number=resident_id(8), reason="DECEASED", actor=ACTOR
    )
    assert gone.status.value == "LEFT" and gone.union_id is None
    assert (await members_of(tree, TOWN1))[TOWN1] == before[TOWN1] - 1
    await assert_consistent(tree)


@pytest.mark.parametrize(
    ("reason", "change_type", "keeps_employer"),
    [
        ("LEFT_JOB", "6", False),
        ("EXPELLED", "5", True),
        ("WITHDREW", "6", True),
        ("DECEASED", "6", False),
    ],
)
async def test_leaving_ends_the_membership(
    tree: Services, reason: str, change_type: str, keeps_employer: bool
) -> None:
    member = await tree.membership.add_member(command=AddMember.of(member_input(9)), actor=ACTOR)
    before = await members_of(tree, G1, TOWN1, PROV, NAT)
    left = await tree.membership.end_membership(
        id_number=resident_id(9), reason=reason, effective_on=date(2024, 6, 1), actor=ACTOR
    )
    assert left.status.value == "LEFT" and left.union_id is None
    assert (left.employer_id == E1) is keeps_employer
    after = await members_of(tree, G1, TOWN1, PROV, NAT)
    assert after == {k: v - 1 for k, v in before.items()}
    former = await tree.tree.members(G1, status="LEFT", first=10, after=None)
    assert [m.id for m in former.items] == [member.id]  # kept, never deleted
    log = await tree.membership.changes(member_id=member.id)
    assert [c.type for c in log] == ["1", change_type]
    assert str(log[-1].effective_on) == "2024-06-01"
    with pytest.raises(Conflict) as caught:
        await tree.membership.end_membership(id_number=resident_id(9), reason=reason, actor=ACTOR)
    assert caught.value.reason == "NOT_ACTIVE"
    await assert_consistent(tree)


async def test_leave_reason_refusals(tree: Services) -> None:
    await tree.membership.add_member(command=AddMember.of(member_input(10)), actor=ACTOR)
    with pytest.raises(BadUserInput) as caught:
        await tree.membership.end_membership(
            id_number=resident_id(10), reason="TRANSFERRED_OUT", actor=ACTOR
        )
    assert (caught.value.reason, caught.value.field) == ("USE_TRANSFER", "reason")
    with pytest.raises(BadUserInput):
        await tree.membership.end_membership(id_number=resident_id(10), reason="NAP", actor=ACTOR)
    with pytest.raises(NotFound):
        await tree.membership.end_membership(
            id_number=resident_id(11), reason="WITHDREW", actor=ACTOR
        )
    with pytest.raises(BadUserInput) as caught:
        await tree.membership.end_membership(
            id_number=resident_id(10),
            reason="WITHDREW",
            effective_on=date(2999, 1, 1),
            actor=ACTOR,
        )
    assert caught.value.field == "effectiveOn"
    await assert_consistent(tree)


async def test_a_former_member_rejoins_on_the_same_node(tree: Services) -> None:
    first = await tree.membership.add_member(command=AddMember.of(member_input(12)), actor=ACTOR)
    await tree.membership.end_membership(id_number=resident_id(12), reason="LEFT_JOB", actor=ACTOR)
    before = await members_of(tree, G5, G1, PROV)
    again = await tree.membership.add_member(
        command=AddMember.of(
            member_input(12, G5, employerId=E2, householdType="2", joinedOn="2024-07-01")
        ),
        actor=ACTOR,
    )
    assert again.id == first.id  # certKey unique: the node is reused
    assert (again.status.value, again.union_id, again.employer_id) == ("ACTIVE", G5, E2)
    assert str(again.joined_on) == "2024-07-01" and again.household_type == "2"
    after = await members_of(tree, G5, G1, PROV)
    assert after == {G5: before[G5] + 1, G1: before[G1], PROV: before[PROV] + 1}
    log = await tree.membership.changes(member_id=first.id)
    assert [(c.type, c.union_id) for c in log] == [("1", G1), ("6", G1), ("1", G5)]
    await assert_consistent(tree)


async def test_demo_province_add_and_end(store: GraphStore, services: Services) -> None:
    from graph_service.demo.generator import DemoConfig
    from tests.truth import Truth

    config = DemoConfig(members=300, seed=5)
    await services.demo.load(config)
    truth = Truth.of(config)
    row = next(m for m in truth.members if m["unionId"] and m["status"] == "ACTIVE")
    root = truth.root()
    before = (await services.stats.subtree_stats(root)).members
    with pytest.raises(Conflict) as caught:
        await services.membership.add_member(
            command=AddMember.of(_as_input(row, truth, exclude=row["unionId"])), actor=ACTOR
        )
    assert caught.value.details["unionId"] == row["unionId"]
    await services.membership.end_membership(
        id_number=str(row["certNumber"]), reason="WITHDREW", actor=ACTOR
    )
    assert (await services.stats.subtree_stats(root)).members == before - 1
    await assert_consistent(services)


def _as_input(row: Mapping[str, object], truth: object, exclude: object) -> dict[str, object]:
    other = next(
        u["id"]
        for u in truth.province.unions  # type: ignore[attr-defined]
        if u["level"] == "GRASSROOTS" and u["status"] == "ACTIVE" and u["id"] != exclude
    )
    return {"unionId": other, "name": row["name"], "idNumber": row["certNumber"]}
