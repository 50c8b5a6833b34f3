"""会籍接转: path, refusals, request → release → complete, reject, cancel and expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from graph_service.domain.commands import AddMember
from graph_service.errors import BadUserInput, Conflict, NotFound
from graph_service.services.membership import MembershipService
from graph_service.services.registry import Services
from graph_service.settings import Settings
from graph_service.store import GraphStore
from tests.integration.test_membership import (
    CITY1,
    CITY2,
    COUNTY1,
    COUNTY2,
    E1,
    E2,
    FED,
    G1,
    G2,
    G3,
    G4,
    G5,
    GDIS,
    NAT,
    PROV,
    TOWN1,
    build_tree,
    member_input,
    members_of,
    resident_id,
)

ACTOR = "tester"
ALL = (G1, G2, G3, G4, G5, TOWN1, FED, COUNTY1, COUNTY2, CITY1, CITY2, PROV, NAT)


@pytest.fixture
async def tree(store: GraphStore, services: Services) -> Services:
    await build_tree(store, services)
    for seq in range(1, 4):
        await services.membership.add_member(command=AddMember.of(member_input(seq)), actor=ACTOR)
    await services.membership.add_member(
        command=AddMember.of(member_input(20, G5, employerId=E2)), actor=ACTOR
    )
    return services


async def consistent(services: Services) -> None:
    assert await services.stats.verify() == []


# ------------------------------------------------------------------------------ the path
async def test_path_within_a_township(tree: Services) -> None:
    path = await tree.membership.transfer_path(from_union_id=G1, to_union_id=G2)
    assert path.common_ancestor.id == TOWN1
    assert ([u.id for u in path.up], [u.id for u in path.down]) == ([G1], [G2])
    assert (path.hops, path.boundary.value, path.cross_region) == (2, "TOWNSHIP", False)


async def test_path_within_a_county(tree: Services) -> None:
    path = await tree.membership.transfer_path(from_union_id=G1, to_union_id=G4)
    assert path.common_ancestor.id == COUNTY1
    assert [u.id for u in path.up] == [G1, TOWN1]
    assert [u.id for u in path.down] == [FED, G4]
    assert (path.hops, path.boundary.value) == (4, "COUNTY")
    assert path.cross_region  # CONTRACT: boundary COUNTY or higher


async def test_path_across_cities(tree: Services) -> None:
    path = await tree.membership.transfer_path(from_union_id=G1, to_union_id=G5)
    assert path.common_ancestor.id == PROV
    assert [u.id for u in path.up] == [G1, TOWN1, COUNTY1, CITY1]
    assert [u.id for u in path.down] == [CITY2, COUNTY2, G5]
    assert (path.hops, path.boundary.value, path.cross_region) == (7, "PROVINCE", True)
    assert (path.from_union.id, path.to_union.id) == (G1, G5)


async def test_path_to_an_ancestor_and_to_itself(tree: Services) -> None:
    up = await tree.membership.transfer_path(from_union_id=G4, to_union_id=COUNTY1)
    assert up.common_ancestor.id == COUNTY1 and [u.id for u in up.up] == [G4, FED]
    assert up.down == [] and up.hops == 2
    down = await tree.membership.transfer_path(from_union_id=CITY1, to_union_id=G1)
    assert down.up == [] and [u.id for u in down.down] == [COUNTY1, TOWN1, G1]
    assert (down.boundary.value, down.cross_region) == ("CITY", True)
    same = await tree.membership.transfer_path(from_union_id=G1, to_union_id=G1)
    assert (same.common_ancestor.id, same.hops, same.cross_region) == (G1, 0, False)


async def test_path_errors(tree: Services) -> None:
    with pytest.raises(NotFound) as caught:
        await tree.membership.transfer_path(from_union_id=G1, to_union_id="LS4201020000009999")
    assert caught.value.field == "toUnionId"
    with pytest.raises(BadUserInput) as bad:
        await tree.membership.transfer_path(from_union_id="nope", to_union_id=G1)
    assert bad.value.field == "fromUnionId"


# ------------------------------------------------------------------------ the workflow
async def test_request_release_complete_counts_the_member_exactly_once(tree: Services) -> None:
    start = await members_of(tree, *ALL)
    transfer = await tree.membership.request_transfer(
        id_number=resident_id(1), to_union_id=G5, reason="调动", actor=ACTOR
    )
    assert (transfer.state.value, transfer.from_union_id, transfer.to_union_id) == (
        "REQUESTED",
        G1,
        G5,
    )
    assert transfer.expires_on == transfer.requested_on + timedelta(days=90)  # type: ignore[operator]
    member = await tree.tree.member_by_certificate(resident_id(1))
    assert (member.status.value, member.union_id) == ("TRANSFERRING", G1)
    assert await members_of(tree, *ALL) == start  # counted at the origin
    transferring = await tree.tree.members(G1, status="TRANSFERRING", first=10, after=None)
    assert [m.id for m in transferring.items] == [member.id]
    await consistent(tree)

    released = await tree.membership.release_transfer(transfer_id=transfer.id, actor=ACTOR)
    assert released.state.value == "RELEASED" and released.released_on is not None
    assert await members_of(tree, *ALL) == start  # still at the origin
    await consistent(tree)

    done = await tree.membership.complete_transfer(transfer_id=transfer.id, actor="receiver")
    assert done.state.value == "COMPLETED" and done.completed_on is not None
    member = await tree.tree.member_by_certificate(resident_id(1))
    assert (member.status.value, member.union_id) == ("ACTIVE", G5)
    end = await members_of(tree, *ALL)
    for uid in (G1, TOWN1, COUNTY1, CITY1):
        assert end[uid] == start[uid] - 1, uid
    for uid in (G5, COUNTY2, CITY2):
        assert end[uid] == start[uid] + 1, uid
    assert (end[PROV], end[NAT]) == (start[PROV], start[NAT])  # the common ancestor: unchanged
    for uid in (G2, G3, G4, FED):
        assert end[uid] == start[uid]
    log = await tree.membership.changes(member_id=member.id)
    assert [(c.type, c.union_id) for c in log] == [("1", G1), ("4", G1), ("2", G5)]
    assert log[-1].transfer_id == transfer.id and log[-1].recorded_by == "receiver"
    former = await tree.tree.members(G1, status="LEFT", first=10, after=None)
    assert member.id in {m.id for m in former.items}
    await consistent(tree)
    # a finished transfer cannot move again
    for step in (tree.membership.release_transfer, tree.membership.complete_transfer):
        with pytest.raises(Conflict) as caught:
            await step(transfer_id=transfer.id, actor=ACTOR)
        assert caught.value.reason == "BAD_STATE"


async def test_transfer_inside_a_subtree_leaves_the_shared_chain_alone(tree: Services) -> None:
    """Federation → grassroots beneath it: the federation's own count is unchanged."""
    await tree.membership.add_member(command=AddMember.of(member_input(30, FED)), actor=ACTOR)
    start = await members_of(tree, *ALL)
    t = await tree.membership.request_transfer(
        id_number=resident_id(30), to_union_id=G4, actor=ACTOR
    )
    await tree.membership.release_transfer(transfer_id=t.id, actor=ACTOR)
    await tree.membership.complete_transfer(transfer_id=t.id, actor=ACTOR)
    end = await members_of(tree, *ALL)
    assert end[G4] == start[G4] + 1
    assert {k: v for k, v in end.items() if k != G4} == {k: v for k, v in start.items() if k != G4}
    await consistent(tree)


