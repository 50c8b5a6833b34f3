"""A generated province on every engine: tree reads and stats equal the generator truth."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph_service.demo.generator import DemoConfig
from graph_service.errors import BadUserInput, Conflict, NotFound
from graph_service.services.registry import Services
from tests.conftest import ENGINES, make_services, open_test_store
from tests.truth import Truth

CONFIG = DemoConfig(members=2_500, seed=7)


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(CONFIG)


@pytest.fixture(scope="module", params=ENGINES)
async def loaded(request: pytest.FixtureRequest, falkordb_server) -> AsyncIterator[Services]:  # type: ignore[no-untyped-def]
    store = await open_test_store(request.param, falkordb_server)
    services = make_services(store)
    report = await services.demo.load(CONFIG)
    assert report.loaded and report.members == CONFIG.members
    yield services
    await store.drop()  # type: ignore[attr-defined]
    await store.close()


async def test_province_stats_equal_the_generator_truth(loaded: Services, truth: Truth) -> None:
    root = truth.root()
    expected = truth.stats(root)
    stats = await loaded.stats.subtree_stats(root)
    assert (stats.unions, stats.grassroots_unions, stats.members) == (
        expected["unions"],
        expected["grassroots"],
        expected["members"],
    )
    assert (stats.employers, stats.employees) == (expected["employers"], expected["employees"])
    assert stats.new_form_worker_members == expected["newForm"]
    assert {c.key: c.count for c in stats.by_gender} == {
        k.split(":")[1]: v for k, v in expected.items() if k.startswith("gender:")
    }
    assert stats.members > 0 and stats.employers_without_union > 0


async def test_county_stats_equal_the_truth(loaded: Services, truth: Truth) -> None:
    county = max(
        (u for u in truth.province.unions if u["level"] == "COUNTY"),
        key=lambda u: len(truth.subtree(u["id"])),
    )["id"]
    expected = truth.stats(county)
    stats = await loaded.stats.subtree_stats(county)
    assert (stats.unions, stats.members, stats.employees) == (
        expected["unions"],
        expected["members"],
        expected["employees"],
    )


async def test_stats_as_of_a_past_day_come_from_edge_history(
    loaded: Services, truth: Truth
) -> None:
    from datetime import date

    root = truth.root()
    expected = truth.stats(root, as_of="2012-01-01")
    stats = await loaded.stats.subtree_stats(root, as_of=date(2012, 1, 1))
    assert stats.as_of == date(2012, 1, 1)
    assert (stats.unions, stats.members, stats.employers) == (
        expected["unions"],
        expected["members"],
        expected["employers"],
    )
    assert stats.members < (await loaded.stats.subtree_stats(root)).members


async def test_rollups_verify_clean_after_load(loaded: Services) -> None:
    assert await loaded.stats.verify() == []


async def test_ancestors_run_from_the_national_root_to_the_parent(
    loaded: Services, truth: Truth
) -> None:
    leaf = next(u["id"] for u in truth.province.unions if u["level"] == "GRASSROOTS")
    chain = await loaded.tree.ancestors(leaf)
    assert [u.id for u in chain] == truth.chain(leaf)
    assert chain[0].level.value == "NATIONAL"


async def test_children_pages_cover_every_child_once(loaded: Services, truth: Truth) -> None:
    root = truth.root()
    expected = {u["id"] for u in truth.province.unions if u["parentId"] == root}
    seen: list[str] = []
    cursor = None
    while True:
        page = await loaded.tree.children(root, first=7, after=cursor)
        assert page.total_count == len(expected)
        seen += [u.id for u in page.items]
        if not page.has_next_page:
            break
        cursor = page.end_cursor
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


async def test_union_members_and_employers_pages(loaded: Services, truth: Truth) -> None:
    union = max(
        (u for u in truth.province.unions if u["level"] == "GRASSROOTS"),
        key=lambda u: sum(m["unionId"] == u["id"] for m in truth.members),
    )["id"]
    active = [m for m in truth.members if m["unionId"] == union and m["status"] == "ACTIVE"]
    page = await loaded.tree.members(union, status="ACTIVE", first=500, after=None)
    assert page.total_count == len(active)
    assert {m.id for m in page.items} == {m["id"] for m in active}
    employers = await loaded.tree.employers(union, first=50, after=None)
    assert {e.id for e in employers.items} == {
        e["id"] for e in truth.province.employers if e["unionId"] == union
    }


async def test_member_by_certificate(loaded: Services, truth: Truth) -> None:
    row = next(m for m in truth.members if m["unionId"] and m["employerId"])
    member = await loaded.tree.member_by_certificate(row["certNumber"])
    assert (member.id, member.union_id, member.employer_id) == (
        row["id"],
        row["unionId"],
        row["employerId"],
    )
    assert member.id != row["certNumber"]


async def test_search_by_name_level_and_subtree(loaded: Services, truth: Truth) -> None:
    city = next(
        u for u in truth.province.unions if u["level"] == "CITY" and u["kind"] == "地方总工会"
    )
    page = await loaded.tree.search_unions(
        name_contains=city["name"][:3], level="CITY", under=None, first=50, after=None
    )
    assert city["id"] in {u.id for u in page.items}
    under = await loaded.tree.search_unions(
        name_contains=None, level="GRASSROOTS", under=city["id"], first=500, after=None
    )
    expected = {u for u in truth.subtree(city["id"]) if truth.unions[u]["level"] == "GRASSROOTS"}
    assert under.total_count == len(expected)


async def test_unknown_and_malformed_ids(loaded: Services, truth: Truth) -> None:
    with pytest.raises(NotFound):
        await loaded.tree.get_union("LS4201020000099999")
    with pytest.raises(BadUserInput) as caught:
        await loaded.tree.get_union("not-a-code")
    assert caught.value.field == "id"
    with pytest.raises(BadUserInput):
        await loaded.tree.children(truth.root(), first=5, after="garbage!")


async def test_demo_is_loaded_once(loaded: Services, truth: Truth) -> None:
    again = await loaded.demo.load(CONFIG)
    assert not again.loaded
    assert (await loaded.stats.subtree_stats(truth.root())).members == truth.stats(truth.root())[
        "members"
    ]


async def test_demo_refuses_a_graph_with_other_data(store, services: Services) -> None:  # type: ignore[no-untyped-def]
    from graph_service.queries import q

    await store.write(
        q("bulk/upsert_unions"),
        {"rows": [{"id": "LS4201020000000001", "props": {"name": "x", "level": "GRASSROOTS"}}]},
    )
    with pytest.raises(Conflict):
        await services.demo.load(DemoConfig(members=100))
