"""Moves are written first and explained after: the move statement itself refuses every move the
rules forbid (nothing written), and the service then reads the rules to say which one failed."""

from __future__ import annotations

from datetime import date

import pytest

from graph_service.errors import Conflict
from graph_service.queries import q
from graph_service.services.affiliation import RANKS, WIDTH
from graph_service.services.registry import Services
from tests.integration.test_affiliation import (
    ACTOR,
    Tree,
    add_union,
    build,
    reason_of,
    stats,
    stored_paths,
)


async def snapshot(services: Services, tree: Tree) -> tuple[object, ...]:
    """Everything a move changes: parents, stored paths, rollups, live counts, history."""
    store = services.tree._unions._store
    parents = {k: (await services.tree.get_union(v)).parent_id for k, v in tree.ids.items()}
    unions = await store.read(q("union/get_unions"), {"ids": list(tree.ids.values())})
    rollups = await store.read(q("stats/get_rollups"), {"ids": list(tree.ids.values())})
    history = {k: len(await services.affiliation.history(v)) for k, v in tree.ids.items()}
    return (
        parents,
        await stored_paths(services),
        sorted(str(r) for r in unions),
        sorted(str(r) for r in rollups),
        await services.stats.live_counters(),
        [await stats(services, v) for v in tree.ids.values()],
        history,
    )


def move_params(union_id: str, new_parent_id: str, effective_on: str) -> dict[str, object]:
    return {
        "unionId": union_id,
        "newParentId": new_parent_id,
        "effectiveOn": effective_on,
        "ranks": RANKS,
        "width": WIDTH,
        "changeId": "0" * 32,
        "reason": None,
        "recordedAt": "2030-01-01T00:00:00.000+00:00",
        "recordedBy": ACTOR,
    }


async def test_the_move_statement_refuses_every_forbidden_move_by_itself(
    services: Services,
) -> None:
    tree = await build(services)
    await add_union(services, tree, "spare", "cityB", "COUNTY", "地方总工会", "420202")
    await add_union(services, tree, "gone", "countyB", "GRASSROOTS", "单独基层工会", "420202")
    await services.affiliation.dissolve_union(union_id=tree["spare"], actor=ACTOR)
    await services.affiliation.dissolve_union(union_id=tree["gone"], actor=ACTOR)
    today = date.today().isoformat()
    before = await snapshot(services, tree)
    forbidden = {
        "CYCLE (into its own subtree)": ("cityA", "g1", today),
        "CYCLE (under itself)": ("cityA", "cityA", today),
        "LEVEL_ORDER (same level)": ("g1", "g2", today),
        "LEVEL_ORDER (county under county)": ("countyA", "countyB", today),
        "SAME_PARENT": ("g1", "countyA", today),
        "ROOT_IMMOVABLE": ("national", "province", today),
        "TARGET_DISSOLVED": ("g1", "spare", today),
        "UNION_DISSOLVED": ("gone", "countyA", today),
        "EFFECTIVE_BEFORE_SINCE": ("g1", "countyB", "1999-01-01"),
    }
    repo = services.affiliation._repo
    for rule, (union, parent, day) in forbidden.items():
        result = await repo.move_union(move_params(tree[union], tree[parent], day))
        assert result is None, rule
    unknown = "LS4201020000000001"
    assert await repo.move_union(move_params(unknown, tree["countyA"], today)) is None
    assert await repo.move_union(move_params(tree["g1"], unknown, today)) is None
    assert await snapshot(services, tree) == before
    assert await services.stats.verify() == []
    # and an allowed move goes through with what it read just before writing
    result = await repo.move_union(move_params(tree["g1"], tree["countyB"], today))
    assert result is not None
    assert result.from_union_id == tree["countyA"]
    assert [n.id for n in result.old_chain] == [
        tree["countyA"], tree["cityA"], tree["province"], tree["national"]
    ]  # fmt: skip
    assert [n.id for n in result.new_chain] == [
        tree["countyB"], tree["cityB"], tree["province"], tree["national"]
    ]  # fmt: skip
    assert result.moved[:5] == [1, 1, 1, 40, 7]
    assert await services.stats.verify() == []