async def test_complete_needs_release_first(tree: Services) -> None:
    t = await tree.membership.request_transfer(
        id_number=resident_id(2), to_union_id=G3, actor=ACTOR
    )
    with pytest.raises(Conflict) as caught:
        await tree.membership.complete_transfer(transfer_id=t.id, actor=ACTOR)
    assert caught.value.reason == "BAD_STATE"
    with pytest.raises(NotFound) as missing:
        await tree.membership.release_transfer(transfer_id="0000000000000000", actor=ACTOR)
    assert missing.value.reason == "NOT_FOUND"


async def test_reject_and_cancel_return_the_member_to_the_origin(tree: Services) -> None:
    start = await members_of(tree, *ALL)
    t = await tree.membership.request_transfer(
        id_number=resident_id(2), to_union_id=G5, actor=ACTOR
    )
    await tree.membership.release_transfer(transfer_id=t.id, actor=ACTOR)
    with pytest.raises(BadUserInput) as caught:
        await tree.membership.reject_transfer(transfer_id=t.id, note="  ", actor=ACTOR)
    assert (caught.value.reason, caught.value.field) == ("REQUIRED", "note")
    rejected = await tree.membership.reject_transfer(
        transfer_id=t.id, note="证件号与花名册不符", actor="receiver"
    )
    assert (rejected.state.value, rejected.note) == ("REJECTED", "证件号与花名册不符")
    member = await tree.tree.member_by_certificate(resident_id(2))
    assert (member.status.value, member.union_id) == ("ACTIVE", G1)
    assert await members_of(tree, *ALL) == start
    with pytest.raises(Conflict) as bad:
        await tree.membership.release_transfer(transfer_id=t.id, actor=ACTOR)
    assert bad.value.reason == "BAD_STATE"

    again = await tree.membership.request_transfer(
        id_number=resident_id(2), to_union_id=G5, actor=ACTOR
    )
    cancelled = await tree.membership.cancel_transfer(transfer_id=again.id, actor=ACTOR)
    assert cancelled.state.value == "CANCELLED"
    member = await tree.tree.member_by_certificate(resident_id(2))
    assert (member.status.value, member.union_id) == ("ACTIVE", G1)
    assert await members_of(tree, *ALL) == start
    await consistent(tree)


