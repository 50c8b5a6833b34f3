"""Pure rollup arithmetic: direct tallies summed up the tree."""

from __future__ import annotations

from collections import Counter

from graph_service.domain.stats import (
    SubtreeStats,
    UnionNode,
    counters_from_props,
    rollup_key,
    rollup_property,
)
from graph_service.services.rollups import descendants, direct_tallies, subtree_sums

TREE = [
    UnionNode("root", "PROVINCE", "ACTIVE", None, "420000", "地方总工会"),
    UnionNode("city", "CITY", "ACTIVE", "root", "420100", "地方总工会"),
    UnionNode("county", "COUNTY", "ACTIVE", "city", "420111", "地方总工会"),
    UnionNode("g1", "GRASSROOTS", "ACTIVE", "county", "420111", "单独基层工会"),
    UnionNode("g2", "GRASSROOTS", "DISSOLVED", "county", "420111", "单独基层工会"),
    UnionNode("loose", "GRASSROOTS", "ACTIVE", None, "420111", "单独基层工会"),
]
MEMBERS = [
    {"id": "g1", "gender": "1", "householdType": "1", "newFormWorker": False, "n": 3},
    {"id": "g1", "gender": "2", "householdType": "2", "newFormWorker": True, "n": 2},
    {"id": "g2", "gender": "2", "householdType": "1", "newFormWorker": False, "n": 1},
]
EMPLOYERS = [{"id": "g1", "nature": "05", "n": 1, "employees": 10}]
UNCOVERED = [{"regionCode": "420111", "n": 2}, {"regionCode": "420199", "n": 1}]


def test_subtree_sums_add_children_into_every_ancestor() -> None:
    direct = direct_tallies(TREE, MEMBERS, EMPLOYERS, UNCOVERED)
    totals = subtree_sums(TREE, direct)
    root = totals["root"]
    assert root["members"] == 6
    assert root["unions"] == 4  # the dissolved union is not counted, the detached one is elsewhere
    assert root["grassroots"] == 1
    assert root["gender:2"] == 3 and root["gender:1"] == 3
    assert root["newForm"] == 2
    assert root["employers"] == 1 and root["employees"] == 10
    assert totals["county"]["noUnion"] == 2  # the exact county
    assert totals["city"]["noUnion"] == 3  # 420199 falls back to the city 420100
    assert totals["loose"]["unions"] == 1 and "loose" not in descendants(TREE, "root")


def test_descendants_include_the_root_and_stop_at_the_subtree() -> None:
    assert descendants(TREE, "city") == {"city", "county", "g1", "g2"}


def test_rollup_property_round_trip() -> None:
    for key in ("members", "newForm", "level:GRASSROOTS", "gender:1", "nature:05"):
        assert rollup_key(rollup_property(key)) == key
    assert rollup_key("name") is None


def test_stats_from_counters() -> None:
    props = {
        "r_members": 6,
        "r_employees": 10,
        "r_gender_1": 3,
        "r_gender_2": 3,
        "name": "x",
        "r_unions": 4,
        "r_level_CITY": 1,
        "r_level_COUNTY": 0,
    }
    stats = SubtreeStats.from_counters("root", counters_from_props(props))
    assert stats.members == 6 and stats.membership_rate == 0.6
    assert [c.key for c in stats.by_gender] == ["1", "2"]
    assert [c.key for c in stats.by_level] == ["CITY"]  # zero buckets are left out
    assert SubtreeStats.from_counters("x", Counter()).membership_rate is None
