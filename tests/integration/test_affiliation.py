"""Affiliation changes on every engine: rules with their reason codes, one-statement writes that
keep the tree, the history and the rollups consistent (``verify()`` stays empty)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from stdnum.cn import uscc

from graph_service.domain.commands import CreateUnion, UpsertEmployer
from graph_service.errors import BadUserInput, Conflict, GraphStoreError, NotFound
from graph_service.queries import q
from graph_service.services.demo import member_groups, member_write_row
from graph_service.services.registry import Services
from graph_service.store import GraphStore, Query

ACTOR = "tester"
FOUNDED = "2000-01-01"


def make_uscc(region: str, n: int) -> str:
    base = f"91{region}MA{n:07d}"
    return base + uscc.calc_check_digit(base)


@dataclass
class Tree:
    ids: dict[str, str] = field(default_factory=dict)
    employers: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


async def add_union(
    services: Services, tree: Tree, key: str, parent: str | None, level: str, kind: str, region: str
) -> str:
    data: dict[str, object] = {
        "name": f"{key}工会",
        "level": level,
        "kind": kind,
        "regionCode": region,
        "foundedOn": FOUNDED,
    }
    if parent is not None:
        data["parentId"] = tree[parent]
    union = await services.affiliation.create_union(command=CreateUnion.of(data), actor=ACTOR)
    tree.ids[key] = union.id
    return union.id


async def add_members(services: Services, union_id: str, employer_id: str, n: int) -> None:
    rows = []
    for i in range(n):
        rows.append(
            member_write_row(
                {
                    "id": uuid.uuid4().hex[:16],
                    "certType": "99",
                    "certNumber": uuid.uuid4().hex[:18].upper(),
                    "name": f"会员{i}",
                    "gender": "1" if i % 2 else "2",
                    "phone": None,
                    "householdType": "1",
                    "political": "13",
                    "education": None,
                    "newFormWorker": i % 3 == 0,
                    "joinedOn": "2010-01-01",
                    "status": "ACTIVE",
                    "unionPost": None,
                    "unionPostType": None,
                    "unionId": union_id,
                    "employerId": employer_id,
                }
            )
        )
    groups, partial = member_groups(rows)
    assert not partial
    await services.tree._unions._store.write(q("bulk/create_members"), {"groups": groups})


async def build(services: Services, *, members: bool = True) -> Tree:
    """national → province → 2 cities → counties → grassroots, employers, members."""
    tree = Tree()
    local = "地方总工会"
    await add_union(services, tree, "national", None, "NATIONAL", local, "110000")
    await add_union(services, tree, "province", "national", "PROVINCE", local, "420000")
    await add_union(services, tree, "cityA", "province", "CITY", local, "420100")
    await add_union(services, tree, "cityB", "province", "CITY", local, "420200")
    await add_union(services, tree, "countyA", "cityA", "COUNTY", local, "420102")
    await add_union(services, tree, "countyA2", "cityA", "COUNTY", local, "420103")
    await add_union(services, tree, "countyB", "cityB", "COUNTY", local, "420202")
    await add_union(services, tree, "g1", "countyA", "GRASSROOTS", "单独基层工会", "420102")
    await add_union(services, tree, "g2", "countyA", "GRASSROOTS", "单独基层工会", "420102")
    await add_union(services, tree, "g3", "countyB", "GRASSROOTS", "联合基层工会", "420202")
    specs = [("e1", "g1", 40, "05"), ("e2", "g2", 30, "03"), ("e3", "g3", 50, "08")]
    for n, (key, union, count, nature) in enumerate(specs, start=1):
        employer = await services.affiliation.upsert_employer(
            command=UpsertEmployer.of(
                {
                    "id": make_uscc("420102", n),
                    "name": f"{key}公司",
                    "unionId": tree[union],
                    "employeeCount": count,
                    "nature": nature,
                    "regionCode": "420102",
                    "effectiveOn": "2005-01-01",
                }
            ),
            actor=ACTOR,
        )
        tree.employers[key] = employer.id
    uncovered = await services.affiliation.upsert_employer(
        command=UpsertEmployer.of(
            {
                "id": make_uscc("420102", 9),
                "name": "未建会公司",
                "employeeCount": 100,
                "regionCode": "420102",
                "nature": "05",
            }
        ),
        actor=ACTOR,
    )
    tree.employers["e9"] = uncovered.id
    assert await services.stats.verify() == []  # creates and upserts kept the rollups exact
    if members:
        await add_members(services, tree["g1"], tree.employers["e1"], 7)
        await add_members(services, tree["g2"], tree.employers["e2"], 5)
        await add_members(services, tree["g3"], tree.employers["e3"], 4)
        await services.stats.rebuild()
    return tree


async def stats(services: Services, union_id: str, as_of: date | None = None) -> tuple[int, ...]:
    s = await services.stats.subtree_stats(union_id, as_of=as_of)
    return (s.unions, s.members, s.employers, s.employees)


async def reason_of(coro: object, kind: type[Exception]) -> str | None:
    with pytest.raises(kind) as info:
        await coro  # type: ignore[misc]
    return info.value.reason  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- create


async def test_create_union_assigns_temporary_code_and_counts_in_rollups(
    services: Services,
) -> None:
    tree = await build(services, members=False)
    assert tree["g1"].startswith("LS420102")
    g1 = await services.tree.get_union(tree["g1"])
    assert g1.parent_id == tree["countyA"] and g1.status.value == "ACTIVE"
    chain = [u.id for u in await services.tree.ancestors(tree["g1"])]
    assert chain == [tree["national"], tree["province"], tree["cityA"], tree["countyA"]]
    root = await services.stats.subtree_stats(tree["national"])
    assert (root.unions, root.grassroots_unions, root.employers, root.employees) == (10, 3, 3, 120)
    assert root.employers_without_union == 1
    history = await services.affiliation.history(tree["g1"])
    own = [(c.from_union_id, c.to_union_id) for c in history if c.subject_type == "UNION"]
    assert own == [(None, tree["countyA"])]
    assert history[0].recorded_by == ACTOR
    covered = [c.subject_id for c in history if c.subject_type == "EMPLOYER"]
    assert covered == [tree.employers["e1"]]  # the first coverage of an employer is recorded too


async def test_create_union_rules(services: Services) -> None:
    tree = await build(services, members=False)
    base = {"name": "新工会", "kind": "单独基层工会", "regionCode": "420102"}
    bad_level = base | {"level": "COUNTY", "parentId": tree["g1"]}
    assert await reason_of(
        services.affiliation.create_union(command=CreateUnion.of(bad_level), actor=ACTOR), Conflict
    ) == ("LEVEL_ORDER")
    missing = base | {"level": "GRASSROOTS", "parentId": "LS4201020000000000"}
    assert await reason_of(
        services.affiliation.create_union(command=CreateUnion.of(missing), actor=ACTOR), NotFound
    ) == ("PARENT_NOT_FOUND")
    with pytest.raises(BadUserInput) as info:
        await services.affiliation.create_union(
            command=CreateUnion.of(base | {"level": "GRASSROOTS"}), actor=ACTOR
        )
    assert info.value.field == "parentId"
    dup = base | {"level": "GRASSROOTS", "parentId": tree["countyA"], "id": tree["g1"]}
    assert await reason_of(
        services.affiliation.create_union(command=CreateUnion.of(dup), actor=ACTOR), Conflict
    ) == ("DUPLICATE_ID")
    assert await services.stats.verify() == []


# ---------------------------------------------------------------------------- move


async def test_move_updates_parent_ancestors_history_and_both_chains(services: Services) -> None:
    tree = await build(services)
    before_a, before_b = await stats(services, tree["cityA"]), await stats(services, tree["cityB"])
    moved = await stats(services, tree["g1"])
    assert moved == (1, 7, 1, 40)
    change = await services.affiliation.move_union(
        union_id=tree["g1"], new_parent_id=tree["countyB"], reason="区划调整", actor=ACTOR
    )
    assert (change.from_union_id, change.to_union_id) == (tree["countyA"], tree["countyB"])
    assert change.effective_on == date.today() and not change.dry_run
    g1 = await services.tree.get_union(tree["g1"])
    assert g1.parent_id == tree["countyB"]
    chain = [u.id for u in await services.tree.ancestors(tree["g1"])]
    assert chain == [tree["national"], tree["province"], tree["cityB"], tree["countyB"]]
    after_a, after_b = await stats(services, tree["cityA"]), await stats(services, tree["cityB"])
    assert after_a == tuple(b - m for b, m in zip(before_a, moved, strict=True))
    assert after_b == tuple(b + m for b, m in zip(before_b, moved, strict=True))
    assert await stats(services, tree["province"]) == (9, 16, 3, 120)
    # the effect reports the same figures, national root first
    assert change.effect is not None
    old = {e.union_id: e for e in change.effect.old_chain}
    new = {e.union_id: e for e in change.effect.new_chain}
    assert change.effect.new_chain[0].union_id == tree["national"]
    assert (old[tree["cityA"]].members_before, old[tree["cityA"]].members_after) == (12, 5)
    assert (new[tree["cityB"]].members_before, new[tree["cityB"]].members_after) == (4, 11)
    assert old[tree["province"]].members_before == old[tree["province"]].members_after == 16
    history = [
        c for c in await services.affiliation.history(tree["g1"]) if c.subject_type == "UNION"
    ]
    assert [(c.from_union_id, c.to_union_id, c.reason) for c in history][-1] == (
        tree["countyA"],
        tree["countyB"],
        "区划调整",
    )
    children = await services.tree.children(tree["countyA"], first=10, after=None)
    assert [u.id for u in children.items] == [tree["g2"]]
    assert await services.stats.verify() == []


async def test_move_a_whole_subtree(services: Services) -> None:
    tree = await build(services)
    await services.affiliation.move_union(
        union_id=tree["countyA"], new_parent_id=tree["cityB"], actor=ACTOR
    )
    assert await stats(services, tree["cityA"]) == (2, 0, 0, 0)
    assert await stats(services, tree["cityB"]) == (6, 16, 3, 120)
    chain = [u.id for u in await services.tree.ancestors(tree["g2"])]
    assert chain == [tree["national"], tree["province"], tree["cityB"], tree["countyA"]]
    assert await services.stats.verify() == []
    paths = await stored_paths(services)
    assert paths[tree["countyA"]] == [tree["national"], tree["province"], tree["cityB"]]
    assert paths[tree["g1"]] == [tree["national"], tree["province"], tree["cityB"], tree["countyA"]]
    assert paths[tree["countyA2"]] == [tree["national"], tree["province"], tree["cityA"]]
    assert paths[tree["national"]] == []


async def stored_paths(services: Services) -> dict[str, list[str] | None]:
    store = services.tree._unions._store
    rows = await store.read(q("rollup/list_union_paths"))
    return {str(r["id"]): r["path"] for r in rows}  # type: ignore[misc]


async def test_data_without_stored_paths_is_migrated_at_start(services: Services) -> None:
    """Graphs written before stored ancestor paths: reads refuse a missing path with a clear
    error (no walking fallback); the one-off migration run at every start stores them all."""
    tree = await build(services)
    store = services.tree._unions._store
    rows = [{"id": uid, "path": None} for uid in tree.ids.values()]
    await store.write(q("rollup/set_paths"), {"rows": rows})  # as written before paths existed
    assert set((await stored_paths(services)).values()) == {None}
    assert {m.key for m in await services.stats.verify()} == {"path"}
    with pytest.raises(GraphStoreError) as caught:
        await services.tree.ancestors(tree["g1"])
    assert caught.value.reason == "PATH_MISSING"
    assert await services.stats.migrate_ancestor_paths() == len(tree.ids)
    assert await services.stats.verify() == []
    assert await services.stats.migrate_ancestor_paths() == 0  # one-off: nothing left to do
    above = [u.id for u in await services.tree.ancestors(tree["g1"])]
    assert above == [tree["national"], tree["province"], tree["cityA"], tree["countyA"]]
    await services.affiliation.move_union(
        union_id=tree["countyA"], new_parent_id=tree["cityB"], actor=ACTOR
    )
    paths = await stored_paths(services)
    assert paths[tree["g2"]] == [tree["national"], tree["province"], tree["cityB"], tree["countyA"]]
    assert await services.stats.verify() == []


async def test_dry_run_writes_nothing_but_reports_the_effect(services: Services) -> None:
    tree = await build(services)
    before = await services.stats.live_counters()
    change = await services.affiliation.move_union(
        union_id=tree["countyA"], new_parent_id=tree["cityB"], dry_run=True, actor=ACTOR
    )
    assert change.dry_run and change.effect is not None
    new = {e.union_id: e for e in change.effect.new_chain}
    assert (new[tree["cityB"]].unions_before, new[tree["cityB"]].unions_after) == (3, 6)
    assert (new[tree["cityB"]].employees_before, new[tree["cityB"]].employees_after) == (50, 120)
    assert (await services.tree.get_union(tree["countyA"])).parent_id == tree["cityA"]
    assert await services.stats.live_counters() == before
    assert await stats(services, tree["cityA"]) == (5, 12, 2, 70)
    history = await services.affiliation.history(tree["countyA"])
    assert [c.to_union_id for c in history if c.subject_type == "UNION"] == [tree["cityA"]]
    assert await services.stats.verify() == []


RELABEL = Query(
    "test/relabel_level",
    "MATCH (u:Union {id: $id}) SET u.level = $level RETURN u.id AS id",
)


async def test_the_cycle_rule_alone_stops_a_move_the_levels_allow(
    services: Services, store: GraphStore
) -> None:
    """Moving a union under its own descendant normally breaks the level rule too; here a
    grassroots union carries a CITY level (data from before the level rules), so the levels
    allow countyA under g1 and only the cycle rule stands between the tree and a loop."""
    tree = await build(services)
    await store.write(RELABEL, {"id": tree["g1"], "level": "CITY"})
    before = await stats(services, tree["cityA"])
    for dry_run in (True, False):
        reason = await reason_of(
            services.affiliation.move_union(
                union_id=tree["countyA"], new_parent_id=tree["g1"], dry_run=dry_run, actor=ACTOR
            ),
            Conflict,
        )
        assert reason == "CYCLE"
    assert (await services.tree.get_union(tree["countyA"])).parent_id == tree["cityA"]
    assert (await services.tree.get_union(tree["g1"])).parent_id == tree["countyA"]
    assert await stats(services, tree["cityA"]) == before
    # the same levels with no loop: the move is allowed (so the levels did not stop it above)
    await store.write(RELABEL, {"id": tree["g3"], "level": "CITY"})
    moved = await services.affiliation.move_union(
        union_id=tree["countyA"], new_parent_id=tree["g3"], dry_run=True, actor=ACTOR
    )
    assert moved.dry_run


async def test_move_rules_each_with_its_reason(services: Services) -> None:
    tree = await build(services)
    move = services.affiliation.move_union

    async def conflict(union: str, parent: str) -> str | None:
        return await reason_of(
            move(union_id=tree[union], new_parent_id=tree[parent], actor=ACTOR), Conflict
        )

    assert await conflict("cityA", "g1") == "CYCLE"
    assert await conflict("cityA", "cityA") == "CYCLE"
    assert await conflict("g1", "g2") == "LEVEL_ORDER"
    assert await conflict("countyA", "countyB") == "LEVEL_ORDER"
    assert await conflict("g1", "countyA") == "SAME_PARENT"
    assert await conflict("national", "province") == "ROOT_IMMOVABLE"
    unknown = "LS4201020000000001"
    assert (
        await reason_of(
            move(union_id=unknown, new_parent_id=tree["countyA"], actor=ACTOR), NotFound
        )
        == "UNION_NOT_FOUND"
    )
    assert (
        await reason_of(move(union_id=tree["g1"], new_parent_id=unknown, actor=ACTOR), NotFound)
        == "PARENT_NOT_FOUND"
    )
    with pytest.raises(BadUserInput) as bad:
        await move(union_id="not-a-code", new_parent_id=tree["countyB"], actor=ACTOR)
    assert bad.value.field == "unionId"
    with pytest.raises(BadUserInput) as bad:
        await move(union_id=tree["g1"], new_parent_id=tree["countyB"], effective_on="2020-13-45",
                   actor=ACTOR)  # fmt: skip
    assert bad.value.field == "effectiveOn"
    with pytest.raises(BadUserInput) as bad:
        await move(union_id=tree["g1"], new_parent_id=tree["countyB"], effective_on="1999-01-01",
                   actor=ACTOR)  # fmt: skip
    assert (bad.value.reason, bad.value.field) == ("EFFECTIVE_BEFORE_SINCE", "effectiveOn")
    # a target under a dissolved union
    await add_union(services, tree, "empty", "cityB", "COUNTY", "地方总工会", "420202")
    await services.affiliation.dissolve_union(union_id=tree["empty"], actor=ACTOR)
    assert await conflict("g1", "empty") == "TARGET_DISSOLVED"
    assert (await services.tree.get_union(tree["g1"])).parent_id == tree["countyA"]
    assert await services.stats.verify() == []


async def test_national_root_cannot_move(services: Services) -> None:
    tree = await build(services, members=False)
    await add_union(services, tree, "other", None, "NATIONAL", "地方总工会", "110000")
    reason = await reason_of(
        services.affiliation.move_union(
            union_id=tree["national"], new_parent_id=tree["other"], actor=ACTOR
        ),
        Conflict,
    )
    assert reason == "ROOT_IMMOVABLE"
    reason = await reason_of(
        services.affiliation.move_union(
            union_id=tree["national"], new_parent_id=tree["province"], actor=ACTOR
        ),
        Conflict,
    )
    assert reason == "ROOT_IMMOVABLE"
    assert await services.stats.verify() == []


async def test_back_dated_move_changes_past_stats_only_from_effective_on(
    services: Services,
) -> None:
    tree = await build(services)
    await services.affiliation.move_union(
        union_id=tree["g1"],
        new_parent_id=tree["countyB"],
        effective_on=date(2020, 1, 1),
        actor=ACTOR,
    )
    before_day, after_day = date(2019, 6, 1), date(2021, 6, 1)
    assert await stats(services, tree["countyA"], before_day) == (3, 12, 2, 70)
    assert await stats(services, tree["countyB"], before_day) == (2, 4, 1, 50)
    assert await stats(services, tree["countyA"], after_day) == (2, 5, 1, 30)
    assert await stats(services, tree["countyB"], after_day) == (3, 11, 2, 90)
    assert await stats(services, tree["countyB"]) == (3, 11, 2, 90)
    history = await services.affiliation.history(tree["g1"])
    assert history[-1].effective_on == date(2020, 1, 1)
    assert await services.stats.verify() == []


# ---------------------------------------------------------------------------- dissolve


async def test_dissolve_refuses_with_counts_then_succeeds_when_empty(services: Services) -> None:
    tree = await build(services)
    with pytest.raises(Conflict) as info:
        await services.affiliation.dissolve_union(union_id=tree["countyA"], actor=ACTOR)
    assert info.value.reason == "HAS_CHILDREN"
    assert info.value.details == {"children": 2, "members": 0}
    with pytest.raises(Conflict) as info:
        await services.affiliation.dissolve_union(union_id=tree["g2"], actor=ACTOR)
    assert info.value.reason == "HAS_MEMBERS" and info.value.details["members"] == 5
    # an empty union can go; it stays in the tree as history and stops counting
    await add_union(services, tree, "g4", "countyA", "GRASSROOTS", "单独基层工会", "420102")
    assert (await stats(services, tree["countyA"]))[0] == 4
    done = await services.affiliation.dissolve_union(
        union_id=tree["g4"], effective_on="2024-01-01", reason="单位注销", actor=ACTOR
    )
    assert done.status.value == "DISSOLVED" and done.parent_id == tree["countyA"]
    county = await services.stats.subtree_stats(tree["countyA"])
    assert (county.unions, county.grassroots_unions) == (3, 2)
    assert (
        await reason_of(
            services.affiliation.dissolve_union(union_id=tree["g4"], actor=ACTOR), Conflict
        )
        == "ALREADY_DISSOLVED"
    )
    assert await reason_of(
        services.affiliation.create_union(
            command=CreateUnion.of(
                {"name": "x", "level": "GRASSROOTS", "kind": "单独基层工会", "parentId": tree["g4"]}
            ),
            actor=ACTOR,
        ),
        Conflict,
    ) in ("TARGET_DISSOLVED", "LEVEL_ORDER")
    assert await services.stats.verify() == []


# ---------------------------------------------------------------------------- employers


async def test_upsert_employer_headcount_and_first_coverage_update_rollups(
    services: Services,
) -> None:
    tree = await build(services)
    e1 = tree.employers["e1"]
    updated = await services.affiliation.upsert_employer(
        command=UpsertEmployer.of({"id": e1, "name": "e1公司", "employeeCount": 55}), actor=ACTOR
    )
    assert updated.employee_count == 55 and updated.union_id == tree["g1"]
    assert updated.nature == "05"  # fields not given are kept
    assert await stats(services, tree["g1"]) == (1, 7, 1, 55)
    covered = await services.affiliation.upsert_employer(
        command=UpsertEmployer.of(
            {"id": tree.employers["e9"], "name": "未建会公司", "unionId": tree["g2"]}
        ),
        actor=ACTOR,
    )
    assert covered.union_id == tree["g2"]
    county = await services.stats.subtree_stats(tree["countyA"])
    assert (county.employers, county.employees, county.employers_without_union) == (3, 185, 0)
    assert (
        await reason_of(
            services.affiliation.upsert_employer(
                command=UpsertEmployer.of({"id": e1, "name": "e1公司", "unionId": tree["g3"]}),
                actor=ACTOR,
            ),
            Conflict,
        )
        == "ALREADY_COVERED"
    )
    assert (
        await reason_of(
            services.affiliation.upsert_employer(
                command=UpsertEmployer.of(
                    {"id": make_uscc("420102", 20), "name": "x", "unionId": "LS4201020000000009"}
                ),
                actor=ACTOR,
            ),
            NotFound,
        )
        == "UNION_NOT_FOUND"
    )
    with pytest.raises(BadUserInput) as bad:
        await services.affiliation.upsert_employer(
            command=UpsertEmployer.of({"id": "123", "name": "x"}), actor=ACTOR
        )
    assert bad.value.field == "id"
    assert await services.stats.verify() == []


async def test_transfer_employer_moves_employees_between_chains_not_members(
    services: Services,
) -> None:
    tree = await build(services)
    e2 = tree.employers["e2"]
    dry = await services.affiliation.transfer_employer(
        employer_id=e2, to_union_id=tree["g3"], dry_run=True, actor=ACTOR
    )
    assert dry.dry_run and dry.effect is not None
    assert await stats(services, tree["cityA"]) == (5, 12, 2, 70)
    change = await services.affiliation.transfer_employer(
        employer_id=e2, to_union_id=tree["g3"], reason="企业转移", actor=ACTOR
    )
    assert (change.from_union_id, change.to_union_id) == (tree["g2"], tree["g3"])
    assert await stats(services, tree["cityA"]) == (5, 12, 1, 40)  # members stay with g2
    assert await stats(services, tree["cityB"]) == (3, 4, 2, 80)
    assert (await services.tree.get_employer(e2)).union_id == tree["g3"]
    to_g3 = await services.affiliation.history(tree["g3"])
    assert any(c.subject_id == e2 and c.subject_type == "EMPLOYER" for c in to_g3)
    assert any(c.subject_id == e2 for c in await services.affiliation.history(tree["g2"]))
    assert (
        await reason_of(
            services.affiliation.transfer_employer(
                employer_id=e2, to_union_id=tree["g3"], actor=ACTOR
            ),
            Conflict,
        )
        == "SAME_UNION"
    )
    assert (
        await reason_of(
            services.affiliation.transfer_employer(
                employer_id=make_uscc("420102", 77), to_union_id=tree["g3"], actor=ACTOR
            ),
            NotFound,
        )
        == "EMPLOYER_NOT_FOUND"
    )
    assert (
        await reason_of(
            services.affiliation.transfer_employer(
                employer_id=tree.employers["e9"], to_union_id=tree["g3"], actor=ACTOR
            ),
            Conflict,
        )
        == "NOT_COVERED"
    )
    assert await services.stats.verify() == []