async def test_open_transfers_expire_back_to_the_origin(store: GraphStore, tree: Services) -> None:
    start = await members_of(tree, *ALL)
    t = await tree.membership.request_transfer(
        id_number=resident_id(3), to_union_id=G5, actor=ACTOR
    )
    assert await tree.membership.expire_transfers(today=date.today()) == 0
    expires = t.expires_on
    assert expires is not None
    # a later day, through a service whose clock is past the expiry date (lazy expiry)
    later = datetime.combine(expires + timedelta(days=1), datetime.min.time(), UTC)
    future = MembershipService(store, tree.tree, Settings(), clock=lambda: later)
    seen = await future.get_transfer(t.id)
    assert seen.state.value == "EXPIRED"
    member = await tree.tree.member_by_certificate(resident_id(3))
    assert (member.status.value, member.union_id) == ("ACTIVE", G1)
    assert await members_of(tree, *ALL) == start
    with pytest.raises(Conflict) as caught:
        await future.release_transfer(transfer_id=t.id, actor=ACTOR)
    assert caught.value.reason == "BAD_STATE"
    assert await tree.membership.expire_transfers(today=expires + timedelta(days=2)) == 0
    await consistent(tree)


async def test_expire_is_one_batch(tree: Services) -> None:
    ids = []
    for seq in (1, 2, 3):
        t = await tree.membership.request_transfer(
            id_number=resident_id(seq), to_union_id=G5, actor=ACTOR
        )
        ids.append(t.id)
    await tree.membership.release_transfer(transfer_id=ids[0], actor=ACTOR)
    assert await tree.membership.expire_transfers(today=date.today() + timedelta(days=91)) == 3
    page = await tree.membership.transfers(union_id=G1, state="EXPIRED", first=10)
    assert sorted(t.id for t in page.items) == sorted(ids) and page.total_count == 3
    await consistent(tree)