async def test_moving_a_dissolved_union_is_refused_and_writes_nothing(services: Services) -> None:
    tree = await build(services)
    await add_union(services, tree, "gone", "countyB", "GRASSROOTS", "单独基层工会", "420202")
    await services.affiliation.dissolve_union(union_id=tree["gone"], actor=ACTOR)
    before = await snapshot(services, tree)
    with pytest.raises(Conflict) as info:
        await services.affiliation.move_union(
            union_id=tree["gone"], new_parent_id=tree["countyA"], actor=ACTOR
        )
    assert (info.value.reason, info.value.field) == ("UNION_DISSOLVED", "unionId")
    assert await snapshot(services, tree) == before
    assert await services.stats.verify() == []


async def test_a_union_without_a_parent_cannot_move(services: Services) -> None:
    tree = await build(services, members=False)
    store = services.tree._unions._store
    detached = "LS4202020000000077"
    await store.write(
        q("affiliation/create_root_union"),
        {
            "id": detached,
            "props": {
                "name": "失联工会",
                "level": "COUNTY",
                "kind": "地方总工会",
                "status": "ACTIVE",
            },
            "rollup": [0] * WIDTH,
            "recordedAt": "2030-01-01T00:00:00.000+00:00",
        },
    )
    reason = await reason_of(
        services.affiliation.move_union(
            union_id=detached, new_parent_id=tree["cityB"], actor=ACTOR
        ),
        Conflict,
    )
    assert reason == "NO_CURRENT_PARENT"
    assert (await services.tree.get_union(detached)).parent_id is None


async def test_refused_moves_leave_everything_as_it_was(services: Services) -> None:
    tree = await build(services)
    before = await snapshot(services, tree)
    move = services.affiliation.move_union
    for union, parent in [("cityA", "g1"), ("g1", "g2"), ("g1", "countyA"), ("national", "cityA")]:
        with pytest.raises(Conflict):
            await move(union_id=tree[union], new_parent_id=tree[parent], actor=ACTOR)
    assert await snapshot(services, tree) == before


async def test_moves_back_and_forth_report_exact_effects_and_history(services: Services) -> None:
    tree = await build(services)
    for i in range(6):
        target, source = ("countyB", "countyA") if i % 2 == 0 else ("countyA", "countyB")
        before_source = await stats(services, tree[source])
        before_target = await stats(services, tree[target])
        change = await services.affiliation.move_union(
            union_id=tree["g1"], new_parent_id=tree[target], reason=f"第{i}次", actor=ACTOR
        )
        assert (change.from_union_id, change.to_union_id) == (tree[source], tree[target])
        assert change.effect is not None and not change.dry_run
        old, new = change.effect.old_chain[-1], change.effect.new_chain[-1]
        assert old.union_id == tree[source] and new.union_id == tree[target]
        assert (old.unions_before, old.members_before) == (before_source[0], before_source[1])
        assert (old.unions_after, old.members_after) == (before_source[0] - 1, before_source[1] - 7)
        assert (new.unions_before, new.members_before) == (before_target[0], before_target[1])
        assert (new.unions_after, new.members_after) == (before_target[0] + 1, before_target[1] + 7)
        assert change.effect.old_chain[0].union_id == tree["national"]
        assert [e.union_id for e in change.effect.new_chain] == [
            tree["national"], tree["province"], tree["cityA" if target == "countyA" else "cityB"],
            tree[target],
        ]  # fmt: skip
        assert await stats(services, tree[source]) == tuple(
            b - m for b, m in zip(before_source, (1, 7, 1, 40), strict=True)
        )
    history = [
        c for c in await services.affiliation.history(tree["g1"]) if c.subject_type == "UNION"
    ]
    assert [c.reason for c in history][-6:] == [f"第{i}次" for i in range(6)]
    assert all(c.id for c in history) and len({c.id for c in history}) == len(history)
    assert (await services.tree.get_union(tree["g1"])).parent_id == tree["countyA"]
    assert await services.stats.verify() == []
