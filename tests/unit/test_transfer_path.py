"""The transfer path merged from two ancestor chains (pure, no graph)."""

from __future__ import annotations

import pytest

from graph_service.domain.codes import UnionLevel
from graph_service.domain.models import Union
from graph_service.errors import Conflict
from graph_service.services.transfer_path import merge_path


def u(uid: str, level: str) -> Union:
    return Union.model_validate(
        {"id": uid, "name": f"工会{uid}", "level": UnionLevel(level), "kind": "地方总工会"}
    )


NAT = u("N", "NATIONAL")
PROV = u("P", "PROVINCE")
CITY1, CITY2 = u("C1", "CITY"), u("C2", "CITY")
COUNTY1, COUNTY2 = u("K1", "COUNTY"), u("K2", "COUNTY")
TOWN = u("T1", "TOWNSHIP")
G1, G2, G3, G5 = (u(x, "GRASSROOTS") for x in ("G1", "G2", "G3", "G5"))
CHAIN = {
    "G1": [NAT, PROV, CITY1, COUNTY1, TOWN],
    "G2": [NAT, PROV, CITY1, COUNTY1, TOWN],
    "G3": [NAT, PROV, CITY1, COUNTY1],
    "G5": [NAT, PROV, CITY2, COUNTY2],
    "K1": [NAT, PROV, CITY1],
}


def ids(unions: list[Union]) -> list[str]:
    return [x.id for x in unions]


def test_same_township() -> None:
    path = merge_path(G1, CHAIN["G1"], G2, CHAIN["G2"])
    assert path.common_ancestor.id == "T1"
    assert ids(path.up) == ["G1"] and ids(path.down) == ["G2"]
    assert path.hops == 2
    assert path.boundary is UnionLevel.TOWNSHIP and not path.cross_region


def test_same_county_different_branches_meet_at_the_county() -> None:
    path = merge_path(G1, CHAIN["G1"], G3, CHAIN["G3"])
    assert path.common_ancestor.id == "K1"
    assert ids(path.up) == ["G1", "T1"] and ids(path.down) == ["G3"]
    assert path.hops == 3
    assert path.boundary is UnionLevel.COUNTY and path.cross_region  # COUNTY or higher


def test_cross_city_meets_at_the_province() -> None:
    path = merge_path(G1, CHAIN["G1"], G5, CHAIN["G5"])
    assert path.common_ancestor.id == "P"
    assert ids(path.up) == ["G1", "T1", "K1", "C1"]
    assert ids(path.down) == ["C2", "K2", "G5"]
    assert path.hops == 7
    assert path.boundary is UnionLevel.PROVINCE and path.cross_region


def test_one_is_the_ancestor_of_the_other() -> None:
    down = merge_path(COUNTY1, CHAIN["K1"], G1, CHAIN["G1"])
    assert down.common_ancestor.id == "K1"
    assert down.up == [] and ids(down.down) == ["T1", "G1"] and down.hops == 2
    up = merge_path(G1, CHAIN["G1"], COUNTY1, CHAIN["K1"])
    assert up.common_ancestor.id == "K1"
    assert ids(up.up) == ["G1", "T1"] and up.down == [] and up.hops == 2


def test_same_union() -> None:
    path = merge_path(G1, CHAIN["G1"], G1, CHAIN["G1"])
    assert path.common_ancestor.id == "G1"
    assert path.up == [] and path.down == [] and path.hops == 0
    assert path.boundary is UnionLevel.GRASSROOTS and not path.cross_region


def test_unions_in_separate_trees_have_no_common_ancestor() -> None:
    with pytest.raises(Conflict) as caught:
        merge_path(G1, CHAIN["G1"], G5, [])
    assert caught.value.reason == "NO_COMMON_ANCESTOR"