# ---------------------------------------------------------------------------- refusals
async def test_refusal_codes(tree: Services) -> None:
    one = resident_id(1)
    cases = [
        (dict(id_number=one, to_union_id=G1), "SAME_UNION", "toUnionId"),
        (dict(id_number=one, to_union_id=TOWN1), "TARGET_CANNOT_HOLD_MEMBERS", "toUnionId"),
        (dict(id_number=one, to_union_id=COUNTY2), "TARGET_CANNOT_HOLD_MEMBERS", "toUnionId"),
        (dict(id_number=one, to_union_id=GDIS), "TARGET_DISSOLVED", "toUnionId"),
    ]
    for kwargs, reason, field in cases:
        with pytest.raises(Conflict) as caught:
            await tree.membership.request_transfer(**kwargs, actor=ACTOR)
        assert (caught.value.reason, caught.value.field) == (reason, field)
    with pytest.raises(NotFound):
        await tree.membership.request_transfer(
            id_number=one, to_union_id="LS4201020000009999", actor=ACTOR
        )
    with pytest.raises(NotFound):
        await tree.membership.request_transfer(
            id_number=resident_id(99), to_union_id=G5, actor=ACTOR
        )
    await tree.membership.request_transfer(id_number=one, to_union_id=G5, actor=ACTOR)
    with pytest.raises(Conflict) as caught:
        await tree.membership.request_transfer(id_number=one, to_union_id=G2, actor=ACTOR)
    assert caught.value.reason == "TRANSFER_OPEN"
    with pytest.raises(Conflict) as caught:
        await tree.membership.end_membership(id_number=one, reason="WITHDREW", actor=ACTOR)
    assert caught.value.reason == "TRANSFER_OPEN"
    await tree.membership.end_membership(id_number=resident_id(2), reason="RETIRED", actor=ACTOR)
    with pytest.raises(Conflict) as caught:
        await tree.membership.request_transfer(
            id_number=resident_id(2), to_union_id=G5, actor=ACTOR
        )
    assert caught.value.reason == "NOT_ACTIVE"
    await tree.membership.end_membership(id_number=resident_id(3), reason="WITHDREW", actor=ACTOR)
    with pytest.raises(Conflict) as caught:
        await tree.membership.request_transfer(
            id_number=resident_id(3), to_union_id=G5, actor=ACTOR
        )
    assert caught.value.reason == "NOT_ACTIVE"
    await consistent(tree)


async def test_transfer_with_a_new_employer(tree: Services) -> None:
    t = await tree.membership.request_transfer(
        id_number=resident_id(1), to_union_id=G5, to_employer_id=E2, actor=ACTOR
    )
    await tree.membership.release_transfer(transfer_id=t.id, actor=ACTOR)
    await tree.membership.complete_transfer(transfer_id=t.id, actor=ACTOR)
    member = await tree.tree.member_by_certificate(resident_id(1))
    assert (member.union_id, member.employer_id) == (G5, E2)
    before = await tree.tree.member_by_certificate(resident_id(2))
    assert before.employer_id == E1
    await consistent(tree)


async def test_listing_transfers_of_a_union(tree: Services) -> None:
    a = await tree.membership.request_transfer(
        id_number=resident_id(1), to_union_id=G5, actor=ACTOR
    )
    b = await tree.membership.request_transfer(
        id_number=resident_id(20), to_union_id=G2, actor=ACTOR
    )
    await tree.membership.release_transfer(transfer_id=b.id, actor=ACTOR)
    on_g5 = await tree.membership.transfers(union_id=G5, first=1)
    assert on_g5.total_count == 2 and len(on_g5.items) == 1 and on_g5.has_next_page
    rest = await tree.membership.transfers(union_id=G5, first=5, after=on_g5.end_cursor)
    assert {t.id for t in on_g5.items + rest.items} == {a.id, b.id}
    released = await tree.membership.transfers(union_id=G5, state="RELEASED", first=5)
    assert [t.id for t in released.items] == [b.id]
    assert (await tree.membership.transfers(union_id=G3, first=5)).total_count == 0
