"""Property test: random sequences of EVERY mutation, at the service level, on a real engine.

A hypothesis state machine drives createUnion, moveUnion, dissolveUnion, upsertEmployer,
transferEmployer, addMember, endMembership (every reason), request/release/complete/reject/
cancel member transfers and imports of small CSV rosters against the small tree of
``test_membership``. A refusal must be a rule of the register (CONFLICT, BAD_USER_INPUT or
NOT_FOUND with a stable reason); anything else fails. After every step: each union has at most
one current parent and walking parents ends at the national root (no cycle), no certificate is
active in two unions, and every certificate the model knows is where the service said it went.
At teardown ``StatsService.verify()`` (every rollup and ancestor path recounted live) is clean.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from graph_service.domain.codes import LeaveReason
from graph_service.domain.models import Member
from graph_service.domain.validation import certificate_key
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import UnionTreeError
from graph_service.queries import q
from graph_service.repositories.rollups import RollupRepository
from graph_service.repositories.tree import MemberRepository
from graph_service.services.registry import Services
from graph_service.store import GraphStore
from loaders.importer import Importer
from loaders.samples import CANONICAL_MEMBER_HEADER, write_csv
from tests.conftest import ENGINES, make_services, neo4j_connection, open_test_store
from tests.integration.test_affiliation import make_uscc
from tests.integration.test_membership import (
    E1,
    E2,
    E3,
    NAT,
    TREE,
    build_tree,
    member_input,
    resident_id,
)

T = TypeVar("T")
ACTOR = "prop"
CERTS = [resident_id(seq) for seq in range(1, 7)]  # male, born 1990-01-01 in 420102
HOLDER_LEVELS = ("GRASSROOTS", "FEDERATION")
FROM_STATES = {  # the states each transfer step applies to (others must be refused)
    "release": ("REQUESTED",),
    "complete": ("RELEASED",),
    "reject": ("REQUESTED", "RELEASED"),
    "cancel": ("REQUESTED", "RELEASED"),
}
REFUSALS = {"CONFLICT", "BAD_USER_INPUT", "NOT_FOUND"}
NEW_LEVELS = {
    "TOWNSHIP": "工会工作委员会",
    "FEDERATION": "区域性工会联合会",
    "GRASSROOTS": "单独基层工会",
}
REASONS = [r.value for r in LeaveReason]

index = st.integers(min_value=0, max_value=10**6)
TALLY: Counter[str] = Counter()  # applied mutations over the whole run, by name
REFUSED: Counter[str] = Counter()  # refusals over the whole run, by name and reason


class Register(RuleBasedStateMachine):
    """The register under random mutations; the model is what the service reported back."""

    engine = "falkordb"
    server: EmbeddedFalkorDB

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.store: GraphStore = self.run(open_test_store(self.engine, self.server))
        self.services: Services = make_services(self.store)
        self.run(build_tree(self.store, self.services))
        self.unions: list[str] = [uid for uid, *_ in TREE]
        self.holders: list[str] = [u for u, _, lvl, *_ in TREE if lvl in HOLDER_LEVELS]
        self.employers: list[str] = [E1, E2, E3]
        self.members: dict[str, str | None] = {}  # cert -> current union (None: LEFT)
        self.transfers: dict[str, str] = {}  # id -> state
        self.refused: Counter[str] = Counter()
        self.applied: Counter[str] = Counter()

    # ----------------------------------------------------------------- helpers
    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    def attempt(self, name: str, coro: Awaitable[T]) -> T | None:
        """The result, or None when the register refused with a client error and a reason."""
        try:
            result = self.run(coro)
        except UnionTreeError as exc:
            assert exc.code in REFUSALS, f"{name}: {exc.code} {exc.reason} {exc.message}"
            assert exc.reason, f"{name}: refusal without a reason: {exc.code}"
            self.refused[f"{name}:{exc.reason}"] += 1
            return None
        self.applied[name] += 1
        return result

    def pick(self, items: list[str], i: int) -> str:
        return items[i % len(items)]

    def current(self, cert: str) -> Member | None:
        key = certificate_key("01", cert)
        return self.run(MemberRepository(self.store).by_cert_keys([key])).get(key)

    def note(self, member: Member) -> None:
        open_ = member.status.value != "LEFT" and member.union_id is not None
        self.members[member.cert_number] = member.union_id if open_ else None

    # ----------------------------------------------------------------- the tree
    @rule(parent=index, level=st.sampled_from(sorted(NEW_LEVELS)))
    def create_union(self, parent: int, level: str) -> None:
        data = {
            "name": f"新建工会{len(self.unions)}",
            "level": level,
            "kind": NEW_LEVELS[level],
            "regionCode": "420102",
            "foundedOn": "2015-01-01",
            "parentId": self.pick(self.unions, parent),
        }
        union = self.attempt(
            "createUnion", self.services.affiliation.create_union(data, actor=ACTOR)
        )
        if union is not None:
            self.unions.append(union.id)
            if level in HOLDER_LEVELS:
                self.holders.append(union.id)

    @rule(child=index, parent=index)
    def move_union(self, child: int, parent: int) -> None:
        self.attempt(
            "moveUnion",
            self.services.affiliation.move_union(
                union_id=self.pick(self.unions, child),
                new_parent_id=self.pick(self.unions, parent),
                actor=ACTOR,
            ),
        )

    @rule(union=index)
    def dissolve_union(self, union: int) -> None:
        self.attempt(
            "dissolveUnion",
            self.services.affiliation.dissolve_union(
                union_id=self.pick(self.unions, union), actor=ACTOR, reason="测试撤销"
            ),
        )

    # ----------------------------------------------------------------- employers
    @rule(n=st.integers(1, 4), union=st.none() | index, staff=st.sampled_from([0, 10, 30, 300]))
    def upsert_employer(self, n: int, union: int | None, staff: int) -> None:
        data: dict[str, object] = {
            "id": make_uscc("420102", n),
            "name": f"随机单位{n}",
            "employeeCount": staff,
            "nature": "05",
            "regionCode": "420102",
        }
        if union is not None:
            data["unionId"] = self.pick(self.unions, union)
        employer = self.attempt(
            "upsertEmployer", self.services.affiliation.upsert_employer(data, actor=ACTOR)
        )
        if employer is not None and employer.id not in self.employers:
            self.employers.append(employer.id)

    @rule(employer=index, union=index)
    def transfer_employer(self, employer: int, union: int) -> None:
        self.attempt(
            "transferEmployer",
            self.services.affiliation.transfer_employer(
                employer_id=self.pick(self.employers, employer),
                to_union_id=self.pick(self.unions, union),
                actor=ACTOR,
            ),
        )

    # ----------------------------------------------------------------- members
    @rule(cert=index, union=index)
    def add_member(self, cert: int, union: int) -> None:
        number = self.pick(CERTS, cert)
        uid = self.pick(self.holders, union)
        data = member_input(CERTS.index(number) + 1, uid, employerId=None)
        member = self.attempt(
            "addMember", self.services.membership.add_member(data=data, actor=ACTOR)
        )
        if self.members.get(number) is not None:
            assert member is None, "a certificate active in one union joined a second one"
        if member is not None:
            self.note(member)

    def active(self) -> list[str]:
        return sorted(c for c, u in self.members.items() if u is not None)

    @precondition(lambda self: bool(self.active()))
    @rule(cert=index, reason=st.sampled_from(REASONS))
    def end_membership(self, cert: int, reason: str) -> None:
        member = self.attempt(
            f"endMembership.{reason}",
            self.services.membership.end_membership(
                id_number=self.pick(self.active(), cert), reason=reason, actor=ACTOR
            ),
        )
        if reason == "TRANSFERRED_OUT":
            assert member is None, "TRANSFERRED_OUT must go through a member transfer"
        if member is not None:
            self.note(member)

    @precondition(lambda self: bool(self.active()))
    @rule(cert=index, union=index)
    def request_transfer(self, cert: int, union: int) -> None:
        self._request(cert, union)

    def _request(self, cert: int, union: int) -> str | None:
        transfer = self.attempt(
            "requestMemberTransfer",
            self.services.membership.request_transfer(
                id_number=self.pick(self.active(), cert),
                to_union_id=self.pick(self.holders, union), reason="调动", actor=ACTOR,
            ),
        )  # fmt: skip
        if transfer is not None:
            self.transfers[transfer.id] = transfer.state.value
            self.note(self.run(self.services.membership.get_members([transfer.member_id]))[
                transfer.member_id
            ])
            return transfer.id
        return None

    @precondition(lambda self: bool(self.transfers))
    @rule(
        transfer=index,
        step=st.sampled_from(["next", "next", "next", "release", "complete", "reject", "cancel"]),
        any_state=st.booleans(),
    )
    def step_transfer(self, transfer: int, step: str, any_state: bool) -> None:
        """``next``: the forward step an open transfer awaits (release, then complete)."""
        open_ = [t for t, state in self.transfers.items() if state in ("REQUESTED", "RELEASED")]
        tid = self.pick(list(self.transfers) if any_state or not open_ else open_, transfer)
        if step == "next":
            step = "release" if self.transfers[tid] == "REQUESTED" else "complete"
        self._step(tid, step)

    def _step(self, tid: str, step: str) -> None:
        membership = self.services.membership
        calls = {
            "release": lambda: membership.release_transfer(transfer_id=tid, actor=ACTOR),
            "complete": lambda: membership.complete_transfer(transfer_id=tid, actor=ACTOR),
            "reject": lambda: membership.reject_transfer(
                transfer_id=tid, note="材料不全", actor=ACTOR
            ),
            "cancel": lambda: membership.cancel_transfer(transfer_id=tid, actor=ACTOR),
        }
        done = self.attempt(f"{step}MemberTransfer", calls[step]())
        if self.transfers[tid] not in FROM_STATES[step]:
            assert done is None, f"{step} applied to a {self.transfers[tid]} transfer"
        if done is not None:
            assert done.state.value == {
                "release": "RELEASED", "complete": "COMPLETED",
                "reject": "REJECTED", "cancel": "CANCELLED",
            }[step]  # fmt: skip
            self.transfers[tid] = done.state.value
            members = self.run(self.services.membership.get_members([done.member_id]))
            self.note(members[done.member_id])

    @precondition(lambda self: bool(self.active()))
    @rule(cert=index, union=index, ending=st.sampled_from(["complete", "reject", "cancel"]))
    def whole_transfer(self, cert: int, union: int, ending: str) -> None:
        """A request taken to its end in one step (release first unless it is cancelled)."""
        tid = self._request(cert, union)
        if tid is None:
            return
        if ending != "cancel":
            self._step(tid, "release")
        self._step(tid, ending)

    # ----------------------------------------------------------------- imports
    @rule(rows=st.lists(st.tuples(index, index), min_size=1, max_size=4))
    def import_roster(self, rows: list[tuple[int, int]]) -> None:
        lines, planned = [], []
        for cert, union in rows:
            number, uid = self.pick(CERTS, cert), self.pick(self.holders, union)
            planned.append((number, uid))
            lines.append(
                [uid, "", f"导入{number[-4:]}", "男", "居民身份证", number, "13900139000",
                 "城镇", "群众", "本科", "否", "2019-03-01", "在册", "无", "无"]
            )  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            path = write_csv(Path(tmp) / "roster.csv", CANONICAL_MEMBER_HEADER, lines)
            summary = self.attempt(
                "import",
                Importer(self.services.imports, chunk=2).run([(path, path.name)], operator=ACTOR),
            )
        if summary is None:
            return
        rejected = {e.row - 2 for e in summary.errors}  # row 1 is the header
        for i, (number, uid) in enumerate(planned):
            before = self.members.get(number)
            first = [n for n, _ in planned].index(number) == i
            if before is not None and before != uid and first:
                assert i in rejected, "an import moved an active member to another union"
        for number, _ in planned:
            member = self.current(number)
            if member is not None:
                self.note(member)

    # ----------------------------------------------------------------- invariants
    @invariant()
    def one_parent_and_no_cycle(self) -> None:
        skeleton = self.run(RollupRepository(self.store).skeleton())
        counts = Counter(node.id for node in skeleton)
        assert all(c == 1 for c in counts.values()), "a union has two current parents"
        parent = {node.id: node.parent_id for node in skeleton}
        for union_id in parent:
            seen: set[str] = set()
            node: str | None = union_id
            while parent.get(node or "") is not None:
                assert node not in seen, "cycle in the tree"
                seen.add(node)  # type: ignore[arg-type]
                node = parent[node]  # type: ignore[index]
            assert node == NAT, f"{union_id} does not reach the national root"

    @invariant()
    def each_certificate_active_in_at_most_one_union(self) -> None:
        duplicates = self.run(self.store.read(q("anomaly/list_duplicate_memberships")))
        assert duplicates == []
        keys = [certificate_key("01", c) for c in self.members]
        found = self.run(MemberRepository(self.store).by_cert_keys(keys))
        for cert, union_id in self.members.items():
            member = found[certificate_key("01", cert)]
            assert (member.union_id if member.status.value != "LEFT" else None) == union_id

    def teardown(self) -> None:
        TALLY.update(self.applied)
        REFUSED.update(self.refused)
        try:
            assert self.run(self.services.stats.verify()) == []
        finally:
            self.run(self.store.drop())  # type: ignore[attr-defined]
            self.run(self.store.close())
            self.loop.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_random_mutation_sequences_keep_the_register_consistent(
    engine: str, falkordb_server: EmbeddedFalkorDB
) -> None:
    if engine == "neo4j" and isinstance(reason := neo4j_connection(), str):
        pytest.skip(reason)
    Register.engine, Register.server = engine, falkordb_server
    machine = Register.TestCase
    machine.settings = settings(
        max_examples=20,
        stateful_step_count=50,
        # hypothesis' swarm testing turns rules on and off per example, so what a random run
        # covers varies a lot; a fixed seed keeps the coverage asserted below stable in CI
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    TALLY.clear()
    REFUSED.clear()
    machine().runTest()
    print(f"applied: {dict(sorted(TALLY.items()))}, refused: {dict(sorted(REFUSED.items()))}")
    # the run is only worth something if every kind of mutation really happened
    expected = {
        "createUnion", "moveUnion", "dissolveUnion", "upsertEmployer", "transferEmployer",
        "addMember", "requestMemberTransfer", "releaseMemberTransfer", "completeMemberTransfer",
        "import",
    }  # fmt: skip
    assert expected <= set(TALLY), f"never applied: {sorted(expected - set(TALLY))}"
    assert TALLY["rejectMemberTransfer"] + TALLY["cancelMemberTransfer"] > 0
    ends = {name for name in TALLY if name.startswith("endMembership.")}
    assert len(ends) >= 4, f"too few leave reasons applied: {sorted(ends)}"
