"""Pure rollup arithmetic: direct tallies summed up the tree."""

from __future__ import annotations

from collections import Counter

from graph_service.domain.stats import (
    ROLLUP_KEYS,
    SubtreeStats,
    UnionNode,
    bucket,
    counters_from_vector,
    rollup_vector,
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


def test_rollup_vector_round_trip_and_unknown_codes_bucketed() -> None:
    counters = Counter(
        {"members": 6, "gender:1": 3, "gender:x": 2, "nature:99": 1, "level:CITY": 1}
    )
    back = counters_from_vector(rollup_vector(counters))
    assert back["members"] == 6 and back["gender:1"] == 3
    assert back["gender:0"] == 2 and back["nature:00"] == 1  # unknown codes: first bucket
    assert len(rollup_vector(Counter())) == len(ROLLUP_KEYS)
    assert counters_from_vector(None) == Counter()
    assert bucket("household:None") == "household:0"


def test_stats_from_counters() -> None:
    counters = Counter(
        {
            "members": 6,
            "employees": 10,
            "gender:1": 3,
            "gender:2": 3,
            "unions": 4,
            "level:CITY": 1,
            "level:COUNTY": 0,
        }
    )
    stats = SubtreeStats.from_counters("root", counters_from_vector(rollup_vector(counters)))
    assert stats.members == 6 and stats.membership_rate == 0.6
    assert [c.key for c in stats.by_gender] == ["1", "2"]
    assert [c.key for c in stats.by_level] == ["CITY"]  # zero buckets are left out
    assert SubtreeStats.from_counters("x", Counter()).membership_rate is None
